"""Resources: memory stays flat over long training, graphs are freed by reference counting
alone (for every layer and loss), and a 100,000-deep graph of layers backprops and frees."""

from __future__ import annotations

import gc
import sys
import tracemalloc
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.autograd import LeafNode, Node

# Growth allowed between step 100 and step 1000: far below what keeping anything per step
# (a graph, a batch, a gradient) would add over 900 steps.
FLAT_BYTES = 32 * 1024


def classifier() -> nn.Sequential:
    return nn.Sequential(nn.Dense(8, 32, rng=0), nn.BatchNorm1d(32), nn.ReLU(),
                         nn.Dropout(0.2, rng=1), nn.Dense(32, 32, rng=2), nn.Tanh(),
                         nn.Dense(32, 3, rng=3))


def data(n: int = 64) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 8)), rng.integers(0, 3, n)


def _collect() -> None:
    """Collect, then freeze what survived: the suite's long-lived objects (hypothesis's,
    earlier modules', torch's) are not rescanned by every later collection."""
    gc.collect()
    gc.freeze()


@pytest.fixture
def traced() -> Iterator[None]:
    _collect()
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


def test_a_thousand_training_steps_keep_memory_flat(traced: None):
    X, y = data()
    model, loss_fn = classifier(), nn.CrossEntropyLoss()
    opt = optim.Adam(model.parameters(), lr=1e-3)

    def step(i: int) -> None:
        batch = slice(i * 8 % 64, i * 8 % 64 + 8)
        loss = loss_fn(model(X[batch]), y[batch])
        opt.zero_grad()
        loss.backward()
        opt.step()

    for i in range(100):
        step(i)
    current_100, peak_100 = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    for i in range(100, 1000):
        step(i)
    current_1000, peak_1000 = tracemalloc.get_traced_memory()
    assert current_1000 - current_100 < FLAT_BYTES
    assert peak_1000 - peak_100 < FLAT_BYTES


def test_a_thousand_steps_of_fit_keep_memory_flat(traced: None):
    X, y = data(400)  # 50 batches of 8 per epoch: 20 epochs are 1,000 steps
    model = classifier()
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    seen: dict[int, tuple[int, int]] = {}

    class Meter(mg.Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, float], fit_state: Any) -> None:
            seen[epoch] = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()

    history = mg.fit(model, X, y, loss=nn.CrossEntropyLoss(), optimizer=opt, epochs=20,
                     batch_size=8, validation_data=(X[:40], y[:40]), verbose=0, rng=0,
                     callbacks=[Meter()])
    assert history.epochs == 20
    current_100, peak_epoch_2 = seen[1]
    current_1000, peak_epoch_20 = seen[19]
    # The history itself grows by a few numbers per epoch; nothing else may.
    assert current_1000 - current_100 < FLAT_BYTES
    assert peak_epoch_20 - peak_epoch_2 < FLAT_BYTES


@pytest.fixture
def gc_off() -> Iterator[None]:
    """Only reference counting may free: the cycle collector is off for the test."""
    _collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _activation(name: str) -> nn.Layer:
    if name == "threshold":
        return nn.get_activation(name, threshold=0.1, value=-1.0)
    return nn.get_activation(name)


def _graph_nodes(root: Any) -> list[weakref.ref]:
    """Weak references to every recorded node (and leaf node) under ``root``."""
    refs, stack, seen = [], [root], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        refs.append(weakref.ref(node))
        if isinstance(node, Node):
            stack.extend(node._parents)
    return refs


X4 = np.array([[0.7, -1.2, 2.5, -0.3], [1.1, 0.4, -2.2, 0.9], [-0.6, 1.8, 0.2, -1.4]])

