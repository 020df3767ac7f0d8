/* Charts follow the width of their card. */
(function () {
  if (!window.Plotly || !window.ResizeObserver) { return; }
  var observer = new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      var plot = entry.target.querySelector(".js-plotly-plot");
      if (plot) { window.Plotly.Plots.resize(plot); }
    });
  });
  document.querySelectorAll("figure.chart").forEach(function (el) { observer.observe(el); });
})();

/* At phone width: the filter panel starts folded (its summary says what is filtered), and a
   table wider than its card shows one block per row, each cell under its column's name,
   instead of scrolling sideways inside the card. */
(function () {
  var phone = window.matchMedia("(max-width: 600px)");
  var panel = document.querySelector("details.filter-panel");
  if (panel && phone.matches) { panel.open = false; }
  var tables = [].slice.call(document.querySelectorAll("main table"));
  /* the cell's content in one box, so a stacked cell lays it out beside its column's name
     (the box has no layout of its own otherwise: display: contents) */
  function wrap(td) {
    if (!td.firstChild) { return; }
    var value = document.createElement("div");
    value.className = "cell-value";
    while (td.firstChild) { value.appendChild(td.firstChild); }
    td.appendChild(value);
  }
  function label(table) {
    var head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!head) { return; }
    var names = [];
    [].forEach.call(head.cells, function (th) {
      th.setAttribute("role", "columnheader");
      for (var i = 0; i < th.colSpan; i++) { names.push(th.textContent.trim()); }
    });
    /* roles keep the table a table for screen readers once CSS stacks it */
    table.setAttribute("role", "table");
    [].forEach.call(table.rows, function (tr) { tr.setAttribute("role", "row"); });
    [].forEach.call(table.tBodies, function (body) {
      [].forEach.call(body.rows, function (tr) {
        var col = 0;
        [].forEach.call(tr.cells, function (td) {
          td.setAttribute("role", "cell");
          if (td.colSpan === 1 && names[col]) {
            td.setAttribute("data-label", names[col]);
            wrap(td);
          }
          col += td.colSpan;
        });
      });
    });
  }
  function fit() {
    tables.forEach(function (t) {
      t.classList.remove("stacked");
      var box = t.closest(".table-wrap") || t.parentElement;
      if (phone.matches && t.offsetWidth && box.scrollWidth > box.clientWidth + 1) {
        t.classList.add("stacked");
      }
    });
  }
  tables.forEach(label);
  fit();
  window.addEventListener("resize", fit);
  document.addEventListener("toggle", fit, true);
})();
