// The network diagram: input features, hidden units (heatmaps), the output unit, the
// weights as SVG lines behind them, and the +/- and activation controls above each layer.
// The DOM is rebuilt only when the architecture changes; frames only update attributes.

import { BLUE, ORANGE, css, decodeBase64, featureBytes, paintBytes, LUT_REGION } from "./draw.js";
import { el, fmt4 } from "./format.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const POS = css(BLUE);
const NEG = css(ORANGE);
const HEAD_H = 58; // px reserved above the units for the per-layer controls
const INPUT_GRID = 32; // resolution of the (never changing) input heatmaps

const DEAD_HINT = "dead: this unit's derivative is 0 on every training point, so no gradient flows through it";
const SAT_HINT = "saturated: its derivative is below 0.01 on more than 90% of the training points";

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

/** Set an attribute only when it changes: unchanged values then cost no style/paint work. */
function setAttr(node, name, value) {
  const cache = (node._attrs ??= {});
  if (cache[name] !== value) {
    cache[name] = value;
    node.setAttribute(name, value);
  }
}

export class NetworkView {
  /**
   * @param root   the .net-area element (holds the svg, the heads and the nodes layers)
   * @param edit   called when a control changes the architecture, with a function that
   *               turns the page's working config (not necessarily the one shown: edits
   *               may be in flight) into a config patch
   * @param hover  called with {kind, l, i} when the pointer enters a unit, null when it leaves
   */
  constructor(root, { edit, hover }) {
    this.root = root;
    this.svg = root.querySelector(".net-links");
    this.heads = root.querySelector(".net-heads");
    this.nodesLayer = root.querySelector(".net-nodes");
    this.edit = edit;
    this.hover = hover;
    this.signature = "";
    this.cols = [];
    this.links = [];
    this.config = null;
    this.limits = {};
    this.labels = {};
    this.activationNames = [];
    new ResizeObserver(() => this.layout()).observe(root);
  }

  /** hello: the activation names for the selects, the limits, the feature labels. */
  setHello(hello) {
    this.activationNames = hello.activations || [];
    this.limits = hello.limits || {};
    this.labels = hello.feature_labels || {};
  }

  /** Show a config: rebuild if the architecture changed, else only refresh the controls. */
  setConfig(config) {
    this.config = config;
    const signature = JSON.stringify([config.features, config.hidden]);
    if (signature !== this.signature) {
      this.signature = signature;
      this.build();
    }
    this.refreshHeads();
  }

  // ---------------------------------------------------------------- building

  build() {
    const { features = [], hidden = [] } = this.config;
    this.svg.replaceChildren();
    this.heads.replaceChildren();
    this.nodesLayer.replaceChildren();
    this.cols = [];

    // inputs: the checked features, each with its own heatmap computed here
    const inputs = features.map((name, i) => {
      const node = this.makeNode(`input-${name}`, "input", { kind: "input", l: -1, i, name });
      paintBytes(node.canvas, featureBytes(name, INPUT_GRID), INPUT_GRID);
      node.canvas.title = `input ${this.labels[name] ?? name}`;
      node.label = el("span", { class: "in-label", text: this.labels[name] ?? name });
      node.el.append(node.label);
      return node;
    });
    this.cols.push({ kind: "input", nodes: inputs, head: this.makeHead("Inputs") });

    hidden.forEach((count, l) => {
      const nodes = [];
      for (let i = 0; i < count; i++) nodes.push(this.makeNode(`neuron-${l}-${i}`, "hidden", { kind: "hidden", l, i }));
      this.cols.push({ kind: "hidden", l, nodes, head: this.makeLayerHead(l) });
    });

    const out = this.makeNode("neuron-output", "output", { kind: "output", l: hidden.length, i: 0 });
    out.canvas.title = "the output: P(class 1) over the plane";
    this.cols.push({ kind: "output", nodes: [out], head: this.makeHead("Output") });

    // one line per weight, drawn behind the units
    this.links = [];
    for (let k = 0; k + 1 < this.cols.length; k++) {
      const rows = this.cols[k].nodes.map(() =>
        this.cols[k + 1].nodes.map(() => {
          const line = document.createElementNS(SVG_NS, "line");
          const title = document.createElementNS(SVG_NS, "title");
          line.append(title);
          line.setAttribute("stroke", "#ccc");
          line.setAttribute("stroke-width", "1");
          this.svg.append(line);
          return { line, title, text: "" };
        }),
      );
      this.links.push(rows);
    }
    this.layout();
  }

