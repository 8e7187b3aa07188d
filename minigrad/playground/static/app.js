// minigrad playground: the page. One WebSocket to the server (the page <-> server
// protocol is PROTOCOL.md); the server trains, the page only draws and sends settings.
//
// Config flow: the page never validates. It edits a working copy of the config, sends the
// whole of it, and shows what the server answers: `state.config` when accepted, or
// `error.config` (the config still in force) when refused. That config goes into the URL.
//
// Frame flow: a frame is kept as "latest" and drawn on the next animation frame, then
// acknowledged; frames are never queued, so a slow page simply gets fewer of them.

import { encodeConfig, decodeHash, parseValue } from "./url_state.js";
import { PlaneView, Chart, decodeBase64, featureBytes, onCanvasResize } from "./draw.js";
import { NetworkView } from "./network.js";
import { TracePanel } from "./trace.js";
import { fmtLoss, fmtAcc } from "./format.js";

// Elements by data-testid; the page's static elements are looked up once.
const found = new Map();
function $(id) {
  let el = found.get(id);
  if (!el) {
    el = document.querySelector(`[data-testid="${id}"]`);
    if (el) found.set(id, el);
  }
  return el;
}

/** Change a text only when it differs (an unchanged text costs no layout). */
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

const LABELS = {
  optimizer: { sgd: "SGD", momentum: "SGD + momentum", adam: "Adam" },
  loss: { bce: "sigmoid + cross-entropy", mse: "tanh + squared error" },
  dataset: { xor: "XOR", circles: "circles", moons: "moons", spirals: "spirals", blobs: "blobs", custom: "draw your own" },
  speed: { slow: "slow (1 step / frame)", normal: "normal (1 epoch / frame)", fast: "fast" },
};
const LOST = "lost the connection to the server; reload the page";
const HISTORY_MAX = 1500; // chart points kept; older ones are thinned out
const PLAY_INTENT_MS = 1500; // how long a click on play/pause wins over frames already in flight

// ------------------------------------------------------------------ page state

const S = {
  ws: null,
  hello: null,
  accepted: null, // the config the server last confirmed
  working: null, // accepted + the user's edits sent since (the base of the next edit)
  inFlight: [], // configs sent and not yet answered: {config}
  gotState: false,
  train: [],
  test: [],
  latest: null, // the newest frame not drawn yet
  unacked: 0, // frames received since the last ack
  raf: 0,
  history: [], // one entry per frame, for the charts
  userSeq: 0, // messages the user caused (not acks)
  errorSeq: -1, // userSeq when the visible error arrived
  errorSticky: false, // the connection is gone: the error stays
  unloading: false,
  playIntent: null,
  playIntentAt: 0,
  drawClass: 0,
  picking: false,
  hover: null,
  trace: null,
  traceStep: null,
  exportUrls: [],
};

// The debug handle for tests and the benchmark.
const playground = {
  framesDrawn: 0,
  framesReceived: 0,
  lastFrame: null,
  drawnFrame: null,
  config: null,
  connected: false,
  sendRaw(text) {
    S.userSeq++;
    S.ws.send(text);
  },
  send(obj) {
    if (obj && obj.type === "config") sendConfig(obj.config);
    else send(obj);
  },
};
window.playground = playground;

// ------------------------------------------------------------------ views

const plane = new PlaneView($("boundary"));
const planeB = new PlaneView($("boundary-b"));
const net = new NetworkView($("network"), { edit: (patchOf) => S.working && commit(patchOf(S.working)), hover: setHover });
const tracePanel = new TracePanel($("trace-body"), $("trace-status"), $("trace-backward"));

const DARK = "#39424b";
const PURPLE = "#8e4fc2";
const series = (i) => [
  { get: (e) => e.a[i], color: DARK },
  { get: (e) => e.a[i + 1], color: DARK, dash: [4, 3] },
  { get: (e) => (e.b ? e.b[i] : null), color: PURPLE },
  { get: (e) => (e.b ? e.b[i + 1] : null), color: PURPLE, dash: [4, 3] },
];
const lossChart = new Chart($("loss-chart"), series(0));
const accChart = new Chart($("accuracy-chart"), series(2), [0, 1]);

