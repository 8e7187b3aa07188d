// Canvas drawing: the colour scale, heatmaps, the plane with its points, the small charts.
// Everything reuses its canvases and ImageData: a frame only repaints pixels.

export const EXTENT = 6; // the plane is [-6, 6] x [-6, 6]
export const ORANGE = [245, 147, 34]; // class 0 / negative
export const BLUE = [8, 119, 189]; // class 1 / positive
export const css = (rgb, alpha = 1) => `rgba(${rgb[0]},${rgb[1]},${rgb[2]},${alpha})`;

/**
 * A 256-entry RGBA lookup table for a byte v: t = v/255*2-1 in [-1, 1], orange below 0,
 * white at 0, blue above; `strength` < 1 keeps the colours lighter (the decision regions,
 * so the points on top stay readable).
 */
function makeLut(strength) {
  const lut = new Uint8ClampedArray(256 * 4);
  for (let v = 0; v < 256; v++) {
    const t = (v / 255) * 2 - 1;
    const col = t < 0 ? ORANGE : BLUE;
    const m = Math.abs(t) * strength;
    for (let c = 0; c < 3; c++) lut[v * 4 + c] = Math.round(255 * (1 - m) + col[c] * m);
    lut[v * 4 + 3] = 255;
  }
  return lut;
}
export const LUT_UNIT = makeLut(1); // unit heatmaps: full colour at |a| = scale
export const LUT_REGION = makeLut(0.8); // decision regions

/** base64 -> bytes. */
export function decodeBase64(text) {
  const bin = atob(text || "");
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Paint an n x n byte grid (row 0 at the top) into `canvas` (n x n pixels; CSS scales it up
 * smoothly). The ImageData is kept on the canvas and reused.
 */
export function paintBytes(canvas, bytes, n, lut = LUT_UNIT) {
  if (canvas.width !== n || canvas.height !== n) {
    canvas.width = n;
    canvas.height = n;
  }
  const ctx = canvas.getContext("2d");
  let img = canvas._img;
  if (!img || img.width !== n) img = canvas._img = ctx.createImageData(n, n);
  const d = img.data;
  const count = Math.min(bytes.length, n * n);
  for (let p = 0; p < count; p++) {
    const v = bytes[p] * 4;
    const q = p * 4;
    d[q] = lut[v];
    d[q + 1] = lut[v + 1];
    d[q + 2] = lut[v + 2];
    d[q + 3] = 255;
  }
  for (let q = count * 4; q < d.length; q += 4) d.fill(255, q, q + 4); // missing cells: white
  ctx.putImageData(img, 0, 0);
}

// The input features as functions of the plane coordinates (the server's formulas).
const FEATURE_FN = {
  x1: (x1) => x1,
  x2: (x1, x2) => x2,
  x1_sq: (x1) => x1 * x1,
  x2_sq: (x1, x2) => x2 * x2,
  x1x2: (x1, x2) => x1 * x2,
  sin_x1: (x1) => Math.sin(x1),
  sin_x2: (x1, x2) => Math.sin(x2),
};

/** A feature over an n x n grid of cell centres, as bytes on the units' colour scale. */
export function featureBytes(name, n) {
  const fn = FEATURE_FN[name];
  const bytes = new Uint8Array(n * n).fill(128);
  if (!fn) return bytes; // a feature this page has no formula for: drawn white
  const values = new Float64Array(n * n);
  let scale = 0;
  for (let r = 0; r < n; r++) {
    const x2 = EXTENT - ((r + 0.5) / n) * 2 * EXTENT;
    for (let c = 0; c < n; c++) {
      const x1 = -EXTENT + ((c + 0.5) / n) * 2 * EXTENT;
      const v = fn(x1, x2);
      values[r * n + c] = v;
      scale = Math.max(scale, Math.abs(v));
    }
  }
  if (scale > 0) {
    for (let p = 0; p < n * n; p++) bytes[p] = Math.round(((values[p] / scale + 1) / 2) * 255);
  }
  return bytes;
}

// CSS sizes of the canvases, kept by a ResizeObserver: reading clientWidth during a frame
// would force a layout after the frame's text changes.
const cssSize = new WeakMap();
let afterResize = () => {};
const observer = new ResizeObserver((entries) => {
  for (const e of entries) cssSize.set(e.target, [e.contentRect.width, e.contentRect.height]);
  afterResize();
});

/** Called (once per batch) when a canvas drawn here changes its CSS size. */
export function onCanvasResize(fn) {
  afterResize = fn;
}

/** Keep a canvas's backing store at its CSS size x devicePixelRatio; true if it changed. */
function fitCanvas(canvas) {
  let size = cssSize.get(canvas);
  if (!size) {
    observer.observe(canvas);
    size = [canvas.clientWidth, canvas.clientHeight];
    cssSize.set(canvas, size);
  }
  if (!size[0] || !size[1]) return false; // hidden: keep the last backing store
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(size[0] * dpr));
  const h = Math.max(1, Math.round(size[1] * dpr));
  if (canvas.width === w && canvas.height === h) return false;
  canvas.width = w;
  canvas.height = h;
  return true;
}

