"""The engine: classic graph traps, accumulation, graph freeing, memory, grad modes,
custom Functions and anomaly detection."""

from __future__ import annotations

import gc
import inspect
import os
import re
import sys
import threading
import time
import weakref
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad import nn
from minigrad.autograd import LeafNode, Node


def leaf(data: Any) -> mg.Tensor:
    return mg.Tensor(data, requires_grad=True)


class Cube(mg.Function):
    """x ** 3, a ten-line custom op: what backward needs goes on ctx."""

    def forward(self, ctx: mg.Context, x: np.ndarray) -> np.ndarray:
        ctx.x = x
        return x**3

    def backward(self, ctx: mg.Context, dout: np.ndarray) -> np.ndarray:
        return dout * 3.0 * ctx.x**2


class Spy(mg.Function):
    """Identity that keeps each dout it receives and a copy of it (to catch in-place edits)."""

    def __init__(self) -> None:
        self.received: list[tuple[np.ndarray, np.ndarray]] = []

    def forward(self, ctx: mg.Context, x: np.ndarray) -> np.ndarray:
        return x

    def backward(self, ctx: mg.Context, dout: np.ndarray) -> np.ndarray:
        self.received.append((dout, dout.copy()))
        return dout


# --------------------------------------------------------------------------- classic traps


def test_x_plus_x():
    x = leaf([1.0, -2.0])
    (x + x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_diamond_b_equals_a_plus_a_then_c_equals_b_plus_b():
    a = leaf([3.0])
    b = a + a
    c = b + b
    c.backward()
    np.testing.assert_array_equal(a.grad, [4.0])


def test_x_times_x():
    x = leaf([3.0, -1.5])
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, -3.0])


def test_deep_diamond_counts_every_path():
    x = leaf(1.0)
    y = x
    for _ in range(20):
        y = y + y  # 2 ** 20 paths from y to x
    y.backward()
    assert x.grad == 2.0**20


def test_one_function_object_used_twice_in_one_graph():
    cube = Cube()
    x = leaf([0.5, -1.2, 2.0])
    y = cube(cube(x))  # x ** 9
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 9.0 * x.data**8)
    assert mg.gradcheck(lambda t: cube(cube(t) + t), leaf([0.5, -1.2, 2.0]))


def test_one_layer_used_twice_shares_its_weights():
    layer = nn.Dense(3, 3, rng=0)
    x = np.random.default_rng(1).standard_normal((4, 3))
    out = layer(layer(x)).sum()
    out.backward()
    W, b = layer.W.data, layer.b.data
    # Reference: the same two-step computation written with Tensor ops on fresh leaves.
    W_ref, b_ref = leaf(W), leaf(b)
    ((mg.Tensor(x) @ W_ref + b_ref) @ W_ref + b_ref).sum().backward()
    np.testing.assert_allclose(layer.W.grad, W_ref.grad, rtol=1e-12)
    np.testing.assert_allclose(layer.b.grad, b_ref.grad, rtol=1e-12)
    assert mg.gradcheck(lambda t: layer(layer(t)), leaf(x))


