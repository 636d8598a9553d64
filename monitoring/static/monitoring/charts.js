/* The monitoring pages' charts (ECharts, served locally). Each chart is an element with
   data-chart="series" or "towns" and data-source naming the json_script element that holds its
   data; nothing runs inline. */
(function () {
  "use strict";

  var RED = "#dc3545", ORANGE = "#fd7e14", BLUE = "#0d6efd", GREEN = "#198754", GREY = "#6c757d";

  function line(value, label, color) {
    return {
      yAxis: value,
      lineStyle: {color: color, type: "dashed"},
      label: {formatter: label + " " + value, position: "insideEndTop", color: color}
    };
  }

  function seriesOption(d) {
    var marks = [];
    if (d.high !== null && d.high !== undefined) marks.push(line(d.high, "高报", RED));
    if (d.low !== null && d.low !== undefined) marks.push(line(d.low, "低报", ORANGE));
    if (d.baseline !== null && d.baseline !== undefined) marks.push(line(d.baseline, d.baseline_label || "基准", GREY));
    var limits = marks.map(function (m) { return m.yAxis; });
    var alarms = d.alarms || [];
    var yAxis = {type: "value", name: d.unit || "", scale: true};
    if (d.boolean) {
      yAxis = {type: "value", min: 0, max: 1, interval: 1,
        axisLabel: {formatter: function (v) { return v ? "是" : "否"; }}};
    } else if (d.readings.length) {
      // The thresholds stay in view even when the values are far from them.
      yAxis.min = function (v) { return Math.min.apply(null, [v.min].concat(limits)); };
      yAxis.max = function (v) { return Math.max.apply(null, [v.max].concat(limits)); };
    }
    return {
      title: {text: d.title, left: "center", textStyle: {fontSize: 14},
        subtext: d.readings.length ? "" : "该时段没有监测数据", subtextStyle: {color: GREY}},
      tooltip: {trigger: "axis"},
      grid: {left: 55, right: 25, top: 50, bottom: 70},
      xAxis: {type: "time", min: d.since, max: d.until},
      yAxis: yAxis,
      dataZoom: [{type: "inside"}, {type: "slider", height: 18, bottom: 12, showDataShadow: false}],
      series: [{
        name: d.title,
        type: "line",
        data: d.readings,
        showSymbol: false,
        sampling: "lttb",
        step: d.boolean ? "end" : false,
        lineStyle: {width: 1.5, color: BLUE},
        itemStyle: {color: BLUE},
        markLine: {symbol: "none", silent: true, data: marks},
        markArea: {
          itemStyle: {color: "rgba(220, 53, 69, 0.12)"},
          // Names of a few alarms fit above the chart; many would overlap (hover shows them).
          label: {show: alarms.length <= 3, color: RED, fontSize: 11},
          data: alarms.map(function (a) { return [{name: a.label, xAxis: a.start}, {xAxis: a.end}]; })
        },
        markPoint: {
          symbolSize: 36,
          itemStyle: {color: RED},
          label: {fontSize: 10},
          data: alarms.filter(function (a) {
            return a.value !== null && a.at >= d.since && a.at <= d.until && !d.boolean;
          }).map(function (a) { return {name: a.label, coord: [a.at, a.value], value: "报警"}; })
        }
      }]
    };
  }

  function townsOption(d) {
    return {
      title: {text: "各镇街监测接入与报警", left: "center", textStyle: {fontSize: 14}},
      tooltip: {trigger: "axis"},
      legend: {bottom: 0},
      grid: {left: 40, right: 10, top: 40, bottom: 80},
      xAxis: {type: "category", data: d.towns, axisLabel: {rotate: 40, interval: 0}},
      yAxis: {type: "value", minInterval: 1},
      series: [
        {name: "已接入", type: "bar", stack: "must", data: d.connected, itemStyle: {color: GREEN}},
        {name: "未接入", type: "bar", stack: "must", data: d.not_connected, itemStyle: {color: ORANGE}},
        {name: "未完成报警", type: "bar", data: d.alarms, itemStyle: {color: RED}}
      ]
    };
  }

  var OPTIONS = {series: seriesOption, towns: townsOption};

  function init() {
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var build = OPTIONS[element.dataset.chart];
      var source = document.getElementById(element.dataset.source);
      if (!build || !source || typeof echarts === "undefined") return;
      var chart = echarts.init(element);
      // data-ready marks a chart fully drawn (its animation over), for tests and screenshots.
      chart.on("finished", function () { element.dataset.ready = "1"; });
      chart.setOption(build(JSON.parse(source.textContent)));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
