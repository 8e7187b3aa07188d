"""Take a playground run away: a Python script that retrains it, and its weights as ``.npz``.

The script uses minigrad's public API only (``data.make_*``, ``nn``, ``optim``), spells out
every step the session took (data, features, network, batches, optimizer changes), and prints
the final losses, which equal the page's: the browser tests run it and compare.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from minigrad.experiments import activation_settings
from minigrad.io import _arrays, _write_npz
from minigrad.playground.config import Config
from minigrad.playground.problem import FEATURE_CODE, PLACEMENT, generator_call, test_count
from minigrad.playground.session import Session

SCRIPT_NAME = "playground_model.py"
WEIGHTS_NAME = "playground_weights.npz"


def _data_lines(config: Config) -> list[str]:
    if config.dataset == "custom":
        rows = ",\n    ".join(f"[{x1!r}, {x2!r}, {label}]" for x1, x2, label in config.points)
        return [f"points = np.array([\n    {rows},\n])",
                "X, y = points[:, :2], points[:, 2].astype(np.int64)"]
    centre, scale = PLACEMENT[config.dataset]
    return [f"X, y = {generator_call(config)}",
            f"X = (X - np.array({list(centre)!r})) * {scale!r}  # onto the plane [-6, 6]²",
            "X = np.clip(X, -6.0, 6.0)  # noisy points off the plane are kept on its edge"]


def _activation(name: str) -> str:
    kwargs = ", ".join(f"{k}={v!r}" for k, v in activation_settings(name).items())
    return f"nn.get_activation({name!r}{', ' + kwargs if kwargs else ''})"


def _network_lines(config: Config, activations: list[str], var: str) -> list[str]:
    lines = [f"weights_rng = np.random.default_rng({config.seed})",
             f"dropout_rng = np.random.default_rng([{config.seed}, 1])",
             f"{var} = nn.Sequential("]
    width = len(config.features)
    for size, name in zip(config.hidden, activations):
        lines.append(f"    nn.Dense({width}, {size}, init='xavier', rng=weights_rng), "
                     f"{_activation(name)},")
        if config.dropout > 0:
            lines.append(f"    nn.Dropout({config.dropout!r}, rng=dropout_rng),")
        width = size
    lines.append(f"    nn.Dense({width}, 1, init='xavier', rng=weights_rng),")
    if config.loss == "mse":
        lines.append("    nn.Tanh(),")
    lines.append(")")
    return lines


def _plugins(config: Config, plugins: dict[str, str]) -> list[str]:
    """Lines that register the plugin activations the networks use."""
    used = {*config.activations, *([config.compare] if config.compare else [])}
    files = sorted({plugins[name] for name in used if name in plugins})
    return [f"runpy.run_path({path!r})  # registers a plugin activation" for path in files]


def script(session: Session, plugins: dict[str, str] | None = None) -> str:
    """The Python source that rebuilds and retrains ``session``'s network as it was trained."""
    c = session.config
    nets = [("model", list(c.activations))]
    if c.compare is not None:
        nets.append(("model_b", [c.compare] * len(c.hidden)))
    extra = _plugins(c, plugins or {})
    feature_list = ", ".join(FEATURE_CODE[name] for name in c.features)
    targets = ("y.reshape(-1, 1).astype(np.float64)" if c.loss == "bce"
               else "(2.0 * y - 1.0).reshape(-1, 1)")
    loss = "nn.BCEWithLogitsLoss()" if c.loss == "bce" else "nn.MSELoss()"
    n_test = test_count(len(session.problem.y_train) + len(session.problem.y_test),
                        c.train_ratio)
    out: list[str] = [
        f'"""The minigrad playground\'s network, rebuilt and retrained ({session.steps} steps).',
        "",
        f"Run it as it is: python {SCRIPT_NAME}. It prints the final losses, which are the",
        f"page's, and saves the trained weights to {WEIGHTS_NAME} (load them with",
        "model.load_state_dict(minigrad.load(path))).",
        '"""',
        "",
        *(["import runpy"] if extra else []),
        "import numpy as np",
        "",
        "import minigrad",
        "from minigrad import Tensor, data, nn, optim",
        "",
        *extra, *([""] if extra else []),
        f"# The data: {c.dataset}, split {1 - c.train_ratio:.0%} for testing.",
        *_data_lines(c),
        "X_train, X_test, y_train, y_test = data.train_test_split(",
        f"    X, y, test_size={n_test}, rng={c.seed}, stratify=y)",
        "",
        "",
        "def features(X):",
        f'    """The inputs the network reads: {", ".join(c.features)}."""',
        f"    return np.stack([{feature_list}], axis=1)",
        "",
        "",
        "def targets(y):",
        f"    return {targets}",
        "",
        "",
    ]
    for var, activations in nets:
        out += _network_lines(c, list(activations), var)
    names = [var for var, _ in nets]
    out += [
        f"loss_fn = {loss}",
        f"models = [{', '.join(names)}]",
        "",
        "",
        "def make_optimizer(kind, model, lr, l2):",
        '    if kind == "adam":',
        "        return optim.Adam(model.parameters(), lr=lr, weight_decay=l2)",
        '    momentum = 0.9 if kind == "momentum" else 0.0',
        "    return optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=l2)",
        "",
        "",
        "# The batches: a new random order at each pass over the training data.",
        f"order_rng = np.random.default_rng([{c.seed}, 2])",
        "order, cursor = None, 0",
        "",
        "",
        "def next_batch(size):",
        "    global order, cursor",
        "    if order is None or cursor >= len(y_train):",
        "        order, cursor = order_rng.permutation(len(y_train)), 0",
        "    batch = order[cursor:cursor + size]",
        "    cursor += len(batch)",
        "    return batch",
        "",
        "",
        "# How the page trained, run by run: (steps, new optimizer?, optimizer, learning rate,",
        "# batch size, l2); a new optimizer (the page's optimizer was switched) starts afresh.",
        "SCHEDULE = [",
        *(f"    {tuple(s)!r}," for s in session.segments),
        "]",
        "",
        "optimizers = []",
        "X_feat = features(X_train)",
        "for steps, new, kind, lr, batch_size, l2 in SCHEDULE:",
        "    if new:",
        "        optimizers = [make_optimizer(kind, m, lr, l2) for m in models]",
        "    for opt in optimizers:",
        "        opt.lr, opt.weight_decay = lr, l2",
        "    for _ in range(steps):",
        "        batch = next_batch(batch_size)",
        "        for model, opt in zip(models, optimizers):",
        "            model.train()",
        "            opt.zero_grad()",
        "            loss = loss_fn(model(Tensor(X_feat[batch])), Tensor(targets(y_train[batch])))",
        "            loss.backward()",
        "            opt.step()",
        "",
        "for name, model in zip(" + repr(names) + ", models):",
        "    model.eval()",
        "    with minigrad.no_grad():",
        "        train_loss = loss_fn(model(Tensor(features(X_train))), Tensor(targets(y_train)))",
        "        test_loss = loss_fn(model(Tensor(features(X_test))), Tensor(targets(y_test)))",
        '    print(f"{name}: train loss {float(train_loss.data)!r} '
        'test loss {float(test_loss.data)!r}")',
        f"minigrad.save(models[0], {WEIGHTS_NAME!r})",
        "",
    ]
    return "\n".join(out)


def weights(session: Session) -> bytes:
    """The first network's state as the ``.npz`` bytes ``minigrad.save`` writes."""
    buffer = io.BytesIO()
    _write_npz(buffer, _arrays(session.nets[0].model.state_dict()))
    return buffer.getvalue()


def export_message(session: Session, plugins: dict[str, str] | None = None) -> dict[str, Any]:
    """The page's ``export`` reply: the script, the weights (base64) and the final losses."""
    train = session.nets[0].metrics(session.problem.X_train, session.problem.y_train)
    test = session.nets[0].metrics(session.problem.X_test, session.problem.y_test)
    return {"type": "export", "script": script(session, plugins), "script_name": SCRIPT_NAME,
            "weights": base64.b64encode(weights(session)).decode("ascii"),
            "weights_name": WEIGHTS_NAME, "step": session.steps,
            "train_loss": train[0], "test_loss": test[0]}