/**
 * The plane: decision regions (a small grid canvas scaled up with smoothing), the points
 * on top (pre-rendered on their own layer, since they only change with the data) and the
 * highlighted trace point.
 */
export class PlaneView {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.grid = document.createElement("canvas");
    this.hasGrid = false;
    this.layer = document.createElement("canvas");
    this.train = [];
    this.test = [];
    this.showTest = false;
    this.highlight = null; // [x1, x2] of the traced point
    this.pointsDirty = true;
  }

  setPoints(train, test) {
    this.train = train || [];
    this.test = test || [];
    this.pointsDirty = true;
  }

  setShowTest(show) {
    this.showTest = show;
    this.pointsDirty = true;
  }

  /** Plane coordinates -> canvas pixels (backing store). */
  toPixel(x1, x2) {
    const { width: w, height: h } = this.canvas;
    return [((x1 + EXTENT) / (2 * EXTENT)) * w, ((EXTENT - x2) / (2 * EXTENT)) * h];
  }

  /** A mouse event -> plane coordinates (uses the CSS box, whatever the canvas size). */
  eventToPlane(event) {
    const r = this.canvas.getBoundingClientRect();
    const x1 = ((event.clientX - r.left) / r.width) * 2 * EXTENT - EXTENT;
    const x2 = EXTENT - ((event.clientY - r.top) / r.height) * 2 * EXTENT;
    return [x1, x2];
  }

  drawPoints() {
    const { width: w, height: h } = this.canvas;
    const layer = this.layer;
    layer.width = w;
    layer.height = h;
    const ctx = layer.getContext("2d");
    const dpr = window.devicePixelRatio || 1;
    const radius = (w / dpr < 200 ? 2.4 : 3.2) * dpr;
    const dot = (p, ring) => {
      const [x, y] = this.toPixel(p[0], p[1]);
      ctx.beginPath();
      ctx.arc(x, y, radius, 0, 2 * Math.PI);
      ctx.fillStyle = css(p[2] === 1 ? BLUE : ORANGE);
      ctx.fill();
      ctx.lineWidth = dpr;
      ctx.strokeStyle = ring;
      ctx.stroke();
    };
    if (this.showTest) for (const p of this.test) dot(p, "#111");
    for (const p of this.train) dot(p, "#fff");
    this.pointsDirty = false;
  }

  /** New decision regions: n x n bytes, value/255 = P(class 1). */
  setGrid(bytes, n) {
    paintBytes(this.grid, bytes, n, LUT_REGION);
    this.hasGrid = true;
  }

  /** Repaint the canvas: `preview` (bytes, n) replaces the regions while a unit is hovered. */
  render(preview = null) {
    if (fitCanvas(this.canvas)) this.pointsDirty = true;
    if (this.pointsDirty) this.drawPoints();
    const ctx = this.ctx;
    const { width: w, height: h } = this.canvas;
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "low"; // bilinear: smooth enough for 50 -> 300 px, and cheap
    let source = this.hasGrid ? this.grid : null;
    if (preview) {
      this.previewCanvas ??= document.createElement("canvas");
      paintBytes(this.previewCanvas, preview.bytes, preview.n, LUT_UNIT);
      source = this.previewCanvas;
    }
    if (source) ctx.drawImage(source, 0, 0, w, h);
    else {
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, w, h);
    }
    ctx.drawImage(this.layer, 0, 0);
    if (this.highlight) this.drawHighlight();
  }

  drawHighlight() {
    const ctx = this.ctx;
    const dpr = window.devicePixelRatio || 1;
    const [x, y] = this.toPixel(this.highlight[0], this.highlight[1]);
    ctx.lineWidth = 2.5 * dpr;
    ctx.strokeStyle = "#000";
    ctx.beginPath();
    ctx.arc(x, y, 8 * dpr, 0, 2 * Math.PI);
    ctx.stroke();
    ctx.lineWidth = 1.2 * dpr;
    ctx.strokeStyle = "#fff";
    ctx.beginPath();
    ctx.arc(x, y, 10.5 * dpr, 0, 2 * Math.PI);
    ctx.stroke();
  }
}

