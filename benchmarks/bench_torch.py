"""Optional PyTorch (CPU, one thread) contenders for rows 1-5, written as a torch user would.

Imported only with ``--torch``; torch is not a dependency of minigrad.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from bench_problems import (
    CHAIN_ADD,
    CHAIN_MUL,
    MLP_LR,
    MLP_SIZES,
    XOR_HIDDEN,
    XOR_LR,
    XOR_MOMENTUM,
    XOR_STEPS,
    Problem,
    Trainer,
)


def pin_threads() -> None:
    """One intra-op and one inter-op thread, like the NumPy side (BLAS pinned to 1)."""
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set, or parallel work already ran
        pass


def _load(model: torch.nn.Sequential, init: dict[str, np.ndarray]) -> None:
    """Copy minigrad-style weights in: torch's Linear keeps W as (out, in)."""
    state = {}
    for name, value in init.items():
        index, kind = name.split(".")
        state[f"{index}.{'weight' if kind == 'W' else 'bias'}"] = torch.from_numpy(
            np.ascontiguousarray(value.T if kind == "W" else value))
    model.load_state_dict(state)


# --------------------------------------------------------------------------- rows 1, 2


def mlp_model(problem: Problem) -> torch.nn.Sequential:
    sizes = MLP_SIZES
    model = torch.nn.Sequential(
        torch.nn.Linear(sizes[0], sizes[1]), torch.nn.ReLU(),
        torch.nn.Linear(sizes[1], sizes[2]), torch.nn.ReLU(),
        torch.nn.Linear(sizes[2], sizes[3]),
    )
    _load(model, problem.init)
    return model


def mlp_step(problem: Problem) -> Trainer:
    model = mlp_model(problem)
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=MLP_LR)
    x = torch.from_numpy(problem.x)
    labels = torch.from_numpy(problem.target)

    def step() -> Any:
        loss = loss_fn(model(x), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    def reset() -> None:
        _load(model, problem.init)

    return Trainer(step, reset, model)


def weights(model: torch.nn.Module) -> list[np.ndarray]:
    """The parameter arrays in minigrad's layout (W as (in, out)), for the checks."""
    return [p.detach().numpy().T if name.endswith("weight") else p.detach().numpy()
            for name, p in model.named_parameters()]


def mlp_loss_and_grads(problem: Problem) -> tuple[float, list[np.ndarray]]:
    """Loss and gradients from the initial weights, in minigrad's layout (W as (in, out))."""
    model = mlp_model(problem)
    loss = torch.nn.CrossEntropyLoss()(model(torch.from_numpy(problem.x)),
                                       torch.from_numpy(problem.target))
    loss.backward()
    grads = []
    for name, p in model.named_parameters():
        assert p.grad is not None
        g = p.grad.numpy()
        grads.append(g.T if name.endswith("weight") else g)
    return loss.item(), grads


# --------------------------------------------------------------------------- rows 3, 4


def chain(x0: np.ndarray, kinds: tuple[str, ...]) -> Callable[[], tuple[float, np.ndarray]]:
    x = torch.tensor(x0, requires_grad=True)

    def run() -> tuple[float, np.ndarray]:
        x.grad = None
        y = x
        for kind in kinds:
            if kind == "mul":
                y = y * CHAIN_MUL
            elif kind == "add":
                y = y + CHAIN_ADD
            else:
                y = torch.tanh(y)
        total = y.sum()
        total.backward()
        assert x.grad is not None
        return total.item(), x.grad.numpy()

    return run


# --------------------------------------------------------------------------- row 5


def xor_train(problem: Problem) -> Trainer:
    x = torch.from_numpy(problem.x)
    y = torch.from_numpy(problem.target)
    loss_fn = torch.nn.BCELoss()
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
        return loss.item(), weights(model)

    def reset() -> None:
        state["model"] = model = torch.nn.Sequential(
            torch.nn.Linear(2, XOR_HIDDEN), torch.nn.Tanh(), torch.nn.Linear(XOR_HIDDEN, 1),
            torch.nn.Sigmoid(),
        ).double()
        _load(model, problem.init)
        state["opt"] = torch.optim.SGD(model.parameters(), lr=XOR_LR, momentum=XOR_MOMENTUM)

    reset()
    return Trainer(train, reset, state)
