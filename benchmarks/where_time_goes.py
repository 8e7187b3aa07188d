"""Where a small step's time goes: minigrad's cost beyond NumPy, split into its parts.

Usage::

    python benchmarks/where_time_goes.py [--quick]

``run.py`` measures how far minigrad is from hand-written NumPy; this script shows what the
distance is made of. Three tables, on the problems of run.py (bench_problems):

1. **The (4,) chain, per op** (run.py row 3), three contenders interleaved: NumPy by hand;
   a *floor engine* written below, the least any Python engine can do (one node tuple and
   one output object per op, a backward loop with no checks); and minigrad. NumPy to floor
   is what recording in Python costs at all; floor to minigrad is what minigrad does per op
   on top (the Function and Context protocol, dtype and shape rules, saved-tensor version
   checks, hooks, grad modes, the graph order).
2. **One op, piece by piece**: the parts of ``t * 0.9`` on a (4,) float32 tensor that
   requires grad, each timed alone (best of repeats): the NumPy call, the op's ``forward``
   on a node, making the node, making the output Tensor, the whole op; then backward's
   NumPy call and the op's ``backward``.
3. **Training steps** (run.py rows 5 and 1): NumPy by hand; minigrad's layers, loss and
   optimizer *driven by hand* (their ``forward`` and ``backward`` methods called in order,
   no graph recorded, the same NumPy calls); and minigrad as a user writes it. NumPy to
   "by hand" is the layers', loss's and optimizer's own Python (checks, dispatch);
   "by hand" to minigrad is the engine (apply, nodes, run_backward, storing .grad).

Each table's ratios are medians of per-round ratios of interleaved samples
(bench_harness.interleave), as in run.py; absolute times are medians too. ``--quick``
takes few rounds (CI runs it to prove the script works; its numbers are not meant to be
read). Before timing, the by-hand step and the user's step are checked to give the same
weights after one step; a mismatch exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
import timeit
from collections.abc import Callable
from typing import Any

import bench_process

bench_process.pin_threads_by_environment()  # before NumPy loads
MALLOC = bench_process.pin_malloc()

import bench_minigrad as M  # noqa: E402
import bench_numpy as N  # noqa: E402
import bench_problems as P  # noqa: E402
import numpy as np  # noqa: E402
from bench_harness import interleave, median, paired_ratios  # noqa: E402

import minigrad as mg  # noqa: E402
from minigrad import nn, ops, optim  # noqa: E402
from minigrad.autograd import Context, Node  # noqa: E402
from minigrad.nn.module import Parameter  # noqa: E402

# --------------------------------------------------------------------------- table 1


class _FloorTensor:
    """The floor engine's tensor: its array and the node that made it (None for x)."""

    __slots__ = ("data", "node")

    def __init__(self, data: np.ndarray, node: tuple[Any, ...] | None) -> None:
        self.data, self.node = data, node


def floor_chain(x0: np.ndarray, kinds: tuple[str, ...]) -> Callable[[], np.ndarray]:
    """The chain through the floor engine: node = (kind, parent node, what backward needs)."""

    def run() -> np.ndarray:
        y = _FloorTensor(x0, None)
        for kind in kinds:
            if kind == "mul":
                y = _FloorTensor(y.data * P.CHAIN_MUL, ("mul", y.node, None))
            elif kind == "add":
                y = _FloorTensor(y.data + P.CHAIN_ADD, ("add", y.node, None))
            else:
                out = np.tanh(y.data)
                y = _FloorTensor(out, ("tanh", y.node, out))
        grad = np.ones_like(y.data)
        node = y.node
        while node is not None:
            kind, node, saved = node
            if kind == "mul":
                grad = grad * P.CHAIN_MUL
            elif kind == "tanh":
                grad = grad * (1.0 - saved * saved)
        return grad

    return run