# name -> a function of a Tensor of shape (3, 4) that requires grad, returning a scalar
GRAPHS: dict[str, Callable[[mg.Tensor], mg.Tensor]] = {
    **{f"activation {name}": (lambda a: lambda x: _activation(a)(x).sum())(name)
       for name in nn.activation_names()},
    "Dense": lambda x: nn.Dense(4, 2, rng=0)(x).sum(),
    "BatchNorm1d training": lambda x: nn.BatchNorm1d(4)(x).sum(),
    "BatchNorm1d eval": lambda x: nn.BatchNorm1d(4).eval()(x).sum(),
    "Dropout training": lambda x: nn.Dropout(0.5, rng=0)(x).sum(),
    "MSELoss": lambda x: nn.MSELoss()(x, np.zeros((3, 4))),
    "L1Loss": lambda x: nn.L1Loss()(x, np.zeros((3, 4))),
    "HuberLoss": lambda x: nn.HuberLoss()(x, np.zeros((3, 4))),
    "BCELoss": lambda x: nn.BCELoss()(x.sigmoid(), np.ones((3, 4))),
    "BCEWithLogitsLoss": lambda x: nn.BCEWithLogitsLoss(pos_weight=np.ones(4))(x, np.ones((3, 4))),
    "CrossEntropyLoss": lambda x: nn.CrossEntropyLoss()(x, np.array([0, 3, 1])),
    "CrossEntropyLoss soft": lambda x: nn.CrossEntropyLoss(label_smoothing=0.1)(
        x, np.full((3, 4), 0.25)),
    "NLLLoss": lambda x: nn.NLLLoss()(nn.LogSoftmax()(x), np.array([0, 3, 1])),
    "model and loss": lambda x: nn.CrossEntropyLoss()(
        nn.Sequential(nn.Dense(4, 5, rng=0), nn.BatchNorm1d(5), nn.GELU(), nn.Dropout(0.3, rng=0),
                      nn.Dense(5, 3, rng=1), nn.PReLU(3))(x), np.array([0, 2, 1])),
}


@pytest.mark.parametrize("name", list(GRAPHS))
def test_graph_is_freed_as_soon_as_its_output_is_dropped(name: str, gc_off: None):
    x = mg.Tensor(X4, requires_grad=True)
    out = GRAPHS[name](x)
    refs = _graph_nodes(out._node)
    assert any(isinstance(r(), Node) for r in refs)
    out_ref = weakref.ref(out)
    del out
    assert out_ref() is None
    alive = [type(r()).__name__ for r in refs if r() is not None and not isinstance(r(), LeafNode)]
    assert alive == [], f"still alive after the output was dropped: {alive}"
    assert x.grad is None


@pytest.mark.parametrize("name", list(GRAPHS))
def test_graph_is_freed_by_backward_while_the_output_lives(name: str, gc_off: None):
    x = mg.Tensor(X4, requires_grad=True)
    out = GRAPHS[name](x)
    refs = _graph_nodes(out._node)
    out.backward()
    assert x.grad is not None and np.isfinite(x.grad).all()
    root = out._node
    inner = [r for r in refs if r() is not None and r() is not root
             and not isinstance(r(), LeafNode)]
    assert inner == [], "backward left inner nodes alive"
    # The root keeps nothing of what forward saved, and no link to its inputs.
    assert vars(root) == {} and root._parents == ()


def test_a_hundred_thousand_layer_calls_backprop_and_free(gc_off: None):
    assert sys.getrecursionlimit() < 100_000
    x = mg.Tensor(np.linspace(0.5, 2.0, 4), requires_grad=True)
    layer = nn.LeakyReLU()  # the identity on positive values: the gradient stays exactly 1
    out = x
    refs = []
    for i in range(100_000):
        out = layer(out)
        if i % 997 == 0:
            refs.append(weakref.ref(out._node))
    total = out.sum()
    del out
    total.backward()
    np.testing.assert_array_equal(x.grad, np.ones(4))
    assert all(r() is None for r in refs)  # freed during backward, by reference counting

    # The same depth, dropped without backward: freed at once, without a recursion error.
    chain = x
    for _ in range(100_000):
        chain = layer(chain)
    last = weakref.ref(chain._node)
    del chain
    assert last() is None
