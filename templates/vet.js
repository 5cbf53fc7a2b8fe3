// Blind vetting: verdicts by keyboard or mouse, kept in localStorage, exported as JSON.
// Plain JavaScript, no libraries, works from file:// in Chromium and Firefox.
(function () {
  "use strict";
  var scriptErrors = 0;
  window.addEventListener("error", function () {
    scriptErrors += 1;
    document.body.setAttribute("data-script-errors", String(scriptErrors));
  });

  var body = document.body;
  var pageID = body.getAttribute("data-page");
  var storageKey = "virtualobserver-vet:" + pageID;
  var cards = Array.prototype.slice.call(document.querySelectorAll(".vet-card"));
  var vetterInput = document.getElementById("vetter");
  var progress = document.getElementById("progress");
  var message = document.getElementById("message");
  var labels = { flare: "flare", not_flare: "not a flare", unsure: "unsure" };
  var state = { vetter: "", verdicts: {} };
  var current = 0;

  // Storage may be unavailable (private windows, some file:// settings): then verdicts live until the page closes.
  var storage = null;
  try {
    window.localStorage.setItem(storageKey + ":probe", "1");
    window.localStorage.removeItem(storageKey + ":probe");
    storage = window.localStorage;
  } catch (e) {
    storage = null;
  }

  function load() {
    if (!storage) { return; }
    try {
      var saved = JSON.parse(storage.getItem(storageKey) || "null");
      if (saved && typeof saved === "object") {
        state.vetter = typeof saved.vetter === "string" ? saved.vetter : "";
        state.verdicts = saved.verdicts && typeof saved.verdicts === "object" ? saved.verdicts : {};
      }
    } catch (e) {
      state = { vetter: "", verdicts: {} };
    }
  }

  function save() {
    if (storage) { storage.setItem(storageKey, JSON.stringify(state)); }
  }

  function judged() {
    return cards.filter(function (c) { return state.verdicts[c.getAttribute("data-card")]; }).length;
  }

  function show(card) {
    var id = card.getAttribute("data-card");
    var v = state.verdicts[id];
    Array.prototype.forEach.call(card.querySelectorAll("button[data-verdict]"), function (b) {
      var on = v && v.verdict === b.getAttribute("data-verdict");
      b.classList.toggle("chosen", !!on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
    card.setAttribute("data-verdict", v ? v.verdict : "");
    var comment = card.querySelector(".comment");
    if (document.activeElement !== comment) { comment.value = v && v.comment ? v.comment : ""; }
  }

  function refresh() {
    cards.forEach(show);
    progress.textContent = judged() + " / " + cards.length + " judged";
    body.setAttribute("data-judged", String(judged()));
  }

  function select(index, scroll) {
    if (cards.length === 0) { return; }
    current = Math.max(0, Math.min(cards.length - 1, index));
    cards.forEach(function (c, i) { c.classList.toggle("current", i === current); });
    body.setAttribute("data-current", cards[current].getAttribute("data-card"));
    if (scroll) {
      cards[current].scrollIntoView({ block: "nearest" });
      cards[current].focus({ preventScroll: true });
    }
  }

  function judge(index, verdict) {
    var card = cards[index];
    var id = card.getAttribute("data-card");
    var old = state.verdicts[id] || {};
    state.verdicts[id] = { verdict: verdict, comment: old.comment || "", time: new Date().toISOString() };
    save();
    refresh();
  }

  function setComment(card, text) {
    var id = card.getAttribute("data-card");
    var v = state.verdicts[id];
    if (!v) {
      if (!text) { return; }
      // A comment alone is kept, and exported once the card has a verdict.
      v = state.verdicts[id] = { verdict: "", comment: "", time: new Date().toISOString() };
    }
    v.comment = text;
    save();
  }

  function exportVerdicts() {
    var vetter = vetterInput.value.trim();
    if (!vetter) {
      message.textContent = "Enter your name first: the file records who judged.";
      vetterInput.focus();
      return;
    }
    var list = [];
    cards.forEach(function (c) {
      var id = c.getAttribute("data-card");
      var v = state.verdicts[id];
      if (v && labels[v.verdict]) { list.push({ card: id, verdict: v.verdict, comment: v.comment || "", time: v.time }); }
    });
    var file = {
      format: "virtualobserver-verdicts", version: 1, page: pageID, run: body.getAttribute("data-run"),
      vetter: vetter, exported: new Date().toISOString(), verdicts: list
    };
    var blob = new Blob([JSON.stringify(file, null, 2) + "\n"], { type: "application/json" });
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = "verdicts-" + pageID + "-" + vetter.replace(/[^A-Za-z0-9._-]+/g, "_") + ".json";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(url); a.remove(); }, 1000);
    message.textContent = "Exported " + list.length + " verdicts as " + a.download + ".";
    body.setAttribute("data-exported", String(list.length));
  }

  load();
  vetterInput.value = state.vetter;
  vetterInput.addEventListener("input", function () { state.vetter = vetterInput.value; save(); });
  document.getElementById("export").addEventListener("click", exportVerdicts);

  cards.forEach(function (card, index) {
    card.addEventListener("click", function () { select(index, false); });
    Array.prototype.forEach.call(card.querySelectorAll("button[data-verdict]"), function (b) {
      b.addEventListener("click", function (event) {
        event.stopPropagation();
        select(index, false);
        judge(index, b.getAttribute("data-verdict"));
      });
    });
    var comment = card.querySelector(".comment");
    comment.addEventListener("focus", function () { select(index, false); });
    comment.addEventListener("input", function () { setComment(card, comment.value); });
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA");
    if (typing) {
      if (event.key === "Escape") { target.blur(); select(current, true); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var verdict = { "1": "flare", "2": "not_flare", "3": "unsure" }[event.key];
    if (verdict) {
      judge(current, verdict);
      select(current + 1, true);
    } else if (event.key === "j") {
      select(current + 1, true);
    } else if (event.key === "k") {
      select(current - 1, true);
    } else if (event.key === "c") {
      cards[current].querySelector(".comment").focus();
    } else {
      return;
    }
    event.preventDefault();
  });

  refresh();
  select(0, false);
  body.setAttribute("data-script-errors", String(scriptErrors));
  body.setAttribute("data-ready", "1");
})();
