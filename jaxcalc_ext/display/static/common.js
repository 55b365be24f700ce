// Helpers shared by both widgets' front ends (taylor_widget.js, graph_widget.js). An anywidget
// module is one string, so display/javascript.py puts this file in front of each widget's own.

function element(tag, attrs, parent) {
  const e = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => (k === "text" ? (e.textContent = v) : e.setAttribute(k, v)));
  if (parent) parent.appendChild(e);
  return e;
}

// A number as a reader wants it: 4 significant digits, exponent form when tiny or huge.
function fmt(v) {
  if (v === null || v === undefined) return "";
  if (!isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : String(+v.toPrecision(4));
}
