"""The baselines: the same math as the minigrad contenders, written by hand in plain NumPy.

Each is what a careful NumPy programmer writes for one fixed network: forward keeping what
backward needs, backward by the chain rule, no gradient for the data, the SGD update in
place. The ratio minigrad / these is the price of the framework.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from bench_problems import (
    CHAIN_ADD,
    CHAIN_MUL,
    LONG_CHAIN_FACTOR,
    MLP_LR,
    XOR_LR,
    XOR_MOMENTUM,
    XOR_STEPS,
    Problem,
    Trainer,
)

# --------------------------------------------------------------------------- rows 1, 2, 8


def mlp_loss_and_grads(params: list[np.ndarray], x: np.ndarray, labels: np.ndarray,
                       ) -> tuple[float, list[np.ndarray]]:
    """Softmax cross-entropy (mean over the batch) of the ReLU MLP and its weight gradients.

    With p = softmax(logits), the fused gradient of the mean loss is (p - onehot) / N.
    """
    W1, b1, W2, b2, W3, b3 = params
    n = x.shape[0]
    rows = np.arange(n)
    z1 = x @ W1
    z1 += b1
    a1 = np.maximum(z1, 0.0)
    z2 = a1 @ W2
    z2 += b2
    a2 = np.maximum(z2, 0.0)
    logits = a2 @ W3
    logits += b3
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(total[:, 0]) - shifted[rows, labels]))

    dlogits = exp / total
    dlogits[rows, labels] -= 1.0
    dlogits *= 1.0 / n
    dW3 = a2.T @ dlogits
    db3 = dlogits.sum(axis=0)
    da2 = dlogits @ W3.T
    da2 *= z2 > 0
    dW2 = a1.T @ da2
    db2 = da2.sum(axis=0)
    da1 = da2 @ W2.T
    da1 *= z1 > 0
    dW1 = x.T @ da1
    db1 = da1.sum(axis=0)
    return loss, [dW1, db1, dW2, db2, dW3, db3]


def mlp_step(problem: Problem) -> Trainer:
    """One SGD step on the batch per call; ``model`` is the list of live weight arrays."""
    params = problem.arrays()
    x, labels = problem.x, problem.target

    def step() -> float:
        loss, grads = mlp_loss_and_grads(params, x, labels)
        for p, g in zip(params, grads):
            p -= MLP_LR * g
        return loss

    def reset() -> None:
        for p, value in zip(params, problem.init.values()):
            p[...] = value

    return Trainer(step, reset, params)


# --------------------------------------------------------------------------- rows 3, 4


def chain(x0: np.ndarray, kinds: tuple[str, ...]) -> Callable[[], tuple[float, np.ndarray]]:
    """Forward through the op chain, then backward by hand; returns (sum of output, dx).

    Forward keeps only what backward needs: tanh's output (its derivative is 1 - y^2);
    multiplying by a constant needs nothing but the constant, adding one needs nothing.
    """

    def run() -> tuple[float, np.ndarray]:
        saved = []
        y = x0
        for kind in kinds:
            if kind == "mul":
                y = y * CHAIN_MUL
            elif kind == "add":
                y = y + CHAIN_ADD
            else:
                y = np.tanh(y)
                saved.append(y)
        total = float(y.sum())
        grad = np.ones_like(y)
        for kind in reversed(kinds):
            if kind == "mul":
                grad = grad * CHAIN_MUL
            elif kind == "tanh":
                out = saved.pop()
                grad = grad * (1.0 - out * out)
        return total, grad

    return run


def long_chain(x0: np.ndarray, n_ops: int) -> Callable[[], tuple[float, np.ndarray]]:
    """Row 6's chain x * 1.0001 repeated, forward and backward (for the check only)."""

    def run() -> tuple[float, np.ndarray]:
        y = x0
        for _ in range(n_ops):
            y = y * LONG_CHAIN_FACTOR
        grad = np.ones_like(y)
        for _ in range(n_ops):
            grad = grad * LONG_CHAIN_FACTOR
        return float(y.sum()), grad

    return run


# --------------------------------------------------------------------------- row 5


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # exp only of -|z|, so no overflow for any z.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def xor_train(problem: Problem) -> Trainer:
    """Full-batch training of the 2-8-1 tanh/sigmoid net with BCE and SGD with momentum.

    ``step()`` runs all XOR_STEPS steps and returns (final loss, final weights);
    ``reset()`` (untimed) puts back the initial weights and empties the momentum buffers.
    BCE follows torch.nn.BCELoss: each log clamped at -100, gradient
    (p - y) / max(p (1 - p), 1e-12) / N, then through the sigmoid's p (1 - p). Momentum
    follows torch.optim.SGD: the buffer starts as the first gradient, then
    buf = momentum * buf + grad, and p -= lr * buf.
    """
    x, y = problem.x, problem.target
    n = y.size
    params = problem.arrays()
    buffers: list[np.ndarray | None] = [None] * 4

    def train() -> tuple[float, list[np.ndarray]]:
        W1, b1, W2, b2 = params
        loss = float("nan")
        for _ in range(XOR_STEPS):
            h = np.tanh(x @ W1 + b1)
            p = _sigmoid(h @ W2 + b2)
            log_p = np.maximum(np.log(p), -100.0)
            log_q = np.maximum(np.log(1.0 - p), -100.0)
            loss = float(-np.mean(y * log_p + (1.0 - y) * log_q))
            pq = p * (1.0 - p)
            dp = (p - y) / np.maximum(pq, 1e-12) * (1.0 / n)
            dz2 = dp * pq
            dW2 = h.T @ dz2
            db2 = dz2.sum(axis=0)
            dz1 = (dz2 @ W2.T) * (1.0 - h * h)
            dW1 = x.T @ dz1
            db1 = dz1.sum(axis=0)
            for i, (param, grad) in enumerate(zip(params, (dW1, db1, dW2, db2))):
                buf = buffers[i]
                if buf is None:
                    buf = buffers[i] = grad.copy()
                else:
                    buf *= XOR_MOMENTUM
                    buf += grad
                param -= XOR_LR * buf
        return loss, params

    def reset() -> None:
        for i, (param, value) in enumerate(zip(params, problem.init.values())):
            param[...] = value
            buffers[i] = None

    return Trainer(train, reset, params)


def xor_predict(params: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    """Probabilities of class 1 for the trained net (used to check 100% accuracy)."""
    W1, b1, W2, b2 = params
    return _sigmoid(np.tanh(x @ W1 + b1) @ W2 + b2)
