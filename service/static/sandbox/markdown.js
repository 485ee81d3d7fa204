/* A small, safe markdown subset for card detail: paragraphs, "- " / "* " and "1. " lists, **bold**, *italic*,
 * `code` and backslash escapes. It builds DOM nodes and sets only textContent: the text of a card or of a
 * patient's record can never become HTML, a script or a link. Anything else shows as plain text. */
(function (global) {
  "use strict";
  var ESCAPABLE = "\\`*_{}[]()#+-.!|<>~";

  function renderInline(text, parent) {
    var buffer = "";
    function flush() { if (buffer) { parent.appendChild(document.createTextNode(buffer)); buffer = ""; } }
    var i = 0;
    while (i < text.length) {
      var ch = text[i];
      if (ch === "\\" && i + 1 < text.length && ESCAPABLE.indexOf(text[i + 1]) >= 0) {
        buffer += text[i + 1]; i += 2; continue;
      }
      if (ch === "`") {
        var close = text.indexOf("`", i + 1);
        if (close > i) {
          flush();
          var code = document.createElement("code");
          code.textContent = text.slice(i + 1, close);
          parent.appendChild(code);
          i = close + 1; continue;
        }
      }
      // "_" emphasises only at a word start (as in CommonMark): snake_case and __names__ inside words stay text.
      if (ch === "*" || (ch === "_" && (i === 0 || !/[A-Za-z0-9_]/.test(text[i - 1])))) {
        var marker = text.substr(i, 2) === ch + ch ? ch + ch : ch;
        var end = findClosing(text, marker, i + marker.length);
        if (end > i + marker.length) {
          flush();
          var node = document.createElement(marker.length === 2 ? "strong" : "em");
          renderInline(text.slice(i + marker.length, end), node);
          parent.appendChild(node);
          i = end + marker.length; continue;
        }
      }
      buffer += ch; i += 1;
    }
    flush();
  }

  /* The index of the closing `marker` after `from`, skipping backslash-escaped characters; -1 if none. */
  function findClosing(text, marker, from) {
    for (var j = from; j < text.length; j++) {
      if (text[j] === "\\") { j++; continue; }
      if (text.substr(j, marker.length) === marker) {
        if (marker.length === 1 && text[j + 1] === marker) { j++; continue; }
        if (marker[0] === "_" && /[A-Za-z0-9_]/.test(text[j + marker.length] || "")) { continue; }
        return j;
      }
    }
    return -1;
  }

  var BULLET = /^\s*[-*]\s+(.*)$/;
  var NUMBERED = /^\s*\d+[.)]\s+(.*)$/;

  function renderBlock(block, parent) {
    var lines = block.split("\n");
    var list = null, kind = null;
    var paragraph = [];
    function flushParagraph() {
      if (paragraph.length) {
        var p = document.createElement("p");
        renderInline(paragraph.join(" "), p);
        parent.appendChild(p);
        paragraph = [];
      }
    }
    lines.forEach(function (line) {
      var bullet = BULLET.exec(line), numbered = NUMBERED.exec(line);
      var match = bullet || numbered;
      if (match) {
        flushParagraph();
        var wanted = bullet ? "ul" : "ol";
        if (!list || kind !== wanted) { list = document.createElement(wanted); kind = wanted; parent.appendChild(list); }
        var li = document.createElement("li");
        renderInline(match[1], li);
        list.appendChild(li);
      } else if (list && /^\s+\S/.test(line)) {
        list.lastChild.appendChild(document.createTextNode(" "));
        renderInline(line.trim(), list.lastChild);
      } else {
        list = null; kind = null;
        paragraph.push(line.trim());
      }
    });
    flushParagraph();
  }

  /* A DocumentFragment with `markdown` rendered; never parses HTML. */
  function renderMarkdown(markdown) {
    var fragment = document.createDocumentFragment();
    String(markdown || "").replace(/\r\n?/g, "\n").split(/\n\s*\n/).forEach(function (block) {
      if (block.trim()) { renderBlock(block, fragment); }
    });
    return fragment;
  }

  global.PnetMarkdown = { render: renderMarkdown };
})(window);
