/* Load datasette-vega's chart builder on demand (plugins/vega_on_demand.py), in Chinese.
   window.NIANBAO_VEGA = {js: url, css: url}. */
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

  function translate(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var node;
    while ((node = walker.nextNode())) {
      var text = node.nodeValue.trim();
      if (text && Object.prototype.hasOwnProperty.call(ZH, text)) {
        node.nodeValue = node.nodeValue.replace(text, ZH[text]);
      }
    }
  }

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
