"""One browser tab's playground: its settings, data, network(s) and training position.

A :class:`Session` knows nothing of the web: :mod:`minigrad.playground.app` feeds it the
page's messages and sends what it returns. Training is deterministic given the settings:
the same seed draws the same data, the same initial weights, the same batches and the same
dropout masks, so the exported script (:mod:`minigrad.playground.export`) retrains the
same network step for step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad.playground.config import DEFAULTS, ConfigError, check_config
from minigrad.playground.network import Net, grid_points
from minigrad.playground.problem import make_problem

GRID = 50         # cells per side of the decision-region picture
NEURON_GRID = 24  # cells per side of each unit's heatmap


class Session:
    """Settings, data and networks of one tab; ``step`` trains, ``frame`` shows."""

    def __init__(self, activation_names: Sequence[str]) -> None:
        self.names = list(activation_names)
        self.config = DEFAULTS
        self.problem = make_problem(self.config)
        self._grid = grid_points(GRID)
        self._neuron_grid = grid_points(NEURON_GRID)
        self.reset()

    # ------------------------------------------------------------------ settings

    def apply(self, message: Any) -> bool:
        """Take a new configuration (refused with :class:`ConfigError`, leaving everything
        as it was). Returns True when the weights were reset (new data or network)."""
        new = check_config(message, self.names)
        old, self.config = self.config, new
        if new.data_key() != old.data_key():
            self.problem = make_problem(new)
        if new.data_key() != old.data_key() or new.network_key() != old.network_key():
            self.reset()
            return True
        if new.optimizer != old.optimizer:
            self._new_optimizer = True  # the next step starts a fresh optimizer state
        for net in self.nets:
            net.set_optimizer(new.optimizer, new.learning_rate, new.l2)
        return False

    def reset(self) -> None:
        """New initial weights from the seed, back to step 0."""
        c = self.config
        n_inputs = len(c.features)
        self.nets = [Net(c, c.activations, n_inputs)]
        if c.compare is not None:
            self.nets.append(Net(c, [c.compare] * len(c.hidden), n_inputs))
        self.steps = 0
        self.finite = True  # every loss of the last step was a number
        self._order_rng = np.random.default_rng([c.seed, 2])
        self._order: np.ndarray | None = None
        self._cursor = 0
        self._passes = 0
        # [steps, new optimizer?, optimizer, learning_rate, batch_size, l2] runs as trained,
        # for the export; "new optimizer?" says the run started from a fresh optimizer state.
        self.segments: list[list[Any]] = []
        self._new_optimizer = True

    # ------------------------------------------------------------------ training

    def _next_batch(self, size: int) -> np.ndarray:
        """The next ``size`` training indices of the current pass (fewer at its end); a new
        random order at the start of every pass."""
        n = len(self.problem.y_train)
        if self._order is None or self._cursor >= n:
            if self._order is not None:
                self._passes += 1
            self._order = self._order_rng.permutation(n)
            self._cursor = 0
        batch = self._order[self._cursor:self._cursor + size]
        self._cursor += len(batch)
        return batch

    @property
    def epoch(self) -> float:
        """Passes over the training data, counting the current one's share."""
        if self._order is None:
            return 0.0
        return self._passes + self._cursor / len(self._order)

    @property
    def steps_per_epoch(self) -> int:
        return -(-len(self.problem.y_train) // self.config.batch_size)

    def step(self, count: int = 1) -> None:
        """``count`` optimizer steps of every network on the same batches."""
        if self.problem.missing:
            raise ConfigError(self.problem.missing)
        c = self.config
        settings = [c.optimizer, c.learning_rate, c.batch_size, c.l2]
        X, y = self.problem.X_train, self.problem.y_train
        for _ in range(count):
            batch = self._next_batch(c.batch_size)
            losses = [net.step(X[batch], y[batch]) for net in self.nets]
            self.finite = bool(np.isfinite(losses).all())
            if self._new_optimizer or self.segments[-1][2:] != settings:
                self.segments.append([0, self._new_optimizer, *settings])
                self._new_optimizer = False
            self.segments[-1][0] += 1
            self.steps += 1

    # ------------------------------------------------------------------ what the page sees

    def frame(self, playing: bool = False) -> dict[str, Any]:
        return {
            "type": "frame", "step": self.steps, "epoch": self.epoch, "playing": playing,
            "config": self.config.as_json(),
            "grid": GRID, "neuron_grid": NEURON_GRID,
            "nets": [net.frame(self.problem, self.config.features, self._grid,
                               self._neuron_grid) for net in self.nets],
        }

    def state(self) -> dict[str, Any]:
        train, test = self.problem.as_json()
        return {"type": "state", "config": self.config.as_json(), "train": train,
                "test": test, "frame": self.frame()}

    def trace(self, index: Any) -> dict[str, Any]:
        """Forward and backward of training point ``index`` through every network."""
        n = len(self.problem.y_train)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < n:
            raise ConfigError(f"trace: index must be a training point from 0 to {n - 1}, "
                              f"got {index!r}")
        x = self.problem.X_train[index]
        label = int(self.problem.y_train[index])
        point = [*self.problem.train_points[index].tolist(), label]
        return {"type": "trace", "index": index, "point": point, "inputs": x.tolist(),
                "nets": [net.trace(x, label) for net in self.nets]}
