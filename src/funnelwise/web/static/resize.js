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
