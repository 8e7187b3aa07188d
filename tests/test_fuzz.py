"""Property-based fuzzing: random expressions, random models, random files.

* Random expression programs over the ops (``+ - * /``, exp, tanh, sigmoid, relu, sum/mean
  with axes, reshape, transpose, matmul, maximum, where, getitem) on inputs of random
  broadcastable shapes: autograd agrees with central differences (``mg.gradcheck``), and the
  same program in float32 stays float32 and computes the same numbers.
* Random ``Sequential`` models (depth 1-6, random widths and activations from the registry,
  batch 1 included, Dropout in eval mode, BatchNorm1d in training mode, a layer used twice):
  hand-driven backprop equals autograd bit for bit, and gradcheck passes away from kinks.
* Random architectures and values (NaN, inf, -0.0 and subnormals included) survive
  ``mg.save``/``mg.load``/``load_state_dict`` bit for bit, optimizer state too.
* ``mg.load`` of randomly damaged files raises ValueError or returns plain arrays, nothing
  else.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad import nn, optim
from minigrad.testing import arrays, broadcastable_shapes

# --------------------------------------------------------------------------- expressions

MARGIN = 0.02  # distance kept from every kink, far beyond what a 1e-6 step can cross
LIMIT = 4.0  # values are rescaled to at most this size after each step


def far_point(values: np.ndarray) -> float:
    """A number at least MARGIN away from every value: 0.0 when possible."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    if flat.size == 0 or np.min(np.abs(flat)) >= MARGIN:
        return 0.0
    points = np.unique(np.clip(flat, -1.5, 1.5))
    points = np.concatenate(([-1.5], points, [1.5]))
    gaps = np.diff(points)
    i = int(np.argmax(gaps))
    assert gaps[i] >= 2 * MARGIN  # at most 27 values in a span of 3
    return float((points[i] + points[i + 1]) / 2)


class Program:
    """A random expression, built from drawn steps on a stack of tensors.

    Everything that depends on the values (offsets that keep relu and maximum off their
    kinks, which denominators need guarding, where-conditions, masks, rescaling) is decided
    on the first call and replayed unchanged afterwards, so the perturbed calls of a
    finite-difference check evaluate the very same smooth function.
    """

    def __init__(self, steps: list[tuple[str, int]]) -> None:
        self.steps = steps
        self.recorded: list[Any] | None = None

    def __call__(self, *leaves: mg.Tensor) -> mg.Tensor:
        replay = iter(self.recorded) if self.recorded is not None else None
        recorded: list[Any] = []

        def decide(compute: Callable[[], Any]) -> Any:
            if replay is not None:
                return next(replay)
            value = compute()
            recorded.append(value)
            return value

        stack = list(leaves)
        for op, k in self.steps:
            OPS[op](stack, k, decide)
            scale = decide(lambda: _shrink_to(LIMIT, stack[-1]))
            if scale != 1.0:
                stack[-1] = stack[-1] * scale
        out = stack.pop()
        for other in stack:  # every leaf takes part
            out = out + other.mean() * 0.5
        if self.recorded is None:
            self.recorded = recorded
        return out


Decide = Callable[[Callable[[], Any]], Any]


def _shrink_to(limit: float, t: mg.Tensor) -> float:
    """The factor that brings the largest magnitude of ``t`` down to ``limit`` (or 1)."""
    return min(1.0, limit / max(float(np.abs(t.data).max()), 1e-12))


def _pair(stack: list[mg.Tensor]) -> tuple[mg.Tensor, mg.Tensor]:
    """The two top items (the same tensor twice when there is one: the x + x trap)."""
    b = stack.pop()
    a = stack.pop() if stack else b
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        a = a.mean()
    return a, b


def _binary(fn: Callable[[mg.Tensor, mg.Tensor], mg.Tensor]
            ) -> Callable[[list[mg.Tensor], int, Decide], None]:
    def step(stack: list[mg.Tensor], k: int, decide: Decide) -> None:
        a, b = _pair(stack)
        stack.append(fn(a, b))
    return step


