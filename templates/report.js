// The index's tables (sources, detections), drawn a page at a time from data files (data/*.js,
// which set window.VO_TABLES), sorted and filtered in the page; and a self-check of the page.
// Plain JavaScript, no libraries, works from file://. Cells are set as text, never as HTML.
(function () {
  "use strict";
  var scriptErrors = 0;
  window.addEventListener("error", function () {
    scriptErrors += 1;
    document.body.setAttribute("data-script-errors", String(scriptErrors));
  });

  var PAGE = 100;

  function numberOf(text) {
    var v = parseFloat(String(text).replace("\u2212", "-"));
    return isNaN(v) ? -Infinity : v;
  }

  // One table: its data, the order and filter in force, and the page shown.
  function DataTable(element, data) {
    this.element = element;
    this.data = data;
    this.rows = data.rows;
    this.visible = data.rows;
    this.page = 0;
    this.sortColumn = -1;
    this.ascending = true;
    var self = this;
    var head = element.tHead.insertRow();
    data.columns.forEach(function (column, index) {
      var th = document.createElement("th");
      th.textContent = column.label;
      th.setAttribute("data-type", column.type);
      th.addEventListener("click", function () {
        self.sort(index, !(self.sortColumn === index && self.ascending));
      });
      head.appendChild(th);
    });
    this.pager = document.querySelector('.pager[data-table="' + element.id + '"]');
    this.draw();
  }

  DataTable.prototype.sort = function (index, ascending) {
    var type = this.data.columns[index].type;
    var keyed = this.rows.map(function (row, k) {
      var text = row.c[index];
      return { row: row, k: k, key: type === "number" ? numberOf(text) : String(text).toLowerCase() };
    });
    keyed.sort(function (a, b) {
      var order = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
      return (ascending ? order : -order) || a.k - b.k;
    });
    this.rows = keyed.map(function (x) { return x.row; });
    this.sortColumn = index;
    this.ascending = ascending;
    Array.prototype.forEach.call(this.element.tHead.rows[0].cells, function (th, k) {
      th.classList.toggle("sorted-asc", k === index && ascending);
      th.classList.toggle("sorted-desc", k === index && !ascending);
    });
    this.filter(this.needle || "");
  };

  DataTable.prototype.filter = function (needle) {
    this.needle = needle;
    this.visible = !needle ? this.rows : this.rows.filter(function (row) {
      if (row.text === undefined) { row.text = row.c.join("\u0001").toLowerCase(); }
      return row.text.indexOf(needle) >= 0;
    });
    this.page = 0;
    this.draw();
  };

  DataTable.prototype.draw = function () {
    var body = this.element.tBodies[0];
    while (body.firstChild) { body.removeChild(body.firstChild); }
    var pages = Math.max(1, Math.ceil(this.visible.length / PAGE));
    this.page = Math.min(Math.max(this.page, 0), pages - 1);
    var first = this.page * PAGE, last = Math.min(first + PAGE, this.visible.length);
    var hint = this.data.unlinkedHint;
    for (var k = first; k < last; k++) {
      var row = this.visible[k], tr = document.createElement("tr");
      if (row.f) { tr.className = "failed"; }
      row.c.forEach(function (text, index) {
        var td = document.createElement("td");
        if (index === 0 && row.l) {
          var a = document.createElement("a");
          a.href = row.l;
          a.textContent = text;
          td.appendChild(a);
        } else {
          td.textContent = text;
          if (index === 0 && hint) { td.title = hint; }
        }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    }
    if (!this.pager) { return; }
    var self = this;
    while (this.pager.firstChild) { this.pager.removeChild(this.pager.firstChild); }
    function button(label, page, enabled) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.disabled = !enabled;
      b.addEventListener("click", function () { self.page = page; self.draw(); });
      self.pager.appendChild(b);
    }
    button("\u00ab first", 0, this.page > 0);
    button("\u2039 previous", this.page - 1, this.page > 0);
    var status = document.createElement("span");
    status.className = "pager-status";
    status.textContent = this.visible.length === 0 ? "no rows" :
      "rows " + (first + 1) + "\u2013" + last + " of " + this.visible.length +
      (this.visible.length < this.rows.length ? " (filtered from " + this.rows.length + ")" : "");
    this.pager.appendChild(status);
    button("next \u203a", this.page + 1, this.page < pages - 1);
    button("last \u00bb", pages - 1, this.page < pages - 1);
  };

  var tables = {};
  document.querySelectorAll("table.data-table").forEach(function (element) {
    var data = (window.VO_TABLES || {})[element.getAttribute("data-rows")];
    if (!data) {
      element.insertAdjacentText("afterend", "The rows of this table (" + element.getAttribute("data-rows") + ".js) did not load.");
      return;
    }
    tables[element.id] = new DataTable(element, data);
  });

  document.querySelectorAll("input.table-filter").forEach(function (input) {
    var table = tables[input.getAttribute("data-table")];
    if (!table) { return; }
    input.addEventListener("input", function () { table.filter(input.value.trim().toLowerCase()); });
  });

  // A link ending in #sort=<column>[-desc] opens the page with the source table sorted.
  var match = /#sort=(\d+)(-desc)?$/.exec(window.location.hash);
  if (match && tables["source-table"]) { tables["source-table"].sort(parseInt(match[1], 10), !match[2]); }

  // Self-check, read by tests: images loaded and broken (lazy images below the fold may not
  // have loaded yet; a broken one has finished loading with no picture), table rows drawn.
  window.addEventListener("load", function () {
    var images = document.images, loaded = 0, broken = 0;
    for (var i = 0; i < images.length; i++) {
      if (images[i].complete && images[i].naturalWidth > 0) { loaded += 1; }
      else if (images[i].complete && images[i].getAttribute("loading") !== "lazy") { broken += 1; }
    }
    document.body.setAttribute("data-images", loaded + "/" + images.length);
    document.body.setAttribute("data-images-broken", String(broken));
    var counts = [];
    Object.keys(tables).sort().forEach(function (id) { counts.push(id + ":" + tables[id].rows.length); });
    document.body.setAttribute("data-table-rows", counts.join(" "));
    document.body.setAttribute("data-script-errors", String(scriptErrors));
  });
})();
