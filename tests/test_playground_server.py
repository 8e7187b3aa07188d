"""The playground's server side, without a browser: settings, data, sessions, frames,
traces, the exported script, the WebSocket app and the ``minigrad playground`` command.

What the page relies on (``minigrad/playground/PROTOCOL.md``) is checked here the way the
page would notice it: a bad setting is refused with a message naming it and the setting in
force is kept; training is the same step for step from the same settings; a trace is what
``loss.backward()`` computes; the exported script retrains to the very losses the page
shows; a closed tab leaves nothing running.
"""

from __future__ import annotations

import base64
import json
import math
import os
import runpy
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from optional import missing

import minigrad as mg
from minigrad import cli, nn
from minigrad.experiments import activation_settings
from minigrad.grad_mode import no_grad
from minigrad.nn.activations import registry
from minigrad.playground import export
from minigrad.playground import problem as problems
from minigrad.playground.config import (
    DATASETS,
    DEFAULTS,
    FEATURES,
    LIMITS,
    LOSSES,
    OPTIMIZERS,
    SPEEDS,
    ConfigError,
    check_config,
)
from minigrad.playground.network import grid_points
from minigrad.playground.problem import features, make_problem
from minigrad.playground.session import GRID, NEURON_GRID, Session

REPO = Path(mg.__file__).resolve().parents[1]
STATIC = REPO / "minigrad" / "playground" / "static"
PLUGIN_NAME = "playground_test_halftanh"
PLUGIN_SOURCE = f'''"""A plugin activation for the playground tests: f(x) = x/2 + tanh(x)/2."""
import numpy as np

from minigrad import nn


class HalfTanh(nn.Layer):
    def forward(self, ctx, x):
        ctx.t = np.tanh(x)
        return 0.5 * x + 0.5 * ctx.t

    def backward(self, ctx, dout):
        return dout * (0.5 + 0.5 * (1.0 - ctx.t ** 2))


nn.register_activation({PLUGIN_NAME!r}, HalfTanh)
'''


# --------------------------------------------------------------------------- helpers


def names() -> list[str]:
    return nn.activation_names()


def new_session(**settings: Any) -> Session:
    session = Session(names())
    if settings:
        session.apply(settings)
    return session


def change(session: Session, **settings: Any) -> bool:
    """What the page sends: the whole configuration, with ``settings`` changed."""
    return session.apply({**session.config.as_json(), **settings})


def state_of(session: Session, k: int = 0) -> dict[str, np.ndarray]:
    return {key: value.copy() for key, value in session.nets[k].model.state_dict().items()}


def assert_states_equal(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert list(a) == list(b)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def decode(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text, validate=True), dtype=np.uint8)


def strict_json(value: Any) -> Any:
    """``value`` through JSON as a browser parses it: NaN and Infinity are not JSON."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in a message: JSON.parse in the page rejects it")

    return json.loads(json.dumps(value) if not isinstance(value, str) else value,
                      parse_constant=refuse)


def rebuild(session: Session, k: int = 0) -> nn.Sequential:
    """Network ``k`` of ``session`` built again from its settings alone, with its weights
    loaded through ``state_dict``/``load_state_dict``, in eval mode."""
    c = session.config
    activations = c.activations if k == 0 else (c.compare,) * len(c.hidden)
    layers: list[nn.Module] = []
    width = len(c.features)
    for size, name in zip(c.hidden, activations):
        layers += [nn.Dense(width, size, rng=99), nn.get_activation(name,
                                                                   **activation_settings(name))]
        if c.dropout > 0:
            layers.append(nn.Dropout(c.dropout, rng=99))
        width = size
    layers.append(nn.Dense(width, 1, rng=99))
    if c.loss == "mse":
        layers.append(nn.Tanh())
    model = nn.Sequential(*layers)
    model.load_state_dict(session.nets[k].model.state_dict())
    model.eval()
    return model


def loss_of(session: Session, model: nn.Sequential, X: np.ndarray, y: np.ndarray) -> mg.Tensor:
    if session.config.loss == "bce":
        return nn.BCEWithLogitsLoss()(model(mg.Tensor(X)), mg.Tensor(y.reshape(-1, 1) * 1.0))
    return nn.MSELoss()(model(mg.Tensor(X)), mg.Tensor((2.0 * y - 1.0).reshape(-1, 1)))


def dense_layers(model: nn.Sequential) -> list[nn.Dense]:
    return [m for m in model if isinstance(m, nn.Dense)]


@pytest.fixture
def scratch_registry() -> Iterator[None]:
    """Activations registered inside a test (plugins) are gone after it."""
    names_before, canonical_before = dict(registry._NAMES), set(registry._CANONICAL)
    yield
    registry._NAMES.clear()
    registry._NAMES.update(names_before)
    registry._CANONICAL.clear()
    registry._CANONICAL.update(canonical_before)


@pytest.fixture
def plugin_file(tmp_path: Path, scratch_registry: None) -> Path:
    path = tmp_path / "halftanh_plugin.py"
    path.write_text(PLUGIN_SOURCE)
    return path


def client_class() -> Any:
    """starlette's TestClient (needs httpx); skipped locally without it, a failure in CI."""
    try:
        with warnings.catch_warnings():
            # starlette >= 1.x prefers httpx2 and warns about httpx on import: a third-party
            # notice about its own dependency, not a warning of the code under test.
            warnings.filterwarnings(
                "ignore", message=r"Using `httpx` with `starlette\.testclient` is deprecated")
            from starlette.testclient import TestClient
    except (ImportError, RuntimeError) as error:
        missing(f"the playground extra and httpx2 ({error})", "pip install -e '.[dev]'")
    return TestClient


@pytest.fixture
def client() -> Iterator[Any]:
    from minigrad.playground.app import create_app

    with client_class()(create_app()) as test_client:
        yield test_client


def receive(ws: Any) -> dict[str, Any]:
    """The next message from the server, parsed as strictly as the page parses it."""
    message = strict_json(ws.receive_text())
    assert isinstance(message, dict) and "type" in message
    return message