def _divide(stack: list[mg.Tensor], k: int, decide: Decide) -> None:
    a, b = _pair(stack)
    direct = decide(lambda: bool(np.min(np.abs(b.data)) >= 0.5))
    stack.append(a / b if direct else a / (b * b + 0.5))


def _maximum(stack: list[mg.Tensor], k: int, decide: Decide) -> None:
    a, b = _pair(stack)
    shift = decide(lambda: far_point(a.data - b.data))  # no ties: |a - (b + shift)| >= MARGIN
    pick = mg.maximum if k % 2 else mg.minimum
    stack.append(pick(a, b + shift))


def _where(stack: list[mg.Tensor], k: int, decide: Decide) -> None:
    a, b = _pair(stack)
    condition = decide(lambda: a.data > np.median(a.data))
    stack.append(mg.where(condition, a, b))


def _unary(fn: Callable[[mg.Tensor, int, Decide], mg.Tensor]
           ) -> Callable[[list[mg.Tensor], int, Decide], None]:
    def step(stack: list[mg.Tensor], k: int, decide: Decide) -> None:
        stack.append(fn(stack.pop(), k, decide))
    return step


def _exp(t: mg.Tensor, k: int, decide: Decide) -> mg.Tensor:
    scale = decide(lambda: _shrink_to(2.0, t))
    return (t * scale).exp()  # the exponent stays in [-2, 2]


def _relu(t: mg.Tensor, k: int, decide: Decide) -> mg.Tensor:
    shift = decide(lambda: far_point(t.data))
    return (t - shift).relu()


def _reduce(t: mg.Tensor, k: int, decide: Decide) -> mg.Tensor:
    method = t.sum if k % 2 else t.mean
    keepdims = bool(k & 2)
    choice = (k >> 2) % (t.ndim + 1)
    axis = None if choice == t.ndim else (choice - t.ndim if k & 8 else choice)
    return method(axis=axis, keepdims=keepdims)


def _reshape(t: mg.Tensor, k: int, decide: Decide) -> mg.Tensor:
    variant = k % 3
    if variant == 0 or t.ndim == 0:
        return t.reshape(-1)
    if variant == 1:
        return t.reshape(t.shape[::-1])
    return t.reshape((1, *t.shape))


def _transpose(t: mg.Tensor, k: int, decide: Decide) -> mg.Tensor:
    if t.ndim < 2:
        return t.T
    axes = [int(a) for a in np.roll(np.arange(t.ndim), 1 + k % (t.ndim - 1))]
    # Some axes written negative: the inverse of a mixed-sign permutation is a classic bug.
    axes = [a - t.ndim if (k >> (2 + i)) & 1 else a for i, a in enumerate(axes)]
    return t.transpose(tuple(axes))


def _getitem(t: mg.Tensor, k: int, decide: Decide) -> mg.Tensor:
    if t.ndim == 0:
        return t[()]
    variant = k % 4
    if variant == 0:
        return t[np.array([0, 0, t.shape[0] - 1])]  # a repeated index gets both gradients
    if variant == 1:
        return t[..., ::-1]
    if variant == 2:
        return t[-1]
    mask = decide(lambda: t.data >= np.median(t.data))  # never empty
    return t[mask]


def _matmul(stack: list[mg.Tensor], k: int, decide: Decide) -> None:
    t = stack.pop()
    if stack and t.ndim >= 1 and stack[-1].ndim >= 1:
        try:
            np.matmul(np.empty(t.shape), np.empty(stack[-1].shape))
        except ValueError:
            pass
        else:
            stack.append(t @ stack.pop())
            return
    if t.ndim == 0:
        stack.append(t * t)
    elif t.ndim == 1:
        stack.append(t @ t)
    else:
        stack.append(t @ t.transpose(tuple(range(t.ndim - 2)) + (t.ndim - 1, t.ndim - 2)))


