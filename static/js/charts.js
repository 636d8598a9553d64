/* Every chart of the platform (ECharts, served locally from vendor/echarts), set up here and
   nowhere else: a chart is an element with data-chart naming one of OPTIONS below and
   data-source naming the json_script element that holds its data. A page includes
   vendor/echarts/echarts.min.js and this file; nothing runs inline, so no nonce is needed. */
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

  // --- monitoring: a point's readings, the connection board --------------------------------

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

  // Counts over categories (towns, months), the skeleton the boards share: `layout` says where
  // the legend and the grid go, whether the title is centred, the town names slanted, or the
  // bars horizontal.
  function countsChart(title, categories, series, layout) {
    var category = {type: "category", data: categories};
    if (layout.slanted) category.axisLabel = {rotate: 40, interval: 0};
    var value = {type: "value", minInterval: 1};
    var heading = {text: title, textStyle: {fontSize: 14}};
    if (layout.centred) heading.left = "center";
    return {
      title: heading,
      tooltip: {trigger: "axis"},
      legend: layout.legend,
      grid: layout.grid,
      xAxis: layout.horizontal ? value : category,
      yAxis: layout.horizontal ? category : value,
      series: series
    };
  }

  // The town boards: title centred, legend below, town names slanted.
  function townsLayout(bottom) {
    return {centred: true, slanted: true, legend: {bottom: 0},
            grid: {left: 40, right: 10, top: 40, bottom: bottom}};
  }

  function townsOption(d) {
    return countsChart("各镇街监测接入与报警", d.towns, [
      {name: "已接入", type: "bar", stack: "must", data: d.connected, itemStyle: {color: GREEN}},
      {name: "未接入", type: "bar", stack: "must", data: d.not_connected, itemStyle: {color: ORANGE}},
      {name: "未完成报警", type: "bar", data: d.alarms, itemStyle: {color: RED}}
    ], townsLayout(80));
  }

  // --- enforcement: the statistics board and a plan's progress ---------------------------

  // The month charts: legend above, months along the bottom.
  var MONTHS_LAYOUT = {legend: {top: 24}, grid: {top: 64, left: 40, right: 16, bottom: 32}};

  function enforcementMonthsOption(d) {
    return countsChart("按月", d.months, [
      {name: "检查", type: "bar", data: d.inspections, itemStyle: {color: BLUE}},
      {name: "发现隐患", type: "bar", data: d.hazards, itemStyle: {color: "#ffc107"}},
      {name: "重大隐患", type: "bar", data: d.majors, itemStyle: {color: RED}},
      {name: "处罚", type: "line", data: d.penalties, itemStyle: {color: GREEN}}
    ], MONTHS_LAYOUT);
  }

  function enforcementTownsOption(d) {
    return countsChart("按镇街：检查与处罚", d.towns, [
      {name: "检查", type: "bar", data: d.town_inspections, itemStyle: {color: BLUE}},
      {name: "处罚", type: "bar", data: d.town_penalties, itemStyle: {color: GREEN}}
    ], {horizontal: true, legend: {top: 24}, grid: {top: 64, left: 90, right: 16, bottom: 24}});
  }

  function planProgressOption(d) {
    return countsChart("计划进度（按月）", d.months, [
      {name: "重点计划", type: "bar", stack: "plan", data: d.planned_key, itemStyle: {color: "#9ec5fe"}},
      {name: "双随机计划", type: "bar", stack: "plan", data: d.planned_random, itemStyle: {color: "#a3cfbb"}},
      {name: "重点完成", type: "bar", stack: "done", data: d.done_key, itemStyle: {color: BLUE}},
      {name: "双随机完成", type: "bar", stack: "done", data: d.done_random, itemStyle: {color: GREEN}}
    ], MONTHS_LAYOUT);
  }

  // --- hazards: the zero-out board -------------------------------------------------------

  function zeroOutOption(d) {
    return countsChart("各镇街重大事故隐患", d.towns, [
      {name: "逾期未整改", type: "bar", stack: "open", data: d.overdue, itemStyle: {color: RED}},
      {name: "整改期限内", type: "bar", stack: "open", data: d.in_time, itemStyle: {color: ORANGE}},
      {name: "今年已销号", type: "bar", data: d.closed, itemStyle: {color: GREEN}}
    ], townsLayout(70));
  }

  // --- standardization: rated / applied / not started per town ----------------------------

  function standardizationTownsOption(d) {
    return countsChart("各镇街安全生产标准化", d.towns, [
      {name: "已达标", type: "bar", stack: "all", data: d.rated, itemStyle: {color: GREEN}},
      {name: "已申请", type: "bar", stack: "all", data: d.applied, itemStyle: {color: BLUE}},
      {name: "未启动", type: "bar", stack: "all", data: d.not_started, itemStyle: {color: GREY}}
    ], townsLayout(70));
  }

  // --- grading: the levels of the list ---------------------------------------------------

  function gradeLevelsOption(d) {
    return {
      title: {text: "风险等级分布", left: "center", textStyle: {fontSize: 14}},
      tooltip: {trigger: "item"},
      xAxis: {type: "category", data: d.labels, axisLabel: {interval: 0, fontSize: 11}},
      yAxis: {type: "value", minInterval: 1},
      grid: {left: 50, right: 10, top: 40, bottom: 40},
      series: [{name: "企业数", type: "bar", data: d.values, label: {show: true, position: "top"}}]
    };
  }

  // --- risks: the four-colour distribution ----------------------------------------------

  function riskColoursOption(d) {
    return {
      title: {text: "风险四色分布", left: "center", textStyle: {fontSize: 14}},
      tooltip: {trigger: "item"},
      legend: {bottom: 0},
      series: [{name: "风险数", type: "pie", radius: ["35%", "65%"],
        data: d.colours.map(function (c) { return {name: c.name, value: c.value, itemStyle: {color: c.color}}; }),
        label: {formatter: "{b} {c}"}}]
    };
  }

  var RISK_COLOURS = [["red", "红色", RED], ["orange", "橙色", ORANGE], ["yellow", "黄色", "#ffc107"], ["blue", "蓝色", BLUE]];

  function riskTownsOption(d) {
    return countsChart("各镇街风险（按颜色）", d.towns.names, RISK_COLOURS.map(function (c) {
      return {name: c[1], type: "bar", stack: "risks", data: d.towns[c[0]], itemStyle: {color: c[2]}};
    }), townsLayout(80));
  }

  function riskTypesOption(d) {
    return countsChart("按事故类型（GB 6441）", d.types, [
      {name: "风险数", type: "bar", data: d.type_counts, itemStyle: {color: GREY}}
    ], {horizontal: true, grid: {top: 40, left: 110, right: 16, bottom: 24}});
  }

  // --- targets: the duty room's large screen (dark) ---------------------------------------

  function targetsTrendOption(d) {
    return {
      backgroundColor: "transparent",
      title: {text: d.title || "主要指标走势（%）", textStyle: {fontSize: 16}},
      tooltip: {trigger: "axis"},
      legend: {bottom: 0, textStyle: {fontSize: 12}},
      grid: {left: 44, right: 16, top: 40, bottom: 64},
      xAxis: {type: "category", data: d.labels},
      yAxis: d.percent === false ? {type: "value", minInterval: 1} : {type: "value", min: 0, max: 100},
      series: d.series.map(function (s) {
        return {name: s.name, type: "line", data: s.data, connectNulls: true, symbolSize: 6};
      })
    };
  }

  function targetsTownsOption(d) {
    return countsChart("各镇街指标达标数", d.names, [
      {name: "达标", type: "bar", stack: "lights", data: d.green, itemStyle: {color: "#2ecc71"}},
      {name: "接近", type: "bar", stack: "lights", data: d.yellow, itemStyle: {color: "#f1c40f"}},
      {name: "未达标", type: "bar", stack: "lights", data: d.red, itemStyle: {color: "#ff4d4f"}}
    ], {horizontal: true, legend: {bottom: 0}, grid: {top: 40, left: 90, right: 16, bottom: 56}});
  }

  var OPTIONS = {
    series: seriesOption,
    towns: townsOption,
    "enforcement-months": enforcementMonthsOption,
    "enforcement-towns": enforcementTownsOption,
    "plan-progress": planProgressOption,
    "zero-out": zeroOutOption,
    "grade-levels": gradeLevelsOption,
    "standardization-towns": standardizationTownsOption,
    "risk-colours": riskColoursOption,
    "risk-towns": riskTownsOption,
    "risk-types": riskTypesOption,
    "targets-trend": targetsTrendOption,
    "targets-towns": targetsTownsOption
  };

  function init() {
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var build = OPTIONS[element.dataset.chart];
      var source = document.getElementById(element.dataset.source);
      if (!build || !source || typeof echarts === "undefined") return;
      // data-theme="dark": the large screen's charts (ECharts' own dark theme).
      var chart = echarts.init(element, element.dataset.theme || null);
      // data-ready marks a chart fully drawn (its animation over), for tests and screenshots.
      chart.on("finished", function () { element.dataset.ready = "1"; });
      var option = build(JSON.parse(source.textContent));
      if (element.dataset.theme === "dark") option.backgroundColor = "transparent";
      chart.setOption(option);
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