def test_branches_do_not_alias_their_gradients():
    x = leaf([1.0, 2.0])
    y = x * 1.0
    z = y + y
    z.backward(np.array([1.0, 1.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])

    # Add hands the very same dout array to both of its inputs: the two leaves must still
    # get arrays of their own.
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    upstream = np.array([1.0, 1.0])
    (a + b).backward(upstream)
    assert a.grad is not b.grad
    assert not np.shares_memory(a.grad, b.grad)
    assert not np.shares_memory(a.grad, upstream)
    a.grad *= 10.0
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    upstream[:] = -5.0
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


def test_retained_intermediate_and_leaf_do_not_share_a_gradient():
    x = leaf([1.0, 2.0])
    y = x + 0.0
    y.retain_grad()
    (y + 0.0).backward(np.array([1.0, 1.0]))
    assert not np.shares_memory(x.grad, y.grad)
    y.grad[:] = 7.0
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


def test_view_shaped_gradients_are_writable_copies():
    # sum/reshape/transpose/broadcast backward return read-only or view arrays.
    x = leaf(np.ones((2, 3)))
    (x.T.reshape(6)[:5].sum() + x.broadcast_to((4, 2, 3)).sum()).backward()
    assert x.grad.flags.writeable and x.grad.flags.owndata
    x.grad += 1.0


def test_backward_never_mutates_a_gradient_it_handed_out():
    spy_a, spy_b = Spy(), Spy()
    x = leaf([1.0, 2.0, 3.0])
    y = spy_a(x) * 2.0 + spy_b(x)
    z = y + y
    z.backward(np.array([1.0, -1.0, 0.5]))
    for spy in (spy_a, spy_b):
        for seen, copy in spy.received:
            np.testing.assert_array_equal(seen, copy)
    np.testing.assert_array_equal(x.grad, 6.0 * np.array([1.0, -1.0, 0.5]))


def test_hundred_thousand_op_chain_backprops_under_the_default_recursion_limit():
    assert sys.getrecursionlimit() < 100_000
    x = leaf(np.ones(4))
    c = x
    for _ in range(100_000):
        c = c * 1.0
    c.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones(4))


def test_dropping_a_deep_unbackpropagated_chain_does_not_crash():
    x = leaf(1.0)
    c = x
    for _ in range(100_000):
        c = c + 1.0
    del c  # freeing 100,000 nested nodes must not overflow the C stack
    assert x.grad is None


# --------------------------------------------------------------------------- accumulation


def test_repeated_backward_on_rebuilt_graphs_accumulates_until_reset():
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    first = x.grad
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])
    np.testing.assert_array_equal(first, [2.0, 4.0])  # accumulated out of place
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_retain_graph_allows_a_second_backward_that_accumulates():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    once = x.grad.copy()
    y.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad, 2.0 * once)
    y.backward()
    np.testing.assert_allclose(x.grad, 3.0 * once)
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_second_backward_through_a_freed_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x * 2.0).exp()
    loss = y.sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        loss.backward()
    # Another output that shares the freed part of the graph cannot use it either.
    with pytest.raises(RuntimeError, match="retain_graph"):
        (y * 3.0).sum().backward()


def test_backward_that_reaches_a_freed_part_changes_no_gradient():
    # The new branch's own parameter comes before the freed part in backward's order; the
    # error must still leave every .grad as it was, not half-accumulated.
    x = leaf([1.0, 2.0])
    y = (x * 2.0).exp()
    y.sum().backward()
    before = x.grad.copy()
    w = leaf([3.0, 4.0])
    with pytest.raises(RuntimeError, match="retain_graph"):
        (y * w).sum().backward()
    np.testing.assert_array_equal(x.grad, before)
    assert w.grad is None