OPS: dict[str, Callable[[list[mg.Tensor], int, Decide], None]] = {
    "add": _binary(lambda a, b: a + b),
    "sub": _binary(lambda a, b: a - b),
    "mul": _binary(lambda a, b: a * b),
    "div": _divide,
    "maximum": _maximum,
    "where": _where,
    "neg": _unary(lambda t, k, d: -t),
    "exp": _unary(_exp),
    "tanh": _unary(lambda t, k, d: t.tanh()),
    "sigmoid": _unary(lambda t, k, d: t.sigmoid()),
    "relu": _unary(_relu),
    "reduce": _unary(_reduce),
    "reshape": _unary(_reshape),
    "transpose": _unary(_transpose),
    "getitem": _unary(_getitem),
    "matmul": _matmul,
}


@st.composite
def programs(draw: Any, include: str | None = None) -> tuple[Program, list[np.ndarray]]:
    """A random program and its inputs; ``include`` puts that op in at a random place."""
    count = draw(st.integers(1, 3))
    shapes = draw(broadcastable_shapes(num_shapes=count, min_dims=0, max_dims=3, max_side=3))
    leaves = [draw(arrays(shape=shape, low=-2.0, high=2.0)) for shape in shapes]
    step = st.tuples(st.sampled_from(sorted(OPS)), st.integers(0, 63))
    steps = draw(st.lists(step, min_size=0 if include else 1, max_size=5))
    if include is not None:
        steps.insert(draw(st.integers(0, len(steps))), (include, draw(st.integers(0, 63))))
    return Program(steps), leaves


@pytest.mark.parametrize("op", sorted(OPS))
@settings(max_examples=10)
@given(data=st.data())
def test_random_expressions_match_finite_differences(op: str, data: st.DataObject):
    program, values = data.draw(programs(include=op))
    leaves = [mg.Tensor(v, requires_grad=True) for v in values]
    reference = program(*leaves)  # plans the value-dependent choices
    assert reference.dtype == np.float64
    assert mg.gradcheck(program, *leaves)


@given(programs())
def test_random_expressions_keep_float32_and_agree_with_float64(
        case: tuple[Program, list[np.ndarray]]):
    program, values = case
    wide = program(*[mg.Tensor(v) for v in values])
    leaves = [mg.Tensor(v.astype(np.float32), requires_grad=True) for v in values]
    narrow = program(*leaves)
    narrow.backward(np.ones(narrow.shape, dtype=np.float32))
    assert narrow.dtype == np.float32
    assert all(leaf.grad is not None and leaf.grad.dtype == np.float32 for leaf in leaves)
    np.testing.assert_allclose(narrow.data, wide.data, rtol=1e-3, atol=1e-3)


def test_far_point_keeps_its_distance():
    values = np.linspace(-1.5, 1.5, 27)
    point = far_point(values)
    assert np.min(np.abs(values - point)) >= MARGIN
    assert far_point(np.array([0.5, -0.7])) == 0.0


# --------------------------------------------------------------------------- models


def activation(name: str, dtype: Any = np.float64) -> nn.Layer:
    """A registry activation; the ones whose parameters have no default get fixed values."""
    if name == "threshold":
        return nn.get_activation(name, threshold=0.1, value=-1.0)
    if name == "prelu":
        return nn.get_activation(name, dtype=dtype)
    return nn.get_activation(name)


ACTIVATIONS = nn.activation_names()