  makeNode(testid, kind, where) {
    const canvas = el("canvas", { "data-testid": testid, class: "heat", width: "24", height: "24" });
    const node = { canvas, el: el("div", { class: `node ${kind}` }, canvas), where };
    if (kind === "hidden") {
      node.bar = el("span");
      node.dead = el("span", { class: "badge dead-badge", text: "dead", title: DEAD_HINT, hidden: "" });
      node.sat = el("span", { class: "badge sat-badge", text: "sat.", title: SAT_HINT, hidden: "" });
      node.el.append(el("div", { class: "gradbar" }, node.bar), node.dead, node.sat);
    }
    node.trace = el("span", { class: "trace-label", hidden: "" });
    node.el.append(node.trace);
    canvas.addEventListener("mouseenter", () => this.hover(where));
    canvas.addEventListener("mouseleave", () => this.hover(null));
    this.nodesLayer.append(node.el);
    return node;
  }

  makeHead(text) {
    const head = el("div", { class: "head plain" }, el("span", { class: "head-title", text }));
    this.heads.append(head);
    return head;
  }

  makeLayerHead(l) {
    const minus = el("button", { type: "button", class: "round tiny", "data-testid": `remove-neuron-${l}`, title: "remove a neuron", text: "−" });
    const plus = el("button", { type: "button", class: "round tiny", "data-testid": `add-neuron-${l}`, title: "add a neuron", text: "+" });
    const count = el("span", { class: "count", "data-testid": `neuron-count-${l}` });
    const select = el("select", { "data-testid": `activation-${l}`, title: `activation of hidden layer ${l + 1}` });
    for (const name of this.activationNames) select.append(el("option", { value: name, text: name }));
    minus.addEventListener("click", () => this.resize(l, -1));
    plus.addEventListener("click", () => this.resize(l, +1));
    select.addEventListener("change", () => {
      const name = select.value;
      this.edit((working) => {
        if (l >= working.activations.length) return {}; // the layer is being removed
        const activations = [...working.activations];
        activations[l] = name;
        return { activations };
      });
    });
    const head = el("div", { class: "head" }, el("div", { class: "head-row" }, minus, count, plus), select);
    head.controls = { minus, plus, count, select };
    this.heads.append(head);
    return head;
  }

  resize(l, delta) {
    this.edit((working) => {
      if (l >= working.hidden.length) return {}; // the layer is being removed
      const hidden = [...working.hidden];
      hidden[l] = Number(hidden[l]) + delta;
      return { hidden };
    });
  }

  /** Per-layer counts, activations and the limits on the buttons. */
  refreshHeads() {
    const maxNeurons = this.limits.max_neurons ?? 8;
    for (const col of this.cols) {
      if (col.kind !== "hidden") continue;
      const { minus, plus, count, select } = col.head.controls;
      const n = Number(this.config.hidden[col.l]);
      count.textContent = plural(n, "neuron", "neurons");
      minus.disabled = n <= 1;
      plus.disabled = n >= maxNeurons;
      const name = this.config.activations[col.l];
      if (![...select.options].some((o) => o.value === name)) select.append(el("option", { value: name, text: name }));
      select.value = name;
    }
  }

  // ---------------------------------------------------------------- geometry

  /** Place columns evenly, units centred vertically; lines follow the unit centres. */
  layout() {
    if (!this.cols.length) return;
    const W = this.root.clientWidth;
    const H = this.root.clientHeight;
    if (!W || !H) return;
    const padL = 70; // room for the input labels
    const padR = 40;
    const top = HEAD_H + 6;
    const avail = H - top - 10;
    const most = Math.max(...this.cols.map((c) => c.nodes.length), 1);
    const slot = Math.min(avail / most, 66);
    const size = Math.max(20, Math.min(42, slot - 18));
    const gap = this.cols.length > 1 ? (W - padL - padR) / (this.cols.length - 1) : 0;
    this.size = size;
    this.cols.forEach((col, c) => {
      const x = padL + c * gap;
      col.x = x;
      const y0 = top + avail / 2 - (col.nodes.length * slot) / 2;
      col.nodes.forEach((node, i) => {
        node.x = x;
        node.y = y0 + slot * (i + 0.5);
        Object.assign(node.el.style, {
          left: `${x - size / 2}px`, top: `${node.y - size / 2}px`, width: `${size}px`, height: `${size}px`,
        });
      });
      const headW = Math.min(gap - 6 || 110, 116);
      Object.assign(col.head.style, { left: `${x - headW / 2}px`, width: `${headW}px` });
    });
    this.svg.setAttribute("width", W);
    this.svg.setAttribute("height", H);
    this.links.forEach((rows, k) => {
      rows.forEach((row, i) => {
        row.forEach((link, j) => {
          const a = this.cols[k].nodes[i];
          const b = this.cols[k + 1].nodes[j];
          link.line.setAttribute("x1", a.x);
          link.line.setAttribute("y1", a.y);
          link.line.setAttribute("x2", b.x);
          link.line.setAttribute("y2", b.y);
        });
      });
    });
  }

  // ---------------------------------------------------------------- frames

