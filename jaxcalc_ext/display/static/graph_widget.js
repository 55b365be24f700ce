// The graph explorer (anywidget front end). The kernel lays out the current view with Graphviz
// and sends its SVG plus one "card" per visible node; this file only draws and reacts:
// click a group to open it (or a cluster's title to close it), hover for the card, click an
// operation to highlight its inputs and readers, colour by an overlay, step through the sweeps,
// and read the view's equation table, each row linked to its node.

const OVERLAYS = {
  none: null,
  "value norm": (c) => (c.value && c.value.norm !== undefined ? c.value.norm : null),
  "adjoint magnitude": (c) => (c.adjoint && c.adjoint.norm !== undefined ? c.adjoint.norm : null),
  FLOPs: (c) => (c.flops ? c.flops : null),
  "NaN / Inf": (c) => ((c.value && c.value.nonfinite) || (c.adjoint && c.adjoint.nonfinite) || c.flag ? 1 : null),
};
const RAMP = ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"];

function histogramSvg(h) {
  const w = 160, ht = 40, n = h.counts.length, top = Math.max(...h.counts, 1);
  const bars = h.counts.map((c, i) => {
    const bh = (c / top) * ht;
    return `<rect x="${(i * w) / n}" y="${ht - bh}" width="${w / n - 1}" height="${bh}" fill="#4292c6"/>`;
  });
  return `<svg width="${w}" height="${ht + 12}" style="display:block">${bars.join("")}` +
    `<text x="0" y="${ht + 11}" font-size="9">${fmt(h.lo)}</text>` +
    `<text x="${w}" y="${ht + 11}" font-size="9" text-anchor="end">${fmt(h.hi)}</text></svg>`;
}

function describe(section, data, into) {
  if (!data) return;
  element("div", { text: section, style: "font-weight:600; margin-top:4px" }, into);
  // numbers stay whole: lines wrap between entries, never inside one
  if (data.text) element("pre", { text: data.text, style: "margin:0; white-space:pre-wrap; word-break:keep-all; overflow-wrap:normal; max-height:10em; overflow:auto" }, into);
  if (data.histogram) into.insertAdjacentHTML("beforeend", histogramSvg(data.histogram));
  if (data.nonfinite) element("div", { text: `${data.nonfinite} NaN/Inf entries`, style: "color:#d7191c" }, into);
}

