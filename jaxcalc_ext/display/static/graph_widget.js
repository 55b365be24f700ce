// The graph explorer (anywidget front end). The kernel lays out the current view with Graphviz
// and sends its SVG plus one "card" per visible node; this file only draws and reacts.
//
// Navigation: wheel to pan, ctrl+wheel or a pinch to zoom around the pointer, drag to pan,
// + / − / fit buttons and keys; text is never drawn under 11 CSS px (a large view is moved
// around, with a minimap, not shrunk). Click or Enter on a group opens it; on an operation it is
// selected: the side panel shows all of it (copyable), its inputs and readers light up, and the
// breadcrumbs name the groups around it (click one to close it). Search lists its matches and
// goes to one at a time ("3 of 40"); open all, close all and undo. Overlays colour the nodes,
// stepping runs the forward then the reverse sweep, keeping the current node in view, and the
// equation table links each row to its node.

const OVERLAYS = {
  none: null,
  "value norm": (c) => (c.value && c.value.norm !== undefined ? c.value.norm : null),
  "adjoint magnitude": (c) => (c.adjoint && c.adjoint.norm !== undefined ? c.adjoint.norm : null),
  FLOPs: (c) => (c.flops ? c.flops : null),
  "NaN / Inf": (c) => ((c.value && c.value.nonfinite) || (c.adjoint && c.adjoint.nonfinite) || c.flag ? 1 : null),
};
const RAMP = ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"];
const MIN_TEXT_PX = 11;            // no text of the drawing is shown smaller than this
const PX_PER_PT = 4 / 3;           // Graphviz draws in points
const MAX_SCALE = 4;
const THEME = "color:var(--jp-ui-font-color1, #1a1a1a); background:var(--jp-layout-color0, #fff)";
const BUTTON = "font-size:13px; padding:1px 6px";

function histogramSvg(h) {
  const w = 200, ht = 40, n = h.counts.length, top = Math.max(...h.counts, 1);
  const bars = h.counts.map((c, i) => {
    const bh = (c / top) * ht;
    return `<rect x="${(i * w) / n}" y="${ht - bh}" width="${w / n - 1}" height="${bh}" fill="#4292c6"/>`;
  });
  // labels in the text colour of the theme (currentColor), 12 px
  return `<svg width="${w}" height="${ht + 16}" style="display:block; color:inherit" role="img" ` +
    `aria-label="histogram of the entries from ${fmt(h.lo)} to ${fmt(h.hi)}">${bars.join("")}` +
    `<text x="0" y="${ht + 14}" font-size="12" fill="currentColor">${fmt(h.lo)}</text>` +
    `<text x="${w}" y="${ht + 14}" font-size="12" fill="currentColor" text-anchor="end">${fmt(h.hi)}</text></svg>`;
}

function describe(section, data, into) {
  if (!data) return;
  element("div", { text: section, style: "font-weight:600; margin-top:6px" }, into);
  // numbers stay whole: lines wrap between entries, never inside one
  if (data.text) element("pre", { text: data.text, style: "margin:0; font-size:12px; white-space:pre-wrap; word-break:keep-all; overflow-wrap:normal; max-height:14em; overflow:auto; user-select:text" }, into);
  if (data.histogram) into.insertAdjacentHTML("beforeend", histogramSvg(data.histogram));
  if (data.nonfinite) element("div", { text: `${data.nonfinite} NaN/Inf entries`, style: "color:#c0161b; font-weight:600" }, into);
}

function cardText(c) {
  const lines = [`${c.label}${c.repeat > 1 ? " × " + c.repeat : ""} (${c.kind}${c.phase ? ", " + c.phase : ""})`];
  if (c.path && c.path.length) lines.push("in: " + c.path.map((p) => p[1]).join(" › "));
  if (c.aval) lines.push("type: " + c.aval);
  if (c.detail) lines.push("params: " + c.detail);
  if (c.flops) lines.push(`FLOPs: ≈ ${fmt(c.flops)}`);
  if (c.value && c.value.text) lines.push("value:\n" + c.value.text);
  if (c.adjoint && c.adjoint.text) lines.push("adjoint:\n" + c.adjoint.text);
  return lines.join("\n");
}

function legendSwatch(e) {
  const dash = e.dashed ? ' stroke-dasharray="4,2"' : "";
  if (e.shape === "arrow")
    return `<svg width="28" height="14" aria-hidden="true"><line x1="1" y1="7" x2="22" y2="7" stroke="${e.stroke}" stroke-width="1.5"${dash}/>` +
      `<polygon points="22,3 27,7 22,11" fill="${e.stroke}"/></svg>`;
  const inner = e.double ? `<rect x="4" y="4" width="20" height="8" rx="2" fill="none" stroke="${e.stroke}"/>` : "";
  return `<svg width="28" height="16" aria-hidden="true"><rect x="1.5" y="1.5" width="25" height="13" rx="3" fill="${e.fill === "none" ? "transparent" : e.fill}" ` +
    `stroke="${e.stroke}" stroke-width="${Math.min(e.width, 3)}"${dash}/>${inner}</svg>`;
}

