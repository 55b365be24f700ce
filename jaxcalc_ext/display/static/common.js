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

// The picture a widget's output carries for exports is the output right after the widget's own
// (display/static_fallback.py). Where the widget runs, that picture is hidden, and hidden again
// if the front end replaces it when the kernel refreshes it. Returns the cleanup.
function hideStaticTwin(el) {
  let observer = null;
  const hide = () => {
    const child = el.closest(".jp-OutputArea-child");
    if (!child) return false;
    const twin = child.nextElementSibling;
    if (twin && twin.querySelector(".jp-RenderedImage img") && twin.style.display !== "none") {
      twin.style.display = "none";
      twin.classList.add("jaxcalc-static-twin");
    }
    if (!observer && child.parentElement) {
      observer = new MutationObserver(hide);
      observer.observe(child.parentElement, { childList: true });
    }
    return true;
  };
  // the view is attached to the page a moment after render is called
  let tries = 0;
  const retry = () => { if (!hide() && ++tries < 50) setTimeout(retry, 100); };
  retry();
  return () => { if (observer) observer.disconnect(); };
}