function render({ model, el }) {
  const root = element("div", { class: "jaxcalc-graph" }, el);
  root.style.cssText = "font: 13px sans-serif; position: relative; max-width: 100%;";
  const bar = element("div", { class: "jaxcalc-graph-toolbar" }, root);
  bar.style.cssText = "display:flex; flex-wrap:wrap; gap:6px; align-items:center; margin-bottom:4px";
  const search = element("input", { type: "search", placeholder: "search a name…", class: "jaxcalc-graph-search" }, bar);
  search.style.width = "12em";
  element("span", { text: "overlay" }, bar);
  const overlay = element("select", { class: "jaxcalc-graph-overlay" }, bar);
  Object.keys(OVERLAYS).forEach((k) => element("option", { value: k, text: k }, overlay));
  const back = element("button", { text: "◀", title: "step back", class: "jaxcalc-graph-back" }, bar);
  const step = element("button", { text: "step ▶", title: "step through the forward, then the reverse sweep", class: "jaxcalc-graph-step" }, bar);
  const reset = element("button", { text: "show all", class: "jaxcalc-graph-reset" }, bar);
  const tableButton = element("button", { text: "equations", title: "the equation table of this view, linked to the graph", class: "jaxcalc-graph-table-button" }, bar);
  const scale = element("span", { class: "jaxcalc-graph-scale" }, bar);
  scale.style.fontSize = "11px";
  const zoomOut = element("button", { text: "−", title: "smaller", class: "jaxcalc-graph-zoom-out" }, bar);
  const zoomIn = element("button", { text: "+", title: "larger: the drawing at its own size or more, scrolled", class: "jaxcalc-graph-zoom-in" }, bar);
  const status = element("span", { class: "jaxcalc-graph-status" }, bar);
  status.style.color = "#555";
  const canvas = element("div", { class: "jaxcalc-graph-canvas" }, root);
  canvas.style.cssText = "overflow:auto; max-height:80vh; border:1px solid #ddd";
  const table = element("div", { class: "jaxcalc-graph-table" }, root);
  table.style.cssText = "display:none; max-height:16em; overflow:auto; border:1px solid var(--jp-border-color2, #ddd); " +
    "margin-top:4px; font:12px monospace; color:var(--jp-ui-font-color1, #000); background:var(--jp-layout-color0, #fff)";
  const card = element("div", { class: "jaxcalc-graph-card" }, root);
  // JupyterLab's theme variables: readable in the light and the dark theme alike
  card.style.cssText = "position:absolute; display:none; background:var(--jp-layout-color0, #fff); " +
    "color:var(--jp-ui-font-color1, #000); border:1px solid var(--jp-border-color1, #999); padding:6px; " +
    "box-shadow:2px 2px 6px rgba(0,0,0,.3); max-width:24em; z-index:10; pointer-events:none; font-size:12px";

  // What the user set here lives on the model, so a view drawn again (the notebook refreshes the
  // output's static picture once the view settles) keeps its step, overlay, table and timings.
  const ui = model.__jaxcalcUi || (model.__jaxcalcUi = { stepIndex: -1, overlay: "none", table: false, latencies: [], clickedAt: null });
  let nodeEls = {}, clusterEls = {}, settleTimer = null;
  function ask(message) { ui.clickedAt = performance.now(); model.send(message); }
  overlay.value = ui.overlay;
  if (ui.latencies.length) root.dataset.latencies = JSON.stringify(ui.latencies);

  const idOf = (g) => (g.querySelector("title") || {}).textContent;

  function showCard(id, event) {
    const c = model.get("cards")[id];
    if (!c) return;
    card.innerHTML = "";
    const what = c.kind === "group" ? `${c.ops} operations, click to open` : c.kind;
    element("div", { text: `${c.label}${c.repeat > 1 ? " × " + c.repeat : ""}`, style: "font-weight:700" }, card);
    element("div", { text: [what, c.aval, c.detail].filter(Boolean).join(" · ") }, card);
    if (c.flops) element("div", { text: `≈ ${fmt(c.flops)} FLOPs` }, card);
    describe("value", c.value, card);
    describe("adjoint", c.adjoint, card);
    const box = root.getBoundingClientRect();
    card.style.left = `${Math.min(event.clientX - box.left + 12, box.width - 260)}px`;
    card.style.top = `${event.clientY - box.top + 12}px`;
    card.style.display = "block";
  }

  function paint() {
    const cards = model.get("cards");
    const measure = OVERLAYS[overlay.value];
    const values = measure ? Object.values(cards).map(measure).filter((v) => v !== null && isFinite(v)) : [];
    const lo = Math.min(...values.map((v) => Math.log10(v + 1e-30))), hi = Math.max(...values.map((v) => Math.log10(v + 1e-30)));
    Object.entries(nodeEls).forEach(([id, g]) => {
      const shape = g.querySelector("path, polygon, ellipse");
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
    // the colour scale of the overlay, beside the toolbar
    scale.innerHTML = "";
    if (measure && values.length && overlay.value !== "NaN / Inf") {
      element("span", { text: fmt(Math.pow(10, lo)) + " " }, scale);
      RAMP.forEach((c) => element("span", { style: `display:inline-block; width:10px; height:10px; background:${c}` }, scale));
      element("span", { text: " " + fmt(Math.pow(10, hi)) + " (log scale)" }, scale);
    }
  }

  function highlightAround(id) {
    const edges = model.get("edges");
    const inputs = new Set(edges.filter((e) => e[1] === id).map((e) => e[0]));
    const readers = new Set(edges.filter((e) => e[0] === id).map((e) => e[1]));
    Object.entries(nodeEls).forEach(([nid, g]) => {
      g.style.opacity = nid === id || inputs.has(nid) || readers.has(nid) ? "1" : "0.25";
      const shape = g.querySelector("path, polygon, ellipse");
      if (shape) shape.setAttribute("stroke-width", inputs.has(nid) ? "3" : readers.has(nid) ? "3" : "1");
      if (shape) shape.setAttribute("stroke", inputs.has(nid) ? "#2ca02c" : readers.has(nid) ? "#ff7f0e" : shape.dataset.stroke || "black");
    });
    status.textContent = `${inputs.size} input${inputs.size === 1 ? "" : "s"} (green), ${readers.size} reader${readers.size === 1 ? "" : "s"} (orange)`;
  }

  // The nodes made by the same call in the user's code: a forward operation, the equations of its
  // derivative and their transposes in the backward sweep. Hovering one outlines the others.
  function linkOrigin(id, on) {
    const cards = model.get("cards"), origin = (cards[id] || {}).origin;
    if (!origin) return;
    let linked = 0;
    Object.entries(nodeEls).forEach(([nid, g]) => {
      if (nid === id || (cards[nid] || {}).origin !== origin) return;
      const shape = g.querySelector("path, polygon, ellipse");
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
      row.addEventListener("mouseenter", () => { markNode(id, true); row.style.background = "#fee391"; });
      row.addEventListener("mouseleave", () => { markNode(id, false); row.style.background = ""; });
      rows[id] = row;
    });
  }

  function markNode(id, on) {
    const g = nodeEls[id];
    if (!g) return;
    const shape = g.querySelector("path, polygon, ellipse");
    if (shape) { shape.setAttribute("stroke", on ? "#e6550d" : shape.dataset.stroke || "black"); shape.setAttribute("stroke-width", on ? "4" : shape.dataset.width || "1"); }
    if (on) g.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  function markRow(id, on) {
    const row = rows[id];
    if (!row) return;
    row.style.background = on ? "#fee391" : "";
    if (on) row.scrollIntoView({ block: "nearest" });
  }

  function clearHighlight() {
    Object.values(nodeEls).forEach((g) => {
      g.style.opacity = "1";
      const shape = g.querySelector("path, polygon, ellipse");
      if (shape) { shape.setAttribute("stroke-width", shape.dataset.width || "1"); shape.setAttribute("stroke", shape.dataset.stroke || "black"); }
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
      g.style.outline = "";
      const shape = g.querySelector("path, polygon, ellipse");
      if (shape) {   // the current step: thick and dark blue, so it is seen at any zoom
        shape.setAttribute("stroke-width", id === current ? "5" : shape.dataset.width || "1");
        shape.setAttribute("stroke", id === current ? "#08519c" : shape.dataset.stroke || "black");
      }
    });
    let text = "";
    if (ui.stepIndex >= 0 && ui.stepIndex < fwd.length) text = `forward sweep ${ui.stepIndex + 1}/${fwd.length}: ${(model.get("cards")[current] || {}).label || current}`;
    else if (ui.stepIndex >= fwd.length) text = `reverse sweep ${ui.stepIndex - fwd.length + 1}/${rev.length}: adjoint of ${(model.get("cards")[current] || {}).label || current}`;
    status.textContent = withMessage ? [model.get("message"), text].filter(Boolean).join("   ·   ") : text;
  }

  function applyZoom(svg) {
    // zoom 1: as wide as the notebook at most (scroll down, not across); above 1: the drawing's
    // own size times the zoom, scrolled in both directions, so its text can be read
    const zoom = ui.zoom || 1;
    if (zoom <= 1) {
      svg.style.maxWidth = "100%"; svg.style.height = "auto"; svg.style.width = zoom < 1 ? `${zoom * 100}%` : "";
    } else {
      const natural = parseFloat(svg.getAttribute("width")) || svg.getBBox().width;
      svg.style.maxWidth = "none"; svg.style.width = `${natural * zoom * 4 / 3}px`; svg.style.height = "auto";
    }
  }

  function draw() {
    canvas.innerHTML = model.get("svg");
    const svg = canvas.querySelector("svg");
    nodeEls = {}; clusterEls = {};
    if (svg) {
      applyZoom(svg);
      svg.querySelectorAll("g.node").forEach((g) => { nodeEls[idOf(g)] = g; });
      svg.querySelectorAll("g.cluster").forEach((g) => { clusterEls[idOf(g)] = g; });
      Object.values(nodeEls).forEach((g) => {
        const shape = g.querySelector("path, polygon, ellipse");
        if (shape) { shape.dataset.width = shape.getAttribute("stroke-width") || "1"; shape.dataset.stroke = shape.getAttribute("stroke") || "black"; }
      });
    }
    const cards = model.get("cards");
    Object.entries(nodeEls).forEach(([id, g]) => {
      const c = cards[id] || {};
      g.style.cursor = c.kind === "group" ? "zoom-in" : "pointer";
      g.addEventListener("mouseenter", (e) => { showCard(id, e); linkOrigin(id, true); markRow(id, true); });
      g.addEventListener("mousemove", (e) => showCard(id, e));
      g.addEventListener("mouseleave", () => { card.style.display = "none"; linkOrigin(id, false); markRow(id, false); });
      g.addEventListener("click", (e) => {
        e.stopPropagation();
        if (c.kind === "group") { status.textContent = `opening ${c.label}…`; ask({ type: "toggle", id }); }
        else highlightAround(id);
      });
    });
    const clusters = model.get("open_clusters");
    Object.entries(clusterEls).forEach(([cid, g]) => {
      const label = g.querySelector("text");
      if (!label || !clusters[cid]) return;
      label.style.cursor = "zoom-out";
      label.style.textDecoration = "underline dotted";
      label.addEventListener("click", (e) => { e.stopPropagation(); ask({ type: "toggle", id: clusters[cid] }); });
    });
    const marked = new Set(model.get("highlight"));
    Object.entries(nodeEls).forEach(([id, g]) => {
      if (!marked.has(id)) return;
      const shape = g.querySelector("path, polygon, ellipse");
      if (shape) { shape.setAttribute("stroke", "#e6550d"); shape.setAttribute("stroke-width", "4"); }
    });
    Object.entries(clusterEls).forEach(([cid, g]) => {
      if (!marked.has(clusters[cid])) return;
      const shape = g.querySelector("path, polygon");
      if (shape) { shape.setAttribute("stroke", "#e6550d"); shape.setAttribute("stroke-width", "3"); }
    });
    status.textContent = model.get("message");
    paint();
    if (ui.stepIndex >= 0) showStep(true);
    if (table.style.display !== "none") buildTable();
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

  canvas.addEventListener("click", () => { clearHighlight(); status.textContent = model.get("message"); });
  let searchTimer = null;
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => model.send({ type: "search", text: search.value }), 250);
  });
  overlay.addEventListener("change", () => { ui.overlay = overlay.value; paint(); });
  const zoomBy = (factor) => {
    ui.zoom = Math.min(4, Math.max(0.25, (ui.zoom || 1) * factor));
    const svg = canvas.querySelector("svg");
    if (svg) applyZoom(svg);
  };
  zoomIn.addEventListener("click", () => zoomBy(1.5));
  zoomOut.addEventListener("click", () => zoomBy(1 / 1.5));
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
  draw();
  const unhide = hideStaticTwin(el);
  return () => { clearTimeout(settleTimer); model.off("change", draw); unhide(); };
}

export default { render };