def test_three_branch_sum_matches_pytorch_bit_for_bit(torch):  # type: ignore[no-untyped-def]
    # With three or more contributions the order of the sum shows in the last bits.
    # Backward runs the calls newest first, as PyTorch does, so the sums agree exactly.
    rng = np.random.default_rng(7)
    values = [rng.standard_normal(64) * 10.0 ** rng.integers(-8, 8, 64) for _ in range(4)]
    x = leaf(values[0])
    xt = torch.tensor(values[0], requires_grad=True)
    for framework, t in ((mg, x), (torch, xt)):
        factors = [framework.tensor(v) if framework is torch else mg.Tensor(v)
                   for v in values[1:]]
        total = t * factors[0] + t * factors[1] + t * factors[2]
        total.sum().backward()
    assert not np.array_equal((values[1] + values[2]) + values[3],
                              (values[3] + values[2]) + values[1])  # the order matters here
    np.testing.assert_array_equal(x.grad, xt.grad.numpy())


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_random_graphs_match_a_plain_recursive_backward(data: st.DataObject):
    # Random DAGs of binary and unary ops, any operand reused any number of times, branches
    # of different lengths: the engine's one-pass order against the textbook definition
    # (the gradient of every path, summed).
    n_leaves = data.draw(st.integers(1, 3))
    values = [np.array(data.draw(st.lists(st.floats(-2, 2), min_size=3, max_size=3)))
              for _ in range(n_leaves)]
    leaves = [leaf(v) for v in values]
    nodes: list[Any] = list(leaves)
    recipe: list[tuple[str, int, int]] = []
    for _ in range(data.draw(st.integers(1, 12))):
        kind = data.draw(st.sampled_from(["add", "mul", "tanh", "sub"]))
        i = data.draw(st.integers(0, len(nodes) - 1))
        j = data.draw(st.integers(0, len(nodes) - 1))
        a, b = nodes[i], nodes[j]
        nodes.append(a + b if kind == "add" else a * b if kind == "mul"
                     else a - b if kind == "sub" else a.tanh())
        recipe.append((kind, i, j))
    out = data.draw(st.integers(n_leaves, len(nodes) - 1))
    nodes[out].sum().backward()

    def grads(index: int, upstream: np.ndarray, acc: list[np.ndarray]) -> None:
        if index < n_leaves:
            acc[index] = acc[index] + upstream
            return
        kind, i, j = recipe[index - n_leaves]
        a, b = arrays[i], arrays[j]
        if kind == "tanh":
            grads(i, upstream * (1.0 - np.tanh(a) ** 2), acc)
        elif kind == "mul":
            grads(i, upstream * b, acc)
            grads(j, upstream * a, acc)
        else:
            grads(i, upstream, acc)
            grads(j, upstream if kind == "add" else -upstream, acc)

    arrays = [t.data for t in nodes]
    expected = [np.zeros(3) for _ in leaves]
    grads(out, np.ones(3), expected)
    reached = _reaches(out, n_leaves, recipe)
    for index, t in enumerate(leaves):
        if index in reached:
            np.testing.assert_allclose(t.grad, expected[index], rtol=1e-12, atol=1e-12)
        else:
            assert t.grad is None


def _reaches(index: int, n_leaves: int, recipe: list[tuple[str, int, int]]) -> set[int]:
    """The leaves the result ``index`` depends on."""
    if index < n_leaves:
        return {index}
    kind, i, j = recipe[index - n_leaves]
    found = _reaches(i, n_leaves, recipe)
    return found if kind == "tanh" else found | _reaches(j, n_leaves, recipe)


def test_module_zero_grad_resets_accumulation():
    layer = nn.Dense(2, 2, rng=0)
    x = np.ones((3, 2))
    layer(x).sum().backward()
    first = layer.W.grad.copy()
    layer(x).sum().backward()
    np.testing.assert_allclose(layer.W.grad, 2 * first)
    layer.zero_grad()
    assert layer.W.grad is None and layer.b.grad is None
    layer(x).sum().backward()
    np.testing.assert_allclose(layer.W.grad, first)


# --------------------------------------------------------------------------- backward API


def test_non_scalar_output_needs_a_gradient_of_its_shape():
    x = leaf(np.ones((2, 3)))
    y = x * 2.0
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\).*gradient"):
        y.backward()
    with pytest.raises(ValueError, match=r"expected a gradient of shape \(2, 3\), got \(3,\)"):
        y.backward(np.ones(3))
    with pytest.raises(ValueError, match=r"expected a gradient of shape \(2, 3\), got \(3, 2\)"):
        y.backward(np.ones((3, 2)))
    y.backward(np.full((2, 3), 0.5))
    np.testing.assert_array_equal(x.grad, np.ones((2, 3)))


def test_one_element_outputs_get_the_implicit_gradient():
    x = leaf([[2.0]])
    (x * 3.0).backward()
    np.testing.assert_array_equal(x.grad, [[3.0]])


def test_backward_on_a_leaf_sets_its_own_gradient():
    x = leaf([1.0, 2.0])
    g = np.array([3.0, 4.0])
    x.backward(g)
    np.testing.assert_array_equal(x.grad, g)
    assert not np.shares_memory(x.grad, g)


