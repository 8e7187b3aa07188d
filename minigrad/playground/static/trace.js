// "Backprop, step by step": one training point through network A. The forward values (z, a)
// show first; "backward" reveals ∂L/∂a, ∂L/∂z, ∂L/∂b and ∂L/∂W of every layer, as
// minigrad's loss.backward() computed them. Every number carries its exact value in
// data-value and a 4-significant-digit text.

import { el, fmt4 } from "./format.js";

/** A number cell: rounded text, the value as sent in data-value. */
function num(testid, value, cls = "") {
  return el("td", { class: `num ${cls}`.trim(), "data-testid": testid, "data-value": String(value), title: String(value), text: fmt4(value) });
}

export class TracePanel {
  constructor(body, status, backwardButton) {
    this.body = body;
    this.status = status;
    this.backwardButton = backwardButton;
    this.trace = null;
    this.backward = false;
  }

  /**
   * Show a trace reply (forward pass only).
   * @param ctx {features, labels, activations, loss}: the config it was computed for
   */
  show(trace, ctx) {
    this.trace = trace;
    this.backward = false;
    this.stale = false;
    this.body.classList.add("fwd-only");
    this.body.replaceChildren();
    this.backwardButton.disabled = false;
    const net = trace.nets[0];
    const [x1, x2, label] = trace.point;
    const pText = net.p != null ? ` · network's P(class 1) = ${fmt4(net.p)}` : "";
    this.body.append(
      el("div", { class: "trace-summary" },
        el("span", { text: `Point #${trace.index}: x₁ = ${fmt4(x1)}, x₂ = ${fmt4(x2)}, class ${label}${pText}` }),
        el("span", { class: "bwd" }, " · loss L = ",
          el("b", { "data-testid": "trace-loss", "data-value": String(net.loss), title: String(net.loss), text: fmt4(net.loss) }),
          trace.nets[1] ? ` (network B: ${fmt4(trace.nets[1].loss)})` : ""),
        el("span", { class: "hint fwd" }, " Forward: z = Σᵢ a_prev[i]·W[i][j] + b[j], a = f(z). Press backward for the gradients."),
        el("span", { class: "hint bwd" }, " Backward: ∂L/∂z = ∂L/∂a·f′(z), ∂L/∂W[i][j] = a_prev[i]·∂L/∂z[j], ∂L/∂a_prev[i] = Σⱼ W[i][j]·∂L/∂z[j]."),
      ),
    );
    const row = el("div", { class: "trace-layers" });
    row.append(this.inputsBlock(trace, ctx));
    const last = net.layers.length - 1;
    net.layers.forEach((layer, k) => {
      const name = k === last ? `output (${ctx.loss === "mse" ? "tanh" : "logit; sigmoid in the loss"})` : `hidden ${k + 1} · ${ctx.activations[k] ?? ""}`;
      const prevNames = k === 0 ? ctx.features.map((f) => ctx.labels[f] ?? f) : net.layers[k - 1].a.map((_, i) => `h${k}.${i + 1}`);
      row.append(this.layerBlock(layer, k, name, prevNames, k === last));
    });
    this.body.append(row);
    this.status.textContent = "Forward pass at the current weights (training paused).";
  }

  inputsBlock(trace, ctx) {
    const head = el("tr", {}, el("th"));
    const values = el("tr", {}, el("th", { text: "a" }));
    (trace.inputs || []).forEach((v, i) => {
      const f = ctx.features[i];
      head.append(el("th", { text: ctx.labels[f] ?? f ?? `in ${i + 1}` }));
      values.append(num(`trace-input-${i}`, v));
    });
    return el("div", { class: "trace-block" }, el("div", { class: "block-title", text: "inputs" }), el("table", {}, head, values));
  }

  layerBlock(layer, k, name, prevNames, isOutput) {
    const units = layer.a.length;
    const head = el("tr", {}, el("th"));
    for (let j = 0; j < units; j++) head.append(el("th", { text: isOutput ? "out" : `h${k + 1}.${j + 1}` }));
    const row = (label, key, values, cls = "", tip = "") => {
      const tr = el("tr", { class: cls }, el("th", { text: label, title: tip }));
      (values || []).forEach((v, j) => tr.append(num(`trace-${key}-${k}-${j}`, v)));
      return tr;
    };
    const table = el("table", {},
      head,
      row("z", "z", layer.z, "", "pre-activation"),
      row("a", "a", layer.a, "", "activation (output of the unit)"),
      row("∂L/∂a", "dlda", layer.dL_da, "bwd grad", "gradient of the loss at the unit's output"),
      row("∂L/∂z", "dldz", layer.dL_dz, "bwd grad", "gradient of the loss at the pre-activation"),
      row("∂L/∂b", "dldb", layer.dL_db, "bwd grad", "gradient of the loss for the bias"),
    );
    // ∂L/∂W: one row per unit of the layer before, one column per unit of this layer
    const wHead = el("tr", {}, el("th", { text: "∂L/∂W" }));
    for (let j = 0; j < units; j++) wHead.append(el("th", { text: isOutput ? "out" : `h${k + 1}.${j + 1}` }));
    const wTable = el("table", { class: "bwd dw" }, wHead);
    (layer.dL_dW || []).forEach((r, i) => {
      const tr = el("tr", {}, el("th", { text: prevNames[i] ?? String(i) }));
      r.forEach((v, j) => {
        const td = num(`trace-dldw-${k}-${i}-${j}`, v, "grad");
        const w = layer.W && layer.W[i] ? layer.W[i][j] : null;
        if (w != null) td.title = `∂L/∂W[${i}][${j}] = ${v}  (W = ${w})`;
        tr.append(td);
      });
      wTable.append(tr);
    });
    return el("div", { class: "trace-block" }, el("div", { class: "block-title", text: name }), table, wTable);
  }

  revealBackward() {
    if (!this.trace) return;
    this.backward = true;
    this.body.classList.remove("fwd-only");
    this.backwardButton.disabled = true;
    this.status.textContent = "Backward pass: loss.backward() from this point's loss.";
  }

  clear(message = "") {
    this.trace = null;
    this.stale = false;
    this.backward = false;
    this.body.replaceChildren(
      el("p", { class: "hint intro", text: "Pick a training point (or type its index). The forward pass shows each unit's pre-activation z and activation a, layer by layer; backward then shows the gradient of that point's loss at every unit (∂L/∂a, ∂L/∂z) and for every weight and bias (∂L/∂W, ∂L/∂b), exactly as loss.backward() computes them." }),
    );
    this.body.classList.add("fwd-only");
    this.backwardButton.disabled = true;
    if (message) this.status.textContent = message;
  }

  markStale(step) {
    if (this.trace && !this.stale) {
      this.stale = true;
      this.status.textContent = `The weights changed since (step ${step}): trace again for current values.`;
    }
  }
}
