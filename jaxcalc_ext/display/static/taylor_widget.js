// The live Taylor view (anywidget front end): canvas drawing, sliders, a draggable centre.
// The kernel answers each request with f and T_n sampled on the grid; at most one request is
// in flight and only the latest pending one is kept, so a fast drag never builds a queue.

// Okabe-Ito hues for the extras, told apart by a colour-blind reader and by dash as well
const COLORS = { f: "#111", t: "#1f77b4", band: "rgba(214, 39, 40, 0.16)", radius: "rgba(44, 160, 44, 0.20)",
                 proved: "rgba(117, 112, 179, 0.28)", provedEdge: "#5e57a8", pade: "#d55e00", singular: "#cc2200" };
const FONT = "12px sans-serif";   // no text on the canvas smaller: it is read on a projector too
const VIRIDIS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"];
const MAGMA = ["#000004", "#180f3d", "#440f76", "#721f81", "#9e2f7f", "#cd4071", "#f1605d", "#fd9668", "#feca8d", "#fcfdbf"];

function niceTicks(lo, hi, count) {
  const span = hi - lo;
  if (!(span > 0) || !isFinite(span)) return [lo];
  const raw = span / count, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= count) || 10 * mag;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) ticks.push(Math.abs(v) < 1e-12 * span ? 0 : v);
  return ticks;
}

// "T_15 = 1 + x^3 - 2.5e-05 (x - 1)^12" as a student reads it: T₁₅ = 1 + x³ - 2.5·10⁻⁵ (x - 1)¹²
const SUPERSCRIPT = { "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻" };
const SUBSCRIPT = { "0": "₀", "1": "₁", "2": "₂", "3": "₃", "4": "₄", "5": "₅", "6": "₆", "7": "₇", "8": "₈", "9": "₉" };
function pretty(text) {
  const map = (digits, table) => [...digits].map((d) => table[d] || d).join("");
  return text
    .replace(/\*\*(\d+)/g, "^$1")
    .replace(/<=/g, "≤")
    .replace(/(\d(?:\.\d+)?)e([-+]?)0*(\d+)/g, (_, m, sign, e) => `${m}·10${map((sign === "-" ? "-" : "") + e, SUPERSCRIPT)}`)
    .replace(/\^(\d+)/g, (_, d) => map(d, SUPERSCRIPT))
    .replace(/_(\d+)/g, (_, d) => map(d, SUBSCRIPT));
}

function bandColor(palette, t) {
  const i = Math.max(0, Math.min(palette.length - 1, Math.floor(t * palette.length)));
  const h = palette[i];
  return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
}