def test_backward_on_a_tensor_that_requires_no_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.Tensor([1.0]).sum().backward()
    with mg.no_grad():
        y = leaf([1.0]) * 2.0
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_backward_gradient_may_be_a_tensor_or_list_and_keeps_output_dtype():
    x = leaf(np.ones(2, np.float32))
    y = x * 2.0
    y.backward(mg.Tensor([1.0, 1.0]))
    y2 = x * 2.0
    y2.backward([1.0, 1.0])
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [4.0, 4.0])


def test_leaves_get_grad_intermediates_only_with_retain_grad():
    x = leaf([1.0, 2.0])
    y = x * 3.0
    z = y * y
    kept = y * 1.0
    kept.retain_grad()
    (z.sum() + kept.sum()).backward()
    assert y.grad is None and z.grad is None
    np.testing.assert_array_equal(kept.grad, [1.0, 1.0])
    np.testing.assert_array_equal(x.grad, 3.0 * (2.0 * y.data) + 3.0)
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.Tensor([1.0]).retain_grad()


def test_inputs_that_do_not_require_grad_get_none():
    x = leaf([1.0, 2.0])
    c = mg.Tensor([3.0, 4.0])
    (x * c + c).sum().backward()
    assert c.grad is None
    np.testing.assert_array_equal(x.grad, c.data)


def test_is_leaf_and_grad_fn():
    x = leaf([1.0])
    y = x * 2.0
    assert x.is_leaf and x.grad_fn is None
    assert not y.is_leaf and y.grad_fn.op_name == "Mul"


# --------------------------------------------------------------------------- grad modes


def test_no_grad_as_context_manager_records_nothing():
    x = leaf([1.0])
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        y = x * 2.0
        z = Cube()(x)
    assert mg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert not z.requires_grad


def test_no_grad_as_decorator_and_restored_after_an_exception():
    @mg.no_grad()
    def step(t: mg.Tensor) -> mg.Tensor:
        assert not mg.is_grad_enabled()
        return t * 2.0

    assert not step(leaf([1.0])).requires_grad
    assert mg.is_grad_enabled()
    with pytest.raises(ZeroDivisionError), mg.no_grad():
        raise ZeroDivisionError
    assert mg.is_grad_enabled()


def test_set_grad_enabled_and_enable_grad_nest():
    x = leaf([1.0])
    with mg.set_grad_enabled(False):
        assert not (x * 2.0).requires_grad
        with mg.enable_grad():
            assert (x * 2.0).requires_grad
        with mg.set_grad_enabled(True):
            assert mg.is_grad_enabled()
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()

    @mg.set_grad_enabled(False)
    def off() -> bool:
        return mg.is_grad_enabled()

    assert off() is False and mg.is_grad_enabled()


def test_no_grad_is_per_thread():
    inside = threading.Event()
    checked = threading.Event()
    seen: dict[str, bool] = {}

    def worker() -> None:
        with mg.no_grad():
            inside.set()
            checked.wait(5)
            seen["worker"] = mg.is_grad_enabled()

    thread = threading.Thread(target=worker)
    thread.start()
    assert inside.wait(5)
    try:
        seen["main"] = mg.is_grad_enabled()
        seen["main records"] = (leaf([1.0]) * 2.0).requires_grad
    finally:
        checked.set()
        thread.join(5)
    assert seen == {"main": True, "main records": True, "worker": False}


def test_one_decorated_function_in_two_threads_keeps_each_threads_mode():
    # Thread A (grad on) and thread B (inside its own no_grad) run the same decorated
    # function at once; A leaves it first. Each must get back its own previous mode.
    a_inside, b_inside, a_done = threading.Event(), threading.Event(), threading.Event()
    result: dict[str, bool] = {}

    @mg.no_grad()
    def work(signal: threading.Event, wait_for: threading.Event) -> None:
        signal.set()
        wait_for.wait(5)

    def thread_a() -> None:
        work(a_inside, b_inside)  # enter first, leave once B is inside too
        result["a"] = mg.is_grad_enabled()
        a_done.set()

    def thread_b() -> None:
        a_inside.wait(5)
        with mg.no_grad():
            work(b_inside, a_done)  # enter second, leave after A has left
            result["b inside its block"] = mg.is_grad_enabled()
        result["b"] = mg.is_grad_enabled()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert result == {"a": True, "b inside its block": False, "b": True}


