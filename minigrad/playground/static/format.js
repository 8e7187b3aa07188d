// Number formatting shared by the panels, and the one DOM helper they share.

/** A new element: attrs are attributes, except "class" and "text"; then its children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

/** 4 significant digits, without trailing zeros; "NaN" for null (a diverged value). */
export function fmt4(v) {
  if (v == null || Number.isNaN(v)) return "NaN";
  if (v === 0) return "0";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(4)));
  return v.toExponential(3);
}

// null: the server had no number (an empty test set, or a diverged network).
/** A loss: 4 decimals ("0.4132"). */
export const fmtLoss = (v) => (v == null ? "–" : Number.isFinite(v) ? v.toFixed(4) : "NaN");

/** An accuracy in [0, 1]: up to 4 decimals, no trailing zeros ("0.875"). */
export const fmtAcc = (v) => (v == null ? "–" : Number.isFinite(v) ? String(Number(v.toFixed(4))) : "NaN");