@st.composite
def models(draw: Any, dtypes: tuple[Any, ...] = (np.float32, np.float64)
           ) -> tuple[nn.Sequential, np.ndarray]:
    """A random stack and an input batch for it."""
    dtype = draw(st.sampled_from(dtypes))
    batch = draw(st.integers(1, 5))
    width = draw(st.integers(1, 5))
    X = draw(arrays(shape=(batch, width), dtype=dtype, low=-2.0, high=2.0))
    seed = st.integers(0, 2**16)
    layers: list[nn.Module] = []
    used_twice = False
    for _ in range(draw(st.integers(1, 6))):
        out = draw(st.integers(1, 6))
        dense = nn.Dense(width, out, bias=draw(st.booleans()), init="torch", rng=draw(seed),
                         dtype=dtype)
        # A tiny non-zero bias, so that a zero input does not sit every unit on a kink.
        if dense.b is not None:
            dense.b.data = np.random.default_rng(draw(seed)).normal(0, 0.3, out).astype(dtype)
        layers.append(dense)
        width = out
        if batch >= 2 and draw(st.booleans()):
            layers.append(nn.BatchNorm1d(width, dtype=dtype))  # training mode
        layers.append(activation(draw(st.sampled_from(ACTIVATIONS)), dtype))
        if draw(st.booleans()):
            layers.append(nn.Dropout(draw(st.floats(0.0, 0.9)), rng=draw(seed)).eval())
        if width == dense.in_features and not used_twice and draw(st.booleans()):
            layers.append(dense)  # one layer object at two places: gradients add up
            used_twice = True
    return nn.Sequential(*layers), X


@given(models(), st.integers(0, 2**16))
def test_manual_backprop_equals_autograd_bit_for_bit(case: tuple[nn.Sequential, np.ndarray],
                                                     seed: int):
    model, X = case
    upstream_shape = model(X).shape
    upstream = np.random.default_rng(seed).normal(size=upstream_shape).astype(X.dtype)
    model.zero_grad()
    out, contexts = model.manual_forward(X)
    dx_by_hand = model.manual_backward(contexts, upstream)
    by_hand = {name: p.grad for name, p in model.named_parameters()}
    model.zero_grad()
    x = mg.Tensor(X, requires_grad=True)
    auto = model(x)
    auto.backward(upstream)
    assert out.dtype == auto.dtype == X.dtype
    assert np.array_equal(out, auto.data, equal_nan=True)
    assert x.grad is not None and dx_by_hand.dtype == x.grad.dtype
    assert np.array_equal(dx_by_hand, x.grad, equal_nan=True)
    for name, p in model.named_parameters():
        assert (by_hand[name] is None) == (p.grad is None), name
        if p.grad is not None:
            assert p.grad.dtype == p.dtype, name
            assert np.array_equal(by_hand[name], p.grad, equal_nan=True), name


def _well_posed(model: nn.Sequential, X: np.ndarray, margin: float = 1e-3) -> bool:
    """Whether central differences can judge this model at X.

    Every activation's input must stay ``margin`` away from that activation's kinks, and
    every BatchNorm input must vary across the batch: at (nearly) zero variance the
    normalisation divides by sqrt(eps), and its curvature swamps a finite difference.
    """
    x = X
    with mg.no_grad():
        for layer in model:
            kinks = getattr(layer, "kinks", ())
            if kinks and np.min(np.abs(np.asarray(x)[..., None] - np.asarray(kinks))) < margin:
                return False
            if isinstance(layer, nn.BatchNorm1d) and np.min(np.std(x, axis=0)) < 0.05:
                return False
            x = layer(x).data
    return True


@settings(max_examples=20)
@given(models(dtypes=(np.float64,)))
def test_random_models_pass_gradcheck_away_from_kinks(case: tuple[nn.Sequential, np.ndarray]):
    model, X = case
    assume(_well_posed(model, X))
    assert mg.gradcheck(model, mg.Tensor(X, requires_grad=True))


# --------------------------------------------------------------------------- save and load


def special_floats(dtype: Any) -> st.SearchStrategy[float]:
    width = np.dtype(dtype).itemsize * 8
    tiny = float(np.finfo(dtype).smallest_subnormal)
    return st.one_of(st.floats(width=width), st.sampled_from([0.0, -0.0, tiny, -tiny]))


