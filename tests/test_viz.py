"""mg.viz: record(), trace_backward(), draw_graph(), render() and derivative()."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading

import numpy as np
import pytest
from optional import missing

import minigrad as mg
from minigrad import nn, ops
from minigrad.experiments import activation_settings
from minigrad.viz.arrays import compact


@pytest.fixture
def graphviz():  # type: ignore[no-untyped-def]
    """The graphviz Python package (the "viz" extra); required in CI, skipped locally."""
    try:
        import graphviz as module
    except ImportError:
        missing("the graphviz package", 'pip install "minigrad[viz]"')
    return module


def _net_221(seed: int = 0) -> nn.Sequential:
    mg.manual_seed(seed)
    return nn.Sequential(nn.Dense(2, 2), nn.Tanh(), nn.Dense(2, 1))


def _xor_loss(model: nn.Sequential) -> mg.Tensor:
    X, y = mg.data.make_xor()
    return nn.MSELoss()(model(X), y.reshape(-1, 1))


def _box_count(source: str) -> int:
    return len(re.findall(r"^\s*n\d+ \[", source, flags=re.MULTILINE))


# ------------------------------------------------------------------------------ record


def test_nothing_is_kept_by_default() -> None:
    x = mg.Tensor([1.0, -2.0], requires_grad=True)
    assert "_value" not in (x * 3)._node.__dict__


def test_record_keeps_values_only_inside() -> None:
    x = mg.Tensor([1.0, -2.0], requires_grad=True)
    with mg.viz.record():
        y = (x * 3).relu()
        with mg.viz.record():
            z = y + 1
        w = z * 2  # still inside the outer block after the inner one exits
    after = w * 2
    np.testing.assert_array_equal(y._node._value, [3.0, 0.0])
    np.testing.assert_array_equal(z._node._value, [4.0, 1.0])
    np.testing.assert_array_equal(w._node._value, [8.0, 2.0])
    assert "_value" not in after._node.__dict__


def test_record_is_a_decorator_and_per_thread() -> None:
    x = mg.Tensor([1.0], requires_grad=True)
    seen: dict[str, bool] = {}

    @mg.viz.record()
    def forward() -> mg.Tensor:
        other = threading.Thread(target=lambda: seen.update(other="_value" in
                                                            (x * 2)._node.__dict__))
        other.start()
        other.join()
        return x * 2

    assert "_value" in forward()._node.__dict__
    assert seen == {"other": False}
    assert "_value" not in (x * 2)._node.__dict__


def test_record_is_reachable_lazily() -> None:
    code = ("import sys, minigrad; assert 'minigrad.viz' not in sys.modules; "
            "assert 'graphviz' not in sys.modules; minigrad.viz.record; "
            "assert 'graphviz' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------------------ rules


class _Bare(nn.Layer):
    def forward(self, ctx, x):  # type: ignore[no-untyped-def,override]
        return x * 2.0

    def backward(self, ctx, dout):  # type: ignore[no-untyped-def]
        return dout * 2.0


class _Documented(nn.Layer):
    """Doubles its input."""

    def forward(self, ctx, x):  # type: ignore[no-untyped-def,override]
        return x * 2.0

    def backward(self, ctx, dout):  # type: ignore[no-untyped-def]
        return dout * 2.0


@pytest.mark.parametrize("fn, rule", [
    (nn.ReLU(), "dy/dx = 1 if x > 0 else 0."),
    (nn.Tanh(), "dy/dx = 1 - y**2 (from the saved output)."),
    (nn.Dense(2, 3), "dx = dout @ W.T; dW = x.T @ dout; db = dout.sum(axis=0)."),
    (nn.MSELoss(), 'dp = 2 (p - y), divided by the number of elements for "mean".'),
    (ops.Exp(), "d/dx = exp(x) = out."),
    (ops.Mul(), "d/dx = y, d/dy = x."),
    (_Bare(), "(no docstring)"),
    (_Documented(), "Doubles its input."),
])
def test_rule_is_the_docstrings_derivative_line(fn: object, rule: str) -> None:
    assert mg.viz.derivative_rule(fn) == rule


@pytest.mark.parametrize("name", nn.activation_names())
def test_every_activation_has_a_derivative_rule(name: str) -> None:
    rule = mg.viz.derivative_rule(nn.get_activation(name, **activation_settings(name)))
    assert rule != "(no docstring)" and ("d" in rule or "'" in rule)


# ------------------------------------------------------------------------------ trace


def test_trace_follows_the_engines_order() -> None:
    engine: list[object] = []
    _xor_loss(_net_221())._backward(None, False, lambda node, dout, grads: engine.append(
        getattr(node, "_fn", None).__class__))
    model = _net_221()
    params = dict(model.named_parameters())
    trace = mg.viz.trace_backward(_xor_loss(model), params=params)
    kinds = {"MSELoss": nn.MSELoss, "Dense": nn.Dense, "Tanh": nn.Tanh}
    assert [kinds.get(s.label.split("(")[0], type(None)) for s in trace.steps] == engine
    assert trace.steps[0].label == "MSELoss(reduction='mean')"
    assert trace.steps[0].upstream is not None and trace.steps[0].upstream.shape == ()
    assert trace.steps[-1].kind == "leaf"
    assert sorted(s.label for s in trace.steps if s.kind == "leaf") == sorted(params)
    # The steps are linked: what a node sends is what its parent receives (one consumer).
    by_node = {s.node: s for s in trace.steps}
    dense = trace.steps[1]
    assert dense.inputs == ("x", "W", "b")
    for grad, parent in zip(dense.sent, dense.parents):
        np.testing.assert_array_equal(grad, by_node[parent].upstream)
    first = next(s for s in trace.steps if s.label.startswith("Dense(in_features=2, out"
                                                               "_features=2"))
    assert first.sent[0] is None and first.parents[0] is None  # the data batch


def test_trace_keeps_copies_and_values_when_recorded() -> None:
    model = _net_221()
    with mg.viz.record():
        loss = _xor_loss(model)
    trace = mg.viz.trace_backward(loss)
    assert trace.steps[0].value == loss.data
    assert all(s.value is not None for s in trace.steps)
    leaf = next(s for s in trace.steps if s.kind == "leaf")
    assert leaf.label == "leaf"  # Parameters without params= names
    model[0].W.grad[...] = 123.0  # the trace holds copies
    assert not any(np.any(s.upstream == 123.0) for s in trace.steps if s.upstream is not None)
    plain = mg.viz.trace_backward(_xor_loss(_net_221()))
    assert plain.steps[1].value is None  # not recorded


def test_table_and_html_show_every_step() -> None:
    model = _net_221()
    trace = mg.viz.trace_backward(_xor_loss(model), params=dict(model.named_parameters()))
    table = trace.table()
    flat = " ".join(table.split())
    for step in trace.steps:
        assert step.label in table
    assert "dy/dx = 1 - y**2" in flat and "accumulated into .grad" in flat
    assert re.search(r"\[-?\d[^\]]*, \.\.\.\] \(4, 2\)", flat)  # compact arrays
    assert str(trace) == table
    page = trace._repr_html_()
    assert page.startswith("<table>") and page.endswith("</table>")
    assert page.count("<tr>") == len(trace.steps) + 1
    assert "Tanh()" in page and "MSELoss(reduction=&#x27;mean&#x27;)" in page


def test_compact_arrays() -> None:
    assert compact(np.array([[0.25, -0.1, 3, 4], [5, 6, 7, 8]])) == "[0.25, -0.1, 3, ...] (2, 4)"
    assert compact(np.array(2.5)) == "2.5"
    assert compact(np.zeros(2), 6, "…", with_shape=False) == "[0, 0]"
    assert compact(None) == "none"


def _same_grads(build, forward) -> None:  # type: ignore[no-untyped-def]
    grads = []
    for traced in (False, True):
        model = build()
        X = mg.Tensor(np.random.default_rng(1).normal(size=(5, 3)), requires_grad=True)
        loss = forward(model, X)
        if traced:
            trace = mg.viz.trace_backward(loss)
            assert trace.steps
        else:
            loss.backward()
        grads.append([X.grad] + [p.grad for p in model.parameters()])
    for plain, traced_grad in zip(*grads):
        assert plain is not None and np.array_equal(plain, traced_grad)


@pytest.mark.parametrize("name", nn.activation_names())
def test_traced_grads_are_bit_identical_for_every_activation(name: str) -> None:
    def build() -> nn.Sequential:
        mg.manual_seed(0)
        return nn.Sequential(nn.Dense(3, 4), nn.get_activation(name, **activation_settings(
            name)), nn.Dense(4, 2))

    target = np.random.default_rng(2).normal(size=(5, 2))
    _same_grads(build, lambda model, X: nn.MSELoss()(model(X), target))


_rng = np.random.default_rng(3)
_LOSSES = {
    "MSELoss": (None, _rng.normal(size=(5, 2))),
    "L1Loss": (None, _rng.normal(size=(5, 2))),
    "HuberLoss": (None, _rng.normal(size=(5, 2))),
    "BCELoss": (nn.Sigmoid, _rng.integers(0, 2, size=(5, 2)).astype(float)),
    "BCEWithLogitsLoss": (None, _rng.integers(0, 2, size=(5, 2)).astype(float)),
    "CrossEntropyLoss": (None, _rng.integers(0, 2, size=5)),
    "NLLLoss": (nn.LogSoftmax, _rng.integers(0, 2, size=5)),
    "SmoothL1Loss": (None, _rng.normal(size=(5, 2))),
    "KLDivLoss": (nn.LogSoftmax, _rng.dirichlet(np.ones(2), size=5)),
}


def test_the_loss_table_covers_every_loss() -> None:
    assert set(_LOSSES) == {name for name in nn.__all__ if name.endswith("Loss")}


@pytest.mark.parametrize("name", sorted(_LOSSES))
def test_traced_grads_are_bit_identical_for_every_loss(name: str) -> None:
    last, target = _LOSSES[name]

    def build() -> nn.Sequential:
        mg.manual_seed(0)
        layers = [nn.Dense(3, 4), nn.Tanh(), nn.Dense(4, 2)]
        return nn.Sequential(*layers, *([last()] if last else []))

    _same_grads(build, lambda model, X: getattr(nn, name)()(model(X), target))


def test_trace_with_an_explicit_gradient_and_shared_input() -> None:
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    trace = mg.viz.trace_backward(x * x + x, gradient=[1.0, 0.5])
    np.testing.assert_array_equal(x.grad, [3.0, 2.5])
    assert [s.label for s in trace.steps] == ["Add", "Mul", "input"]
    np.testing.assert_array_equal(trace.steps[-1].upstream, [3.0, 2.5])


# ------------------------------------------------------------------------------ draw


def test_draw_graph_of_a_recorded_tensor(graphviz) -> None:  # type: ignore[no-untyped-def]
    model = _net_221()
    params = dict(model.named_parameters())
    with mg.viz.record():
        loss = _xor_loss(model)
    dot = mg.viz.draw_graph(loss, params=params)
    assert isinstance(dot, graphviz.Digraph)
    source = dot.source
    for label in ("MSELoss(reduction=&#x27;mean&#x27;)", "Tanh()",
                  "Dense(in_features=2, out_features=2, bias=True)", *params):
        assert label in source
    assert "shape (4, 2)" in source and "shape scalar" in source
    assert f"value {compact(loss.data)}" in source
    assert "grad ?" in source  # no backward yet
    assert _box_count(source) == 8  # 4 calls, 4 parameters
    assert 'label=W' in source and "label=b" in source  # Dense's inputs are named
    assert '"x\\n(no grad)"' in source and '"target\\n(no grad)"' in source

    loss.backward(retain_graph=True)
    source = mg.viz.draw_graph(loss, params=params, max_elements=2).source
    assert f"grad {compact(model[0].W.grad, 2, '…', with_shape=False)}" in source
    loss.backward()
    with pytest.raises(RuntimeError, match="freed by backward"):
        mg.viz.draw_graph(loss)


def test_draw_graph_without_record_and_options(graphviz) -> None:  # type: ignore[no-untyped-def]
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    source = mg.viz.draw_graph((x * 2).sum(), show_grad=False).source
    assert "value ?" in source and "not recorded" in source and ">grad " not in source
    assert "input" in source and "rankdir=LR" in source
    with pytest.raises(ValueError, match="no graph"):
        mg.viz.draw_graph(mg.Tensor([1.0]))
    with pytest.raises(TypeError, match="Tensor or a BackwardTrace"):
        mg.viz.draw_graph(np.ones(2))  # type: ignore[arg-type]


def test_draw_graph_of_a_trace_shows_every_gradient(graphviz) -> None:  # type: ignore[no-untyped-def]
    model = _net_221()
    params = dict(model.named_parameters())
    with mg.viz.record():
        loss = _xor_loss(model)
    trace = mg.viz.trace_backward(loss)
    source = mg.viz.draw_graph(trace, params=params).source
    for step in trace.steps:
        assert f"grad {compact(step.upstream, 6, '…', with_shape=False)}" in source
        assert f"value {compact(step.value, 6, '…', with_shape=False)}" in source
    for name in params:
        assert f"<B>{name}</B>" in source
    assert "?" not in source


def test_long_chains_are_collapsed(graphviz) -> None:  # type: ignore[no-untyped-def]
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(1000):
        y = y * 1.001
    source = mg.viz.draw_graph(y.sum(), params={"x": x}).source
    assert _box_count(source) < 10
    assert "Mul ×1000 (chain collapsed)" in source and "collapsed into one box" in source
    small = x
    for _ in range(20):
        small = small * 1.001
    assert "collapsed" not in mg.viz.draw_graph(small).source  # small graphs stay whole
    with mg.viz.record():
        z = x
        for _ in range(1000):
            z = z.tanh()
    trace = mg.viz.trace_backward(z.sum())
    source = mg.viz.draw_graph(trace).source
    assert _box_count(source) < 10 and "Tanh ×1000 (chain collapsed)" in source


def test_missing_graphviz_package_says_how_to_install(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(sys.modules, "graphviz", None)
    x = mg.Tensor([1.0], requires_grad=True)
    with pytest.raises(ImportError, match=re.escape('pip install "minigrad[viz]"')):
        mg.viz.draw_graph(x * 2)


def test_render_without_dot_says_how_to_install(graphviz, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    dot = mg.viz.draw_graph(mg.Tensor([1.0], requires_grad=True) * 2)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        mg.viz.render(dot, tmp_path / "graph.png")


def test_render_png(graphviz, tmp_path) -> None:  # type: ignore[no-untyped-def]
    if shutil.which("dot") is None:
        missing("Graphviz's dot", "apt-get install graphviz")
    model = _net_221()
    with mg.viz.record():
        loss = _xor_loss(model)
    trace = mg.viz.trace_backward(loss)
    dot = mg.viz.draw_graph(trace, params=dict(model.named_parameters()))
    path = mg.viz.render(dot, tmp_path / "graph.png")
    assert path == str(tmp_path / "graph.png")
    with open(path, "rb") as file:
        assert file.read(8) == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.png"]


# ------------------------------------------------------------------------------ derivative


def test_derivative_at_kinks_and_known_values() -> None:
    np.testing.assert_array_equal(mg.viz.derivative("relu", [-1.0, 0.0, 2.0]), [0, 0, 1])
    np.testing.assert_array_equal(mg.viz.derivative("leaky_relu", [-2.0, 0.0, 3.0]),
                                  [0.1, 0.1, 1.0])
    np.testing.assert_array_equal(mg.viz.derivative(nn.LeakyReLU(alpha=0.2), [0.0, 1.0]),
                                  [0.2, 1.0])
    np.testing.assert_array_equal(mg.viz.derivative("leaky_relu", [-1.0], alpha=0.3), [0.3])
    x = np.array([-30.0, -2.0, 0.0, 2.0, 30.0])
    s = 1.0 / (1.0 + np.exp(-x))
    np.testing.assert_allclose(mg.viz.derivative("sigmoid", mg.Tensor(x)), s * (1 - s),
                               rtol=1e-12, atol=0)
    assert mg.viz.derivative("sigmoid", 0.0) == 0.25
    np.testing.assert_array_equal(mg.viz.derivative("threshold", [0.5, 2.0],
                                                    **activation_settings("threshold")),
                                  [0.0, 1.0])


@pytest.mark.parametrize("name", ["softmax", "softmin", "log_softmax"])
def test_derivative_of_softmax_explains_the_jacobian(name: str) -> None:
    with pytest.raises(ValueError, match="Jacobian") as error:
        mg.viz.derivative(name, [[1.0, 2.0]])
    assert "backward(ctx, v)" in str(error.value)
    with pytest.raises(TypeError, match="activation Layer"):
        mg.viz.derivative(ops.Exp(), [1.0])  # type: ignore[arg-type]