def chain_table(rounds: int, n_ops: int) -> None:
    kinds = P.chain_kinds(n_ops)
    x0 = P.chain_input((4,))
    contenders = {"numpy": N.chain(x0, kinds), "floor": floor_chain(x0, kinds),
                  "minigrad": M.chain(x0, kinds)}
    samples = interleave(contenders, rounds, min_sample=0.02)
    print(f"1. The (4,) float32 chain of {n_ops} ops, forward + backward, per op")
    print(f"   {'contender':<10} {'ns per op':>10}  ratio to NumPy")
    for name in contenders:
        ratio = "1" if name == "numpy" else paired_ratios(samples, name, "numpy").ratio_text()
        print(f"   {name:<10} {median(samples[name]) / n_ops * 1e9:10.0f}  {ratio}")


# --------------------------------------------------------------------------- table 2


def _best_ns(fn: Callable[[], object], number: int, repeat: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e9


def op_table(repeat: int) -> None:
    a = P.chain_input((4,))
    t = mg.Tensor(a, requires_grad=True) * 1.0  # made by an op, as inside a chain
    mul = ops.MUL

    def node() -> Node:
        made = object.__new__(Node)
        made._fn, made._parents, made._shape = mul, (t._node, None), a.shape
        made._clock = made._seq = 0
        made.needs_input_grad = (True, False)
        return made

    def forward() -> np.ndarray:
        ctx = object.__new__(Node)
        ctx.needs_input_grad = (True, False)
        return mul.forward(ctx, a, P.CHAIN_MUL)

    saved = node()
    mul.forward(saved, a, P.CHAIN_MUL)
    g = np.ones_like(a)
    rows = [
        ("forward: NumPy's a * 0.9", lambda: a * P.CHAIN_MUL),
        ("forward: Mul.forward on a new node", forward),
        ("forward: a Node with its fields", node),
        ("forward: an output Tensor", lambda: mg.Tensor._wrap(a, None)),
        ("forward: the whole op t * 0.9", lambda: t * P.CHAIN_MUL),
        ("backward: NumPy's g * 0.9", lambda: g * P.CHAIN_MUL),
        ("backward: Mul.backward", lambda: mul.backward(saved, g)),
        ("a call of an empty Python function", lambda: None),
    ]
    print("\n2. One op, t * 0.9 on a (4,) float32 tensor, its parts alone (best of "
          f"{repeat} repeats)")
    for label, fn in rows:
        print(f"   {label:<38} {_best_ns(fn, 20_000, repeat):6.0f} ns")
    print("   (the whole op also runs apply: it unwraps the inputs, reads the grad mode and "
          "links the node)")


# --------------------------------------------------------------------------- table 3


def by_hand(model: nn.Sequential, loss_fn: Any, opt: optim.Optimizer
            ) -> Callable[[np.ndarray, np.ndarray], None]:
    """One step with the layers' own forward and backward called in order, no graph.

    The data gets no gradient, every parameter does: the NumPy calls are those of
    ``loss_fn(model(x), y).backward()`` and ``opt.step()``.
    """
    plan = []  # (layer, its parameters, needs_input_grad of its calls)
    for index, layer in enumerate(model.layers):
        params = tuple(p for _, p in layer._own(Parameter))
        plan.append((layer, params, (index > 0,) + (True,) * len(params)))

    def step(x: np.ndarray, target: np.ndarray) -> None:
        out, contexts = x, []
        for layer, params, needs in plan:
            ctx = Context(needs)
            out = layer.forward(ctx, out, *[p.data for p in params])
            contexts.append(ctx)
        loss_ctx = Context((True, False))
        loss = loss_fn.forward(loss_ctx, out, target)
        grad = loss_fn.backward(loss_ctx, np.ones(loss.shape, loss.dtype))[0]
        found = []
        for (layer, params, _), ctx in zip(reversed(plan), reversed(contexts)):
            grads = layer.backward(ctx, grad)
            grads = grads if isinstance(grads, tuple) else (grads,)
            grad = grads[0]
            found += zip(params, grads[1:])
        opt.zero_grad()
        for p, dp in found:
            p.grad = dp
        opt.step()

    return step


def _weights_agree(problem: P.Problem, make: Callable[[], tuple[nn.Sequential, Any, Any]]
                   ) -> bool:
    """One step by hand and one as a user writes it, from the same weights: same result?"""
    results = []
    for driven in (True, False):
        model, loss_fn, opt = make()
        if driven:
            by_hand(model, loss_fn, opt)(problem.x, problem.target)
        else:
            loss = loss_fn(model(problem.x), problem.target)
            opt.zero_grad()
            loss.backward()
            opt.step()
        results.append([p.data.copy() for p in model.parameters()])
    return all(np.array_equal(a, b) for a, b in zip(*results))


def step_table(rounds: int) -> bool:
    xor, mlp = P.xor_problem(), P.mlp_problem(32)

    def xor_parts() -> tuple[nn.Sequential, Any, Any]:
        model = M.xor_model(xor)
        return (model, nn.BCELoss(),
                optim.SGD(model.parameters(), lr=P.XOR_LR, momentum=P.XOR_MOMENTUM))

    def mlp_parts() -> tuple[nn.Sequential, Any, Any]:
        model = M.mlp_model(mlp)
        return model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=P.MLP_LR)

    if not (_weights_agree(xor, xor_parts) and _weights_agree(mlp, mlp_parts)):
        print("by-hand step and user's step disagree: the table would compare different work")
        return False

    def by_hand_trainer(problem: P.Problem, parts: Callable[[], Any], steps: int) -> P.Trainer:
        state: dict[str, Any] = {}

        def reset() -> None:
            model, loss_fn, opt = parts()
            state["step"] = by_hand(model, loss_fn, opt)

        def train() -> None:
            for _ in range(steps):
                state["step"](problem.x, problem.target)

        reset()
        return P.Trainer(train, reset, state)

    print("\n3. Training steps: NumPy by hand, minigrad's layers driven by hand (no graph), "
          "minigrad as written by a user")
    print(f"   {'step':<22} {'NumPy':>8} {'by hand':>8} {'minigrad':>9}   by hand / NumPy"
          "   minigrad / NumPy")
    rows = [
        (f"XOR 2-8-1 (x{P.XOR_STEPS})", P.XOR_STEPS,
         {"numpy": N.xor_train(xor), "by hand": by_hand_trainer(xor, xor_parts, P.XOR_STEPS),
          "minigrad": M.xor_train(xor)}, True),
        ("MLP 64-256-256-10, b32", 1,
         {"numpy": N.mlp_step(mlp), "by hand": by_hand_trainer(mlp, mlp_parts, 1),
          "minigrad": M.mlp_step(mlp)}, False),
    ]
    for label, steps, trainers, each_call in rows:
        samples = interleave({k: t.step for k, t in trainers.items()}, rounds,
                             min_sample=0.02, resets={k: t.reset for k, t in trainers.items()},
                             reset_each_call=each_call)
        times = [median(samples[k]) / steps * 1e6 for k in trainers]
        print(f"   {label:<22} " + " ".join(f"{t:7.1f}u" for t in times)
              + f"   {paired_ratios(samples, 'by hand', 'numpy').ratio_text():>15}"
              + f"   {paired_ratios(samples, 'minigrad', 'numpy').ratio_text():>16}")
    print("   (u = microseconds per step)")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="few rounds: proves the script runs; numbers not meant to be read")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else 40
    print(f"minigrad {mg.__version__}, numpy {np.__version__}, malloc: {MALLOC}\n")
    chain_table(rounds, 90 if args.quick else 999)
    op_table(3 if args.quick else 15)
    return 0 if step_table(rounds) else 2


if __name__ == "__main__":
    sys.exit(main())