def open_tab(ws: Any, config: dict[str, Any] | None = None
             ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Connect as the page does: hello, then the page's config (its URL's), then the state
    that answers it (even when it is the defaults)."""
    hello = receive(ws)
    assert hello["type"] == "hello"
    ws.send_json({"type": "config", "config": config or {}})
    state = receive(ws)
    assert state["type"] == "state"
    return hello, state


def poll_sessions(client: Any, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """``/api/sessions`` until ``done`` holds (or 5 s passed): the last answer."""
    deadline = time.monotonic() + 5.0
    while True:
        answer = client.get("/api/sessions").json()
        if done(answer) or time.monotonic() > deadline:
            return answer
        time.sleep(0.01)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --------------------------------------------------------------------------- config


def test_defaults_are_accepted_unchanged() -> None:
    assert check_config({}, names()) == DEFAULTS
    assert check_config(DEFAULTS.as_json(), names()) == DEFAULTS
    assert strict_json(DEFAULTS.as_json()) == DEFAULTS.as_json()


NAN, INF = float("nan"), float("inf")
# (changed settings, text the message must contain: the setting's name, then what came)
BAD_CONFIGS = [
    ({"learning_rate": -1}, ["learning_rate", "(0, 10]", "got -1"]),
    ({"learning_rate": 0}, ["learning_rate", "got 0"]),
    ({"learning_rate": 0.0}, ["learning_rate", "got 0.0"]),
    ({"learning_rate": 11}, ["learning_rate", "got 11"]),
    ({"learning_rate": NAN}, ["learning_rate", "got nan"]),
    ({"learning_rate": INF}, ["learning_rate", "got inf"]),
    ({"learning_rate": True}, ["learning_rate", "got True"]),
    ({"learning_rate": "0.1"}, ["learning_rate", "got '0.1'"]),
    ({"learning_rate": None}, ["learning_rate", "got None"]),
    ({"noise": -INF}, ["noise", "got -inf"]),
    ({"noise": 0.6}, ["noise", "[0, 0.5]"]),
    ({"l2": NAN}, ["l2", "got nan"]),
    ({"l2": 2}, ["l2", "got 2"]),
    ({"dropout": False}, ["dropout", "got False"]),
    ({"dropout": 0.95}, ["dropout", "got 0.95"]),
    ({"train_ratio": 0.05}, ["train_ratio", "got 0.05"]),
    ({"train_ratio": 0.95}, ["train_ratio", "got 0.95"]),
    ({"n_samples": 10**7}, ["n_samples", "from 20 to 2000", "got 10000000"]),
    ({"n_samples": 19}, ["n_samples", "got 19"]),
    ({"n_samples": 100.5}, ["n_samples", "got 100.5"]),
    ({"n_samples": True}, ["n_samples", "got True"]),
    ({"n_samples": INF}, ["n_samples", "got inf"]),
    ({"batch_size": 0}, ["batch_size", "got 0"]),
    ({"batch_size": 2001}, ["batch_size", "got 2001"]),
    ({"seed": -1}, ["seed", "got -1"]),
    ({"seed": 2**31}, ["seed", f"got {2**31}"]),
    ({"seed": NAN}, ["seed", "got nan"]),
    ({"hidden": [10**6], "activations": ["tanh"]}, ["hidden[0]", "from 1 to 8", "got 1000000"]),
    ({"hidden": [4, 0], "activations": ["tanh", "tanh"]}, ["hidden[1]", "got 0"]),
    ({"hidden": [4, True], "activations": ["tanh", "tanh"]}, ["hidden[1]", "got True"]),
    ({"hidden": [2] * 7, "activations": ["tanh"] * 7}, ["hidden", "at most 6", "got 7"]),
    ({"hidden": 4, "activations": ["tanh"]}, ["hidden", "must be a list", "got 4"]),
    ({"activations": ["tanh"]}, ["activations", "one name per hidden layer (2)", "got 1"]),
    ({"activations": ["tanh", "tanh", "tanh"]}, ["activations", "(2)", "got 3"]),
    ({"activations": ["threshol", "tanh"]}, ["activations[0]", "relu", "got 'threshol'"]),
    ({"activations": ["tanh", 3]}, ["activations[1]", "got 3"]),
    ({"activations": "tanh"}, ["activations", "must be a list"]),
    ({"dataset": "mnist"}, ["dataset", "xor, circles", "got 'mnist'"]),
    ({"dataset": None}, ["dataset", "got None"]),
    ({"loss": "hinge"}, ["loss", "bce, mse", "got 'hinge'"]),
    ({"optimizer": "rmsprop"}, ["optimizer", "sgd, momentum, adam", "got 'rmsprop'"]),
    ({"speed": "warp"}, ["speed", "slow, normal, fast", "got 'warp'"]),
    ({"compare": "nope"}, ["compare", "got 'nope'"]),
    ({"compare": 1}, ["compare", "got 1"]),
    ({"features": []}, ["features", "at least one"]),
    ({"features": ["x1", "x3"]}, ["feature", "x1_sq", "got 'x3'"]),
    ({"features": "x1"}, ["features", "must be a list"]),
    ({"learnin_rate": 0.1}, ["unknown setting 'learnin_rate'", "learning_rate"]),
    ({"type": "config"}, ["unknown setting 'type'"]),
    ({"points": [[7, 0, 1]]}, ["points[0] x1", "[-6, 6]", "got 7"]),
    ({"points": [[0, 0, 1], [0, -6.5, 0]]}, ["points[1] x2", "got -6.5"]),
    ({"points": [[0, NAN, 0]]}, ["points[0] x2", "got nan"]),
    ({"points": [[0, 0, 2]]}, ["points[0] label", "from 0 to 1", "got 2"]),
    ({"points": [[0, 0, True]]}, ["points[0] label", "got True"]),
    ({"points": [[0, 0]]}, ["points[0]", "[x1, x2, label]"]),
    ({"points": [[0.0, 0.0, 0]] * 1001}, ["points", "at most 1000", "got 1001"]),
    ({"points": {"x": 1}}, ["points", "must be a list"]),
]


@pytest.mark.parametrize(("settings", "expected"), BAD_CONFIGS,
                         ids=[" ".join(f"{k}={v!r}"[:32] for k, v in s.items())
                              for s, _ in BAD_CONFIGS])
def test_a_bad_setting_is_refused_with_a_message_naming_it(settings, expected) -> None:
    with pytest.raises(ConfigError) as refused:
        check_config({**DEFAULTS.as_json(), **settings}, names())
    message = str(refused.value)
    for text in expected:
        assert text in message, message
    assert "\n" not in message  # one line, shown as it is in the page


@pytest.mark.parametrize("message", [None, [], "xor", 3])
def test_a_configuration_that_is_not_an_object_is_refused(message) -> None:
    with pytest.raises(ConfigError, match="must be a JSON object"):
        check_config(message, names())


def test_a_huge_whole_number_is_refused_like_any_out_of_range_number() -> None:
    with pytest.raises(ConfigError, match="learning_rate"):
        check_config(json.loads('{"learning_rate": 1' + "0" * 400 + "}"), names())


@st.composite
def valid_configs(draw: st.DrawFn) -> dict[str, Any]:
    L = LIMITS
    coordinate = st.floats(-L["extent"], L["extent"])
    hidden = draw(st.lists(st.integers(1, int(L["max_neurons"])), max_size=int(L["max_layers"])))
    activation = st.sampled_from(names())
    return {
        "dataset": draw(st.sampled_from(DATASETS)),
        "points": draw(st.lists(st.tuples(coordinate, coordinate, st.integers(0, 1))
                                .map(list), max_size=12)),
        "n_samples": draw(st.integers(int(L["min_samples"]), int(L["max_samples"]))),
        "noise": draw(st.floats(0, L["max_noise"])),
        "train_ratio": draw(st.floats(L["min_train_ratio"], L["max_train_ratio"])),
        "seed": draw(st.integers(0, int(L["max_seed"]))),
        "features": draw(st.lists(st.sampled_from(FEATURES), min_size=1, unique=True)),
        "hidden": hidden,
        "activations": draw(st.lists(activation, min_size=len(hidden), max_size=len(hidden))),
        "loss": draw(st.sampled_from(LOSSES)),
        "optimizer": draw(st.sampled_from(OPTIMIZERS)),
        "learning_rate": draw(st.floats(0, L["max_learning_rate"], exclude_min=True)),
        "batch_size": draw(st.integers(1, int(L["max_batch_size"]))),
        "l2": draw(st.floats(0, L["max_l2"])),
        "dropout": draw(st.floats(0, L["max_dropout"])),
        "speed": draw(st.sampled_from(SPEEDS)),
        "compare": draw(st.none() | activation),
    }


@given(valid_configs())
def test_any_config_within_the_limits_is_accepted_and_round_trips(message) -> None:
    config = check_config(message, names())
    # Features come back in the order of hello.features; everything else as sent.
    assert list(config.features) == [f for f in FEATURES if f in message["features"]]
    shown = config.as_json()
    assert {k: v for k, v in shown.items() if k != "features"} == \
        {k: v for k, v in message.items() if k != "features"}
    # What the page gets back (and keeps in its URL) is accepted again, unchanged.
    assert check_config(strict_json(shown), names()) == config
    assert check_config(shown, names()).as_json() == shown


# --------------------------------------------------------------------------- data


@pytest.mark.parametrize("dataset", [d for d in DATASETS if d != "custom"])
def test_every_dataset_has_two_classes_on_the_plane(dataset) -> None:
    problem = make_problem(check_config({"dataset": dataset, "noise": 0}, names()))
    for y in (problem.y_train, problem.y_test):
        assert set(y.tolist()) == {0, 1}
    points = np.concatenate([problem.train_points, problem.test_points])
    assert points.shape == (400, 2)
    assert np.abs(points).max() <= 6.5
    # ... and spread over it, not squeezed into a corner
    assert np.abs(points).max() >= 3.5
    assert problem.missing is None


@pytest.mark.parametrize(("n_samples", "train_ratio"),
                         [(400, 0.5), (20, 0.1), (20, 0.9), (2000, 0.9), (333, 0.37)])
def test_the_split_follows_train_ratio(n_samples, train_ratio) -> None:
    config = check_config({"dataset": "moons", "n_samples": n_samples,
                           "train_ratio": train_ratio}, names())
    problem = make_problem(config)
    n_test = problems.test_count(n_samples, train_ratio)
    assert len(problem.y_test) == len(problem.test_points) == len(problem.X_test) == n_test
    assert len(problem.y_train) == len(problem.X_train) == n_samples - n_test
    train, test = problem.as_json()
    assert (len(train), len(test)) == (n_samples - n_test, n_test)


@given(st.integers(2, 5000), st.floats(0.1, 0.9))
def test_test_count_is_the_rounded_share_with_one_on_each_side(n, train_ratio) -> None:
    count = problems.test_count(n, train_ratio)
    assert 1 <= count <= n - 1
    if 1 <= round((1 - train_ratio) * n) <= n - 1:
        assert abs(count - (1 - train_ratio) * n) <= 0.5


@pytest.mark.parametrize("dataset", [d for d in DATASETS if d != "custom"])
def test_the_seed_fixes_the_points(dataset) -> None:
    def points(seed: int) -> np.ndarray:
        problem = make_problem(check_config({"dataset": dataset, "seed": seed}, names()))
        return np.concatenate([problem.train_points, problem.test_points])

    np.testing.assert_array_equal(points(5), points(5))
    assert not np.array_equal(np.sort(points(5), axis=0), np.sort(points(6), axis=0))


def test_feature_columns_are_their_formulas() -> None:
    problem = make_problem(check_config({"dataset": "spirals", "features": list(FEATURES)},
                                        names()))
    for P, X in ((problem.train_points, problem.X_train), (problem.test_points, problem.X_test)):
        x1, x2 = P[:, 0], P[:, 1]
        expected = [x1, x2, x1 * x1, x2 * x2, x1 * x2, np.sin(x1), np.sin(x2)]
        assert X.shape == (len(P), 7)
        np.testing.assert_allclose(X, np.stack(expected, axis=1), rtol=1e-15, atol=0)
    # A subset keeps the order of FEATURES whatever order it came in.
    config = check_config({"features": ["sin_x2", "x1"]}, names())
    assert config.features == ("x1", "sin_x2")
    np.testing.assert_array_equal(features(np.array([[1.0, 2.0]]), config.features),
                                  [[1.0, np.sin(2.0)]])


@pytest.mark.parametrize(("points", "counts"), [
    ([], (0, 0)),
    ([[1.0, 1.0, 0]], (1, 0)),
    ([[1.0, 1.0, 0], [2.0, 2.0, 0], [-1.0, 3.0, 1]], (2, 1)),
])
def test_too_few_custom_points_say_what_is_missing(points, counts) -> None:
    session = new_session(dataset="custom", points=points)
    missing = session.problem.missing
    assert missing is not None
    assert "at least 2 points of each class" in missing
    assert f"class 0 has {counts[0]}, class 1 has {counts[1]}" in missing
    # Everything drawn so far is shown, as training points.
    train, test = session.problem.as_json()
    assert train == [[float(x1), float(x2), label] for x1, x2, label in points] and test == []
    with pytest.raises(ConfigError) as refused:
        session.step()
    assert str(refused.value) == missing
    assert session.steps == 0
    strict_json(session.state())  # the page can still draw it
    # Two of each class are enough.
    change(session, points=[*points, [0.5, 0.5, 0], [1.5, 0.5, 0], [-2.0, 1.0, 1],
                            [-3.0, 2.0, 1]])
    assert session.problem.missing is None
    session.step()
    assert session.steps == 1


# --------------------------------------------------------------------------- sessions


def test_same_settings_train_to_bit_identical_weights() -> None:
    settings = {"dataset": "moons", "hidden": [5, 3], "activations": ["relu", "tanh"],
                "optimizer": "momentum", "dropout": 0.2, "l2": 0.01, "seed": 11,
                "batch_size": 7, "compare": "swish"}
    a, b = new_session(**settings), new_session(**settings)
    for session in (a, b):
        session.step(23)
        change(session, learning_rate=0.1)
        session.step(17)
    for k in (0, 1):
        assert_states_equal(state_of(a, k), state_of(b, k))
    assert a.steps == b.steps == 40


def test_reset_goes_back_to_the_same_initial_weights() -> None:
    session = new_session(optimizer="adam", seed=4)
    initial = state_of(session)
    session.step(30)
    trained = state_of(session)
    assert not np.array_equal(trained["0.W"], initial["0.W"])
    session.reset()
    assert session.steps == 0 and session.epoch == 0.0
    assert_states_equal(state_of(session), initial)
    # ... and trains the same way again
    session.step(30)
    assert_states_equal(state_of(session), trained)


def test_other_seed_other_initial_weights() -> None:
    a, b = new_session(seed=1), new_session(seed=2)
    assert not np.array_equal(state_of(a)["0.W"], state_of(b)["0.W"])


def test_compare_starts_both_networks_alike_and_they_part_when_trained() -> None:
    session = new_session(hidden=[4, 3], activations=["tanh", "tanh"], compare="relu",
                          dropout=0.1)
    assert len(session.nets) == 2
    assert session.nets[1].activations == ["relu", "relu"]
    assert_states_equal(state_of(session, 0), state_of(session, 1))
    session.step(20)
    a, b = state_of(session, 0), state_of(session, 1)
    assert list(a) == list(b)
    assert all(not np.array_equal(a[key], b[key]) for key in a)
    frame = session.frame()
    assert [net["activations"] for net in frame["nets"]] == [["tanh", "tanh"], ["relu", "relu"]]


@pytest.mark.parametrize(("settings", "resets"), [
    ({"learning_rate": 0.3}, False),
    ({"batch_size": 3}, False),
    ({"optimizer": "adam"}, False),
    ({"l2": 0.01}, False),
    ({"speed": "fast"}, False),
    ({"hidden": [4, 3], "activations": ["tanh", "tanh"]}, True),
    ({"activations": ["relu", "tanh"]}, True),
    ({"dataset": "circles"}, True),
    ({"n_samples": 300}, True),
    ({"noise": 0.2}, True),
    ({"train_ratio": 0.6}, True),
    ({"seed": 1}, True),
    ({"features": ["x1", "x2", "x1x2"]}, True),
    ({"loss": "mse"}, True),
    ({"dropout": 0.1}, True),
    ({"compare": "relu"}, True),
])
def test_what_a_change_keeps_and_what_it_resets(settings, resets) -> None:
    session = new_session()
    session.step(25)
    before, train_before = state_of(session), session.problem.as_json()
    assert change(session, **settings) is resets
    for key, value in settings.items():
        assert session.config.as_json()[key] == value
    if resets:
        assert session.steps == 0 and session.epoch == 0.0
        assert_states_equal(state_of(session), state_of(new_session(**session.config.as_json())))
    else:
        assert session.steps == 25
        assert_states_equal(state_of(session), before)
        assert session.problem.as_json() == train_before
    # The new settings are the ones trained with.
    session.step()
    assert session.steps == (1 if resets else 26)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_a_change_before_the_first_step_trains_as_if_set_from_the_start(optimizer) -> None:
    changed = new_session(optimizer=optimizer)
    assert change(changed, learning_rate=0.2, batch_size=13, l2=0.05) is False
    fresh = new_session(optimizer=optimizer, learning_rate=0.2, batch_size=13, l2=0.05)
    for session in (changed, fresh):
        session.step(17)
    assert_states_equal(state_of(changed), state_of(fresh))


def test_a_refused_change_leaves_everything_as_it_was() -> None:
    session = new_session(hidden=[3], activations=["relu"])
    session.step(5)
    config, weights = session.config, state_of(session)
    with pytest.raises(ConfigError, match="hidden\\[0\\]"):
        change(session, hidden=[9], dataset="moons")
    assert session.config == config and session.steps == 5
    assert_states_equal(state_of(session), weights)


def test_epoch_counts_passes_over_the_training_points() -> None:
    session = new_session()  # 200 training points, batches of 10
    assert len(session.problem.y_train) == 200 and session.steps_per_epoch == 20
    assert session.epoch == 0.0
    session.step(10)
    assert session.epoch == 0.5
    session.step(10)
    assert session.epoch == 1.0 and session.frame()["epoch"] == 1.0
    session.step(5)
    assert session.epoch == 1.25
    change(session, batch_size=30)  # 7 steps: 6 of 30 and the 15 left
    assert session.steps_per_epoch == 7
    session.step(5)
    assert session.epoch == 2.0
    session.step(1)
    assert session.epoch == 2.15
    change(session, batch_size=200)
    session.step(1)
    assert session.epoch == 3.0


# --------------------------------------------------------------------------- traces


TRACE_CASES = {
    "relu bce": {"hidden": [5, 3], "activations": ["relu", "relu"]},
    "tanh mse squares": {"hidden": [4], "activations": ["tanh"], "loss": "mse",
                         "features": ["x1_sq", "sin_x1"], "dataset": "circles"},
    "sigmoid, dropout off in eval": {"hidden": [3, 3], "activations": ["sigmoid", "sigmoid"],
                                     "dropout": 0.3, "features": ["x1", "x2", "x1x2"],
                                     "dataset": "moons"},
    "compare elu with softplus, mse": {"hidden": [4, 2], "activations": ["elu", "leaky_relu"],
                                       "compare": "softplus", "loss": "mse",
                                       "features": ["x1", "x2", "sin_x2"], "dataset": "spirals"},
    "no hidden layer": {"hidden": [], "activations": [], "features": ["x1", "x2_sq"]},
}


@pytest.mark.parametrize("case", TRACE_CASES)
def test_a_trace_is_what_backward_computes(case) -> None:
    session = new_session(**TRACE_CASES[case], optimizer="adam", learning_rate=0.05, seed=3)
    session.step(15)
    before = {k: state_of(session, k) for k in range(len(session.nets))}
    for index in (0, 7, len(session.problem.y_train) - 1):
        trace = session.trace(index)
        strict_json(trace)
        label = int(session.problem.y_train[index])
        assert trace["index"] == index
        assert trace["point"] == [*session.problem.train_points[index].tolist(), label]
        x = session.problem.X_train[index:index + 1]
        assert trace["inputs"] == x[0].tolist()
        assert len(trace["nets"]) == len(session.nets)
        for k, traced in enumerate(trace["nets"]):
            model = rebuild(session, k)
            loss = loss_of(session, model, x, np.array([label]))
            loss.backward()
            assert traced["loss"] == float(loss.data)
            dense = dense_layers(model)
            assert len(traced["layers"]) == len(dense)
            previous = x[0]
            for layer, d in zip(traced["layers"], dense):
                np.testing.assert_allclose(layer["dL_dW"], d.W.grad, rtol=1e-12, atol=0)
                np.testing.assert_allclose(layer["dL_db"], d.b.grad, rtol=1e-12, atol=0)
                np.testing.assert_array_equal(layer["W"], d.W.data)
                np.testing.assert_array_equal(layer["b"], d.b.data)
                # The parts fit together: z = a_prev W + b, dL/dW = a_prev^T dL/dz.
                np.testing.assert_allclose(layer["z"], previous @ d.W.data + d.b.data,
                                           rtol=1e-12, atol=1e-15)
                np.testing.assert_allclose(layer["dL_db"], layer["dL_dz"], rtol=1e-12, atol=0)
                np.testing.assert_allclose(layer["dL_dW"],
                                           np.outer(previous, layer["dL_dz"]), rtol=1e-12,
                                           atol=1e-300)
                previous = np.array(layer["a"])
            # p: the probability of class 1 the page shows
            out = traced["layers"][-1]["a"][0]
            p = 1 / (1 + math.exp(-out)) if session.config.loss == "bce" else (out + 1) / 2
            assert traced["p"] == pytest.approx(p, rel=1e-12)
    # Tracing trains nothing.
    for k, state in before.items():
        assert_states_equal(state_of(session, k), state)


@pytest.mark.parametrize("case", ["relu bce", "tanh mse squares", "sigmoid, dropout off in eval"])
def test_a_traces_weight_gradients_match_finite_differences(case) -> None:
    session = new_session(**TRACE_CASES[case], seed=5)
    session.step(10)
    index = 3
    x = session.problem.X_train[index:index + 1]
    y = session.problem.y_train[index:index + 1]
    traced = session.trace(index)["nets"][0]["layers"]
    model = rebuild(session)
    eps = 1e-6
    for layer, d in zip(traced, dense_layers(model)):
        numeric = np.zeros_like(d.W.data)
        for i, j in np.ndindex(d.W.data.shape):
            original = d.W.data[i, j]
            with no_grad():
                d.W.data[i, j] = original + eps
                up = float(loss_of(session, model, x, y).data)
                d.W.data[i, j] = original - eps
                down = float(loss_of(session, model, x, y).data)
            d.W.data[i, j] = original
            numeric[i, j] = (up - down) / (2 * eps)
        assert d.W.data.dtype == np.float64
        np.testing.assert_allclose(layer["dL_dW"], numeric, rtol=1e-6, atol=1e-9)
        assert np.abs(numeric).max() > 1e-6  # a check of something that moves


def test_a_trace_index_must_be_a_training_point() -> None:
    session = new_session()
    n = len(session.problem.y_train)
    for index in (-1, n, 10**9, 1.0, "3", True, None, [1]):
        with pytest.raises(ConfigError, match=f"index must be a training point from 0 to {n - 1}"):
            session.trace(index)
    assert session.trace(n - 1)["index"] == n - 1


# --------------------------------------------------------------------------- frames


def test_a_frame_has_the_shapes_the_page_draws() -> None:
    session = new_session(hidden=[5, 3, 2], activations=["tanh", "relu", "sigmoid"],
                          features=["x1", "x2", "x1x2"], compare="softsign")
    session.step(12)
    frame = session.frame(playing=True)
    assert strict_json(frame) == json.loads(json.dumps(frame))
    assert (frame["type"], frame["step"], frame["playing"]) == ("frame", 12, True)
    assert (frame["grid"], frame["neuron_grid"]) == (GRID, NEURON_GRID)
    assert len(frame["nets"]) == 2
    for net in frame["nets"]:
        assert decode(net["boundary"]).shape == (GRID * GRID,)
        assert [len(layer) for layer in net["neurons"]] == [5, 3, 2]
        for layer in net["neurons"]:
            for unit in layer:
                assert decode(unit["heatmap"]).shape == (NEURON_GRID ** 2,)
                assert unit["scale"] >= 0 and unit["grad"] >= 0
                assert isinstance(unit["dead"], bool) and isinstance(unit["saturated"], bool)
        shapes = [(len(w["W"]), len(w["W"][0]), len(w["b"])) for w in net["weights"]]
        assert shapes == [(3, 5, 5), (5, 3, 3), (3, 2, 2), (2, 1, 1)]
        for name in ("train_loss", "test_loss"):
            assert net[name] > 0
        for name in ("train_accuracy", "test_accuracy"):
            assert 0 <= net[name] <= 1


def test_the_boundary_and_heatmaps_are_the_networks_outputs_over_the_plane() -> None:
    session = new_session(hidden=[3], activations=["tanh"], optimizer="adam",
                          learning_rate=0.1)
    session.step(40)
    net = session.frame()["nets"][0]
    model = rebuild(session)
    # Row 0 is the top (x2 = +6), column 0 the left (x1 = -6).
    cells = grid_points(GRID)
    half = 6 / GRID
    assert cells[0].tolist() == pytest.approx([-6 + half, 6 - half], abs=1e-12)
    assert cells[GRID - 1].tolist() == pytest.approx([6 - half, 6 - half], abs=1e-12)
    assert cells[-1].tolist() == pytest.approx([6 - half, -6 + half], abs=1e-12)
    with no_grad():
        logits = model(mg.Tensor(cells)).data[:, 0]
    expected = np.round(255 / (1 + np.exp(-logits)))
    shown = decode(net["boundary"]).astype(np.float64)
    assert np.abs(shown - expected).max() <= 1
    assert shown.min() < 64 and shown.max() > 192  # trained: both classes are shown
    # A unit's heatmap: value v -> a = (v/255*2-1)*scale, its output tanh(x W + b).
    dense = dense_layers(model)[0]
    units = np.tanh(grid_points(NEURON_GRID) @ dense.W.data + dense.b.data)
    for j, unit in enumerate(net["neurons"][0]):
        assert unit["scale"] == pytest.approx(np.abs(units[:, j]).max(), rel=1e-12)
        values = (decode(unit["heatmap"]) / 255 * 2 - 1) * unit["scale"]
        np.testing.assert_allclose(values, units[:, j], atol=unit["scale"] / 255 + 1e-12)


def test_a_units_grad_is_the_mean_gradient_magnitude_over_training_points() -> None:
    session = new_session(hidden=[3, 2], activations=["tanh", "relu"], seed=2)
    session.step(8)
    frame_units = session.frame()["nets"][0]["neurons"]
    n = len(session.problem.y_train)
    per_point = [session.trace(i)["nets"][0]["layers"] for i in range(n)]
    for k, layer in enumerate(frame_units):
        expected = np.mean([np.abs(p[k]["dL_dz"]) for p in per_point], axis=0)
        np.testing.assert_allclose([u["grad"] for u in layer], expected, rtol=1e-9, atol=1e-15)


def test_losses_and_accuracies_are_the_networks_on_each_split() -> None:
    session = new_session(dataset="circles", hidden=[4], activations=["relu"], loss="mse")
    session.step(30)
    net = session.frame()["nets"][0]
    model = rebuild(session)
    p = session.problem
    with no_grad():
        for X, y, name in ((p.X_train, p.y_train, "train"), (p.X_test, p.y_test, "test")):
            assert net[f"{name}_loss"] == float(loss_of(session, model, X, y).data)
            out = model(mg.Tensor(X)).data[:, 0]
            assert net[f"{name}_accuracy"] == np.mean((out > 0) == (y == 1))


def test_a_relu_unit_forced_dead_is_marked_dead() -> None:
    session = new_session(hidden=[4, 3], activations=["relu", "relu"])
    units = session.frame()["nets"][0]["neurons"]
    assert [[u["dead"] for u in layer] for layer in units] == [[False] * 4, [False] * 3]
    session.nets[0].hidden[0][0].b.data[2] = -100.0
    units = session.frame()["nets"][0]["neurons"]
    assert [u["dead"] for u in units[0]] == [False, False, True, False]
    assert units[0][2]["saturated"] is False  # dead, not saturated
    # Its output is 0 all over the plane, and no gradient passes through it.
    assert units[0][2]["scale"] == 0.0 and set(decode(units[0][2]["heatmap"])) == {128}
    assert session.trace(0)["nets"][0]["layers"][0]["dL_dz"][2] == 0.0


def test_a_tanh_unit_with_huge_weights_is_marked_saturated() -> None:
    session = new_session(hidden=[3], activations=["tanh"])
    assert [u["saturated"] for u in session.frame()["nets"][0]["neurons"][0]] == [False] * 3
    # 50 times the weights: |tanh'| < 0.01 on most training points, yet not exactly 0 on
    # all (which would be dead: with |z| > 19 tanh' underflows to 0 in float64).
    session.nets[0].hidden[0][0].W.data[:, 1] *= 50.0
    units = session.frame()["nets"][0]["neurons"][0]
    assert [u["saturated"] for u in units] == [False, True, False]
    assert [u["dead"] for u in units] == [False] * 3


def test_softmax_units_have_no_dead_or_saturated_mark() -> None:
    session = new_session(hidden=[3, 2], activations=["softmax", "tanh"])
    units = session.frame()["nets"][0]["neurons"]
    assert {(u["dead"], u["saturated"]) for u in units[0]} == {(None, None)}
    assert {(u["dead"], u["saturated"]) for u in units[1]} == {(False, False)}


@pytest.mark.parametrize(("points", "has_grad"), [
    ([], False),
    ([[1.0, 2.0, 1]], True),
    ([[1.0, 2.0, 1], [-1.0, 2.0, 0], [3.0, -2.0, 1]], True),
])
def test_grad_is_missing_only_without_training_points(points, has_grad) -> None:
    session = new_session(dataset="custom", points=points, hidden=[2], activations=["relu"])
    frame = session.frame()
    strict_json(frame)
    net = frame["nets"][0]
    assert decode(net["boundary"]).shape == (GRID * GRID,)
    for unit in net["neurons"][0]:
        assert (unit.get("grad") is not None) is has_grad
        assert (unit["dead"] is not None) is has_grad
    assert net["test_loss"] is None and net["test_accuracy"] is None
    assert (net["train_loss"] is not None) is has_grad


# Six linear layers at the largest learning rate: the loss is NaN after a few steps.
DIVERGING = {"hidden": [8] * 6, "activations": ["identity"] * 6, "learning_rate": 10}


def test_a_diverged_network_is_sent_as_json_the_page_can_parse() -> None:
    from minigrad.playground.app import _json

    session = new_session(**DIVERGING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's overflow on the way there
        session.step(20)
        frame = session.frame()
    assert session.finite is False
    net = strict_json(_json(frame))["nets"][0]
    assert net["train_loss"] is None and net["test_loss"] is None
    assert None in net["weights"][0]["W"][0]
    assert decode(net["boundary"]).shape == (GRID * GRID,)


# --------------------------------------------------------------------------- export


def custom_points() -> list[list[float]]:
    rng = np.random.default_rng(8)
    xy = rng.uniform(-5, 5, size=(40, 2)).round(3)
    return [[float(a), float(b), int(a * b > 0)] for a, b in xy]


def run_changes(tmp_path: Path) -> tuple[Session, dict[str, str]]:
    """A run whose learning rate, batch size and optimizer change midway, with frames and
    traces (what the page asks for meanwhile) in between."""
    session = new_session(hidden=[4, 2], activations=["tanh", "relu"], seed=7)
    session.step(15)
    session.frame()
    session.trace(3)
    change(session, learning_rate=0.1, batch_size=7)
    session.step(11)
    change(session, optimizer="adam", learning_rate=0.01)
    session.step(9)
    session.frame(playing=True)
    change(session, batch_size=30, l2=0.001, speed="fast")
    session.step(5)
    return session, {}


def run_dropout_compare(tmp_path: Path) -> tuple[Session, dict[str, str]]:
    session = new_session(dataset="moons", noise=0.2, seed=3, hidden=[5, 3],
                          activations=["tanh", "sigmoid"], dropout=0.25, compare="relu",
                          optimizer="momentum", batch_size=16)
    session.step(20)
    session.frame()
    session.trace(0)
    session.step(20)
    return session, {}


def run_custom_mse(tmp_path: Path) -> tuple[Session, dict[str, str]]:
    session = new_session(dataset="custom", points=custom_points(), loss="mse",
                          features=["x1", "x2", "x1x2", "sin_x2"], hidden=[3],
                          activations=["relu"], train_ratio=0.7, batch_size=4,
                          learning_rate=0.05)
    session.step(30)
    return session, {}


def run_plugin(tmp_path: Path) -> tuple[Session, dict[str, str]]:
    from minigrad.playground.server import load_plugins

    path = tmp_path / "halftanh_plugin.py"
    path.write_text(PLUGIN_SOURCE)
    plugins = load_plugins([str(path)])
    session = new_session(dataset="spirals", hidden=[4, 4], activations=[PLUGIN_NAME, "relu"],
                          compare=PLUGIN_NAME, optimizer="adam", learning_rate=0.02)
    session.step(25)
    return session, plugins


@pytest.mark.usefixtures("scratch_registry")
@pytest.mark.parametrize("run", [run_changes, run_dropout_compare, run_custom_mse, run_plugin],
                         ids=lambda run: run.__name__[4:])
def test_the_exported_script_retrains_to_the_pages_losses(tmp_path, run) -> None:
    session, plugins = run(tmp_path)
    message = export.export_message(session, plugins)
    strict_json(message)
    train_loss, test_loss = session.nets[0].metrics(session.problem.X_train,
                                                    session.problem.y_train)[0], \
        session.nets[0].metrics(session.problem.X_test, session.problem.y_test)[0]
    assert (message["train_loss"], message["test_loss"]) == (train_loss, test_loss)
    assert message["step"] == session.steps
    assert message["script_name"] == "playground_model.py"
    assert message["weights_name"] == "playground_weights.npz"
    # The weights: an .npz that minigrad.load reads and the network takes.
    page_weights = tmp_path / "from_the_page.npz"
    page_weights.write_bytes(base64.b64decode(message["weights"], validate=True))
    state = mg.load(page_weights)
    assert_states_equal(state, state_of(session))
    fresh = new_session(**session.config.as_json())
    fresh.nets[0].model.load_state_dict(state)
    assert_states_equal(state_of(fresh), state_of(session))
    # The script, run as a user would: the same losses, to the last bit.
    script = tmp_path / message["script_name"]
    script.write_text(message["script"])
    done = subprocess.run([sys.executable, "-W", "error", script.name], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, env=subprocess_env())
    assert done.returncode == 0, done.stderr
    expected = [f"model: train loss {message['train_loss']!r} "
                f"test loss {message['test_loss']!r}"]
    if len(session.nets) == 2:
        b = session.nets[1]
        expected.append(f"model_b: train loss "
                        f"{b.metrics(session.problem.X_train, session.problem.y_train)[0]!r} "
                        f"test loss "
                        f"{b.metrics(session.problem.X_test, session.problem.y_test)[0]!r}")
    assert done.stdout.splitlines() == expected
    assert_states_equal(mg.load(tmp_path / message["weights_name"]), state_of(session))


def test_an_optimizer_switched_away_and_back_between_steps_exports_faithfully(
        tmp_path, monkeypatch, capsys) -> None:
    session = new_session(optimizer="momentum")
    session.step(30)
    change(session, optimizer="adam")
    change(session, optimizer="momentum")
    session.step(30)
    message = export.export_message(session)
    (tmp_path / "script.py").write_text(message["script"])
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(tmp_path / "script.py"), run_name="__main__")
    assert capsys.readouterr().out == (f"model: train loss {message['train_loss']!r} "
                                       f"test loss {message['test_loss']!r}\n")


# --------------------------------------------------------------------------- the app


def test_a_tab_gets_hello_then_state(client) -> None:
    with client.websocket_connect("/ws") as ws:
        hello, state = open_tab(ws)
    assert hello["activations"] == names()
    assert hello["datasets"] == list(DATASETS) and hello["features"] == list(FEATURES)
    assert set(hello["feature_labels"]) == set(FEATURES)
    assert hello["losses"] == list(LOSSES) and hello["optimizers"] == list(OPTIMIZERS)
    assert hello["speeds"] == list(SPEEDS)
    assert hello["defaults"] == DEFAULTS.as_json()
    limits = {"max_layers": 6, "max_neurons": 8, "min_samples": 20, "max_samples": 2000,
              "max_points": 1000, "max_noise": 0.5, "min_train_ratio": 0.1,
              "max_train_ratio": 0.9, "max_learning_rate": 10, "max_batch_size": 2000,
              "max_l2": 1, "max_dropout": 0.9, "extent": 6}
    assert {k: hello["limits"][k] for k in limits} == limits
    assert state["config"] == DEFAULTS.as_json()
    assert (len(state["train"]), len(state["test"])) == (200, 200)
    assert {p[2] for p in state["train"] + state["test"]} == {0, 1}
    assert state["train"] == new_session().problem.as_json()[0]
    frame = state["frame"]
    assert (frame["type"], frame["step"], frame["epoch"], frame["playing"]) == \
        ("frame", 0, 0.0, False)


BAD_MESSAGES = [
    ("text", "{bad", "malformed JSON"),
    ("text", "", "malformed JSON"),
    ("text", "[1, 2]", "unknown message"),
    ("text", '{"type": "fly"}', "unknown message"),
    ("text", '{"kind": "step"}', "unknown message"),
    ("text", '"play"', "unknown message"),
    ("bytes", b'{"type": "step"}', ""),  # a binary frame: any message will do
    ("json", {"type": "config", "config": {"learning_rate": -1}},
     "learning_rate must be a number in (0, 10], got -1"),
    ("json", {"type": "config", "config": {"hidden": [9], "activations": ["tanh"]}}, "hidden[0]"),
    ("json", {"type": "config", "config": {"lr": 0.1}}, "unknown setting 'lr'"),
    ("json", {"type": "config"}, "must be a JSON object"),
    ("text", '{"type": "config", "config": {"noise": NaN}}', "noise"),
    ("json", {"type": "trace", "index": -1}, "index must be a training point from 0 to 99"),
    ("json", {"type": "trace", "index": 100}, "from 0 to 99, got 100"),
    ("json", {"type": "trace", "index": "3"}, "from 0 to 99, got '3'"),
    ("json", {"type": "trace"}, "got None"),
    ("text", "x" * 200_001, "message too long"),
]


def test_bad_messages_get_an_error_and_the_tab_goes_on(client) -> None:
    with client.websocket_connect("/ws") as ws:
        open_tab(ws)
        settings = {**DEFAULTS.as_json(), "hidden": [3], "activations": ["relu"],
                    "train_ratio": 0.25}
        ws.send_json({"type": "config", "config": settings})
        state = receive(ws)
        assert state["type"] == "state" and state["config"] == settings
        ws.send_json({"type": "step"})
        assert receive(ws)["step"] == 1
        for kind, message, text in BAD_MESSAGES:
            {"text": ws.send_text, "bytes": ws.send_bytes, "json": ws.send_json}[kind](message)
            reply = receive(ws)
            assert reply["type"] == "error", (message, reply)
            assert reply["message"] and text in reply["message"], (text, reply["message"])
            assert reply["config"] == settings
        # Still the same session, and a good message is answered as usual.
        ws.send_json({"type": "step"})
        frame = receive(ws)
        assert (frame["type"], frame["step"]) == ("frame", 2)
        ws.send_json({"type": "config", "config": {**settings, "learning_rate": 0.5}})
        kept = receive(ws)
        assert (kept["type"], kept["step"]) == ("frame", 2)  # weights kept: a frame
        ws.send_json({"type": "config", "config": {**settings, "dataset": "circles"}})
        state = receive(ws)
        assert state["type"] == "state" and state["config"]["dataset"] == "circles"
        assert state["frame"]["step"] == 0


def test_step_reset_trace_and_export_over_the_socket(client) -> None:
    with client.websocket_connect("/ws") as ws:
        _, state = open_tab(ws)
        ws.send_json({"type": "step"})
        frame = receive(ws)
        assert (frame["type"], frame["step"], frame["epoch"], frame["playing"]) == \
            ("frame", 1, 0.05, False)
        assert frame["nets"][0]["weights"] != state["frame"]["nets"][0]["weights"]
        for _ in range(4):
            ws.send_json({"type": "step"})
            frame = receive(ws)
        assert frame["step"] == 5
        ws.send_json({"type": "trace", "index": 4})
        trace = receive(ws)
        assert trace["type"] == "trace" and trace["point"] == state["train"][4]
        assert trace["nets"][0]["layers"][0]["W"] == frame["nets"][0]["weights"][0]["W"]
        ws.send_json({"type": "export"})
        exported = receive(ws)
        assert exported["type"] == "export" and exported["step"] == 5
        assert "SCHEDULE = [\n    (5, True, 'sgd', 0.03, 10, 0.0),\n]" in exported["script"]
        assert exported["train_loss"] == frame["nets"][0]["train_loss"]
        assert exported["test_loss"] == frame["nets"][0]["test_loss"]
        ws.send_json({"type": "reset"})
        again = receive(ws)
        assert again["type"] == "state" and again["frame"]["step"] == 0
        assert again["frame"]["nets"] == state["frame"]["nets"]


def test_missing_custom_points_are_reported_when_training(client) -> None:
    with client.websocket_connect("/ws") as ws:
        open_tab(ws)
        settings = {**DEFAULTS.as_json(), "dataset": "custom", "points": [[1.0, 1.0, 0]]}
        ws.send_json({"type": "config", "config": settings})
        state = receive(ws)
        assert state["type"] == "state" and state["train"] == [[1.0, 1.0, 0]]
        for kind in ("step", "play", "export"):
            ws.send_json({"type": kind})
            reply = receive(ws)
            assert reply["type"] == "error" and "class 0 has 1, class 1 has 0" in reply["message"]
            assert reply["config"] == settings
        assert client.get("/api/sessions").json()["playing"] == 0


def test_play_sends_frames_after_acks_and_pause_stops(client) -> None:
    with client.websocket_connect("/ws") as ws:
        open_tab(ws)
        ws.send_json({"type": "play"})
        first = receive(ws)
        # At normal speed a tick trains one epoch (20 steps of 10 of the 200 points).
        assert (first["type"], first["step"], first["playing"]) == ("frame", 20, True)
        assert client.get("/api/sessions").json()["playing"] == 1
        steps = [first["step"]]
        for _ in range(3):
            ws.send_json({"type": "ack"})
            frame = receive(ws)
            assert frame["type"] == "frame" and frame["playing"] is True
            steps.append(frame["step"])
        assert steps == sorted(set(steps)) and all(s % 20 == 0 for s in steps)
        ws.send_json({"type": "pause"})
        frame = receive(ws)
        while frame["playing"]:
            frame = receive(ws)
        assert frame["step"] >= steps[-1] and frame["step"] % 20 == 0
        assert client.get("/api/sessions").json()["playing"] == 0
        ws.send_json({"type": "step"})
        assert receive(ws)["step"] == frame["step"] + 1


def test_slow_speed_trains_one_step_per_frame(client) -> None:
    with client.websocket_connect("/ws") as ws:
        open_tab(ws)
        ws.send_json({"type": "config", "config": {**DEFAULTS.as_json(), "speed": "slow"}})
        assert receive(ws)["type"] == "frame"  # speed keeps the weights
        ws.send_json({"type": "play"})
        assert receive(ws)["step"] == 1
        ws.send_json({"type": "trace", "index": 0})  # a trace pauses
        reply = receive(ws)
        while reply["type"] == "frame":
            reply = receive(ws)
        assert reply["type"] == "trace"
        assert client.get("/api/sessions").json()["playing"] == 0


def test_a_diverging_run_stops_with_an_error_and_a_frame_the_page_can_parse(client) -> None:
    with client.websocket_connect("/ws") as ws, warnings.catch_warnings():
        # numpy warns of the overflow on the way to NaN, in the app's thread too
        warnings.simplefilter("ignore", RuntimeWarning)
        open_tab(ws)
        settings = {**DEFAULTS.as_json(), **DIVERGING}
        ws.send_json({"type": "config", "config": settings})
        assert receive(ws)["type"] == "state"
        ws.send_json({"type": "play"})
        reply = receive(ws)
        assert reply["type"] == "error" and "training diverged" in reply["message"]
        assert reply["config"] == settings
        frame = receive(ws)
        assert frame["type"] == "frame" and frame["playing"] is False
        assert frame["nets"][0]["train_loss"] is None
        assert client.get("/api/sessions").json()["playing"] == 0
        ws.send_json({"type": "reset"})
        state = receive(ws)
        assert state["type"] == "state" and state["frame"]["nets"][0]["train_loss"] > 0


def test_a_closed_tab_leaves_no_session_and_no_task(client) -> None:
    before = poll_sessions(client, lambda a: a["sessions"] == 0)
    with client.websocket_connect("/ws") as ws:
        open_tab(ws)
        assert client.get("/api/sessions").json()["sessions"] == 1
        with client.websocket_connect("/ws") as other:
            open_tab(other)
            assert client.get("/api/sessions").json()["sessions"] == 2
        assert poll_sessions(client, lambda a: a["sessions"] == 1)["sessions"] == 1
        ws.send_json({"type": "play"})
        assert receive(ws)["playing"] is True
        assert client.get("/api/sessions").json()["playing"] == 1
    after = poll_sessions(client, lambda a: a["sessions"] == 0 and a["tasks"] <= before["tasks"])
    assert after["sessions"] == 0 and after["playing"] == 0
    assert after["tasks"] == before["tasks"]


def test_a_plugin_activation_is_offered_and_trains(plugin_file) -> None:
    from minigrad.playground.app import create_app
    from minigrad.playground.server import load_plugins

    plugins = load_plugins([str(plugin_file)])
    assert plugins == {PLUGIN_NAME: str(plugin_file.resolve())}
    assert PLUGIN_NAME in names()
    with client_class()(create_app(plugins)) as plugin_client, \
            plugin_client.websocket_connect("/ws") as ws:
        hello, _ = open_tab(ws)
        assert PLUGIN_NAME in hello["activations"]
        settings = {**DEFAULTS.as_json(), "hidden": [3], "activations": [PLUGIN_NAME]}
        ws.send_json({"type": "config", "config": settings})
        assert receive(ws)["config"]["activations"] == [PLUGIN_NAME]
        ws.send_json({"type": "step"})
        assert receive(ws)["step"] == 1
        ws.send_json({"type": "export"})
        assert f"runpy.run_path({str(plugin_file.resolve())!r})" in receive(ws)["script"]


# --------------------------------------------------------------------------- the command


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_playground_help_names_its_options(capsys) -> None:
    code, out, _ = run_cli(capsys, "playground", "--help")
    assert code == 0
    for option in ("--plugin", "--no-browser", "--port", "--host"):
        assert option in out


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused command must not start the server (if it did, the test would hang)."""
    uvicorn = pytest.importorskip("uvicorn")

    def refuse(self: Any) -> None:
        raise AssertionError("the server started although the command should be refused")

    monkeypatch.setattr(uvicorn.Server, "run", refuse)


