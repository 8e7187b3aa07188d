"""The minigrad contenders: each row written the way a user writes it with the public API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from bench_problems import (
    CHAIN_ADD,
    CHAIN_MUL,
    LONG_CHAIN_FACTOR,
    MLP_LR,
    MLP_SIZES,
    XOR_HIDDEN,
    XOR_LR,
    XOR_MOMENTUM,
    XOR_STEPS,
    Problem,
    Trainer,
)

import minigrad as mg
from minigrad import nn, optim

# --------------------------------------------------------------------------- rows 1, 2, 8


def mlp_model(problem: Problem) -> nn.Sequential:
    """The 64-256-256-10 ReLU classifier in float32, loaded with the shared initial weights."""
    dtype = np.float32
    sizes = MLP_SIZES
    model = nn.Sequential(
        nn.Dense(sizes[0], sizes[1], dtype=dtype), nn.ReLU(),
        nn.Dense(sizes[1], sizes[2], dtype=dtype), nn.ReLU(),
        nn.Dense(sizes[2], sizes[3], dtype=dtype),
    )
    model.load_state_dict(problem.init)
    return model


def mlp_step(problem: Problem) -> Trainer:
    """One training step per call: forward, loss, zero_grad, backward, SGD step."""
    model = mlp_model(problem)
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=MLP_LR)
    x, labels = problem.x, problem.target

    def step() -> Any:
        loss = loss_fn(model(x), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    def reset() -> None:
        model.load_state_dict(problem.init)

    return Trainer(step, reset, model)


def weights(model: nn.Module) -> list[np.ndarray]:
    """The parameter arrays in definition order (W as (in, out)), for the checks."""
    return [p.data for p in model.parameters()]


def mlp_loss_and_grads(problem: Problem) -> tuple[float, list[np.ndarray]]:
    """The loss and every parameter's gradient from the initial weights (for the check)."""
    model = mlp_model(problem)
    loss = nn.CrossEntropyLoss()(model(problem.x), problem.target)
    loss.backward()
    return loss.item(), [p.grad for p in model.parameters()]


# --------------------------------------------------------------------------- rows 3, 4, 6


def chain(x0: np.ndarray, kinds: tuple[str, ...]) -> Callable[[], tuple[float, np.ndarray]]:
    """Forward through the op chain with Tensor operators, then ``backward()``."""
    x = mg.Tensor(x0, requires_grad=True)

    def run() -> tuple[float, np.ndarray]:
        x.grad = None  # a fresh gradient each call, as after zero_grad()
        y = x
        for kind in kinds:
            if kind == "mul":
                y = y * CHAIN_MUL
            elif kind == "add":
                y = y + CHAIN_ADD
            else:
                y = y.tanh()
        total = y.sum()
        total.backward()
        return total.item(), x.grad

    return run


def long_chain(x0: np.ndarray, n_ops: int) -> Callable[[], tuple[float, np.ndarray]]:
    """Row 6: ``y = y * 1.0001`` n_ops times, then ``backward()``."""
    x = mg.Tensor(x0, requires_grad=True)

    def run() -> tuple[float, np.ndarray]:
        x.grad = None
        y = x
        for _ in range(n_ops):
            y = y * LONG_CHAIN_FACTOR
        total = y.sum()
        total.backward()
        return total.item(), x.grad

    return run


# --------------------------------------------------------------------------- row 5


def xor_model(problem: Problem) -> nn.Sequential:
    model = nn.Sequential(nn.Dense(2, XOR_HIDDEN), nn.Tanh(), nn.Dense(XOR_HIDDEN, 1),
                          nn.Sigmoid())
    model.load_state_dict(problem.init)
    return model


def xor_train(problem: Problem) -> Trainer:
    """Full-batch training: ``step()`` runs all XOR_STEPS steps, returns (loss, weights).

    ``reset()`` (untimed) builds a fresh model and optimizer from the initial weights.
    """
    x, y = problem.x, problem.target
    loss_fn = nn.BCELoss()
    state: dict[str, Any] = {}

    def train() -> tuple[float, list[np.ndarray]]:
        model, opt = state["model"], state["opt"]
        loss = None
        for _ in range(XOR_STEPS):
            loss = loss_fn(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        assert loss is not None
        return loss.item(), [p.data for p in model.parameters()]

    def reset() -> None:
        state["model"] = model = xor_model(problem)
        state["opt"] = optim.SGD(model.parameters(), lr=XOR_LR, momentum=XOR_MOMENTUM)

    reset()
    return Trainer(train, reset, state)
