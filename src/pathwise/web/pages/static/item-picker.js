// The item picker of a check: a search box that keeps the questions whose prompt or skill
// holds every word typed, opens the skills that still have one, and says how many are left.
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("item-search");
    var list = document.getElementById("item-list");
    if (!box || !list) { return; }
    var count = document.getElementById("item-search-count");
    var options = list.querySelectorAll(".item-option[data-search]");
    var groups = list.querySelectorAll("details.item-group");
    document.getElementById("item-search-field").hidden = false;
    function filter() {
      var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      options.forEach(function (o) {
        var text = o.getAttribute("data-search") || "";
        var keep = words.every(function (w) { return text.indexOf(w) !== -1; });
        var ticked = o.querySelector("input").checked;
        o.hidden = !(keep || ticked);
        if (keep) { shown += 1; }
      });
      groups.forEach(function (g) {
        var any = g.querySelector(".item-option:not([hidden])");
        g.hidden = !any;
        if (words.length) { g.open = !!any; }
      });
      if (count) {
        count.textContent = words.length ? shown + (shown === 1 ? " question matches" : " questions match") : "";
      }
    }
    box.addEventListener("input", filter);
    box.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); } });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
