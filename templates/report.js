// Sorting and filtering of the source table, and a self-check of the page.
// Plain JavaScript, no libraries, works from file://.
(function () {
  "use strict";
  var scriptErrors = 0;
  window.addEventListener("error", function () {
    scriptErrors += 1;
    document.body.setAttribute("data-script-errors", String(scriptErrors));
  });

  function cellValue(row, index, type) {
    var text = row.cells[index].textContent.trim();
    if (type === "number") {
      var v = parseFloat(text.replace("\u2212", "-"));
      return isNaN(v) ? -Infinity : v;
    }
    return text.toLowerCase();
  }

  function sortTable(table, index, ascending) {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (h) { h.classList.remove("sorted-asc", "sorted-desc"); });
    var th = headers[index];
    th.classList.add(ascending ? "sorted-asc" : "sorted-desc");
    var type = th.getAttribute("data-type") || "text";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index, type), y = cellValue(b, index, type);
      return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  document.querySelectorAll("table.sortable").forEach(function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.addEventListener("click", function () {
        sortTable(table, index, !th.classList.contains("sorted-asc"));
      });
    });
  });

  var filter = document.getElementById("source-filter");
  if (filter) {
    filter.addEventListener("input", function () {
      var needle = filter.value.trim().toLowerCase();
      document.querySelectorAll("#source-table tbody tr").forEach(function (row) {
        row.style.display = !needle || row.textContent.toLowerCase().indexOf(needle) >= 0 ? "" : "none";
      });
    });
  }

  // A link ending in #sort=<column>[-desc] opens the page with the source table sorted.
  var match = /#sort=(\d+)(-desc)?$/.exec(window.location.hash);
  var table = document.getElementById("source-table");
  if (match && table) { sortTable(table, parseInt(match[1], 10), !match[2]); }

  // Self-check, read by tests: images loaded and broken (lazy images below the fold may not
  // have loaded yet; a broken one has finished loading with no picture).
  window.addEventListener("load", function () {
    var images = document.images, loaded = 0, broken = 0;
    for (var i = 0; i < images.length; i++) {
      if (images[i].complete && images[i].naturalWidth > 0) { loaded += 1; }
      else if (images[i].complete && images[i].getAttribute("loading") !== "lazy") { broken += 1; }
    }
    document.body.setAttribute("data-images", loaded + "/" + images.length);
    document.body.setAttribute("data-images-broken", String(broken));
    document.body.setAttribute("data-script-errors", String(scriptErrors));
  });
})();
