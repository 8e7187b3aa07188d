"""One playground network: built from the settings, trained a batch at a time, and looked at.

A :class:`Net` is an ``nn.Sequential`` of ``Dense -> activation [-> Dropout]`` per hidden
layer and a ``Dense`` to one output (a logit for ``bce``, ``tanh`` of it for ``mse``). What
the page draws comes from minigrad itself: the outputs over a grid of the plane, each hidden
unit's output there, the gradient of the loss at each unit (``retain_grad`` and
``loss.backward()``), and each activation's derivative from its own backward.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad import nn, optim
from minigrad.diagnostics import COUPLED
from minigrad.experiments import activation_settings
from minigrad.grad_mode import no_grad
from minigrad.playground.config import EXTENT, Config
from minigrad.playground.problem import Problem, features
from minigrad.tensor import Tensor

# A unit is marked saturated when |f'(z)| < SATURATED_SLOPE on more than SATURATED_SHARE of
# the training points (and it is not dead): it passes almost no gradient back.
SATURATED_SLOPE = 0.01
SATURATED_SHARE = 0.9


def grid_points(cells: int) -> np.ndarray:
    """Cell centres of a ``cells`` x ``cells`` grid over the plane, row 0 at the top
    (x2 = +EXTENT), column 0 at the left (x1 = -EXTENT): shape (cells², 2)."""
    centres = (np.arange(cells) + 0.5) / cells * 2 * EXTENT - EXTENT
    x1, x2 = np.meshgrid(centres, centres[::-1])
    return np.stack([x1.ravel(), x2.ravel()], axis=1)


def _bytes(values: np.ndarray) -> str:
    """Values in [0, 1] as base64 of uint8 (what the page's canvases take); NaN (a diverged
    network) shows as 0.5, undecided."""
    levels = np.round(np.clip(np.nan_to_num(values, nan=0.5), 0, 1) * 255).astype(np.uint8)
    return base64.b64encode(levels.tobytes()).decode("ascii")


def _grad(t: Tensor | None) -> np.ndarray:
    """The gradient backward left on ``t`` (a retained output or a parameter)."""
    assert t is not None and t.grad is not None, "backward reached every unit"
    return t.grad


def _value(t: Tensor | None) -> np.ndarray:
    assert t is not None
    return t.data


def make_optimizer(kind: str, params: Any, lr: float, l2: float) -> Any:
    """``sgd``, ``momentum`` (SGD with momentum 0.9) or ``adam``; ``l2`` is weight decay."""
    if kind == "adam":
        return optim.Adam(params, lr=lr, weight_decay=l2)
    return optim.SGD(params, lr=lr, momentum=0.9 if kind == "momentum" else 0.0,
                     weight_decay=l2)


class Net:
    """A network of the playground with its loss and optimizer.

    ``seed`` fixes the initial weights: two nets built with the same seed and widths start
    from the same Dense weights whatever their activations (Xavier for every layer, so the
    comparison changes nothing but the activation).
    """

    def __init__(self, config: Config, activations: Sequence[str], n_inputs: int) -> None:
        self.activations = list(activations)
        self.bce = config.loss == "bce"
        weights = np.random.default_rng(config.seed)
        drop = np.random.default_rng([config.seed, 1])
        layers: list[nn.Module] = []
        width = n_inputs
        self.hidden: list[tuple[nn.Dense, nn.Module]] = []
        for size, name in zip(config.hidden, activations):
            dense = nn.Dense(width, size, init="xavier", rng=weights)
            act = nn.get_activation(name, **activation_settings(name))
            layers += [dense, act]
            if config.dropout > 0:
                layers.append(nn.Dropout(config.dropout, rng=drop))
            self.hidden.append((dense, act))
            width = size
        self.output = nn.Dense(width, 1, init="xavier", rng=weights)
        layers.append(self.output)
        if not self.bce:
            layers.append(nn.Tanh())
        self.model = nn.Sequential(*layers)
        self.loss_fn = nn.BCEWithLogitsLoss() if self.bce else nn.MSELoss()
        self.optimizer_kind = config.optimizer
        self.optimizer = make_optimizer(config.optimizer, self.model.parameters(),
                                        config.learning_rate, config.l2)

    def set_optimizer(self, kind: str, lr: float, l2: float) -> None:
        """Another optimizer (fresh state) if ``kind`` changed, else new lr and l2 in place."""
        if kind != self.optimizer_kind:
            self.optimizer_kind = kind
            self.optimizer = make_optimizer(kind, self.model.parameters(), lr, l2)
        else:
            self.optimizer.lr = lr
            self.optimizer.weight_decay = l2

    def targets(self, y: np.ndarray) -> np.ndarray:
        """Labels as the loss takes them: 0/1 for BCE, -1/+1 for tanh + MSE."""
        t = y.astype(np.float64) if self.bce else 2.0 * y - 1.0
        return t.reshape(-1, 1)

    def probability(self, out: np.ndarray) -> np.ndarray:
        """P(class 1) from the network's output (a logit, or tanh in [-1, 1])."""
        if self.bce:
            return 0.5 * (1.0 + np.tanh(0.5 * out))  # the sigmoid, without overflow
        return (out + 1.0) / 2.0

    def step(self, X: np.ndarray, y: np.ndarray) -> float:
        """One optimizer step on a batch; returns the batch's loss before the step."""
        self.model.train()
        self.optimizer.zero_grad()
        loss = self.loss_fn(self.model(Tensor(X)), Tensor(self.targets(y)))
        loss.backward()
        self.optimizer.step()
        return float(loss.data)

    def _forward_units(self, X: np.ndarray, retain: bool = True
                       ) -> tuple[list[Tensor], list[Tensor], Tensor]:
        """Forward of ``X`` keeping each Dense layer's output z, each hidden activation's
        output a and the network's output (their gradients retained if ``retain``)."""
        zs, acts = [], []
        h = Tensor(X)
        for module in self.model:
            h = module(h)
            if any(module is dense for dense, _ in self.hidden) or module is self.output:
                zs.append(h)
            elif any(module is act for _, act in self.hidden):
                acts.append(h)
        for t in zs + acts + [h] if retain else ():
            t.retain_grad()
        return zs, acts, h

    def metrics(self, X: np.ndarray, y: np.ndarray) -> tuple[float | None, float | None]:
        """(mean loss, accuracy) on a set; None for an empty set."""
        if len(X) == 0:
            return None, None
        self.model.eval()
        with no_grad():
            out = self.model(Tensor(X))
            loss = float(self.loss_fn(out, Tensor(self.targets(y))).data)
        correct = (self.probability(out.data[:, 0]) > 0.5) == (y == 1)
        return loss, float(correct.mean())

    def _unit_flags(self, z: np.ndarray, act: nn.Module) -> list[tuple[bool | None, bool | None]]:
        """(dead, saturated) of each unit from the activation's derivative at ``z``."""
        if isinstance(act, COUPLED) or len(z) == 0:
            return [(None, None)] * z.shape[1]
        zt = Tensor(z, requires_grad=True)
        act(zt).sum().backward()
        slope = np.abs(_grad(zt))
        dead = (slope == 0).all(axis=0)
        flat = (slope < SATURATED_SLOPE).mean(axis=0) > SATURATED_SHARE
        return [(bool(d), bool(f and not d)) for d, f in zip(dead, flat)]

    def frame(self, problem: Problem, names: Sequence[str], grid: np.ndarray,
              neuron_grid: np.ndarray) -> dict[str, Any]:
        """What the page draws of this net: metrics, boundary, units, weights."""
        train_loss, train_accuracy = self.metrics(problem.X_train, problem.y_train)
        test_loss, test_accuracy = self.metrics(problem.X_test, problem.y_test)
        self.model.eval()
        with no_grad():
            boundary = self.probability(self.model(Tensor(features(grid, names))).data[:, 0])
            _, unit_maps, _ = self._forward_units(features(neuron_grid, names), retain=False)
        # The gradient of the loss that reaches each unit's weights, dL/dz, over the training
        # points (eval mode): 0 for a dead unit, tiny for a saturated one.
        grads: list[np.ndarray] = []
        zs: list[np.ndarray] = []
        if len(problem.X_train):
            z_t, _, out = self._forward_units(problem.X_train)
            loss = self.loss_fn(out, Tensor(self.targets(problem.y_train)))
            loss.backward()
            n = len(problem.X_train)
            # The loss is a mean over the points: n * dL/dz is each point's own dL_i/dz.
            grads = [np.abs(_grad(z) * n).mean(axis=0) for z in z_t[:-1]]
            zs = [z.data for z in z_t]
            self.optimizer.zero_grad()
        layers = []
        for k, ((_, act), maps) in enumerate(zip(self.hidden, unit_maps)):
            values = maps.data
            scale = np.abs(values).max(axis=0)
            flags = (self._unit_flags(zs[k], act) if zs else
                     [(None, None)] * values.shape[1])
            layers.append([
                {"heatmap": _bytes((values[:, i] / scale[i] + 1) / 2 if scale[i] > 0
                                   else np.full(len(values), 0.5)),
                 "scale": float(scale[i]),
                 "grad": float(grads[k][i]) if grads else None,
                 "dead": flags[i][0], "saturated": flags[i][1]}
                for i in range(values.shape[1])])
        dense = [d for d, _ in self.hidden] + [self.output]
        return {
            "activations": self.activations,
            "train_loss": train_loss, "test_loss": test_loss,
            "train_accuracy": train_accuracy, "test_accuracy": test_accuracy,
            "boundary": _bytes(boundary),
            "neurons": layers,
            "weights": [{"W": d.W.data.tolist(), "b": _value(d.b).tolist()} for d in dense],
        }

    def trace(self, x: np.ndarray, label: int) -> dict[str, Any]:
        """Forward and backward of one point, as ``loss.backward()`` computes them."""
        self.model.eval()
        self.optimizer.zero_grad()
        zs, acts, out = self._forward_units(x.reshape(1, -1))
        loss = self.loss_fn(out, Tensor(self.targets(np.array([label]))))
        loss.backward()
        dense = [d for d, _ in self.hidden] + [self.output]
        # The output layer's "a" is the network's output: the logit for bce, tanh's output
        # for mse ("p" is the probability of class 1 the page shows).
        outputs = acts + [out]
        layers = []
        for k, d in enumerate(dense):
            z, a = zs[k], outputs[k]
            layers.append({
                "z": z.data[0].tolist(),
                "a": a.data[0].tolist(), "dL_da": _grad(a)[0].tolist(),
                "dL_dz": _grad(z)[0].tolist(),
                "dL_dW": _grad(d.W).tolist(), "dL_db": _grad(d.b).tolist(),
                "W": d.W.data.tolist(), "b": _value(d.b).tolist(),
            })
        result = {"loss": float(loss.data), "p": float(self.probability(out.data[0, 0])),
                  "layers": layers}
        self.optimizer.zero_grad()
        return result