// ------------------------------------------------------------------ connection

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${scheme}://${location.host}/ws`);
  S.ws = ws;
  ws.addEventListener("message", (ev) => receive(ev.data));
  ws.addEventListener("close", () => {
    playground.connected = false;
    setConnection("offline");
    if (!S.unloading) {
      S.errorSticky = true;
      showError(LOST);
    }
  });
}
window.addEventListener("pagehide", () => {
  // Leaving the page: close the socket ourselves, so the server ends the session at once.
  S.unloading = true;
  if (S.ws) S.ws.close();
});

/** Send a message; user actions count for hiding the error, acks do not. */
function send(obj, user = true) {
  if (!S.ws || S.ws.readyState !== WebSocket.OPEN) return;
  if (user) S.userSeq++;
  S.ws.send(JSON.stringify(obj));
}

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    // A server that lets NaN/Infinity through (Python's json default) is still readable.
    try {
      return JSON.parse(text.replace(/-?\bInfinity\b|\bNaN\b/g, "null"));
    } catch (e) {
      console.warn("playground: unreadable message", e);
      return null;
    }
  }
}

function receive(text) {
  const msg = parse(text);
  if (!msg) return;
  const handler = { hello: onHello, state: onState, frame: onFrame, trace: onTrace, export: onExport, error: onError }[msg.type];
  if (handler) handler(msg);
  else console.warn("playground: unknown message type", msg.type);
}

// ------------------------------------------------------------------ messages

function onHello(hello) {
  S.hello = hello;
  buildControls(hello);
  net.setHello(hello);
  playground.connected = true;
  setConnection("connected");
  // The URL's config (missing keys: the defaults), unvalidated: the server decides, and
  // answers with the data (a state) or an error.
  sendConfig(decodeHash(location.hash, hello.defaults), false);
}

function onState(msg) {
  S.gotState = true;
  answers(msg.config, true);
  S.train = msg.train || [];
  S.test = msg.test || [];
  for (const p of [plane, planeB]) {
    p.setPoints(S.train, S.test);
    p.highlight = null;
  }
  S.history = [];
  if (S.trace) clearTrace("New data or new weights: pick a point again.");
  $("point-count").textContent = msg.config.dataset === "custom" ? `${(msg.config.points || []).length} points` : "";
  if (msg.frame) onFrame(msg.frame, true);
}

function onFrame(frame, inState = false) {
  if (!inState) answers(frame.config, false);
  playground.framesReceived++;
  playground.lastFrame = frame;
  S.latest = frame;
  S.unacked++;
  remember(frame);
  updatePlaying(frame.playing);
  maybeHideError();
  if (S.trace && frame.step !== S.traceStep) tracePanel.markStale(frame.step);
  if (!S.raf) S.raf = requestAnimationFrame(drawLatest);
}

function onTrace(msg) {
  S.trace = msg;
  S.traceStep = playground.lastFrame ? playground.lastFrame.step : null;
  const c = S.accepted;
  tracePanel.show(msg, { features: c.features, labels: S.hello.feature_labels || {}, activations: c.activations, loss: c.loss });
  net.setTrace(msg, false);
  for (const p of [plane, planeB]) p.highlight = msg.point;
  renderPlanes();
}

function onExport(msg) {
  for (const url of S.exportUrls) URL.revokeObjectURL(url);
  const script = new Blob([msg.script], { type: "text/x-python" });
  const weights = new Blob([decodeBase64(msg.weights)], { type: "application/octet-stream" });
  S.exportUrls = [URL.createObjectURL(script), URL.createObjectURL(weights)];
  const links = [
    [$("export-script-link"), S.exportUrls[0], msg.script_name],
    [$("export-weights-link"), S.exportUrls[1], msg.weights_name],
  ];
  for (const [a, href, name] of links) {
    a.href = href;
    a.download = name;
    a.textContent = `↓ ${name}`;
    a.hidden = false;
  }
  $("export-script").textContent = msg.script;
  $("export-script").hidden = false;
  $("export-info").textContent = `at step ${msg.step} · train loss ${fmtLoss(msg.train_loss)} · test loss ${fmtLoss(msg.test_loss)}`;
}

