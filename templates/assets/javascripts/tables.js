/*
 * reviewgen: sortable and filterable tables.
 *
 * Load after vendor/tablesort.min.js and vendor/tablesort.number.min.js.
 * Dependency-free apart from Tablesort; no inline handlers, no eval, and no
 * innerHTML: option labels are set through textContent only.
 *
 * Sorting: every table inside an <article> becomes sortable (click or Enter
 * on a header cell). Skipped: code-listing tables (.highlighttable, anything
 * inside .highlight) and tables with data-sortable="false".
 *
 * Filtering: markup contract (column numbers are 0-based):
 *
 *   <div class="rg-filter" data-filterable data-filter-for="findings">
 *     <div class="rg-filters">
 *       <label>Severity
 *         <select data-filter-column="1"><option value="">All</option></select>
 *       </label>
 *       <output class="rg-filter-count"></output>   (optional)
 *     </div>
 *     <table id="findings">...</table>
 *   </div>
 *
 * data-filterable may sit on the wrapper (as above) or on the table itself.
 * data-filter-for names the id of the table (or of an element holding it);
 * when absent or unknown, the first table inside the wrapper is used. A row
 * stays visible when, for every select with a non-empty value, the trimmed
 * text of its cell N equals that value ("" means all). A select holding
 * nothing but the "" option is filled with the column's distinct values.
 */
(function () {
  "use strict";

  var DONE = "data-rg-ready";

  function cellText(row, column) {
    var cell = row.cells[column];
    return cell ? (cell.textContent || "").trim() : "";
  }

  function bodyRows(table) {
    var rows = [];
    for (var b = 0; b < table.tBodies.length; b++) {
      rows.push.apply(rows, table.tBodies[b].rows);
    }
    return rows;
  }

  function makeSortable(root) {
    if (typeof window.Tablesort !== "function") return;
    var tables = root.querySelectorAll("article table");
    for (var i = 0; i < tables.length; i++) {
      var table = tables[i];
      if (table.hasAttribute(DONE + "-sort")) continue;
      if (table.classList.contains("highlighttable")) continue;
      if (table.closest(".highlight")) continue;
      if (table.getAttribute("data-sortable") === "false") continue;
      table.setAttribute(DONE + "-sort", "");
      new window.Tablesort(table);
    }
  }

  function targetTable(wrapper) {
    var id = wrapper.getAttribute("data-filter-for");
    var target = id ? document.getElementById(id) : null;
    if (target && target.tagName !== "TABLE") target = target.querySelector("table");
    return target || wrapper.querySelector("table");
  }

  function fillOptions(select, rows, column) {
    if (select.options.length > 1) return;
    if (select.options.length === 0) select.add(new Option("All", ""));
    var seen = {};
    var values = [];
    rows.forEach(function (row) {
      var text = cellText(row, column);
      if (text && !Object.prototype.hasOwnProperty.call(seen, text)) {
        seen[text] = true;
        values.push(text);
      }
    });
    values.sort(function (a, b) {
      return a.localeCompare(b, undefined, { numeric: true });
    });
    values.forEach(function (value) {
      select.add(new Option(value, value)); // text node, never parsed as HTML
    });
  }

  function setUpFilter(wrapper) {
    var table = targetTable(wrapper);
    var panel = wrapper.querySelector(".rg-filters");
    if (!table || !panel) return;
    var selects = panel.querySelectorAll("select[data-filter-column]");
    var count = panel.querySelector(".rg-filter-count");
    var rows = bodyRows(table);
    for (var i = 0; i < selects.length; i++) {
      fillOptions(selects[i], rows, parseInt(selects[i].getAttribute("data-filter-column"), 10));
    }

    function apply() {
      var all = bodyRows(table);
      var shown = 0;
      all.forEach(function (row) {
        var visible = true;
        for (var s = 0; s < selects.length && visible; s++) {
          var wanted = selects[s].value;
          var column = parseInt(selects[s].getAttribute("data-filter-column"), 10);
          if (wanted !== "" && cellText(row, column) !== wanted) visible = false;
        }
        row.hidden = !visible;
        if (visible) shown++;
      });
      if (count) count.textContent = shown + " of " + all.length;
    }

    for (var j = 0; j < selects.length; j++) {
      selects[j].addEventListener("change", apply);
    }
    apply();
  }

  function makeFilterable(root) {
    var wrappers = root.querySelectorAll(".rg-filter");
    for (var i = 0; i < wrappers.length; i++) {
      if (wrappers[i].hasAttribute(DONE + "-filter")) continue;
      if (!wrappers[i].hasAttribute("data-filterable") &&
          !wrappers[i].querySelector("table[data-filterable]")) continue;
      wrappers[i].setAttribute(DONE + "-filter", "");
      setUpFilter(wrappers[i]);
    }
  }

  function init() {
    makeSortable(document);
    makeFilterable(document);
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    // Material emits on first load and after each instant navigation.
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
