// The config <-> location.hash, as readable URL parameters:
//   #dataset=xor&points=&n_samples=400&...&hidden=4,2&activations=tanh,tanh&lr=0.03&compare=
// Lists are joined with "," and lists of points with ";" (x1,x2,label;x1,x2,label).
// Nothing is validated here: the server checks every value and refuses bad ones, and the
// page then shows the config the server sends back.

// Config keys that have a shorter name in the URL.
const URL_NAME = { learning_rate: "lr" };
const CONFIG_NAME = Object.fromEntries(Object.entries(URL_NAME).map(([k, v]) => [v, k]));
// Keys whose value is a list of lists.
const NESTED = new Set(["points"]);

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** "0.5" -> 0.5, "abc" -> "abc": numbers become numbers, anything else stays as typed. */
export function parseValue(text) {
  const t = String(text).trim();
  return NUMBER.test(t) ? Number(t) : t;
}

// Separators stay raw, so an atom that contains one is percent-encoded by encodeURIComponent.
const atomText = (x) => encodeURIComponent(String(x));

function encodeValue(value) {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) {
    return value
      .map((item) => (Array.isArray(item) ? item.map(atomText).join(",") : atomText(item)))
      .join(value.some(Array.isArray) ? ";" : ",");
  }
  return atomText(value);
}

/** The hash text (without "#") for a config: every key, in the config's order. */
export function encodeConfig(config) {
  return Object.entries(config)
    .map(([key, value]) => `${URL_NAME[key] ?? key}=${encodeValue(value)}`)
    .join("&");
}

function decode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a stray "%": keep the text as it is, the server will say what is wrong
  }
}

const atom = (text) => parseValue(decode(text));

// The type of the default value tells how to read the text; values are not checked.
function decodeValue(raw, fallback, key) {
  if (NESTED.has(key)) {
    if (raw === "") return [];
    return raw.split(";").filter((s) => s !== "").map((s) => s.split(",").map(atom));
  }
  if (Array.isArray(fallback)) return raw === "" ? [] : raw.split(",").map(atom);
  if (fallback === null) {
    const text = decode(raw);
    return text === "" || text === "null" || text === "none" ? null : parseValue(text);
  }
  if (typeof fallback === "number") {
    const text = decode(raw);
    return text.trim() === "" ? text : parseValue(text);
  }
  if (typeof fallback === "boolean") {
    const text = decode(raw);
    if (text === "true" || text === "1") return true;
    if (text === "false" || text === "0") return false;
    return text;
  }
  return decode(raw);
}

/**
 * The config described by a hash ("#a=1&b=2"): the server's defaults, overridden by every
 * known key in the hash. Keys the server does not know are left out (it refuses them).
 */
export function decodeHash(hash, defaults) {
  const config = structuredClone(defaults);
  const text = String(hash || "").replace(/^#/, "");
  for (const part of text.split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const name = decode(eq < 0 ? part : part.slice(0, eq));
    const raw = eq < 0 ? "" : part.slice(eq + 1);
    const key = CONFIG_NAME[name] ?? name;
    if (!Object.prototype.hasOwnProperty.call(defaults, key)) continue;
    config[key] = decodeValue(raw, defaults[key], key);
  }
  return config;
}