function onError(msg) {
  showError(msg.message || "error");
  S.errorSeq = S.userSeq;
  if (S.playIntent === true) {
    // a refused play (e.g. too few custom points): show the play button again
    S.playIntent = null;
    showPlaying(false);
  }
  if (msg.config) {
    S.inFlight = []; // whatever was refused, this is the config in force now
    acceptConfig(msg.config);
    // No data yet (the first config was refused and no state came): ask for the valid one.
    if (!S.gotState) sendConfig(msg.config, false);
  }
}

// ------------------------------------------------------------------ the error line

function showError(text) {
  const box = $("error");
  box.textContent = text;
  box.hidden = false;
}

/** Hide the error once a state/frame answers something the user did after it. */
function maybeHideError() {
  const box = $("error");
  if (!box.hidden && !S.errorSticky && S.userSeq > S.errorSeq) box.hidden = true;
}

function setConnection(text) {
  const el = $("connection");
  el.textContent = text;
  el.dataset.state = text;
}

// ------------------------------------------------------------------ config <-> controls

/**
 * Every state and frame carries the config in force. It answers the configs sent up to the
 * one it equals (the server reads messages in order); those still in flight stay there.
 */
function answers(config, always) {
  const answered = lastIndex(S.inFlight, (f) => sameConfig(f.config, config));
  S.inFlight.splice(0, answered + 1);
  if (always || !sameConfig(config, S.accepted)) acceptConfig(config);
}

function lastIndex(list, test) {
  for (let i = list.length - 1; i >= 0; i--) if (test(list[i])) return i;
  return -1;
}

/**
 * The server's config: shown in every control, in the URL and in the diagram. The working
 * copy (the base of the user's next edit) follows it only when no config is in flight, so
 * quick clicks build on each other instead of on an older answer.
 */
function acceptConfig(config) {
  S.accepted = config;
  if (!S.inFlight.length) S.working = structuredClone(config);
  playground.config = config;
  const hash = `#${encodeConfig(config)}`;
  if (location.hash !== hash) history.replaceState(null, "", hash);
  showConfig(config);
  net.setConfig(config);
}

/** Send the working config with `patch` applied, unless nothing changes. */
function commit(patch) {
  if (!S.working) return;
  const same = Object.keys(patch).every((k) => JSON.stringify(S.working[k]) === JSON.stringify(patch[k]));
  if (same) return;
  S.working = { ...S.working, ...patch };
  sendConfig(S.working);
}

function sendConfig(config, user = true) {
  S.working = config;
  S.inFlight.push({ config });
  send({ type: "config", config }, user);
}