@st.composite
def architectures(draw: Any) -> Callable[[int], nn.Sequential]:
    """A recipe: seed -> a model of one random architecture (same names and shapes)."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    plan: list[tuple[str, Any]] = []
    width = draw(st.integers(1, 4))
    first = width
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["dense", "batchnorm", "prelu", "nested", "activation"]))
        if kind in ("dense", "nested"):
            out = draw(st.integers(1, 4))
            plan.append((kind, (width, out, draw(st.booleans()))))
            width = out
        elif kind == "prelu":
            plan.append((kind, draw(st.sampled_from([1, width]))))
        else:
            plan.append((kind, draw(st.sampled_from(ACTIVATIONS)) if kind == "activation"
                         else width))

    def build(seed: int) -> nn.Sequential:
        layers: list[nn.Module] = []
        for kind, arg in plan:
            if kind == "dense":
                layers.append(nn.Dense(arg[0], arg[1], bias=arg[2], rng=seed, dtype=dtype))
            elif kind == "nested":
                layers.append(nn.Sequential(nn.Dense(arg[0], arg[1], bias=arg[2], rng=seed,
                                                     dtype=dtype), nn.Tanh()))
            elif kind == "batchnorm":
                layers.append(nn.BatchNorm1d(arg, dtype=dtype))
            elif kind == "prelu":
                layers.append(nn.PReLU(arg, dtype=dtype))
            else:
                layers.append(activation(arg, dtype))
        model = nn.Sequential(*layers)
        model.n_inputs = first  # type: ignore[attr-defined]
        return model

    return build


@given(architectures(), st.data())
def test_state_dicts_survive_save_and_load_bit_for_bit(
        tmp_path_factory: pytest.TempPathFactory, build: Callable[[int], nn.Sequential],
        data: st.DataObject):
    source, target = build(1), build(2)
    for name, tensor in [*source.named_parameters(), *source.named_buffers()]:
        values = data.draw(hnp.arrays(tensor.dtype, tensor.shape,
                                      elements=special_floats(tensor.dtype)), label=name)
        tensor.data = values
    path = tmp_path_factory.mktemp("round") / "model.npz"
    mg.save(source, path)
    loaded = mg.load(path)
    state = source.state_dict()
    assert list(loaded) == list(state)
    for name, array in state.items():
        assert _same_bits(loaded[name], array), name
    target.load_state_dict(loaded)
    for name, array in target.state_dict().items():
        assert _same_bits(array, state[name]), name
    x = np.random.default_rng(0).normal(size=(3, source.n_inputs)).astype(  # type: ignore
        next(iter(state.values())).dtype if state else np.float64)
    with np.errstate(all="ignore"):  # NaN and inf weights compute NaN and inf, alike
        assert _same_bits(source.eval()(x).data, target.eval()(x).data)


@settings(max_examples=15)
@given(architectures(), st.sampled_from(["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]),
       st.integers(1, 3), st.integers(0, 2**16))
def test_optimizer_state_survives_save_and_load(tmp_path_factory: pytest.TempPathFactory,
                                                build: Callable[[int], nn.Sequential],
                                                kind: str, steps: int, seed: int):
    model = build(seed)
    assume(model.parameters())
    make = getattr(optim, kind)
    kwargs = {"momentum": 0.9} if kind in ("SGD", "RMSprop") else {}
    opt = make(model.parameters(), lr=0.01, **kwargs)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        for p in model.parameters():
            p.grad = rng.normal(size=p.shape).astype(p.dtype)
        opt.step()
    path = tmp_path_factory.mktemp("opt") / "opt.npz"
    mg.save(opt, path)
    fresh = make(build(seed).parameters(), lr=0.5, **kwargs)
    fresh.load_state_dict(mg.load(path))
    expected, got = opt.state_dict(), fresh.state_dict()
    assert list(got) == list(expected)
    for key in expected:
        assert _same_bits(got[key], expected[key]), key


def _same_bits(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


# --------------------------------------------------------------------------- damaged files


def _valid_file_bytes() -> bytes:
    model = nn.Sequential(nn.Dense(2, 3, rng=0), nn.BatchNorm1d(3), nn.Dense(3, 1, rng=1))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for key, value in model.state_dict().items():
            member = io.BytesIO()
            np.lib.format.write_array(member, value, allow_pickle=False)
            archive.writestr(key + ".npy", member.getvalue())
    return buffer.getvalue()


VALID = _valid_file_bytes()


def _member(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("0.W.npy")


edits = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1,
                 max_size=8)


def _damage(raw: bytes, changes: list[tuple[int, int]], cut: int | None) -> bytes:
    data = bytearray(raw)
    for position, byte in changes:
        data[position % len(data)] = byte
    return bytes(data[:cut] if cut is not None else data)


def _load_or_value_error(path: Path) -> None:
    try:
        state = mg.load(path)
    except ValueError:
        return
    for key, array in state.items():
        assert isinstance(key, str) and isinstance(array, np.ndarray)
        assert array.dtype.kind in "biufcSU", key


@given(edits, st.one_of(st.none(), st.integers(0, len(VALID))))
def test_damaged_files_raise_value_error_or_load_plain_arrays(
        tmp_path_factory: pytest.TempPathFactory, changes: list[tuple[int, int]],
        cut: int | None):
    path = tmp_path_factory.mktemp("damaged") / "m.npz"
    path.write_bytes(_damage(VALID, changes, cut))
    _load_or_value_error(path)


def _header_positions(raw: bytes) -> list[int]:
    """Byte positions inside the zip's local, central and end-of-directory headers."""
    positions = []
    for signature, size in ((b"PK\x03\x04", 30), (b"PK\x01\x02", 46), (b"PK\x05\x06", 22)):
        start = raw.find(signature)
        while start >= 0:
            positions += range(start + 4, min(start + size, len(raw)))
            start = raw.find(signature, start + 1)
    return positions