@pytest.mark.usefixtures("no_server")
@pytest.mark.parametrize("port", ["0", "70000", "-1", "http"])
def test_a_bad_port_is_refused_in_one_line(capsys, port) -> None:
    code, out, err = run_cli(capsys, "playground", "--no-browser", f"--port={port}")
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert "--port" in err and port in err and "1 to 65535" in err


@pytest.mark.usefixtures("no_server")
def test_a_taken_port_is_refused_in_one_line(capsys) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = run_cli(capsys, "playground", "--no-browser", "--port", str(port))
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert "--port" in err and f"{port} is in use" in err


PLUGIN_PROBLEMS = [
    (None, "is not a file"),
    ("x = 1\n", "registered no activation"),
    ("raise RuntimeError('broken on purpose')\n", "raised RuntimeError: broken on purpose"),
    ("from minigrad import nn\nnn.register_activation('relu', nn.Tanh)\n", "already taken"),
]


@pytest.mark.usefixtures("no_server", "scratch_registry")
@pytest.mark.parametrize(("source", "text"), PLUGIN_PROBLEMS)
def test_a_bad_plugin_is_refused_in_one_line(capsys, tmp_path, source, text) -> None:
    path = tmp_path / ("missing.py" if source is None else "plugin.py")
    if source is not None:
        path.write_text(source)
    code, out, err = run_cli(capsys, "playground", "--no-browser", "--port", str(free_port()),
                             "--plugin", str(path))
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert "--plugin" in err and text in err
    assert "relu" in names() and type(nn.get_activation("relu")) is nn.ReLU