/** Equal configs, up to the order of the features (the server sorts them). */
function sameConfig(a, b) {
  const order = (S.hello && S.hello.features) || [];
  const norm = (c) => ({ ...c, features: Array.isArray(c.features) ? [...c.features].sort((x, y) => order.indexOf(x) - order.indexOf(y)) : c.features });
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

function fillSelect(select, values, labels = {}) {
  select.replaceChildren(...values.map((v) => new Option(labels[v] ?? v, v)));
}

function buildControls(hello) {
  fillSelect($("optimizer"), hello.optimizers || [], LABELS.optimizer);
  fillSelect($("loss"), hello.losses || [], LABELS.loss);
  fillSelect($("speed"), hello.speeds || [], LABELS.speed);
  fillSelect($("dataset"), hello.datasets || [], LABELS.dataset);
  const acts = hello.activations || [];
  fillSelect($("compare-activation"), acts);
  $("compare-activation").value = acts.includes("relu") ? "relu" : acts.includes("identity") ? "identity" : acts[0];

  const limits = hello.limits || {};
  if (limits.max_noise != null) $("noise").max = limits.max_noise;
  if (limits.min_train_ratio != null) $("train-ratio").min = limits.min_train_ratio;
  if (limits.max_train_ratio != null) $("train-ratio").max = limits.max_train_ratio;

  const box = $("features");
  box.replaceChildren();
  for (const name of hello.features || []) {
    const input = document.createElement("input");
    input.type = "checkbox";
    input.dataset.testid = `feature-${name}`;
    input.value = name;
    input.addEventListener("change", () => onFeature(input));
    const label = document.createElement("label");
    label.className = "inline feature";
    label.append(input, ` ${(hello.feature_labels || {})[name] ?? name}`);
    box.append(label);
  }
}

function setField(testid, value) {
  const el = $(testid);
  // A text field the user is typing in keeps their text: an answer to an earlier change
  // must not overwrite what they have not sent yet.
  if (el.dataset.editing) return;
  el.value = value === null || value === undefined ? "" : String(value);
}

function showConfig(c) {
  setField("learning-rate", c.learning_rate);
  setField("optimizer", c.optimizer);
  setField("batch-size", c.batch_size);
  setField("l2", c.l2);
  setField("dropout", c.dropout);
  setField("loss", c.loss);
  setField("speed", c.speed);
  setField("dataset", c.dataset);
  setField("noise", c.noise);
  $("noise-value").textContent = String(c.noise);
  setField("train-ratio", c.train_ratio);
  $("train-ratio-value").textContent = `${Math.round(Number(c.train_ratio) * 100)}%`;
  setField("n-samples", c.n_samples);
  setField("seed", c.seed);

  const custom = c.dataset === "custom";
  $("custom-controls").hidden = !custom;
  $("n-samples").disabled = custom;
  $("noise").disabled = custom;
  document.querySelector(".plane-wrap").classList.toggle("drawing", custom);

  const features = new Set(c.features || []);
  for (const input of $("features").querySelectorAll("input")) input.checked = features.has(input.value);

  const hidden = c.hidden || [];
  const maxLayers = (S.hello && S.hello.limits && S.hello.limits.max_layers) ?? 6;
  $("layer-count").textContent = `${hidden.length} hidden layer${hidden.length === 1 ? "" : "s"}`;
  $("add-layer").disabled = hidden.length >= maxLayers;
  $("remove-layer").disabled = hidden.length === 0;

  $("compare").checked = c.compare != null;
  if (c.compare != null) $("compare-activation").value = c.compare;
}

// ------------------------------------------------------------------ drawing

function remember(frame) {
  const pick = (n) => (n ? [n.train_loss, n.test_loss, n.train_accuracy, n.test_accuracy] : null);
  const entry = { step: frame.step, a: pick(frame.nets[0]), b: pick(frame.nets[1]) };
  const last = S.history[S.history.length - 1];
  if (last && last.step === entry.step) S.history[S.history.length - 1] = entry;
  else S.history.push(entry);
  if (S.history.length > HISTORY_MAX) S.history = S.history.filter((_, i) => i % 2 === 0 || i === S.history.length - 1);
}

function drawLatest() {
  S.raf = 0;
  const frame = S.latest;
  S.latest = null;
  if (!frame) return;
  try {
    drawFrame(frame);
  } catch (e) {
    console.error("playground: drawing failed", e);
  }
  playground.framesDrawn++;
  playground.drawnFrame = frame; // what the page shows now (tests wait for it)
  // one ack per frame received: the server sends the next frame only after it
  for (; S.unacked > 0; S.unacked--) send({ type: "ack" }, false);
}

function showNumbers(n, suffix) {
  setText($(`train-loss${suffix}`), fmtLoss(n.train_loss));
  setText($(`test-loss${suffix}`), fmtLoss(n.test_loss));
  setText($(`train-accuracy${suffix}`), fmtAcc(n.train_accuracy));
  setText($(`test-accuracy${suffix}`), fmtAcc(n.test_accuracy));
}

const headText = (tag, n) => `${tag}: ${n.activations && n.activations.length ? n.activations.join(", ") : "no hidden layer"}`;

function drawFrame(frame) {
  const [a, b] = frame.nets;
  setText($("epoch"), Number(frame.epoch || 0).toFixed(2));
  setText($("step-count"), String(frame.step));
  showNumbers(a, "");
  const bytesA = decodeBase64(a.boundary);
  plane.setGrid(bytesA, frame.grid);

  const compare = Boolean(b);
  if ($("plane-b").hidden === compare) {
    document.querySelector(".planes").classList.toggle("compare", compare);
    $("plane-b").hidden = !compare;
    $("head-a").hidden = !compare;
    document.querySelector(".key-b").hidden = !compare;
  }
  if (compare) {
    setText($("head-a"), headText("A", a));
    setText($("head-b"), headText("B", b));
    showNumbers(b, "-b");
    planeB.setGrid(decodeBase64(b.boundary), frame.grid);
  }
  renderPlanes();
  net.update(frame, bytesA);
  lossChart.draw(S.history);
  accChart.draw(S.history);
}

/** Repaint the plane(s); while a unit is hovered, plane A shows that unit's heatmap. */
function renderPlanes() {
  let preview = null;
  let caption = "";
  const frame = playground.lastFrame;
  const h = S.hover;
  if (h && h.kind === "input") {
    preview = { bytes: featureBytes(h.name, 60), n: 60 };
    caption = `input ${(S.hello.feature_labels || {})[h.name] ?? h.name}`;
  } else if (h && h.kind === "hidden" && frame) {
    const unit = frame.nets[0].neurons[h.l] && frame.nets[0].neurons[h.l][h.i];
    if (unit) {
      preview = { bytes: decodeBase64(unit.heatmap), n: frame.neuron_grid };
      caption = `hidden layer ${h.l + 1}, unit ${h.i + 1} (range ±${Number(unit.scale).toPrecision(3)})`;
    }
  }
  $("plane-caption").hidden = !caption;
  setText($("plane-caption"), caption);
  plane.render(preview);
  if (!$("plane-b").hidden) planeB.render();
}

function setHover(where) {
  S.hover = where;
  renderPlanes();
}

// ------------------------------------------------------------------ play / pause

function showPlaying(playing) {
  $("play").hidden = playing;
  $("pause").hidden = !playing;
}

function updatePlaying(playing) {
  if (S.playIntent !== null) {
    // frames sent before the server read our play/pause still carry the old flag
    const settled = playing === S.playIntent || performance.now() - S.playIntentAt > PLAY_INTENT_MS;
    if (!settled) return;
    S.playIntent = null;
  }
  showPlaying(Boolean(playing));
}

function setPlaying(playing) {
  send({ type: playing ? "play" : "pause" });
  S.playIntent = playing;
  S.playIntentAt = performance.now();
  showPlaying(playing);
}

// ------------------------------------------------------------------ trace

function requestTrace(index) {
  setPicking(false);
  setPlaying(false); // the trace is at the current weights: stop them moving
  send({ type: "trace", index });
  $("trace-status").textContent = "Asking the server for the forward and backward pass…";
}

function clearTrace(message) {
  S.trace = null;
  tracePanel.clear(message);
  net.clearTrace();
}

function setPicking(on) {
  S.picking = on;
  $("trace-pick").setAttribute("aria-pressed", String(on));
  document.querySelector(".plane-wrap").classList.toggle("picking", on);
  if (on) $("trace-status").textContent = "Click a training point on the output plot (the nearest one is taken).";
}

function nearestTrainPoint(x1, x2) {
  let best = -1;
  let bestD = Infinity;
  S.train.forEach((p, i) => {
    const d = (p[0] - x1) ** 2 + (p[1] - x2) ** 2;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  });
  return best;
}

// ------------------------------------------------------------------ wiring

const round2 = (v) => Math.round(Math.min(Math.max(v, -6), 6) * 100) / 100;

function onFeature(input) {
  const boxes = [...$("features").querySelectorAll("input")];
  const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
  if (!chosen.length) {
    input.checked = true; // at least one input feature
    return;
  }
  commit({ features: chosen });
}

/** Text fields: send on change (Enter or leaving the field); numbers as numbers. */
function bindText(testid, key) {
  const el = $(testid);
  const apply = () => {
    delete el.dataset.editing;
    commit({ [key]: parseValue(el.value) });
  };
  el.addEventListener("input", () => { el.dataset.editing = "1"; });
  el.addEventListener("change", apply);
  el.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") apply();
  });
}

