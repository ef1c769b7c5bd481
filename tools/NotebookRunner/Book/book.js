// Typesets the maths Markdig marked (class "math": \( ... \) inline, \[ ... \] display) with KaTeX, highlights the
// code with highlight.js, then marks the page ready (the browser test waits for it).
(function () {
  document.querySelectorAll('.math').forEach(function (el) {
    var tex = el.textContent.trim();
    var display = el.tagName === 'DIV';
    if (tex.startsWith('\\(') || tex.startsWith('\\[')) tex = tex.slice(2, -2);
    katex.render(tex, el, { displayMode: display, throwOnError: false });
  });
  document.querySelectorAll('pre.source code').forEach(function (el) { hljs.highlightElement(el); });
  document.body.setAttribute('data-ready', 'true');
})();