function render({ model, el }) {
  const dims = model.get("center").length;
  const root = element("div", { class: "jaxcalc-live" }, el);
  root.style.cssText = "font: 13px sans-serif; max-width: 100%;";
  const canvas = element("canvas", { class: "jaxcalc-live-canvas", role: "img", "aria-label": "a live Taylor view" }, root);
  const cssWidth = Math.min(680, el.clientWidth || 680), cssHeight = dims === 1 ? 380 : 254;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(cssWidth * ratio); canvas.height = Math.round(cssHeight * ratio);
  canvas.style.cssText = `width:${cssWidth}px; height:${cssHeight}px; touch-action:none; cursor:crosshair; display:block`;
  const ctx = canvas.getContext("2d");
  ctx.scale(ratio, ratio);

  const controls = element("div", { class: "jaxcalc-live-controls" }, root);
  controls.style.cssText = "display:grid; grid-template-columns:auto 1fr auto; gap:2px 8px; align-items:center; max-width:680px";
  const names = model.get("variables");
  const centerSliders = names.map((name, i) => {
    element("label", { text: `centre ${name}` }, controls);
    const s = element("input", { type: "range", class: `jaxcalc-live-center jaxcalc-live-center-${i}` }, controls);
    // the exact centre can be typed here
    const out = element("input", { type: "number", step: "any", class: `jaxcalc-live-center-value-${i}` }, controls);
    out.style.width = "7em";
    return { s, out };
  });
  element("label", { text: "order" }, controls);
  const orderSlider = element("input", { type: "range", class: "jaxcalc-live-order", min: 0, max: model.get("max_order"), step: 1 }, controls);
  const orderOut = element("span", {}, controls);
  element("label", { text: "range" }, controls);
  const rangeBox = element("span", {}, controls);
  const lo = element("input", { type: "number", class: "jaxcalc-live-lo", step: "any" }, rangeBox);
  element("span", { text: " to " }, rangeBox);
  const hi = element("input", { type: "number", class: "jaxcalc-live-hi", step: "any" }, rangeBox);
  lo.style.width = hi.style.width = "6em";
  element("span", {}, controls);
  const showLabel = element("label", { text: "show" }, controls);
  const extras = element("span", {}, controls);
  const toggle = (cls, text, on) => {
    const label = element("label", { class: cls }, extras);
    const box = element("input", { type: "checkbox" }, label);
    box.checked = on;
    element("span", { text: ` ${text}   ` }, label);
    return box;
  };
  const padeBox = toggle("jaxcalc-live-pade", "Padé approximant", !!model.get("pade"));
  const bandBox = toggle("jaxcalc-live-certify", "proved band (once the controls rest)", !!model.get("certify"));
  if (dims !== 1) { extras.style.display = "none"; showLabel.style.display = "none"; }
  element("span", {}, controls);
  const status = element("div", { class: "jaxcalc-live-status" }, root);
  status.style.cssText = "margin-top:4px; white-space:pre-wrap; max-width:680px";
  const formula = element("div", { class: "jaxcalc-live-formula" }, root);
  formula.style.cssText = "font-family:monospace; font-size:12px; white-space:normal; overflow-wrap:break-word; max-width:680px";

  let span = model.get("span").map((p) => p.slice());
  let center = model.get("center").slice(), order = model.get("order");
  let frame = null, seq = 0, inFlight = null, pending = null, snapshotTimer = null;
  let band = null, bandSeq = 0, bandKey = null, bandTimer = null, bandText = "";
  const stateKey = () => JSON.stringify([center, order, span]);
  const latencies = [], kernelTimes = [], trips = [];

  function syncControls() {
    centerSliders.forEach(({ s, out }, i) => {
      const [a, b] = span[Math.min(i, span.length - 1)];
      s.min = a; s.max = b; s.step = (b - a) / 1000; s.value = center[i];
      if (document.activeElement !== out) out.value = String(+center[i].toPrecision(8));
    });
    orderSlider.value = order; orderOut.textContent = pretty(`T_${order}`);
    lo.value = span[0][0]; hi.value = span[0][1];
  }

  function request(inputTime) {
    const message = { type: "frame", seq: ++seq, center: center.slice(), order, span: span.map((p) => p.slice()), input_time: inputTime };
    if (dims === 1) message.pade = padeBox.checked;
    if (inFlight) { pending = message; return; }  // the latest wins: an older pending request is dropped
    inFlight = message;
    message.sent_at = performance.now();
    model.send(message);
  }

  // A proved band costs more than a frame: it is asked for once the controls have rested, and a
  // band for an older state is never drawn (its key is the state it was proved for).
  function scheduleBand() {
    clearTimeout(bandTimer);
    if (dims !== 1 || !bandBox.checked || !frame || !frame.has_polynomial) return;
    bandTimer = setTimeout(() => {
      bandKey = stateKey();
      if (band && band.key === bandKey) return;
      bandText = "proving a band…";
      draw();
      model.send({ type: "band", seq: ++bandSeq, center: center.slice(), order, span: span.map((p) => p.slice()) });
    }, 300);
  }

  function onInput(inputTime) {
    clearTimeout(bandTimer);
    if (!band || band.key !== stateKey()) {   // a band in flight or drawn for another state is dropped
      bandSeq++; band = null; bandText = ""; delete root.dataset.band;
    }
    syncControls();
    request(inputTime);
    clearTimeout(snapshotTimer);
    snapshotTimer = setTimeout(sendSnapshot, 1200);
  }

  function sendSnapshot() {
    if (!frame) return;
    model.set("center", center.slice()); model.set("order", order); model.set("span", span.map((p) => p.slice()));
    model.save_changes();
    model.send({ type: "snapshot", png: canvas.toDataURL("image/png"), ratio });
  }

  model.on("msg:custom", (msg, buffers) => {
    if (msg.type === "band") {
      if (msg.seq !== bandSeq || bandKey !== stateKey()) return;   // an answer for a state already left
      const v = (i) => new Float64Array(buffers[i].buffer.slice(buffers[i].byteOffset, buffers[i].byteOffset + buffers[i].byteLength));
      band = buffers.length === 2 ? { key: bandKey, lower: v(0), upper: v(1) } : null;
      bandText = msg.text;
      root.dataset.band = msg.text;
      if (frame) draw();
      return;
    }
    if (msg.type !== "frame") return;
    const sent = inFlight;
    inFlight = null;
    const view = (i) => new Float64Array(buffers[i].buffer.slice(buffers[i].byteOffset, buffers[i].byteOffset + buffers[i].byteLength));
    kernelTimes.push(msg.kernel_ms);
    if (kernelTimes.length > 500) kernelTimes.shift();
    root.dataset.kernel = JSON.stringify(kernelTimes.map((v) => Math.round(v * 100) / 100));
    frame = { ...msg, x: view(0), f: view(1), t: msg.has_polynomial ? view(2) : null,
              y: dims === 2 && buffers.length > 3 ? view(3) : null,
              pade: msg.pade_buffer !== null && msg.pade_buffer !== undefined ? view(msg.pade_buffer) : null };
    const received = performance.now();
    draw();
    if (sent) {
      trips.push([Math.round(received - sent.sent_at), Math.round(performance.now() - received)]);
      if (trips.length > 500) trips.shift();
      root.dataset.trips = JSON.stringify(trips);
    }
    if (sent && sent.input_time !== undefined && sent.input_time !== null) {
      requestAnimationFrame(() => {
        latencies.push(performance.now() - sent.input_time);
        if (latencies.length > 500) latencies.shift();
        root.dataset.latencies = JSON.stringify(latencies.map((v) => Math.round(v * 10) / 10));
        root.dataset.frames = String(Number(root.dataset.frames || 0) + 1);
      });
    }
    if (pending) { const next = pending; pending = null; inFlight = next; next.sent_at = performance.now(); model.send(next); }
    else scheduleBand();
  });
  padeBox.addEventListener("change", (e) => { model.set("pade", padeBox.checked); model.save_changes(); onInput(e.timeStamp); });
  bandBox.addEventListener("change", () => {
    model.set("certify", bandBox.checked); model.save_changes();
    if (!bandBox.checked) { band = null; bandText = ""; clearTimeout(bandTimer); if (frame) draw(); } else scheduleBand();
  });

  centerSliders.forEach(({ s, out }, i) => {
    s.addEventListener("input", (e) => { center[i] = Number(s.value); onInput(e.timeStamp); });
    out.addEventListener("change", (e) => {
      const v = Number(out.value), [a, b] = span[Math.min(i, span.length - 1)];
      if (!isFinite(v)) { status.textContent = "the centre must be a number"; return; }
      if (v < a || v > b) span = span.map((p, k) => (k === Math.min(i, span.length - 1) ? [Math.min(a, v), Math.max(b, v)] : p));
      center[i] = v; onInput(e.timeStamp);
    });
  });
  // Keys pressed in the controls are the controls' own (arrows move a slider), not the notebook's.
  controls.addEventListener("keydown", (e) => e.stopPropagation());
  orderSlider.addEventListener("input", (e) => { order = Number(orderSlider.value); onInput(e.timeStamp); });
  const onRange = (e) => {
    const a = Number(lo.value), b = Number(hi.value);
    if (!(isFinite(a) && isFinite(b) && b > a)) { status.textContent = "the range needs two numbers, the first smaller"; return; }
    span = span.map(() => [a, b]);
    center = center.map((c) => Math.min(b, Math.max(a, c)));
    onInput(e.timeStamp);
  };
  lo.addEventListener("change", onRange); hi.addEventListener("change", onRange);

  // Plot geometry, shared by drawing and dragging.
  const pad = { left: 52, right: 12, top: 22, bottom: 30 };
  function panels() {
    if (dims === 1) return [{ x: pad.left, y: pad.top, w: cssWidth - pad.left - pad.right, h: cssHeight - pad.top - pad.bottom }];
    const left = 56, gap = 30, w = (cssWidth - left - 2 * gap - 14) / 3;   // ticks, names and bars fit between
    return [0, 1, 2].map((i) => ({ x: left + i * (w + gap), y: 24, w, h: Math.min(w, cssHeight - 24 - 44) }));
  }

  let dragging = false;
  function dragTo(event) {
    const rect = canvas.getBoundingClientRect(), px = event.clientX - rect.left, py = event.clientY - rect.top;
    const p = panels().find((q) => px >= q.x - 8 && px <= q.x + q.w + 8) || panels()[0];
    const [a, b] = span[0];
    center[0] = Math.min(b, Math.max(a, a + ((px - p.x) / p.w) * (b - a)));
    if (dims === 2) {
      const [c, d] = span[1];
      center[1] = Math.min(d, Math.max(c, d - ((py - p.y) / p.h) * (d - c)));
    }
    onInput(event.timeStamp);
  }
  canvas.addEventListener("pointerdown", (e) => { dragging = true; canvas.setPointerCapture(e.pointerId); dragTo(e); });
  canvas.addEventListener("pointermove", (e) => { if (dragging) dragTo(e); });
  canvas.addEventListener("pointerup", () => { dragging = false; });

  function drawLine(p) {
    const { x, f, t } = frame;
    const finite = f.filter((v) => isFinite(v));
    let ymin = Math.min(...finite), ymax = Math.max(...finite);
    const padY = ymax > ymin ? 0.25 * (ymax - ymin) : 1;
    ymin -= padY; ymax += padY;
    const [a, b] = frame.span[0];
    const X = (v) => p.x + ((v - a) / (b - a)) * p.w, Y = (v) => p.y + p.h - ((v - ymin) / (ymax - ymin)) * p.h;
    const clampY = (v) => Math.max(p.y - 2000, Math.min(p.y + p.h + 2000, Y(v)));
    ctx.save();
    ctx.beginPath(); ctx.rect(p.x, p.y, p.w, p.h); ctx.clip();
    if (frame.radius !== null && frame.radius !== undefined && isFinite(frame.radius) && !frame.entire) {
      const c = frame.center[0];
      ctx.fillStyle = COLORS.radius;
      ctx.fillRect(X(c - frame.radius), p.y + p.h - 10, X(c + frame.radius) - X(c - frame.radius), 10);
      ctx.strokeStyle = "rgba(44,160,44,0.8)"; ctx.setLineDash([3, 3]); ctx.lineWidth = 1;
      [c - frame.radius, c + frame.radius].forEach((r) => { ctx.beginPath(); ctx.moveTo(X(r), p.y); ctx.lineTo(X(r), p.y + p.h); ctx.stroke(); });
      ctx.setLineDash([]);
    }
    // the region between two curves, one polygon per run where both are finite
    const fillBetween = (upper, lower, stroke) => {
      const ok = (i) => isFinite(upper[i]) && isFinite(lower[i]);
      let start = 0;
      while (start < x.length) {
        while (start < x.length && !ok(start)) start++;
        let end = start;
        while (end < x.length && ok(end)) end++;
        if (end - start > 1) {
          ctx.beginPath();
          for (let i = start; i < end; i++) ctx.lineTo(X(x[i]), clampY(upper[i]));
          for (let i = end - 1; i >= start; i--) ctx.lineTo(X(x[i]), clampY(lower[i]));
          ctx.closePath(); ctx.fill();
          if (stroke) ctx.stroke();
        }
        start = end;
      }
    };
    if (t) { ctx.fillStyle = COLORS.band; fillBetween(f, t, false); }   // the error band, between f and T_n
    const provedHere = band && band.key === stateKey() && band.lower.length === x.length;
    if (provedHere) {  // f is proved to lie in this region
      ctx.fillStyle = COLORS.proved; ctx.strokeStyle = COLORS.provedEdge; ctx.lineWidth = 1;
      fillBetween(band.upper, band.lower, true);
    }
    const curve = (ys, color, width, dash) => {
      ctx.strokeStyle = color; ctx.lineWidth = width; ctx.setLineDash(dash); ctx.beginPath();
      let pen = false;
      for (let i = 0; i < x.length; i++) {
        if (!isFinite(ys[i])) { pen = false; continue; }
        pen ? ctx.lineTo(X(x[i]), clampY(ys[i])) : ctx.moveTo(X(x[i]), clampY(ys[i]));
        pen = true;
      }
      ctx.stroke(); ctx.setLineDash([]);
    };
    curve(f, COLORS.f, 2.5, []);
    if (t) curve(t, COLORS.t, 2, [7, 4]);
    if (frame.pade) {
      curve(frame.pade, COLORS.pade, 2, [2, 3]);
      ctx.strokeStyle = COLORS.pade; ctx.lineWidth = 1; ctx.setLineDash([1, 3]);
      (frame.pade_poles || []).filter((q) => q > a && q < b).forEach((q) => {
        ctx.beginPath(); ctx.moveTo(X(q), p.y); ctx.lineTo(X(q), p.y + p.h); ctx.stroke();
      });
      ctx.setLineDash([]);
    }
    const s = frame.singularity;
    if (s && Math.abs(s.im) <= 1e-9 * Math.max(1, Math.abs(s.re)) && s.re > a && s.re < b) {
      cross(X(s.re), p.y + p.h - 5, 6);   // a real singularity: marked where it is, on the axis
    }
    if (frame.value !== null && isFinite(frame.value)) {
      ctx.fillStyle = "#111"; ctx.beginPath(); ctx.arc(X(frame.center[0]), Y(frame.value), 5, 0, 2 * Math.PI); ctx.fill();
    }
    ctx.restore();
    if (s && Math.abs(s.im) > 1e-9 * Math.max(1, Math.abs(s.re))) complexInset(p, s);
    axes(p, [a, b], [ymin, ymax]);
    ctx.fillStyle = "#222"; ctx.font = FONT; ctx.textAlign = "center"; ctx.textBaseline = "bottom";
    ctx.fillText(names[0], p.x + p.w / 2, cssHeight - 1);
    ctx.save(); ctx.translate(11, p.y + p.h / 2); ctx.rotate(-Math.PI / 2); ctx.textBaseline = "middle";
    ctx.fillText("value", 0, 0); ctx.restore();
    legend(p, [
      ["line", COLORS.f, [], "f"],
      ...(t ? [["line", COLORS.t, [7, 4], `T_${frame.order}`], ["box", COLORS.band, [], `|f - T_${frame.order}|`]] : []),
      ...(frame.radius !== null && frame.radius !== undefined && isFinite(frame.radius) && !frame.entire
        ? [["box", COLORS.radius, [], "radius of convergence"]] : []),
      ...(provedHere ? [["box", COLORS.proved, [], "f proved inside"]] : []),
      ...(frame.pade ? [["line", COLORS.pade, [2, 3], frame.pade_text || "Padé"]] : []),
    ]);
  }

  function cross(cx, cy, r) {
    ctx.strokeStyle = COLORS.singular; ctx.lineWidth = 2.5;
    ctx.beginPath(); ctx.moveTo(cx - r, cy - r); ctx.lineTo(cx + r, cy + r); ctx.moveTo(cx - r, cy + r); ctx.lineTo(cx + r, cy - r); ctx.stroke();
  }

  // A complex singularity is not on the real axis: a small plane shows where it is, the centre
  // and the disc of convergence it bounds.
  function complexInset(p, s) {
    const size = 84, q = { x: p.x + 6, y: p.y + 6, w: size, h: size };
    const c = frame.center[0], reach = 1.25 * Math.max(s.distance, 1e-12);
    const U = (re) => q.x + q.w / 2 + ((re - c) / reach) * (q.w / 2), V = (im) => q.y + q.h / 2 - (im / reach) * (q.h / 2);
    ctx.fillStyle = "rgba(255,255,255,0.9)"; ctx.fillRect(q.x, q.y, q.w, q.h);
    ctx.strokeStyle = "#888"; ctx.lineWidth = 1; ctx.strokeRect(q.x, q.y, q.w, q.h);
    ctx.beginPath(); ctx.moveTo(q.x, V(0)); ctx.lineTo(q.x + q.w, V(0)); ctx.stroke();
    ctx.strokeStyle = "rgba(44,160,44,0.9)"; ctx.setLineDash([3, 3]);
    ctx.beginPath(); ctx.arc(U(c), V(0), (s.distance / reach) * (q.w / 2), 0, 2 * Math.PI); ctx.stroke(); ctx.setLineDash([]);
    ctx.fillStyle = "#111"; ctx.beginPath(); ctx.arc(U(c), V(0), 3, 0, 2 * Math.PI); ctx.fill();
    cross(U(s.re), V(s.im), 4);
    if (s.pair) cross(U(s.re), V(-s.im), 4);
    ctx.fillStyle = "#222"; ctx.font = FONT; ctx.textAlign = "left"; ctx.textBaseline = "top";
    ctx.fillText("complex plane", q.x, q.y + q.h + 2);
  }

  function legend(p, items) {
    ctx.font = FONT; ctx.textAlign = "left"; ctx.textBaseline = "middle";
    items = items.map(([kind, color, dash, text]) => [kind, color, dash, pretty(text)]);
    const width = 26 + Math.max(...items.map((it) => ctx.measureText(it[3]).width)), x0 = p.x + p.w - width - 6;
    ctx.fillStyle = "rgba(255,255,255,0.85)"; ctx.fillRect(x0, p.y + 4, width, 17 * items.length + 4);
    items.forEach(([kind, color, dash, text], i) => {
      const y = p.y + 14 + 17 * i;
      if (kind === "line") {
        ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.setLineDash(dash);
        ctx.beginPath(); ctx.moveTo(x0 + 4, y); ctx.lineTo(x0 + 20, y); ctx.stroke(); ctx.setLineDash([]);
      } else { ctx.fillStyle = color; ctx.fillRect(x0 + 4, y - 5, 16, 10); }
      ctx.fillStyle = "#222"; ctx.fillText(text, x0 + 24, y);
    });
  }

  function axes(p, [a, b], [c, d], xTicks = 8, yTicks = 6) {
    ctx.strokeStyle = "#444"; ctx.lineWidth = 1; ctx.strokeRect(p.x, p.y, p.w, p.h);
    ctx.fillStyle = "#222"; ctx.font = FONT;
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    niceTicks(a, b, xTicks).forEach((v) => { const px = p.x + ((v - a) / (b - a)) * p.w; ctx.fillText(fmt(v), px, p.y + p.h + 4); });
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    if (yTicks) niceTicks(c, d, yTicks).forEach((v) => { const py = p.y + p.h - ((v - c) / (d - c)) * p.h; ctx.fillText(fmt(v), p.x - 4, py); });
  }

  function heatmap(p, grid, palette, title, scale, first) {
    // f and T_n share one colour scale (f's), so T_n reads against f; the bar says what colours mean
    const n = frame.x.length, finite = grid.filter((v) => isFinite(v));
    const vmin = scale ? scale[0] : Math.min(...finite), vmax = scale ? scale[1] : Math.max(...finite);
    const image = ctx.createImageData(n, n);
    for (let r = 0; r < n; r++) for (let col = 0; col < n; col++) {
      const v = grid[r * n + col], k = ((n - 1 - r) * n + col) * 4;  // row 0 is the lowest y
      const [R, G, B] = isFinite(v) ? bandColor(palette, vmax > vmin ? (v - vmin) / (vmax - vmin) * 0.999 : 0.5) : [255, 255, 255];
      image.data[k] = R; image.data[k + 1] = G; image.data[k + 2] = B; image.data[k + 3] = 255;
    }
    const off = document.createElement("canvas"); off.width = n; off.height = n;
    off.getContext("2d").putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, p.x, p.y, p.w, p.h);
    colorBar({ x: p.x + p.w + 3, y: p.y, w: 6, h: p.h }, palette);
    // the colour range in the title: no bar labels to collide with the next panel
    ctx.fillStyle = "#222"; ctx.textAlign = "center"; ctx.textBaseline = "bottom"; ctx.font = FONT;
    ctx.fillText(pretty(`${title}: ${fmt(vmin)} to ${fmt(vmax)}`), p.x + p.w / 2, p.y - 4);
    const [a, b] = frame.span[0], [c, d] = frame.span[1];
    ctx.fillStyle = "#fff"; ctx.strokeStyle = "#000";
    const cx = p.x + ((frame.center[0] - a) / (b - a)) * p.w, cy = p.y + p.h - ((frame.center[1] - c) / (d - c)) * p.h;
    ctx.beginPath(); ctx.arc(cx, cy, 5, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    axes(p, [a, b], [c, d], 4, first ? 5 : 0);   // the maps share their axes: y ticks on the first
    ctx.fillStyle = "#222"; ctx.font = FONT; ctx.textAlign = "center"; ctx.textBaseline = "top";
    ctx.fillText(names[0], p.x + p.w / 2, p.y + p.h + 20);
    if (first) {
      ctx.save(); ctx.translate(10, p.y + p.h / 2); ctx.rotate(-Math.PI / 2); ctx.textBaseline = "middle";
      ctx.fillText(names[1], 0, 0); ctx.restore();
    }
  }

  function colorBar(b, palette) {   // low at the bottom; the range is in the panel's title
    palette.forEach((c, i) => { ctx.fillStyle = c; ctx.fillRect(b.x, b.y + b.h * (1 - (i + 1) / palette.length), b.w, b.h / palette.length + 0.5); });
  }

  function draw() {
    ctx.clearRect(0, 0, cssWidth, cssHeight);
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, cssWidth, cssHeight);
    const ps = panels();
    if (dims === 1) drawLine(ps[0]);
    else {
      const finiteF = frame.f.filter((v) => isFinite(v));
      const scale = finiteF.length ? [Math.min(...finiteF), Math.max(...finiteF)] : null;
      heatmap(ps[0], frame.f, VIRIDIS, "f", scale, true);
      if (frame.t) heatmap(ps[1], frame.t, VIRIDIS, `T_${frame.order}`, scale);
      if (frame.y) heatmap(ps[2], frame.y, MAGMA, `log_10 |f - T_${frame.order}|`);
    }
    ctx.fillStyle = "#222"; ctx.textAlign = "left"; ctx.textBaseline = "top"; ctx.font = FONT;
    if (dims === 1) ctx.fillText(pretty(`${model.get("label")}   T_${frame.order} at x_0 = ${fmt(frame.center[0])} (${frame.dtype})`), pad.left, 4);
    const parts = [];
    if (frame.message) parts.push(`no polynomial here: ${frame.message}`);
    if (frame.max_error !== null) parts.push(`max |f - T_${frame.order}| = ${fmt(frame.max_error)}`);
    if (frame.radius_text) parts.push(`radius of convergence (from the coefficients): ${frame.radius_text}`);
    if (bandText && dims === 1) parts.push(bandText);
    parts.push(`kernel ${fmt(frame.kernel_ms)} ms`);
    status.textContent = pretty(parts.join("   ·   "));
    formula.textContent = pretty(frame.formula || "");
    root.dataset.order = String(frame.order);
    root.dataset.center = JSON.stringify(frame.center);
    // what the picture shows, for a screen reader (the canvas itself is only pixels)
    canvas.setAttribute("aria-label", pretty(`${model.get("label")} and its Taylor polynomial T_${frame.order} at ` +
      `${frame.center.map(fmt).join(", ")}; ${parts.slice(0, -1).join("; ")}`));
  }

  syncControls();
  ctx.fillStyle = "#555"; ctx.font = "13px sans-serif"; ctx.textAlign = "left"; ctx.textBaseline = "top";
  ctx.fillText("computing the first polynomial (the first one compiles its program)…", pad.left, pad.top + 8);
  status.textContent = "computing…";
  request(null);
  const unhide = hideStaticTwin(el);
  return () => { clearTimeout(snapshotTimer); clearTimeout(bandTimer); unhide(); };
}

export default { render };