function bindSelect(testid, key) {
  $(testid).addEventListener("change", (ev) => commit({ [key]: ev.target.value }));
}

function bindRange(testid, key, show) {
  const el = $(testid);
  el.addEventListener("input", () => show(el.value));
  el.addEventListener("change", () => commit({ [key]: Number(el.value) }));
}

function wire() {
  $("reset").addEventListener("click", () => send({ type: "reset" }));
  $("play").addEventListener("click", () => setPlaying(true));
  $("pause").addEventListener("click", () => setPlaying(false));
  $("step").addEventListener("click", () => {
    S.playIntent = false;
    S.playIntentAt = performance.now();
    showPlaying(false);
    send({ type: "step" });
  });

  bindText("learning-rate", "learning_rate");
  bindText("batch-size", "batch_size");
  bindText("l2", "l2");
  bindText("dropout", "dropout");
  bindText("n-samples", "n_samples");
  bindText("seed", "seed");
  bindSelect("optimizer", "optimizer");
  bindSelect("loss", "loss");
  bindSelect("speed", "speed");
  bindSelect("dataset", "dataset");
  bindRange("noise", "noise", (v) => ($("noise-value").textContent = v));
  bindRange("train-ratio", "train_ratio", (v) => ($("train-ratio-value").textContent = `${Math.round(v * 100)}%`));

  $("new-data").addEventListener("click", () => {
    const seed = Number(S.working && S.working.seed);
    commit({ seed: Number.isFinite(seed) ? seed + 1 : 1 });
  });

  for (const cls of [0, 1]) {
    $(`class-${cls}`).addEventListener("click", () => {
      S.drawClass = cls;
      $("class-0").setAttribute("aria-pressed", String(cls === 0));
      $("class-1").setAttribute("aria-pressed", String(cls === 1));
    });
  }
  $("clear-points").addEventListener("click", () => commit({ points: [] }));

  $("boundary").addEventListener("click", (ev) => {
    if (!S.working) return;
    const [x1, x2] = plane.eventToPlane(ev);
    if (S.picking) {
      const index = nearestTrainPoint(x1, x2);
      if (index >= 0) {
        $("trace-index").value = String(index);
        requestTrace(index);
      } else setPicking(false);
      return;
    }
    if (S.working.dataset !== "custom") return;
    const label = ev.shiftKey ? 1 - S.drawClass : S.drawClass;
    commit({ points: [...(S.working.points || []), [round2(x1), round2(x2), label]] });
  });

  $("show-test").addEventListener("change", (ev) => {
    for (const p of [plane, planeB]) p.setShowTest(ev.target.checked);
    renderPlanes();
  });

  $("add-layer").addEventListener("click", () => {
    const { hidden, activations } = S.working;
    commit({ hidden: [...hidden, 2], activations: [...activations, activations[activations.length - 1] ?? "tanh"] });
  });
  $("remove-layer").addEventListener("click", () => {
    const { hidden, activations } = S.working;
    if (hidden.length) commit({ hidden: hidden.slice(0, -1), activations: activations.slice(0, -1) });
  });

  const compareChanged = () => commit({ compare: $("compare").checked ? $("compare-activation").value : null });
  $("compare").addEventListener("change", compareChanged);
  $("compare-activation").addEventListener("change", compareChanged);

  $("trace-pick").addEventListener("click", () => setPicking(!S.picking));
  $("trace-go").addEventListener("click", () => requestTrace(parseValue($("trace-index").value)));
  $("trace-index").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") requestTrace(parseValue($("trace-index").value));
  });
  $("trace-backward").addEventListener("click", () => {
    if (!S.trace) return;
    tracePanel.revealBackward();
    net.setTrace(S.trace, true);
  });

  $("export").addEventListener("click", () => send({ type: "export" }));

  // A hand-edited URL: send it as the new config (the server checks it).
  window.addEventListener("hashchange", () => {
    if (!S.hello) return;
    sendConfig(decodeHash(location.hash, S.hello.defaults));
  });
  // Canvases follow their CSS size (compare mode, window size): repaint after a change.
  onCanvasResize(() => {
    if (!playground.lastFrame) return;
    renderPlanes();
    lossChart.draw(S.history);
    accChart.draw(S.history);
  });
}

wire();
tracePanel.clear();
connect();