  /** Does this net's shape match the diagram (a frame of an older architecture may arrive)? */
  matches(net) {
    const hiddenCols = this.cols.filter((c) => c.kind === "hidden");
    if (!net || !Array.isArray(net.neurons) || net.neurons.length !== hiddenCols.length) return false;
    if (!hiddenCols.every((c, l) => net.neurons[l].length === c.nodes.length)) return false;
    const w = net.weights || [];
    return w.length === this.links.length && w.every((layer, k) => layer.W.length === this.links[k].length);
  }

  update(frame, boundaryBytes) {
    const net = frame.nets && frame.nets[0];
    if (!this.matches(net)) return;
    const n = frame.neuron_grid;
    const hiddenCols = this.cols.filter((c) => c.kind === "hidden");
    hiddenCols.forEach((col, l) => {
      const act = (net.activations || [])[l] ?? "";
      col.nodes.forEach((node, i) => this.updateUnit(node, net.neurons[l][i], n, l, i, act, net.weights[l]));
    });
    // the output unit shows the decision regions in small
    const out = this.cols[this.cols.length - 1].nodes[0];
    if (boundaryBytes) paintBytes(out.canvas, boundaryBytes, frame.grid, LUT_REGION);
    this.updateLinks(net.weights);
  }

  updateUnit(node, unit, n, l, i, act, layerWeights) {
    if (!unit) return;
    paintBytes(node.canvas, decodeBase64(unit.heatmap), n);
    const dead = unit.dead === true;
    const sat = unit.saturated === true;
    if (node.isDead !== dead || node.isSat !== sat) {
      node.isDead = dead;
      node.isSat = sat;
      node.el.classList.toggle("dead", dead);
      node.el.classList.toggle("saturated", sat);
      node.canvas.dataset.dead = String(dead);
      node.canvas.dataset.saturated = String(sat);
      node.dead.hidden = !dead;
      node.sat.hidden = !sat;
    }
    const g = unit.grad;
    setAttr(node.canvas, "data-grad", String(g));
    // bar length grows with log10(grad): 1e-5 or less -> empty, 1 or more -> full.
    // A transform, not a width: it needs no layout.
    const frac = g == null || !(g > 0) ? 0 : Math.min(Math.max((Math.log10(g) + 5) / 5, 0), 1);
    setAttr(node.bar, "style", `transform: scaleX(${frac.toFixed(3)})`);
    const bias = layerWeights && layerWeights.b ? layerWeights.b[i] : null;
    const lines = [
      `hidden layer ${l + 1}, unit ${i + 1} (${act})`,
      `activation range ±${fmt4(unit.scale)}`,
      `mean |∂L/∂z| = ${g == null ? "n/a" : fmt4(g)} (the gradient reaching its incoming weights)`,
    ];
    if (bias != null) lines.push(`bias b = ${fmt4(bias)}`);
    if (dead) lines.push(DEAD_HINT);
    if (sat) lines.push(SAT_HINT);
    setAttr(node.canvas, "title", lines.join("\n"));
  }

  updateLinks(weights) {
    this.links.forEach((rows, k) => {
      const W = weights[k].W;
      rows.forEach((row, i) => {
        row.forEach((link, j) => {
          const w = W[i][j];
          const m = Math.abs(w ?? 0);
          const width = Math.min(Math.max(m * 2, 0.5), 6); // |w| >= 3 -> 6 px
          const opacity = Math.min(0.2 + m * 0.35, 0.95);
          setAttr(link.line, "stroke-width", width.toFixed(1));
          setAttr(link.line, "stroke", w >= 0 ? POS : NEG);
          setAttr(link.line, "stroke-opacity", opacity.toFixed(2));
          const text = `w = ${w == null ? "NaN" : fmt4(w)}`;
          if (text !== link.text) {
            link.text = text;
            link.title.textContent = text;
          }
        });
      });
    });
  }

  // ---------------------------------------------------------------- trace

  /** Small numbers beside each unit: a (and ∂L/∂a once the backward pass is shown). */
  setTrace(trace, backward) {
    const net = trace.nets && trace.nets[0];
    if (!net) return;
    this.cols.forEach((col, c) => {
      col.nodes.forEach((node, i) => {
        let a;
        let g = null;
        if (col.kind === "input") a = (trace.inputs || [])[i];
        else {
          const layer = net.layers[c - 1];
          if (!layer) return;
          a = layer.a[i];
          g = layer.dL_da ? layer.dL_da[i] : null;
        }
        node.trace.hidden = false;
        node.trace.textContent = "";
        node.trace.append(el("span", { class: "ta", text: `a ${fmt4(a)}` }));
        if (backward && col.kind !== "input") node.trace.append(el("span", { class: "tg", text: `∂ ${fmt4(g)}` }));
      });
    });
  }

  clearTrace() {
    for (const col of this.cols) for (const node of col.nodes) node.trace.hidden = true;
  }
}