function render({ model, el }) {
  const root = element("div", { class: "jaxcalc-graph" }, el);
  root.style.cssText = `font: 13px sans-serif; position: relative; max-width: 100%; ${THEME}`;
  const bar = element("div", { class: "jaxcalc-graph-toolbar", role: "toolbar", "aria-label": "graph explorer" }, root);
  bar.style.cssText = "display:flex; flex-wrap:wrap; gap:6px; align-items:center; margin-bottom:4px";
  const search = element("input", { type: "search", placeholder: "search a name…", class: "jaxcalc-graph-search", "aria-label": "search the graph" }, bar);
  search.style.cssText = "width:12em; font-size:13px";
  const prev = element("button", { text: "‹", title: "previous match", class: "jaxcalc-graph-prev", "aria-label": "previous match" }, bar);
  const matchCount = element("span", { class: "jaxcalc-graph-match", "aria-live": "polite" }, bar);
  const next = element("button", { text: "›", title: "next match (Enter in the search box)", class: "jaxcalc-graph-next", "aria-label": "next match" }, bar);
  element("span", { text: "overlay" }, bar);
  const overlay = element("select", { class: "jaxcalc-graph-overlay", "aria-label": "colour the nodes by" }, bar);
  Object.keys(OVERLAYS).forEach((k) => element("option", { value: k, text: k }, overlay));
  const back = element("button", { text: "◀", title: "step back", class: "jaxcalc-graph-back", "aria-label": "step back" }, bar);
  const step = element("button", { text: "step ▶", title: "step through the forward, then the reverse sweep", class: "jaxcalc-graph-step" }, bar);
  const reset = element("button", { text: "show all", title: "end the stepping: every value and adjoint shown", class: "jaxcalc-graph-reset" }, bar);
  const openAll = element("button", { text: "open all", title: "open every group that fits", class: "jaxcalc-graph-open-all" }, bar);
  const closeAll = element("button", { text: "close all", title: "close every group", class: "jaxcalc-graph-close-all" }, bar);
  const undo = element("button", { text: "undo", title: "the view before the last open, close or search", class: "jaxcalc-graph-undo" }, bar);
  const tableButton = element("button", { text: "equations", title: "the equation table of this view, linked to the graph", class: "jaxcalc-graph-table-button" }, bar);
  const zoomOut = element("button", { text: "−", title: "smaller (never under 11 px text)", class: "jaxcalc-graph-zoom-out", "aria-label": "zoom out" }, bar);
  const zoomIn = element("button", { text: "+", title: "larger", class: "jaxcalc-graph-zoom-in", "aria-label": "zoom in" }, bar);
  const fit = element("button", { text: "fit", title: "as much of the drawing as fits, text at 11 px or more", class: "jaxcalc-graph-fit" }, bar);
  [...bar.querySelectorAll("button")].forEach((b) => { b.style.cssText = BUTTON; });
  const scale = element("span", { class: "jaxcalc-graph-scale" }, bar);
  const status = element("div", { class: "jaxcalc-graph-status", role: "status" }, root);
  status.style.cssText = "min-height:1.3em; margin-bottom:2px; color:var(--jp-ui-font-color1, #1a1a1a)";
  const crumbs = element("nav", { class: "jaxcalc-graph-crumbs", "aria-label": "the groups around the selected node" }, root);
  crumbs.style.cssText = "min-height:1.3em; margin-bottom:2px";
  const body = element("div", {}, root);
  body.style.cssText = "display:flex; gap:6px; align-items:stretch";
  const canvas = element("div", { class: "jaxcalc-graph-canvas", tabindex: "0", "aria-label": "the graph: arrows pan, + and − zoom, 0 fits" }, body);
  canvas.style.cssText = "position:relative; overflow:hidden; flex:1 1 auto; min-width:0; height:60vh; max-height:720px; " +
    "border:1px solid var(--jp-border-color1, #999); touch-action:none; cursor:grab; background:#fff";
  const stage = element("div", { class: "jaxcalc-graph-stage" }, canvas);
  stage.style.cssText = "position:absolute; left:0; top:0; transform-origin:0 0";
  const mini = element("div", { class: "jaxcalc-graph-minimap", title: "the whole drawing: click or drag to move there" }, canvas);
  mini.style.cssText = "position:absolute; right:6px; bottom:6px; width:160px; border:1px solid #666; background:#fff; " +
    "box-shadow:0 0 4px rgba(0,0,0,.3); display:none; cursor:pointer; overflow:hidden";
  const miniStage = element("div", {}, mini);
  miniStage.style.cssText = "pointer-events:none";
  const miniFrame = element("div", {}, mini);
  miniFrame.style.cssText = "position:absolute; border:2px solid #d55e00; background:rgba(213,94,0,.08); pointer-events:none";
  const card = element("aside", { class: "jaxcalc-graph-card", "aria-label": "the selected node" }, body);
  card.style.cssText = `flex:0 0 19em; max-height:calc(60vh + 2px); overflow:auto; border:1px solid var(--jp-border-color1, #999); ` +
    `padding:6px; font-size:13px; ${THEME}`;
  const legend = element("div", { class: "jaxcalc-graph-legend" }, root);
  legend.style.cssText = "display:flex; flex-wrap:wrap; gap:4px 14px; margin-top:4px; font-size:12px";
  const table = element("div", { class: "jaxcalc-graph-table" }, root);
  table.style.cssText = "display:none; max-height:16em; overflow:auto; border:1px solid var(--jp-border-color2, #ddd); " +
    "margin-top:4px; font:12px monospace; color:var(--jp-ui-font-color1, #000); background:var(--jp-layout-color0, #fff)";

  // What the user set here lives on the model, so a view drawn again keeps its step, overlay,
  // table, zoom, selection, search position and timings.
  const ui = model.__jaxcalcUi || (model.__jaxcalcUi = { stepIndex: -1, overlay: "none", table: false, latencies: [],
    clickedAt: null, scale: null, tx: 0, ty: 0, selected: null, match: 0, searchText: "" });
  let nodeEls = {}, clusterEls = {}, settleTimer = null, svgSize = { w: 1, h: 1 }, minScale = 0.5, hovered = null;
  function ask(message) { ui.clickedAt = performance.now(); model.send(message); }
  overlay.value = ui.overlay;
  search.value = ui.searchText;
  if (ui.latencies.length) root.dataset.latencies = JSON.stringify(ui.latencies);

  const idOf = (g) => (g.querySelector("title") || {}).textContent;
  const shapeOf = (g) => g.querySelector("path, polygon, ellipse");

  // ---------------------------------------------------------------- viewport
  function clampView() {
    const cw = canvas.clientWidth, ch = canvas.clientHeight, w = svgSize.w * ui.scale, h = svgSize.h * ui.scale;
    const margin = 40;
    ui.tx = w <= cw ? (cw - w) / 2 : Math.min(margin, Math.max(cw - w - margin, ui.tx));
    ui.ty = h <= ch ? 0 : Math.min(margin, Math.max(ch - h - margin, ui.ty));
  }
  function applyView() {
    clampView();
    stage.style.transform = `translate(${ui.tx}px, ${ui.ty}px) scale(${ui.scale})`;
    root.dataset.scale = String(ui.scale);
    updateMinimap();
  }
  function fitScale() {
    const cw = Math.max(canvas.clientWidth, 100), ch = Math.max(canvas.clientHeight, 100);
    return Math.min(MAX_SCALE, Math.max(minScale, Math.min(cw / svgSize.w, ch / svgSize.h, 1)));
  }
  function zoomAt(factor, cx, cy) {
    const next = Math.min(MAX_SCALE, Math.max(minScale, ui.scale * factor));
    ui.tx = cx - ((cx - ui.tx) * next) / ui.scale;
    ui.ty = cy - ((cy - ui.ty) * next) / ui.scale;
    ui.scale = next;
    applyView();
  }
  function centreOn(id, onlyIfHidden) {
    const cid = Object.keys(clusterEls).find((c) => model.get("open_clusters")[c] === id);
    const g = nodeEls[id] || (cid && clusterEls[cid]);
    if (!g) return;
    const r = g.getBoundingClientRect(), box = canvas.getBoundingClientRect();
    const px = r.left + r.width / 2 - box.left, py = r.top + r.height / 2 - box.top;
    const cw = canvas.clientWidth, ch = canvas.clientHeight;
    if (onlyIfHidden && r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom) return;
    ui.tx += cw / 2 - px;
    ui.ty += ch / 2 - py;
    applyView();
  }
  function updateMinimap() {
    const cw = canvas.clientWidth, ch = canvas.clientHeight;
    const whole = svgSize.w * ui.scale <= cw + 1 && svgSize.h * ui.scale <= ch + 1;
    mini.style.display = whole || !miniStage.firstChild ? "none" : "block";
    if (whole) return;
    const k = 160 / svgSize.w;
    mini.style.height = `${Math.min(160, svgSize.h * k)}px`;
    const left = -ui.tx / ui.scale * k, top = -ui.ty / ui.scale * k;
    miniFrame.style.left = `${left}px`; miniFrame.style.top = `${top}px`;
    miniFrame.style.width = `${(cw / ui.scale) * k}px`; miniFrame.style.height = `${(ch / ui.scale) * k}px`;
    // a tall drawing: the minimap scrolls with the frame
    const miniH = Math.min(160, svgSize.h * k);
    const shift = Math.max(0, Math.min(svgSize.h * k - miniH, top + (ch / ui.scale) * k / 2 - miniH / 2));
    miniStage.style.transform = `translateY(${-shift}px)`;
    miniFrame.style.top = `${top - shift}px`;
    mini.dataset.shift = String(shift);
  }
  function moveToMinimap(event) {
    const k = 160 / svgSize.w, r = mini.getBoundingClientRect(), shift = parseFloat(mini.dataset.shift || "0");
    const x = (event.clientX - r.left) / k, y = (event.clientY - r.top + shift) / k;
    ui.tx = canvas.clientWidth / 2 - x * ui.scale;
    ui.ty = canvas.clientHeight / 2 - y * ui.scale;
    applyView();
  }

  // drag to pan (a press that moves less than 4 px is a click)
  let drag = null, dragged = false;
  canvas.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    if (mini.contains(e.target)) { moveToMinimap(e); drag = { mini: true }; canvas.setPointerCapture(e.pointerId); return; }
    drag = { x: e.clientX, y: e.clientY, tx: ui.tx, ty: ui.ty };
    dragged = false;
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drag) return;
    if (drag.mini) { moveToMinimap(e); return; }
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!dragged && Math.hypot(dx, dy) < 4) return;
    if (!dragged) { dragged = true; canvas.setPointerCapture(e.pointerId); canvas.style.cursor = "grabbing"; }
    ui.tx = drag.tx + dx; ui.ty = drag.ty + dy;
    applyView();
  });
  const endDrag = () => { drag = null; canvas.style.cursor = "grab"; };
  canvas.addEventListener("pointerup", endDrag);
  canvas.addEventListener("pointercancel", endDrag);
  canvas.addEventListener("wheel", (e) => {
    const r = canvas.getBoundingClientRect();
    if (e.ctrlKey || e.metaKey) {            // ctrl+wheel, and a trackpad's pinch
      e.preventDefault();
      zoomAt(Math.exp(-e.deltaY * 0.002), e.clientX - r.left, e.clientY - r.top);
      return;
    }
    const before = [ui.tx, ui.ty];
    ui.tx -= e.shiftKey ? e.deltaY : e.deltaX;
    ui.ty -= e.shiftKey ? 0 : e.deltaY;
    applyView();
    if (ui.tx !== before[0] || ui.ty !== before[1]) e.preventDefault();   // at an edge the page scrolls on
  }, { passive: false });
  // focusing a node with Tab makes the browser scroll the canvas itself: turn that into a pan
  canvas.addEventListener("scroll", () => {
    if (!canvas.scrollLeft && !canvas.scrollTop) return;
    ui.tx -= canvas.scrollLeft; ui.ty -= canvas.scrollTop;
    canvas.scrollLeft = 0; canvas.scrollTop = 0;
    applyView();
  });
  canvas.addEventListener("keydown", (e) => {
    if (e.target !== canvas) return;
    const c = [canvas.clientWidth / 2, canvas.clientHeight / 2];
    const keys = { "+": () => zoomAt(1.25, ...c), "=": () => zoomAt(1.25, ...c), "-": () => zoomAt(0.8, ...c),
      "0": () => { ui.scale = fitScale(); applyView(); }, ArrowLeft: () => { ui.tx += 60; applyView(); },
      ArrowRight: () => { ui.tx -= 60; applyView(); }, ArrowUp: () => { ui.ty += 60; applyView(); }, ArrowDown: () => { ui.ty -= 60; applyView(); } };
    if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
  });
  zoomIn.addEventListener("click", () => zoomAt(1.25, canvas.clientWidth / 2, canvas.clientHeight / 2));
  zoomOut.addEventListener("click", () => zoomAt(0.8, canvas.clientWidth / 2, canvas.clientHeight / 2));
  fit.addEventListener("click", () => { ui.scale = fitScale(); ui.tx = 0; ui.ty = 0; applyView(); });

  // ---------------------------------------------------------------- side panel, breadcrumbs
  function showCard(id) {
    const c = model.get("cards")[id];
    card.innerHTML = "";
    if (!c) {
      showMatches();
      element("p", { text: "Select a node (click it, or Tab to it and press Enter) to see all of it here.", style: "margin:4px 0" }, card);
      return;
    }
    showMatches();
    const head = element("div", { style: "display:flex; justify-content:space-between; gap:6px; align-items:baseline" }, card);
    element("div", { text: `${c.label}${c.repeat > 1 ? " × " + c.repeat : ""}`, style: "font-weight:700; font-size:14px; overflow-wrap:anywhere" }, head);
    const copy = element("button", { text: "copy", title: "copy everything shown here as text", class: "jaxcalc-graph-copy", style: BUTTON }, head);
    copy.addEventListener("click", () => {
      const text = cardText(c);
      (navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.reject()).then(
        () => { copy.textContent = "copied"; }, () => { copy.textContent = "select and copy"; });
      card.dataset.copied = text;
    });
    const what = c.kind === "group" ? `${c.ops} operations: Enter or click opens it` : c.kind;
    element("div", { text: [what, c.phase].filter(Boolean).join(" · ") }, card);
    if (c.aval) element("div", { text: "type " + c.aval, style: "font-family:monospace; overflow-wrap:anywhere" }, card);
    if (c.detail) element("div", { text: c.detail, style: "font-family:monospace; overflow-wrap:anywhere" }, card);
    if (c.flops) element("div", { text: `≈ ${fmt(c.flops)} FLOPs` }, card);
    describe("value", c.value, card);
    describe("adjoint", c.adjoint, card);
  }
  function showMatches() {
    const matches = model.get("matches");
    if (!matches.length) return;
    const list = element("div", { class: "jaxcalc-graph-matches", role: "listbox", "aria-label": "search matches" }, card);
    list.style.cssText = "max-height:9em; overflow:auto; border-bottom:1px solid var(--jp-border-color2, #ccc); margin-bottom:6px";
    matches.forEach((m, i) => {
      const item = element("div", { role: "option", tabindex: "0", "aria-selected": String(i === ui.match),
        text: `${m.label}${m.path.length ? "  ·  in " + m.path.slice(-2).map((p) => p[1]).join(" › ") : ""}`,
        title: m.path.map((p) => p[1]).concat([m.label]).join(" › ") }, list);
      item.style.cssText = `cursor:pointer; padding:1px 2px; white-space:nowrap; overflow:hidden; text-overflow:ellipsis;` +
        (i === ui.match ? " background:#fee391; color:#1a1a1a" : "");
      const go = () => goToMatch(i);
      item.addEventListener("click", go);
      item.addEventListener("keydown", (e) => { if (e.key === "Enter") go(); });
      if (i === ui.match) setTimeout(() => item.scrollIntoView({ block: "nearest" }), 0);
    });
  }
  function showCrumbs(id) {
    crumbs.innerHTML = "";
    const c = model.get("cards")[id];
    const path = c ? c.path : [];
    element("span", { text: model.get("title") || "graph", style: "font-weight:600" }, crumbs);
    path.forEach(([gid, label]) => {
      element("span", { text: " › " }, crumbs);
      const b = element("button", { text: label, title: `close ${label}`, class: "jaxcalc-graph-crumb", style: BUTTON + "; border:none; background:none; color:inherit; text-decoration:underline dotted; cursor:zoom-out" }, crumbs);
      b.addEventListener("click", () => { status.textContent = `closing ${label}…`; ask({ type: "toggle", id: gid }); });
    });
    if (c) element("span", { text: " › " + c.label, style: "font-weight:600" }, crumbs);
  }
  function select(id) {
    ui.selected = id;
    showCard(id);
    showCrumbs(id);
    if (id && model.get("cards")[id] && model.get("cards")[id].kind !== "group") highlightAround(id);
  }

  // ---------------------------------------------------------------- colour and highlights
  function paint() {
    const cards = model.get("cards");
    const measure = OVERLAYS[overlay.value];
    const values = measure ? Object.values(cards).map(measure).filter((v) => v !== null && isFinite(v)) : [];
    const lo = Math.min(...values.map((v) => Math.log10(v + 1e-30))), hi = Math.max(...values.map((v) => Math.log10(v + 1e-30)));
    Object.entries(nodeEls).forEach(([id, g]) => {
      const shape = shapeOf(g);
      if (!shape) return;
      if (!shape.dataset.fill) shape.dataset.fill = shape.getAttribute("fill") || "none";
      let fill = shape.dataset.fill, dark = false;
      const v = measure && cards[id] ? measure(cards[id]) : null;
      if (measure && v !== null && isFinite(v)) {
        const t = hi > lo ? (Math.log10(v + 1e-30) - lo) / (hi - lo) : 1;
        const k = Math.min(RAMP.length - 1, Math.floor(t * RAMP.length));
        fill = overlay.value === "NaN / Inf" ? "#fb6a4a" : RAMP[k];
        dark = overlay.value !== "NaN / Inf" && k >= RAMP.length - 4;   // navy: white text on it
      }
      shape.setAttribute("fill", fill);
      g.querySelectorAll("text").forEach((t) => {
        if (!t.dataset.fill) t.dataset.fill = t.getAttribute("fill") || "#000000";
        t.setAttribute("fill", dark ? "#ffffff" : t.dataset.fill);
      });
    });
    scale.innerHTML = "";
    if (measure && values.length && overlay.value !== "NaN / Inf") {
      element("span", { text: fmt(Math.pow(10, lo)) + " " }, scale);
      RAMP.forEach((c) => element("span", { style: `display:inline-block; width:10px; height:12px; background:${c}` }, scale));
      element("span", { text: " " + fmt(Math.pow(10, hi)) + " (log scale)" }, scale);
    }
  }

  function highlightAround(id) {
    const edges = model.get("edges");
    const inputs = new Set(edges.filter((e) => e[1] === id).map((e) => e[0]));
    const readers = new Set(edges.filter((e) => e[0] === id).map((e) => e[1]));
    Object.entries(nodeEls).forEach(([nid, g]) => {
      g.style.opacity = nid === id || inputs.has(nid) || readers.has(nid) ? "1" : "0.3";
      const shape = shapeOf(g);
      if (!shape) return;
      shape.setAttribute("stroke-width", nid === id ? "4" : inputs.has(nid) || readers.has(nid) ? "3" : shape.dataset.width || "1");
      shape.setAttribute("stroke", nid === id ? "#08519c" : inputs.has(nid) ? "#009e73" : readers.has(nid) ? "#d55e00" : shape.dataset.stroke || "black");
    });
    status.textContent = `${inputs.size} input${inputs.size === 1 ? "" : "s"} (green), ${readers.size} reader${readers.size === 1 ? "" : "s"} (orange); click the background to clear`;
  }

  // The nodes made by the same call in the user's code: a forward operation, the equations of its
  // derivative and their transposes in the backward sweep. Hovering one outlines the others.
  function linkOrigin(id, on) {
    const cards = model.get("cards"), origin = (cards[id] || {}).origin;
    if (!origin) return;
    let linked = 0;
    Object.entries(nodeEls).forEach(([nid, g]) => {
      if (nid === id || (cards[nid] || {}).origin !== origin) return;
      const shape = shapeOf(g);
      if (!shape) return;
      shape.setAttribute("stroke-dasharray", on ? "5,3" : "");
      shape.setAttribute("stroke-width", on ? "3" : shape.dataset.width || "1");
      g.classList.toggle("jaxcalc-graph-linked", on);
      linked += 1;
    });
    if (on && linked) status.textContent = `${linked} node${linked === 1 ? "" : "s"} made by the same call in your code (dashed): its derivative and transposes`;
    else if (!on) status.textContent = model.get("message");
  }

  // The equation table of the current view, in the order the sweeps run; a row and its node
  // light up together, whichever the pointer is on.
  let rows = {};
  function buildTable() {
    const cards = model.get("cards");
    table.innerHTML = "";
    rows = {};
    const order = [...new Set([...model.get("forward_order"), ...model.get("reverse_order")])].filter((id) => cards[id]);
    const grid = element("table", { style: "border-collapse:collapse; width:100%" }, table);
    const head = element("tr", {}, grid);
    ["node", "operation", "type", "sweep", "value"].forEach((h) => element("th", { text: h, style: "text-align:left; padding:1px 6px; position:sticky; top:0; background:var(--jp-layout-color2, #f4f4f4); color:var(--jp-ui-font-color1, #000)" }, head));
    order.forEach((id) => {
      const c = cards[id];
      if (c.kind !== "op" && c.kind !== "group") return;
      const row = element("tr", { class: "jaxcalc-graph-row", "data-node": id }, grid);
      const label = c.label + (c.repeat > 1 ? ` × ${c.repeat}` : "") + (c.kind === "group" ? ` (${c.ops} ops)` : "") + (c.detail && c.kind !== "group" ? ` ${c.detail}` : "");
      [id, label, c.aval, c.phase, (c.value && c.value.text) || ""].forEach((v) => element("td", { text: String(v).slice(0, 60), style: "padding:1px 6px; white-space:nowrap" }, row));
      row.addEventListener("mouseenter", () => { markNode(id, true); row.style.background = "#fee391"; row.style.color = "#1a1a1a"; });
      row.addEventListener("mouseleave", () => { markNode(id, false); row.style.background = ""; row.style.color = ""; });
      row.addEventListener("click", () => { select(id); centreOn(id, true); });
      rows[id] = row;
    });
  }

  function markNode(id, on) {
    const g = nodeEls[id];
    if (!g) return;
    const shape = shapeOf(g);
    if (shape) { shape.setAttribute("stroke", on ? "#e6550d" : shape.dataset.stroke || "black"); shape.setAttribute("stroke-width", on ? "4" : shape.dataset.width || "1"); }
    if (on) centreOn(id, true);
  }

  function markRow(id, on) {
    const row = rows[id];
    if (!row) return;
    row.style.background = on ? "#fee391" : "";
    row.style.color = on ? "#1a1a1a" : "";
    if (on) row.scrollIntoView({ block: "nearest" });
  }

  function clearHighlight() {
    Object.values(nodeEls).forEach((g) => {
      g.style.opacity = "1";
      const shape = shapeOf(g);
      if (shape) { shape.setAttribute("stroke-width", shape.dataset.width || "1"); shape.setAttribute("stroke", shape.dataset.stroke || "black"); }
    });
    markHighlighted();
  }
  function markHighlighted() {
    const marked = new Set(model.get("highlight")), clusters = model.get("open_clusters");
    Object.entries(nodeEls).forEach(([id, g]) => {
      if (!marked.has(id)) return;
      const shape = shapeOf(g);
      if (shape) { shape.setAttribute("stroke", "#e6550d"); shape.setAttribute("stroke-width", "4"); }
    });
    Object.entries(clusterEls).forEach(([cid, g]) => {
      if (!marked.has(clusters[cid])) return;
      const shape = g.querySelector("path, polygon");
      if (shape) { shape.setAttribute("stroke", "#e6550d"); shape.setAttribute("stroke-width", "3"); }
    });
  }

  // Stepping: values (lines "= ...") appear in forward order, then adjoints in the reverse sweep's.
  // After a kernel answer (a search, an opened group) its message stays beside the step's.
  function showStep(withMessage = false) {
    const fwd = model.get("forward_order"), rev = model.get("reverse_order");
    const seenValue = new Set(fwd.slice(0, Math.min(ui.stepIndex + 1, fwd.length)));
    const seenAdjoint = new Set(rev.slice(0, Math.max(0, ui.stepIndex + 1 - fwd.length)));
    const current = ui.stepIndex < fwd.length ? fwd[ui.stepIndex] : rev[ui.stepIndex - fwd.length];
    Object.entries(nodeEls).forEach(([id, g]) => {
      g.querySelectorAll("text").forEach((t) => {
        const s = t.textContent;
        if (s.startsWith("= ")) t.style.visibility = ui.stepIndex < 0 || seenValue.has(id) ? "visible" : "hidden";
        if (s.startsWith("adjoint ")) t.style.visibility = ui.stepIndex < 0 || seenAdjoint.has(id) ? "visible" : "hidden";
      });
      const shape = shapeOf(g);
      if (shape) {   // the current step: thick and dark blue, so it is seen at any zoom
        shape.setAttribute("stroke-width", id === current ? "5" : shape.dataset.width || "1");
        shape.setAttribute("stroke", id === current ? "#08519c" : shape.dataset.stroke || "black");
      }
    });
    markHighlighted();                                           // a search's match stays marked
    if (ui.stepIndex >= 0 && current) centreOn(current, true);   // the stepped node stays in view
    root.dataset.step = ui.stepIndex >= 0 && current ? current : "";
    let text = "";
    if (ui.stepIndex >= 0 && ui.stepIndex < fwd.length) text = `forward sweep ${ui.stepIndex + 1}/${fwd.length}: ${(model.get("cards")[current] || {}).label || current}`;
    else if (ui.stepIndex >= fwd.length) text = `reverse sweep ${ui.stepIndex - fwd.length + 1}/${rev.length}: adjoint of ${(model.get("cards")[current] || {}).label || current}`;
    status.textContent = withMessage ? [model.get("message"), text].filter(Boolean).join("   ·   ") : text;
  }

  // ---------------------------------------------------------------- search
  function showMatchCount() {
    const n = model.get("matches").length;
    matchCount.textContent = n ? `${ui.match + 1} of ${n}` : "";
    prev.disabled = next.disabled = n < 2;
  }
  function goToMatch(i) {
    const matches = model.get("matches");
    if (!matches.length) return;
    ui.match = (i + matches.length) % matches.length;
    showMatchCount();
    status.textContent = `going to ${matches[ui.match].label}…`;
    ask({ type: "reveal", id: matches[ui.match].id });
  }
  let searchTimer = null;
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    ui.searchText = search.value;
    searchTimer = setTimeout(() => { ui.match = 0; ask({ type: "search", text: search.value }); }, 250);
  });
  search.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); goToMatch(ui.match + (e.shiftKey ? -1 : 1)); } });
  prev.addEventListener("click", () => goToMatch(ui.match - 1));
  next.addEventListener("click", () => goToMatch(ui.match + 1));

  // ---------------------------------------------------------------- drawing a kernel answer
  function activate(id, c) {
    if (c.kind === "group") { status.textContent = `opening ${c.label}…`; ask({ type: "toggle", id }); }
    else select(id);
  }

  function draw() {
    stage.innerHTML = model.get("svg");
    const svg = stage.querySelector("svg");
    nodeEls = {}; clusterEls = {};
    if (svg) {
      const w = parseFloat(svg.getAttribute("width")) * PX_PER_PT, h = parseFloat(svg.getAttribute("height")) * PX_PER_PT;
      svgSize = { w: w || 100, h: h || 100 };
      svg.style.width = `${svgSize.w}px`; svg.style.height = `${svgSize.h}px`; svg.style.display = "block";
      // the smallest text of the drawing decides how far it may shrink: never under 11 px
      const sizes = [...svg.querySelectorAll("text")].map((t) => parseFloat(t.getAttribute("font-size"))).filter((v) => v > 0);
      minScale = Math.min(1, MIN_TEXT_PX / (Math.min(...sizes, 14) * PX_PER_PT));
      root.dataset.minScale = String(minScale);
      svg.querySelectorAll("g.node").forEach((g) => { nodeEls[idOf(g)] = g; });
      svg.querySelectorAll("g.cluster").forEach((g) => { clusterEls[idOf(g)] = g; });
      Object.values(nodeEls).forEach((g) => {
        const shape = shapeOf(g);
        if (shape) { shape.dataset.width = shape.getAttribute("stroke-width") || "1"; shape.dataset.stroke = shape.getAttribute("stroke") || "black"; }
      });
      miniStage.innerHTML = "";
      const copy = svg.cloneNode(true);
      copy.style.width = "160px"; copy.style.height = "auto";
      copy.querySelectorAll("title").forEach((t) => t.remove());
      copy.removeAttribute("id");
      miniStage.appendChild(copy);
    }
    if (ui.scale === null || ui.scale < minScale) ui.scale = fitScale();
    const cards = model.get("cards");
    Object.entries(nodeEls).forEach(([id, g]) => {
      const c = cards[id] || {};
      g.style.cursor = c.kind === "group" ? "zoom-in" : "pointer";
      g.setAttribute("tabindex", "0");
      g.setAttribute("role", "button");
      g.setAttribute("aria-label", `${c.label || id}${c.kind === "group" ? `, a group of ${c.ops} operations: press Enter to open` : `, ${c.kind || "node"} ${c.aval || ""}`}`);
      g.addEventListener("mouseenter", () => { hovered = id; linkOrigin(id, true); markRow(id, true); if (!ui.selected) showCard(id); });
      g.addEventListener("mouseleave", () => { hovered = null; linkOrigin(id, false); markRow(id, false); if (!ui.selected) showCard(null); });
      g.addEventListener("click", (e) => { e.stopPropagation(); if (!dragged) activate(id, c); });
      g.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); activate(id, c); } });
      g.addEventListener("focus", () => { centreOn(id, true); showCard(id); showCrumbs(id); });
    });
    const clusters = model.get("open_clusters");
    Object.entries(clusterEls).forEach(([cid, g]) => {
      const label = g.querySelector("text");
      if (!label || !clusters[cid]) return;
      label.style.cursor = "zoom-out";
      label.style.textDecoration = "underline dotted";
      label.setAttribute("tabindex", "0");
      label.setAttribute("role", "button");
      label.setAttribute("aria-label", `close ${label.textContent}`);
      const close = (e) => { e.stopPropagation(); ask({ type: "toggle", id: clusters[cid] }); };
      label.addEventListener("click", close);
      label.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") close(e); });
    });
    markHighlighted();
    status.textContent = model.get("message");
    legend.innerHTML = "";
    model.get("legend").forEach((e) => {
      const item = element("span", { class: "jaxcalc-graph-legend-item", style: "display:inline-flex; gap:4px; align-items:center" }, legend);
      item.insertAdjacentHTML("afterbegin", legendSwatch(e));
      element("span", { text: e.label }, item);
    });
    undo.disabled = !model.get("can_undo");
    showMatchCount();
    paint();
    if (ui.stepIndex >= 0) showStep(true);
    if (table.style.display !== "none") buildTable();
    const focus = model.get("focus");
    if (ui.selected && !cards[ui.selected]) ui.selected = null;
    showCard(ui.selected);
    showCrumbs(ui.selected || (cards[focus] ? focus : null));
    applyView();
    if (focus) centreOn(focus, false);
    if (ui.clickedAt !== null) {
      const start = ui.clickedAt;
      ui.clickedAt = null;
      requestAnimationFrame(() => {
        ui.latencies.push(Math.round(performance.now() - start));
        root.dataset.latencies = JSON.stringify(ui.latencies);
      });
    }
    clearTimeout(settleTimer);   // once the view rests, the kernel refreshes the saved picture
    settleTimer = setTimeout(() => model.send({ type: "settled" }), 1500);
  }

  canvas.addEventListener("click", () => {
    if (dragged) { dragged = false; return; }
    ui.selected = null; clearHighlight(); showCard(hovered); showCrumbs(null); status.textContent = model.get("message");
  });
  overlay.addEventListener("change", () => { ui.overlay = overlay.value; paint(); });
  openAll.addEventListener("click", () => { status.textContent = "opening every group that fits…"; ask({ type: "open_all" }); });
  closeAll.addEventListener("click", () => { status.textContent = "closing every group…"; ask({ type: "close_all" }); });
  undo.addEventListener("click", () => { status.textContent = "undoing…"; ask({ type: "undo" }); });
  tableButton.addEventListener("click", () => {
    ui.table = table.style.display === "none";
    table.style.display = ui.table ? "block" : "none";
    if (ui.table) buildTable();
  });
  step.addEventListener("click", () => {
    const total = model.get("forward_order").length + model.get("reverse_order").length;
    ui.stepIndex = Math.min(ui.stepIndex + 1, total - 1);
    showStep();
  });
  back.addEventListener("click", () => { ui.stepIndex = Math.max(ui.stepIndex - 1, -1); showStep(); });
  reset.addEventListener("click", () => { ui.stepIndex = -1; showStep(); clearHighlight(); });
  model.on("change", draw);   // once per kernel answer (svg, cards and highlight change together)
  if (ui.table) table.style.display = "block";
  const resize = typeof ResizeObserver !== "undefined" ? new ResizeObserver(() => applyView()) : null;
  if (resize) resize.observe(canvas);
  draw();
  const unhide = hideStaticTwin(el);
  return () => { clearTimeout(settleTimer); model.off("change", draw); unhide(); if (resize) resize.disconnect(); };
}

export default { render };
