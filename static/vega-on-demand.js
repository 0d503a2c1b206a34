/* Load datasette-vega's chart builder on demand (plugins/vega_on_demand.py), in Chinese.
   window.NIANBAO_VEGA = {js: url, css: url, labels: {column: Chinese label}}. */
(function () {
  "use strict";
  var urls = window.NIANBAO_VEGA;
  var table = document.querySelector("table.rows-and-columns");
  var json = document.querySelector(".export-links a[href*=json]");
  if (!urls || !table || !json) return;

  // datasette-vega's English controls, as printed by its bundle.
  var ZH = {
    "Show charting options": "显示图表选项",
    "Charting options": "图表选项",
    "X column": "横轴列",
    "Y column": "纵轴列",
    "Type": "类型",
    "Swap X and Y": "交换横轴和纵轴",
    "Color": "颜色",
    "Size": "大小",
    "-- none --": "（无）",
    "Bar": "柱状图",
    "Line": "折线图",
    "Scatter": "散点图",
    "Numeric": "数值",
    "Numeric, binned": "数值（分组）",
    "Date/time": "日期时间",
    "Date/time, binned": "日期时间（分组）",
    "Label": "标签",
    "Category": "类别"
  };

  var own = function (object, key) { return Object.prototype.hasOwnProperty.call(object, key); };
  var labels = urls.labels || {};

  // The controls' words, and the column names in its pickers (the option values stay).
  function translate(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var node;
    while ((node = walker.nextNode())) {
      var text = node.nodeValue.trim();
      if (!text) continue;
      var zh = own(ZH, text) ? ZH[text] : node.parentNode.nodeName === "OPTION" && own(labels, text) ? labels[text] : null;
      if (zh) node.nodeValue = node.nodeValue.replace(text, zh);
    }
  }

  // The chart itself. datasette-vega hands vega-embed a Vega-Lite spec whose axis and legend
  // titles are the column names and whose tooltip reads "total: 5, year: 2023"; vega-embed
  // draws it on a canvas, an ordinal axis 21 px a value and 200 px high (60x180 px for a
  // few bars, rotated labels). It calls vegaEmbed(el, spec, {theme: "quartz", tooltip: true})
  // and keeps no handle on the chart, but vega-embed reads two options that object lacks,
  // `renderer` and `onBeforeParse`: they are answered for that one object from
  // Object.prototype (non-enumerable, undefined for every other object, assignable). The compiled
  // Vega spec then gets the Chinese labels, a readable size and SVG (text a reader's
  // tools and the browser tests can read).
  var STEP = 44; // px per value on an ordinal axis, at most (about three characters upright)
  var HEIGHT = 320;
  var phone = function () { return (window.innerWidth || 1000) < 600; };
  // The room for the plot beside the axis titles (and the legend, beside it on a desktop).
  var room = function () { return Math.min(900, (window.innerWidth || 1000) - (phone() ? 110 : 300)); };
  // An ordinal axis's step: the room shared by its values (the table's distinct cells of
  // that column; the chart draws the same rows), between vega-lite's 21 px and STEP.
  // Also whether its longest value fits the step upright (12 px labels: a Chinese
  // character 12 px wide, a digit or letter about 7).
  var upright = {};
  function step(field) {
    var seen = {};
    var cells = document.querySelectorAll("table.rows-and-columns td.col-" + field);
    Array.prototype.forEach.call(cells, function (td) { seen[td.textContent.trim()] = 1; });
    var values = Object.keys(seen);
    var px = Math.max(21, Math.min(STEP, Math.floor(room() / (values.length || 1))));
    var widest = Math.max.apply(null, values.map(function (v) {
      return v.replace(/[\u0000-\u00ff]/g, "").length * 12 + v.replace(/[^\u0000-\u00ff]/g, "").length * 7;
    }).concat([0]));
    upright[field] = widest <= px - 4;
    return px;
  }
  function isEmbedOptions(object) {
    return object !== Object.prototype && own(object, "theme") && own(object, "tooltip") && object.theme === "quartz";
  }
  function tooltip(expr) {
    return expr.replace(/'(, )?([^',]+): '/g, function (all, comma, key) {
      return own(labels, key) ? "'" + (comma ? "，" : "") + labels[key] + "：'" : all;
    });
  }
  function relabel(spec) {
    (function walk(node) {
      if (!node || typeof node !== "object") return;
      if (typeof node.title === "string" && own(labels, node.title)) node.title = labels[node.title];
      if (node.as === "_tooltip_summary" && typeof node.expr === "string") node.expr = tooltip(node.expr);
      Object.keys(node).forEach(function (key) { walk(node[key]); });
    })(spec);
    (spec.scales || []).forEach(function (scale) {
      var signal = scale.range && scale.range.step && scale.range.step.signal;
      var field = scale.domain && scale.domain.field;
      (spec.signals || []).forEach(function (s) {
        if (signal && field && s.name === signal && typeof s.value === "number") s.value = step(field);
      });
    });
    if (phone()) (spec.legends || []).forEach(function (legend) { legend.orient = "bottom"; });
    if (spec.height === 200) spec.height = HEIGHT;
    // a continuous x axis: as wide as the screen allows, up to 560 px
    if (spec.width === 200) spec.width = Math.max(200, Math.min(560, room()));
    // the quartz theme's grey labels (#979797 on #f9f9f9, 2.9:1) darkened to AA contrast
    var axis = (spec.config = spec.config || {}).axis = spec.config.axis || {};
    axis.labelColor = axis.titleColor = "#555";
    axis.labelFontSize = axis.titleFontSize = 12;
    var legend = spec.config.legend = spec.config.legend || {};
    legend.labelColor = legend.titleColor = "#555";
    legend.labelFontSize = legend.titleFontSize = 12;
    var xField = (spec.scales || []).filter(function (scale) { return scale.name === "x"; })
      .map(function (scale) { return scale.domain && scale.domain.field; })[0];
    (spec.axes || []).forEach(function (axis) {
      // upright labels when they fit the step, else slanted (Chinese read sideways is hard)
      if (axis.orient === "bottom" && axis.encode && axis.encode.labels) {
        var update = axis.encode.labels.update || {};
        if (update.angle && upright[xField]) {
          delete update.angle;
          update.align = { value: "center" };
          update.baseline = { value: "top" };
        } else if (update.angle) {
          update.angle = { value: -40 };
          update.align = { value: "right" };
          update.baseline = { value: "top" };
          axis.labelOverlap = false; // slanted labels a step apart do not collide
        }
      }
    });
    window.NIANBAO_CHART_SPEC = spec;
    return spec;
  }
  [["renderer", "svg"], ["onBeforeParse", relabel]].forEach(function (pair) {
    if (own(Object.prototype, pair[0])) return;
    Object.defineProperty(Object.prototype, pair[0], {
      configurable: true,
      enumerable: false,
      get: function () { return isEmbedOptions(this) ? pair[1] : undefined; },
      // an assignment (vega's own objects have a `renderer`) makes an ordinary own property
      set: function (value) {
        Object.defineProperty(this, pair[0], { value: value, writable: true, enumerable: true, configurable: true });
      }
    });
  });

  // datasette-vega 0.6.2's bundle compiles Vega-Lite 2 to a Vega 3 spec and renders it
  // with its own Vega 4.2, and its vega-embed warns about that pairing on every chart
  // (harmless: the bundle was built and tested that way). That one message, by its exact
  // text, is not passed on to the console; every other warning is.
  var BUNDLE_WARNING = "The compiled spec uses Vega v3, but current version is 4.2.0.";
  var warn = console.warn;
  console.warn = function () {
    if (arguments.length === 1 && arguments[0] === BUNDLE_WARNING) return;
    return warn.apply(console, arguments);
  };

  var state = { loaded: false, open: false };

  function openWhenReady() {
    var button = document.querySelector(".datasette-vega-inactive button");
    if (button) button.click();
  }

  function load(open) {
    state.open = state.open || open;
    if (state.loaded) {
      if (open) openWhenReady();
      return;
    }
    state.loaded = true;
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = urls.css;
    document.head.appendChild(css);
    // The bundle starts on DOMContentLoaded, which has passed: run its handler now.
    var add = document.addEventListener;
    document.addEventListener = function (type, listener, options) {
      if (type === "DOMContentLoaded") {
        setTimeout(listener, 0);
        return undefined;
      }
      return add.call(document, type, listener, options);
    };
    var script = document.createElement("script");
    script.src = urls.js;
    script.async = true;
    script.onload = function () {
      document.addEventListener = add;
      setTimeout(function () {
        var container = document.querySelector(".datasette-vega-inactive, form.datasette-vega");
        var root = container ? container.parentNode : document.body;
        translate(root);
        new MutationObserver(function () { translate(root); }).observe(root, {
          childList: true, subtree: true, characterData: true
        });
        if (state.open) openWhenReady();
        if (toggle) toggle.remove();
      }, 0);
    };
    document.head.appendChild(script);
  }

  var toggle = null;
  if (/^#(.*&)?g\./.test(window.location.hash)) {
    load(false);
  } else {
    toggle = document.createElement("p");
    toggle.className = "nianbao-chart-toggle";
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = "显示图表";
    button.addEventListener("click", function () {
      button.disabled = true;
      button.textContent = "正在加载图表…";
      load(true);
    });
    toggle.appendChild(button);
    var wrapper = table.closest(".table-wrapper") || table;
    wrapper.parentNode.insertBefore(toggle, wrapper);
  }
})();
