/* The committee dashboard: reads /dashboard/api/report and /dashboard/api/rules/<id>; every text is put on
   the page with textContent (never HTML); the charts are inline SVG built with DOM calls. */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var COLORS = {accepted: "#1a7f37", overridden: "#b42318", noFeedback: "#8c959f", silent: "#6f42c1"};
  var state = {report: null};

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function percent(value) { return value === null || value === undefined ? "–" : value.toFixed(1) + " %"; }

  function getJson(url) {
    return fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}}).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw new Error((body && body.message) || ("HTTP " + response.status)); }
        return body;
      });
    });
  }

  function query() {
    var from = document.getElementById("from").value, to = document.getElementById("to").value;
    var parts = [];
    if (from) { parts.push("from=" + encodeURIComponent(from)); }
    if (to) { parts.push("to=" + encodeURIComponent(to)); }
    return parts.length ? "?" + parts.join("&") : "";
  }

  function load() {
    var status = document.getElementById("status");
    status.textContent = "Loading…";
    var q = query();
    document.getElementById("export-csv").setAttribute("href", "/dashboard/api/export.csv" + q);
    document.getElementById("export-json").setAttribute("href", "/dashboard/api/export.json" + q);
    return getJson("/dashboard/api/report" + q).then(function (report) {
      state.report = report;
      document.getElementById("from").value = report.since.slice(0, 10);
      var until = new Date(report.until);
      until.setUTCDate(until.getUTCDate() - 1);
      document.getElementById("to").value = until.toISOString().slice(0, 10);
      document.getElementById("config-version").textContent =
        "site configuration " + report.siteConfiguration.version;
      renderTotals(report);
      renderOverall(report);
      renderTable(report);
      status.textContent = "Weeks " + (report.weeks[0] || "–") + " to " + (report.weeks[report.weeks.length - 1] || "–") +
        ": " + report.rules.filter(function (r) { return r.cards || r.silent; }).length + " rules spoke.";
      document.body.setAttribute("data-loaded", "true");
      showRuleFromHash();
    }).catch(function (error) {
      status.textContent = "Could not load the report: " + error.message;
    });
  }

  function sum(rules, key) { return rules.reduce(function (total, r) { return total + (r[key] || 0); }, 0); }

  function renderTotals(report) {
    var shown = sum(report.rules, "cards"), overridden = sum(report.rules, "overridden");
    var calls = Object.keys(report.calls).reduce(function (t, k) { return t + report.calls[k]; }, 0);
    var items = [["Hook calls", String(calls)], ["Cards shown", String(shown)],
                 ["Silent firings", String(sum(report.rules, "silent"))],
                 ["Accepted", String(sum(report.rules, "accepted"))], ["Overridden", String(overridden)],
                 ["Override rate", shown ? percent(100 * overridden / shown) : "–"]];
    var list = document.getElementById("totals");
    list.textContent = "";
    items.forEach(function (item) {
      list.appendChild(el("div", {}, [el("dt", {}, [item[0]]), el("dd", {}, [item[1]])]));
    });
  }

  function weeklyTotals(report, rules) {
    return report.weeks.map(function (week) {
      var total = {week: week, cards: 0, silent: 0, accepted: 0, overridden: 0, noFeedback: 0};
      rules.forEach(function (rule) {
        rule.weekly.forEach(function (w) {
          if (w.week === week) {
            ["cards", "silent", "accepted", "overridden", "noFeedback"].forEach(function (k) { total[k] += w[k]; });
          }
        });
      });
      return total;
    });
  }

  function legend() {
    return el("ul", {"class": "legend"}, [
      ["accepted", "Accepted"], ["overridden", "Overridden"], ["nofeedback", "No feedback"],
      ["silent", "Silent firing (not shown)"]].map(function (item) {
        return el("li", {}, [el("span", {"class": "swatch swatch-" + item[0], "aria-hidden": "true"}), item[1]]);
      }));
  }

  /* Weekly bars: a stacked bar of the cards shown (accepted, overridden, no feedback) and, beside it, the
     silent firings. `label` names the chart for screen readers; the numbers are also in a table. */
  function weeklyChart(weeks, label, width, height, compact) {
    var max = Math.max.apply(null, [1].concat(weeks.map(function (w) { return Math.max(w.cards, w.silent); })));
    var pad = compact ? 2 : 28, bottom = compact ? 2 : 22, top = compact ? 2 : 10;
    var slot = (width - pad - 4) / Math.max(weeks.length, 1);
    var bar = Math.max(2, Math.min(compact ? 6 : 18, slot / 2 - 2));
    var scale = function (v) { return (height - bottom - top) * v / max; };
    var summary = weeks.map(function (w) { return w.week + ": " + w.cards + " shown, " + w.silent + " silent"; }).join("; ");
    var root = svg("svg", {viewBox: "0 0 " + width + " " + height, width: width, height: height, role: "img",
                           "aria-label": label + ". " + (summary || "no data")});
    root.appendChild(svg("title", {}, label));
    if (!compact) {
      root.appendChild(svg("line", {x1: pad, y1: height - bottom, x2: width, y2: height - bottom, stroke: "#8c959f"}));
      root.appendChild(svg("text", {x: pad - 4, y: top + 8, "text-anchor": "end", "font-size": 10, fill: "#1b1f24"}, String(max)));
      root.appendChild(svg("text", {x: pad - 4, y: height - bottom, "text-anchor": "end", "font-size": 10, fill: "#1b1f24"}, "0"));
    }
    weeks.forEach(function (w, i) {
      var x = pad + i * slot + 2, base = height - bottom;
      [["accepted", w.accepted], ["overridden", w.overridden], ["noFeedback", w.noFeedback]].forEach(function (part) {
        var h = scale(part[1]);
        if (h > 0) {
          root.appendChild(svg("rect", {x: x, y: base - h, width: bar, height: h, fill: COLORS[part[0]],
                                        "data-kind": part[0], "data-week": w.week, "data-count": part[1]}));
          base -= h;
        }
      });
      var silent = scale(w.silent);
      if (silent > 0) {
        root.appendChild(svg("rect", {x: x + bar + 1, y: height - bottom - silent, width: bar, height: silent,
                                      fill: COLORS.silent, "data-kind": "silent", "data-week": w.week, "data-count": w.silent}));
      }
      var every = Math.ceil(weeks.length / 8);
      if (!compact && i % every === 0) {
        root.appendChild(svg("text", {x: x, y: height - 6, "font-size": 10, fill: "#1b1f24"}, w.week.slice(5)));
      }
    });
    return root;
  }

  function weeklyTable(weeks, caption) {
    var rows = weeks.map(function (w) {
      return el("tr", {}, [el("th", {scope: "row"}, [w.week])].concat(
        [w.cards, w.silent, w.accepted, w.overridden, w.noFeedback].map(function (v) {
          return el("td", {"class": "num"}, [String(v)]);
        })));
    });
    var head = el("tr", {}, ["Week (Monday)", "Shown", "Silent", "Accepted", "Overridden", "No feedback"].map(function (t) {
      return el("th", {scope: "col"}, [t]);
    }));
    return el("details", {}, [el("summary", {}, [caption]),
      el("table", {}, [el("thead", {}, [head]), el("tbody", {}, rows)])]);
  }

  function renderOverall(report) {
    var box = document.getElementById("overall-chart");
    box.textContent = "";
    var weeks = weeklyTotals(report, report.rules);
    box.appendChild(legend());
    box.appendChild(weeklyChart(weeks, "Cards per week, all rules", 900, 180, false));
    box.appendChild(weeklyTable(weeks, "Numbers per week"));
  }

  function filled(report, rule) {
    return report.weeks.map(function (week) {
      return rule.weekly.filter(function (w) { return w.week === week; })[0] ||
        {week: week, cards: 0, silent: 0, accepted: 0, overridden: 0, noFeedback: 0};
    });
  }

  function renderTable(report) {
    var body = document.querySelector("#rules-table tbody");
    body.textContent = "";
    report.rules.forEach(function (rule) {
      var link = el("a", {href: "#rule=" + rule.rule, "data-rule": rule.rule}, [rule.rule]);
      var reasons = el("ul", {"class": "reasons"}, rule.topOverrideReasons.map(function (r) {
        return el("li", {}, [r.reason + " (" + r.count + ")"]);
      }));
      var row = el("tr", {"data-rule": rule.rule}, [
        el("th", {scope: "row"}, [link, el("br"), el("span", {"class": "muted"}, [rule.title])]),
        el("td", {}, [el("span", {"class": "mode mode-" + rule.mode}, [rule.mode])]),
        el("td", {}, [rule.version || "–"]),
        el("td", {"class": "num", "data-col": "cards"}, [String(rule.cards)]),
        el("td", {"class": "num", "data-col": "silent"}, [String(rule.silent)]),
        el("td", {"class": "num", "data-col": "accepted"}, [String(rule.accepted), el("br"),
          el("span", {"class": "rate"}, [percent(rule.acceptanceRate)])]),
        el("td", {"class": "num", "data-col": "overridden"}, [String(rule.overridden), el("br"),
          el("span", {"class": "rate"}, [percent(rule.overrideRate)])]),
        el("td", {}, [reasons]),
        el("td", {"class": "chart"}, [weeklyChart(filled(report, rule), "Per week, " + rule.rule, 150, 34, true)])
      ]);
      body.appendChild(row);
    });
  }

  function definition(term, value) { return el("div", {}, [el("dt", {}, [term]), el("dd", {}, [value])]); }

  function showRuleFromHash() {
    var match = /^#rule=([a-z0-9-]+)$/.exec(window.location.hash);
    if (match && state.report) { showRule(match[1]); }
  }

  function showRule(ruleId) {
    var section = document.getElementById("rule-detail"), box = document.getElementById("rule-detail-body");
    return getJson("/dashboard/api/rules/" + encodeURIComponent(ruleId)).then(function (rule) {
      var line = state.report.rules.filter(function (r) { return r.rule === ruleId; })[0];
      var config = rule.configuration;
      document.getElementById("rule-detail-heading").textContent = rule.rule + ": " + rule.title;
      box.textContent = "";
      box.appendChild(el("dl", {"class": "totals"}, [
        definition("Rule version", rule.version), definition("Mode", config.mode),
        definition("Hooks", config.hooks.join(", ")),
        definition("Indicator", Object.keys(config.indicators).map(function (k) { return k + ": " + config.indicators[k]; }).join("; ")),
        definition("Site configuration", rule.siteConfigurationVersion)]));
      if (config.note) { box.appendChild(el("p", {}, ["Committee note: " + config.note])); }
      if (line) {
        box.appendChild(el("h3", {}, ["Per week"]));
        box.appendChild(weeklyChart(filled(state.report, line), "Cards per week, " + rule.rule, 900, 160, false));
        box.appendChild(el("h3", {}, ["Per rule and site-configuration version"]));
        box.appendChild(el("table", {"class": "versions"}, [
          el("thead", {}, [el("tr", {}, ["Rule version", "Site configuration", "Shown", "Silent", "Accepted", "Overridden", "Override rate"].map(function (t) {
            return el("th", {scope: "col"}, [t]);
          }))]),
          el("tbody", {}, line.versions.map(function (v) {
            return el("tr", {}, [el("td", {}, [v.ruleVersion]), el("td", {}, [v.siteConfigurationVersion]),
              el("td", {"class": "num"}, [String(v.cards)]), el("td", {"class": "num"}, [String(v.silent)]),
              el("td", {"class": "num"}, [String(v.accepted)]), el("td", {"class": "num"}, [String(v.overridden)]),
              el("td", {"class": "num"}, [percent(v.overrideRate)])]);
          }))]));
      }
      box.appendChild(el("h3", {}, ["Parameters"]));
      box.appendChild(el("table", {"class": "parameters"}, [
        el("thead", {}, [el("tr", {}, ["Parameter", "In effect", "Card file", "Site may set"].map(function (t) {
          return el("th", {scope: "col"}, [t]);
        }))]),
        el("tbody", {}, config.parameters.map(function (p) {
          return el("tr", {}, [el("td", {}, [p.name]), el("td", {}, [JSON.stringify(p.value) + (p.overridden ? " (site)" : "")]),
            el("td", {}, [JSON.stringify(p.cardValue)]),
            el("td", {}, [p.range ? p.range.min + "–" + p.range.max : "not tunable"])]);
        }))]));
      box.appendChild(el("h3", {}, ["Card text"]));
      rule.variants.forEach(function (variant) {
        box.appendChild(el("p", {}, ["Variant " + variant.name + " (" + variant.indicator + "): " + variant.summary]));
        box.appendChild(el("pre", {"class": "template"}, [variant.detail]));
      });
      box.appendChild(el("p", {}, ["Source: " + rule.source.label + ": " + rule.source.reference]));
      box.appendChild(el("h3", {}, ["Override reasons offered"]));
      box.appendChild(el("ul", {}, rule.overrideReasons.map(function (r) { return el("li", {}, [r.display]); })));
      section.hidden = false;
      section.setAttribute("data-rule", rule.rule);
    }).catch(function (error) {
      document.getElementById("status").textContent = "Could not load the rule: " + error.message;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.getElementById("period").addEventListener("submit", function (event) {
      event.preventDefault();
      load();
    });
    window.addEventListener("hashchange", showRuleFromHash);
    load();
  });

  window.PnetDashboard = {load: load, showRule: showRule, state: state};
}());