def test_grad_mode_barrier_many_threads():
    barrier = threading.Barrier(4)
    modes: list[bool] = []
    lock = threading.Lock()

    def worker(disable: bool) -> None:
        with mg.set_grad_enabled(not disable):
            barrier.wait(5)
            y = leaf([1.0]) * 2.0
            barrier.wait(5)
            with lock:
                modes.append(y.requires_grad == (not disable))

    threads = [threading.Thread(target=worker, args=(i % 2 == 0,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert modes == [True] * 4


# The per-op hot path skips the per-thread reads while every thread is in the default mode
# (grad_mode.all_default). These check that the shortcut never hides a mode.

_MODES = {
    "no_grad": mg.no_grad,
    "enable_grad": mg.enable_grad,
    "grad off": lambda: mg.set_grad_enabled(False),
    "anomaly": mg.detect_anomaly,
    "record": lambda: mg.viz.record(),
}


def _behaviour() -> tuple[bool, bool, bool]:
    """What an op does now in this thread: records, checks anomalies, keeps its value."""
    y = leaf([1.0]) * 2.0
    recorded = y.requires_grad
    kept = recorded and "_value" in y._node.__dict__
    with np.errstate(divide="ignore"):
        try:
            mg.Tensor([0.0]).log()
            checked = False
        except mg.AnomalyError:
            checked = True
    return recorded, checked, kept


@given(st.lists(st.sampled_from(sorted(_MODES)), max_size=5))
@settings(max_examples=60, deadline=None)
def test_nested_modes_are_seen_by_every_op_and_undone_on_exit(names: list[str]) -> None:
    import contextlib

    from minigrad import grad_mode

    enabled, anomaly, record = True, False, False
    with contextlib.ExitStack() as stack:
        for name in names:
            stack.enter_context(_MODES[name]())
            if name in ("no_grad", "grad off"):
                enabled = False
            elif name == "enable_grad":
                enabled = True
            elif name == "anomaly":
                anomaly = True
            else:
                record = True
            assert _behaviour() == (enabled, anomaly, enabled and record)
            assert grad_mode.all_default == (enabled and not anomaly and not record)
    assert grad_mode.all_default and _behaviour() == (True, False, False)


def test_a_thread_that_never_leaves_its_mode_costs_speed_not_correctness() -> None:
    from minigrad import grad_mode

    def worker() -> None:
        mg.no_grad().__enter__()  # the thread ends inside no_grad

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(5)
    try:
        assert not grad_mode.all_default  # every op now reads its thread's mode
        assert _behaviour() == (True, False, False)
        with mg.no_grad():
            assert _behaviour() == (False, False, False)
        assert _behaviour() == (True, False, False)
    finally:
        grad_mode._count_departure(-1)  # forget the ended thread, for the other tests
    assert grad_mode.all_default


# --------------------------------------------------------------------------- memory


@pytest.fixture
def gc_disabled() -> Any:
    """The cycle collector off for the test, so only reference counting can free."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_intermediates_are_freed_by_reference_counting_alone(gc_disabled):
    x = leaf(np.ones(1000))
    y = x * 2.0  # Mul saves no array of y's for this graph (2.0 is a constant)
    z = y.exp()  # Exp saves its output for backward
    loss = z.sum()
    y_ref, y_data, z_ref, z_data = (weakref.ref(y), weakref.ref(y.data), weakref.ref(z),
                                    weakref.ref(z.data))
    del y, z
    # Nothing in the graph keeps an output Tensor, nor an array backward does not need.
    assert y_ref() is None and y_data() is None and z_ref() is None
    assert z_data() is not None  # kept by Exp's context: backward needs it
    node_ref = weakref.ref(loss._node)
    del loss
    assert z_data() is None and node_ref() is None
    assert x.grad is None


def test_graph_is_freed_after_backward_even_while_the_output_lives(gc_disabled):
    x = leaf(np.ones(100))
    z = (x * 3.0).exp()
    saved = weakref.ref(z.data)
    loss = z.sum()
    del z
    loss.backward()
    assert saved() is None
    assert loss.grad_fn is None  # the node gave up its op and links too
    np.testing.assert_allclose(x.grad, 3.0 * np.exp(3.0))


class _CheckSaved(mg.Function):
    """Identity whose backward records whether a watched array is still alive then."""

    def __init__(self) -> None:
        self.watch: weakref.ref | None = None
        self.alive_in_backward: bool | None = None

    def forward(self, ctx: mg.Context, x: np.ndarray) -> np.ndarray:
        return x.copy()

    def backward(self, ctx: mg.Context, dout: np.ndarray) -> np.ndarray:
        assert self.watch is not None
        self.alive_in_backward = self.watch() is not None
        return dout


@pytest.mark.parametrize("retain_graph", [False, True])
def test_saved_arrays_are_freed_during_backward(retain_graph, gc_disabled):
    # The first op of the forward is the last one backward runs; by then, what later ops
    # saved for backward must already be gone (unless retain_graph keeps it).
    check = _CheckSaved()
    x = leaf(np.ones(100))
    y = check(x)
    z = (y * 2.0).tanh()  # Tanh saves its output
    check.watch = weakref.ref(z.data)
    loss = (z * 3.0).sum()
    del y, z
    loss.backward(retain_graph=retain_graph)
    assert check.alive_in_backward is retain_graph


def minigrad_garbage() -> list[Any]:
    """Unreachable objects that the cycle collector finds and that belong to minigrad."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        found = [obj for obj in gc.garbage
                 if isinstance(obj, (mg.Tensor, Node, LeafNode, mg.Function, np.ndarray))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    return found


def build_and_drop(kind: str) -> None:
    x = leaf(np.ones((3, 2)))
    layer = nn.Dense(2, 2, rng=0)
    y = mg.concatenate([layer(x).tanh(), x.relu()], axis=1)[:, 1:]
    y = mg.maximum(y, 0.1).sum(axis=0)
    if kind == "backward":
        y.sum().backward()
    elif kind == "retain_graph":
        y.retain_grad()
        y.sum().backward(retain_graph=True)
    elif kind == "error":
        with pytest.raises(ValueError):
            y @ leaf(np.ones(4))


@pytest.mark.parametrize("kind", ["forward only", "backward", "retain_graph", "error"])
def test_graphs_hold_no_reference_cycles(kind, gc_disabled):
    # Leftovers of earlier tests are cleared first, so what is found now was made here.
    minigrad_garbage()
    build_and_drop(kind)
    assert minigrad_garbage() == []


def test_the_cycle_check_detects_a_cycle(gc_disabled):
    # The check above can fail: a Tensor kept alive by a cycle is reported.
    minigrad_garbage()
    holder: list[Any] = [mg.Tensor([1.0])]
    holder.append(holder)
    del holder
    assert len(minigrad_garbage()) == 1


# --------------------------------------------------------------------------- custom Functions


class Mix(mg.Function):
    """a * sin(b): a two-input custom op with a hyper-parameter on self."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def forward(self, ctx: mg.Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.a, ctx.sin_b, ctx.cos_b = a, np.sin(b), np.cos(b)
        return self.scale * a * ctx.sin_b

    def backward(self, ctx: mg.Context, dout: np.ndarray) -> tuple[Any, Any]:
        da = self.scale * dout * ctx.sin_b if ctx.needs_grad(0) else None
        db = self.scale * dout * ctx.a * ctx.cos_b if ctx.needs_grad(1) else None
        return da, db


def test_custom_function_works_with_autograd_and_gradcheck():
    rng = np.random.default_rng(0)
    a, b = leaf(rng.standard_normal((2, 3))), leaf(rng.standard_normal((2, 3)))
    out = Mix(2.0)(a, b)
    np.testing.assert_allclose(out.data, 2.0 * a.data * np.sin(b.data))
    out.sum().backward()
    np.testing.assert_allclose(b.grad, 2.0 * a.data * np.cos(b.data))
    assert mg.gradcheck(Mix(0.5), a, b)
    assert mg.gradcheck(lambda t: Mix(1.5)(t, t) + Cube()(t), a)


def test_custom_function_skips_inputs_that_need_no_grad():
    a, b = leaf([1.0, 2.0]), mg.Tensor([0.5, 0.25])
    Mix(1.0)(a, b).sum().backward()
    assert b.grad is None
    np.testing.assert_allclose(a.grad, np.sin(b.data))


def test_custom_function_driven_by_hand_without_the_engine():
    ctx = mg.Context()
    x = np.array([1.0, 2.0])
    out = Cube().forward(ctx, x)
    assert ctx.needs_grad(0)
    np.testing.assert_array_equal(Cube().backward(ctx, np.ones(2)), 3.0 * x**2)
    np.testing.assert_array_equal(out, x**3)


class WrongCount(mg.Function):
    def forward(self, ctx: mg.Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    def backward(self, ctx: mg.Context, dout: np.ndarray) -> np.ndarray:
        return dout  # one gradient for two inputs


class WrongShape(mg.Function):
    def forward(self, ctx: mg.Context, x: np.ndarray) -> np.ndarray:
        return x * 2.0

    def backward(self, ctx: mg.Context, dout: np.ndarray) -> np.ndarray:
        return np.ones((2, *dout.shape))  # one axis too many


def test_function_returning_the_wrong_number_of_gradients_raises():
    with pytest.raises(RuntimeError, match=r"WrongCount.backward returned 1 gradient.*2 input"):
        WrongCount()(leaf([1.0]), leaf([2.0])).sum().backward()


@pytest.mark.parametrize("before", [
    lambda x: x,  # straight into a leaf
    lambda x: x + 0.0,  # into Add, whose unbroadcast would silently sum the extra axis
    lambda x: x * 1.0,
    lambda x: x.exp(),
])
def test_function_returning_a_gradient_of_the_wrong_shape_raises(before):
    x = leaf([1.0, 2.0, 3.0])
    out = WrongShape()(before(x)).sum()
    with pytest.raises(RuntimeError, match=r"WrongShape.*shape \(2, 3\).*\(3,\)"):
        out.backward()


class Tidy(mg.Function):
    """Saves under the names a user might pick, engine-sounding ones included."""

    def forward(self, ctx: mg.Context, x: np.ndarray) -> np.ndarray:
        ctx.fn, ctx.parents, ctx.shape, ctx.origin, ctx.retained = np.sin, 1, 2, 3, 4
        ctx.x = x
        return np.sin(x)

    def backward(self, ctx: mg.Context, dout: np.ndarray) -> np.ndarray:
        assert (ctx.parents, ctx.shape, ctx.origin, ctx.retained) == (1, 2, 3, 4)
        return dout * np.cos(ctx.x)


def test_context_attribute_names_belong_to_the_user():
    x = leaf([0.5, 1.0])
    y = Tidy()(x * 1.0)
    y.retain_grad()
    with mg.detect_anomaly():
        (y * 2.0).sum().backward()
    np.testing.assert_allclose(x.grad, 2.0 * np.cos(x.data))
    np.testing.assert_array_equal(y.grad, [2.0, 2.0])


def test_function_without_forward_or_backward_says_so():
    class Empty(mg.Function):
        pass

    with pytest.raises(NotImplementedError, match="Empty does not define forward"):
        Empty()(leaf([1.0]))


# --------------------------------------------------------------------------- anomaly mode


def call_line(offset: int = 1) -> str:
    """'this_file:line' of the caller's line plus ``offset``."""
    frame = inspect.currentframe().f_back  # type: ignore[union-attr]
    return f"{os.path.basename(__file__)}:{frame.f_lineno + offset}"  # type: ignore[union-attr]


def test_anomaly_in_forward_names_op_and_user_line():
    x = leaf([-1.0, 1.0])
    with mg.detect_anomaly():
        where = call_line(2)
        with pytest.raises(mg.AnomalyError, match=r"Log produced NaN in forward") as info:
            x.log()
    assert f"{where} in " in str(info.value)


def test_anomaly_stops_at_the_first_bad_op():
    x = leaf([0.0])
    with pytest.raises(mg.AnomalyError, match="Log produced -inf") as info, mg.detect_anomaly():
        (x.log() * 0.0).exp()  # the later ops would turn -inf into NaN
    assert "Mul" not in str(info.value)


def test_anomaly_in_backward_names_op_and_forward_line():
    x = leaf([0.0, 4.0])
    with mg.detect_anomaly():
        where = call_line()
        y = x.sqrt()  # forward fine: sqrt(0) = 0
        np.testing.assert_array_equal(y.data, [0.0, 2.0])
        with pytest.raises(mg.AnomalyError, match=r"Sqrt.backward produced inf") as info:
            y.sum().backward()
    assert f"{where} in " in str(info.value)


def test_anomaly_in_custom_function_backward():
    class BadBackward(mg.Function):
        def forward(self, ctx: mg.Context, x: np.ndarray) -> np.ndarray:
            return x.copy()

        def backward(self, ctx: mg.Context, dout: np.ndarray) -> np.ndarray:
            return dout * np.nan

    with mg.detect_anomaly(), pytest.raises(mg.AnomalyError, match="BadBackward.backward"):
        BadBackward()(leaf([1.0])).sum().backward()


def test_anomaly_origin_is_user_code_next_to_the_package_directory():
    # A user directory whose name merely starts like the package's ("minigrad_demo") is
    # user code, and it is the place the error must name.
    package_dir = os.path.dirname(os.path.abspath(mg.__file__))
    user_file = package_dir + "_demo" + os.sep + "script.py"
    code = compile("x.log()\n", user_file, "exec")
    with pytest.raises(mg.AnomalyError, match=re.escape(user_file + ":1")), \
            mg.detect_anomaly():
        exec(code, {"x": leaf([-1.0])})


def test_anomaly_mode_is_off_outside_the_block():
    with mg.detect_anomaly():
        pass
    x = leaf([-1.0])
    with np.errstate(invalid="ignore"):
        y = x.log()  # NaN, but no anomaly check any more
    assert np.isnan(y.data[0])
    with pytest.raises(mg.AnomalyError), mg.detect_anomaly():
        x.log()
    with np.errstate(invalid="ignore"):
        assert np.isnan(x.log().data[0])  # restored after an exception too


def test_anomaly_mode_as_decorator():
    @mg.detect_anomaly()
    def bad(t: mg.Tensor) -> mg.Tensor:
        return t.log()

    with pytest.raises(mg.AnomalyError):
        bad(leaf([-1.0]))


def test_anomaly_mode_is_per_thread():
    inside = threading.Event()
    done = threading.Event()
    outcome: dict[str, Any] = {}

    def worker() -> None:
        with mg.detect_anomaly():
            inside.set()
            done.wait(5)

    thread = threading.Thread(target=worker)
    thread.start()
    assert inside.wait(5)
    try:
        with np.errstate(invalid="ignore"):
            outcome["value"] = leaf([-1.0]).log().data[0]
    finally:
        done.set()
        thread.join(5)
    assert np.isnan(outcome["value"])


def test_anomaly_without_grad_still_checks_forward():
    with mg.no_grad(), mg.detect_anomaly(), pytest.raises(mg.AnomalyError, match="Exp"):
        mg.Tensor([1000.0]).exp()


# --------------------------------------------------------------------------- speed


def test_chain_time_is_reasonable():
    # A loose bound on per-op overhead (the benchmark measures it precisely).
    x = leaf(np.ones(4))
    start = time.perf_counter()
    c = x
    for _ in range(20_000):
        c = c * 1.0
    c.sum().backward()
    assert time.perf_counter() - start < 5.0