def subprocess_env() -> dict[str, str]:
    """The environment of a child Python that imports this checkout's minigrad."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)}


@pytest.fixture(scope="module")
def served() -> dict[str, Any]:
    """One life of ``minigrad playground --no-browser``: what it printed, what it served,
    and how it ended on Ctrl-C (SIGINT)."""
    pytest.importorskip("uvicorn")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "minigrad", "playground", "--no-browser", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=subprocess_env())
    record: dict[str, Any] = {"port": port}
    try:
        assert server.stdout is not None
        ready, _, _ = select.select([server.stdout], [], [], 30)
        assert ready, "the command printed nothing"
        record["first_line"] = server.stdout.readline()
        url = f"http://127.0.0.1:{port}"

        def get(path: str) -> tuple[int, str, bytes]:
            deadline = time.monotonic() + 20  # the address is printed just before listening
            while True:
                try:
                    with urllib.request.urlopen(url + path, timeout=10) as answer:
                        return answer.status, answer.headers["content-type"], answer.read()
                except urllib.error.URLError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise
                    time.sleep(0.05)

        record["sessions"] = get("/api/sessions")
        if (STATIC / "index.html").is_file():
            record["page"] = get("/")
        server.send_signal(signal.SIGINT)
        try:
            out, err = server.communicate(timeout=10)
            record["stopped"] = True
        except subprocess.TimeoutExpired:
            record["stopped"] = False
            server.kill()
            out, err = server.communicate()
        record.update(status=server.returncode, out=record["first_line"] + out, err=err)
        return record
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()


def test_the_server_prints_its_address_serves_the_page_and_stops_on_ctrl_c(served) -> None:
    assert served["first_line"].startswith(f"minigrad playground: http://127.0.0.1:"
                                           f"{served['port']}/")
    status, kind, body = served["sessions"]
    assert (status, kind) == (200, "application/json")
    assert json.loads(body)["sessions"] == 0
    if "page" not in served:
        pytest.skip("minigrad/playground/static/index.html is not there yet: page not checked")
    status, kind, body = served["page"]
    assert status == 200 and kind.startswith("text/html")
    assert b"<html" in body.lower()
    assert served["stopped"], "SIGINT did not stop the server within 10 s"
    assert "Traceback" not in served["err"]


def test_ctrl_c_is_a_normal_stop_with_exit_status_0(served) -> None:
    assert served["stopped"]
    assert served["status"] == 0, served["err"]
    assert "minigrad playground: stopped" in served["out"]