/**
 * A small line chart over the history of frames. `series`: [{get(entry) -> number|null,
 * color, dash}]; `range`: [min, max] or null to fit the data (from 0).
 */
export class Chart {
  constructor(canvas, series, range = null) {
    this.canvas = canvas;
    this.series = series;
    this.range = range;
  }

  draw(history) {
    fitCanvas(this.canvas);
    const ctx = this.canvas.getContext("2d");
    const { width: w, height: h } = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    ctx.clearRect(0, 0, w, h);
    const pad = 3 * dpr;
    let lo = 0;
    let hi = 1;
    if (this.range) [lo, hi] = this.range;
    else {
      hi = 0;
      for (const e of history) {
        for (const s of this.series) {
          const v = s.get(e);
          if (v != null && Number.isFinite(v)) hi = Math.max(hi, v);
        }
      }
      if (hi <= 0) hi = 1;
    }
    // light guide lines at the bottom, middle and top
    ctx.strokeStyle = "#e4e7eb";
    ctx.lineWidth = dpr;
    for (const f of [0, 0.5, 1]) {
      const y = Math.round(h - pad - f * (h - 2 * pad)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(0, y);
      ctx.lineTo(w, y);
      ctx.stroke();
    }
    ctx.fillStyle = "#8a939c";
    ctx.font = `${9 * dpr}px system-ui, sans-serif`;
    ctx.textBaseline = "top";
    ctx.fillText(formatAxis(hi), 2 * dpr, pad);
    if (history.length < 2) return;
    const n = history.length;
    for (const s of this.series) {
      ctx.strokeStyle = s.color;
      ctx.lineWidth = 1.5 * dpr;
      ctx.setLineDash(s.dash ? s.dash.map((d) => d * dpr) : []);
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < n; i++) {
        const v = s.get(history[i]);
        if (v == null || !Number.isFinite(v)) {
          pen = false;
          continue;
        }
        const x = (i / (n - 1)) * (w - 2 * pad) + pad;
        const c = Math.min(Math.max((v - lo) / (hi - lo), 0), 1);
        const y = h - pad - c * (h - 2 * pad);
        if (pen) ctx.lineTo(x, y);
        else ctx.moveTo(x, y);
        pen = true;
      }
      ctx.stroke();
    }
    ctx.setLineDash([]);
  }
}

function formatAxis(v) {
  return v >= 100 ? v.toFixed(0) : Number(v.toPrecision(2)).toString();
}
