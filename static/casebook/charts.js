/* Statistics charts, drawn with Chart.js (served from this site) from the
   numbers the page carries in <script id="chart-data" type="application/json">.
   The same numbers are in the tables under each chart. */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var brand = "#1d3557";
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#1b1f24";
  Chart.defaults.animation = false;

  function draw(id, series, type) {
    var canvas = document.getElementById(id);
    if (!canvas || !series || !series.values.length) return;
    new Chart(canvas, {
      type: type,
      data: {
        labels: series.labels,
        datasets: [{ data: series.values, backgroundColor: brand, borderColor: brand, borderWidth: 2,
                     pointRadius: 0, fill: false, stepped: type === "line" ? "before" : false }]
      },
      options: {
        maintainAspectRatio: false,
        indexAxis: type === "bar" ? "y" : "x",
        plugins: { legend: { display: false } },
        datasets: { bar: { maxBarThickness: 28 } },
        scales: {
          x: { beginAtZero: true, ticks: { precision: 0, autoSkip: true, maxTicksLimit: 12, maxRotation: 0 } },
          y: { beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    });
  }
  draw("chart-months", data.months, "line");
  draw("chart-by_occupation", data.by_occupation, "bar");
  draw("chart-by_allegation_kind", data.by_allegation_kind, "bar");
  draw("chart-by_legal_stage", data.by_legal_stage, "bar");
})();
