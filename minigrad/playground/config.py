"""The playground's settings: their defaults, their limits, and the check of every message.

The page sends the whole configuration as JSON on every change. :func:`check_config` turns it
into a :class:`Config` or raises :class:`ConfigError` naming the setting, what it takes and
what came, so a bad value (typed by a user, or read from a hand-edited URL) is refused with
a message the page shows, and the configuration in force stays as it was.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

DATASETS = ("xor", "circles", "moons", "spirals", "blobs", "custom")
# Input features, in the order the network reads them; the page shows FEATURE_LABELS.
FEATURES = ("x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2")
FEATURE_LABELS = {"x1": "x₁", "x2": "x₂", "x1_sq": "x₁²", "x2_sq": "x₂²", "x1x2": "x₁·x₂",
                  "sin_x1": "sin(x₁)", "sin_x2": "sin(x₂)"}
# bce: one logit, sigmoid output, binary cross-entropy; mse: tanh output against ±1 targets.
LOSSES = ("bce", "mse")
OPTIMIZERS = ("sgd", "momentum", "adam")
# How much training one tick of the play loop does: one step, one epoch, or ~30 ms of steps.
SPEEDS = ("slow", "normal", "fast")

LIMITS: dict[str, float] = {
    "max_layers": 6, "max_neurons": 8, "min_samples": 20, "max_samples": 2000,
    "max_points": 1000, "max_noise": 0.5, "min_train_ratio": 0.1, "max_train_ratio": 0.9,
    "max_learning_rate": 10, "max_batch_size": 2000, "max_l2": 1, "max_dropout": 0.9,
    "extent": 6, "max_seed": 2**31 - 1,
}
EXTENT = 6.0  # the input plane is [-EXTENT, EXTENT]^2


class ConfigError(ValueError):
    """A setting the playground refuses; the message is shown in the page as it is."""


@dataclass(frozen=True)
class Config:
    """Everything that defines a playground run (the page keeps it in its URL)."""

    dataset: str = "xor"
    points: tuple[tuple[float, float, int], ...] = ()
    n_samples: int = 400
    noise: float = 0.1
    train_ratio: float = 0.5
    seed: int = 0
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (4, 2)
    activations: tuple[str, ...] = ("tanh", "tanh")
    loss: str = "bce"
    optimizer: str = "sgd"
    learning_rate: float = 0.03
    batch_size: int = 10
    l2: float = 0.0
    dropout: float = 0.0
    speed: str = "normal"
    # Network B of the comparison: the same in everything but its activation, which every
    # hidden layer uses; None: no comparison.
    compare: str | None = None

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["points"] = [list(p) for p in self.points]
        for key in ("features", "hidden", "activations"):
            out[key] = list(out[key])
        return out

    def data_key(self) -> tuple[Any, ...]:
        """What the points depend on: a change here draws new data."""
        return (self.dataset, self.points, self.n_samples, self.noise, self.train_ratio,
                self.seed, self.features)

    def network_key(self) -> tuple[Any, ...]:
        """What the initial weights depend on (besides the data): a change here resets."""
        return (self.hidden, self.activations, self.loss, self.dropout, self.compare)


DEFAULTS = Config()


def _shown(value: Any) -> str:
    """``repr(value)``, cut short: a message must fit in the page."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _number(name: str, value: Any, low: float, high: float, *, low_open: bool = False) -> float:
    where = f"({low:g}, {high:g}]" if low_open else f"[{low:g}, {high:g}]"
    # An int may have hundreds of digits: it is compared as it is, never made a float first.
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if (not number or isinstance(value, float) and not math.isfinite(value)
            or not low <= value <= high or (low_open and value == low)):
        raise ConfigError(f"{name} must be a number in {where}, got {_shown(value)}")
    return float(value)


def _integer(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, "
                          f"got {_shown(value)}")
    return value