HEADER_POSITIONS = _header_positions(VALID)


@given(st.lists(st.tuples(st.sampled_from(HEADER_POSITIONS), st.integers(0, 255)),
                min_size=1, max_size=4))
def test_damaged_zip_headers_raise_value_error_or_load(
        tmp_path_factory: pytest.TempPathFactory, changes: list[tuple[int, int]]):
    # Flags, compression methods, sizes, name and extra-field lengths: where zipfile's
    # less common exceptions come from.
    path = tmp_path_factory.mktemp("headers") / "m.npz"
    path.write_bytes(_damage(VALID, changes, None))
    _load_or_value_error(path)


@given(edits, st.one_of(st.none(), st.integers(0, len(_member(VALID)))))
def test_damaged_arrays_in_a_sound_zip_raise_value_error_or_load(
        tmp_path_factory: pytest.TempPathFactory, changes: list[tuple[int, int]],
        cut: int | None):
    # The zip is rebuilt around the damaged .npy member, so its checksum holds and the
    # damage reaches the array header and data parser.
    member = _damage(_member(VALID), [(p % 128, b) for p, b in changes], cut)
    path = tmp_path_factory.mktemp("member") / "m.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("0.W.npy", member)
    _load_or_value_error(path)


def test_every_one_character_edit_of_an_array_header_is_refused_cleanly(tmp_path: Path):
    # Deterministic companion of the fuzzers: each position of the header dict, each
    # character that means something to Python's or NumPy's parsers (b'' keys, leading
    # zeros, old dtype aliases like 'a', the object code 'O', brackets, quotes).
    member = _member(VALID)
    start, end = member.index(b"{"), member.index(b"}") + 1
    path = tmp_path / "m.npz"
    for position in range(start, end):
        for char in b"abOLl0129'\"(),:[]{} <>|=-_\x00":
            edited = bytearray(member)
            edited[position] = char
            with zipfile.ZipFile(path, "w") as archive:
                archive.writestr("0.W.npy", bytes(edited))
            _load_or_value_error(path)


def test_the_damage_fuzzers_reach_the_header_parser(tmp_path: Path):
    # A sanity check of the second fuzzer: an edit inside the header is what it makes.
    member = bytearray(_member(VALID))
    member[member.index(b"(2, 3)") + 1] = ord("9")
    path = tmp_path / "m.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("0.W.npy", bytes(member))
    with pytest.raises(ValueError, match=r"declares shape \(9, 3\)"):
        mg.load(path)