def _choice(name: str, value: Any, options: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in options:
        raise ConfigError(f"{name} must be one of {', '.join(options)}; got {_shown(value)}")
    return value


def _list(name: str, value: Any, longest: int) -> list[Any]:
    if not isinstance(value, list):
        raise ConfigError(f"{name} must be a list, got {_shown(value)}")
    if len(value) > longest:
        raise ConfigError(f"{name} takes at most {longest} entries, got {len(value)}")
    return value


def _points(value: Any) -> tuple[tuple[float, float, int], ...]:
    limit = int(LIMITS["max_points"])
    points = []
    for i, p in enumerate(_list("points", value, limit)):
        if not isinstance(p, list) or len(p) != 3:
            raise ConfigError(f"points[{i}] must be [x1, x2, label], got {_shown(p)}")
        x1 = _number(f"points[{i}] x1", p[0], -EXTENT, EXTENT)
        x2 = _number(f"points[{i}] x2", p[1], -EXTENT, EXTENT)
        label = _integer(f"points[{i}] label", p[2], 0, 1)
        points.append((x1, x2, label))
    return tuple(points)


def check_config(message: Any, activations: Sequence[str]) -> Config:
    """The :class:`Config` that ``message`` (the page's JSON object) describes.

    Every key must be known and every value in range; ``activations`` are the names the
    page may choose from (the registry's, plugins included).

    Examples
    --------
    >>> check_config({"hidden": [3], "activations": ["relu"]}, ["relu", "tanh"]).hidden
    (3,)
    >>> check_config({"learning_rate": -1}, ["tanh"])
    Traceback (most recent call last):
    ...
    minigrad.playground.config.ConfigError: learning_rate must be a number in (0, 10], got -1
    """
    if not isinstance(message, Mapping):
        raise ConfigError(f"the configuration must be a JSON object, got {_shown(message)}")
    unknown = sorted(set(message) - set(DEFAULTS.as_json()))
    if unknown:
        raise ConfigError(f"unknown setting {_shown(unknown[0])}; known: "
                          f"{', '.join(DEFAULTS.as_json())}")
    raw = {**DEFAULTS.as_json(), **message}
    L = LIMITS
    hidden = tuple(_integer(f"hidden[{i}]", n, 1, int(L["max_neurons"]))
                   for i, n in enumerate(_list("hidden", raw["hidden"], int(L["max_layers"]))))
    names = _list("activations", raw["activations"], int(L["max_layers"]))
    if len(names) != len(hidden):
        raise ConfigError(f"activations needs one name per hidden layer ({len(hidden)}), "
                          f"got {len(names)}")
    features = _list("features", raw["features"], len(FEATURES))
    for f in features:
        _choice("each feature", f, FEATURES)
    if not features:
        raise ConfigError("features needs at least one input feature")
    config = Config(
        dataset=_choice("dataset", raw["dataset"], DATASETS),
        points=_points(raw["points"]),
        n_samples=_integer("n_samples", raw["n_samples"], int(L["min_samples"]),
                           int(L["max_samples"])),
        noise=_number("noise", raw["noise"], 0.0, L["max_noise"]),
        train_ratio=_number("train_ratio", raw["train_ratio"], L["min_train_ratio"],
                            L["max_train_ratio"]),
        seed=_integer("seed", raw["seed"], 0, int(L["max_seed"])),
        features=tuple(f for f in FEATURES if f in features),
        hidden=hidden,
        activations=tuple(_choice(f"activations[{i}]", a, activations)
                          for i, a in enumerate(names)),
        loss=_choice("loss", raw["loss"], LOSSES),
        optimizer=_choice("optimizer", raw["optimizer"], OPTIMIZERS),
        learning_rate=_number("learning_rate", raw["learning_rate"], 0.0,
                              L["max_learning_rate"], low_open=True),
        batch_size=_integer("batch_size", raw["batch_size"], 1, int(L["max_batch_size"])),
        l2=_number("l2", raw["l2"], 0.0, L["max_l2"]),
        dropout=_number("dropout", raw["dropout"], 0.0, L["max_dropout"]),
        speed=_choice("speed", raw["speed"], SPEEDS),
        compare=None if raw["compare"] is None else _choice("compare", raw["compare"],
                                                            activations),
    )
    return config
