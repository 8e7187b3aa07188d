"""Threads: two trainings at once give what each gives alone; grad mode and anomaly mode
(with its NumPy error state) stay in the thread that set them."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim

State = dict[str, np.ndarray]
TIMEOUT = 60.0


@pytest.fixture(autouse=True)
def frequent_switches() -> Iterator[None]:
    """Threads take turns every few microseconds instead of every 5 ms, so they interleave
    inside forward, backward and step rather than running one after the other."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def train_classifier(epoch_end: Callable[[], None] = lambda: None) -> State:
    """Moons, Dense-BatchNorm-ReLU-Dropout-Dense, cross-entropy, Adam: fully seeded."""
    X, y = mg.data.make_moons(n_samples=96, noise=0.2, rng=1)
    model = nn.Sequential(nn.Dense(2, 16, rng=2), nn.BatchNorm1d(16), nn.ReLU(),
                          nn.Dropout(0.2, rng=3), nn.Dense(16, 2, rng=4))
    opt = optim.Adam(model.parameters(), lr=0.01)
    mg.fit(model, X, y, loss=nn.CrossEntropyLoss(), optimizer=opt, epochs=8, batch_size=16,
           verbose=0, rng=5, callbacks=[EveryEpoch(epoch_end)])
    return {**model.state_dict(), **{f"opt.{k}": v for k, v in opt.state_dict().items()}}


def train_regressor(epoch_end: Callable[[], None] = lambda: None) -> State:
    """Circles as regression, Dense-Tanh-Dense-Sigmoid, BCE, SGD with Nesterov momentum."""
    X, y = mg.data.make_circles(n_samples=80, noise=0.1, rng=6)
    model = nn.Sequential(nn.Dense(2, 12, rng=7, dtype=np.float32), nn.Tanh(),
                          nn.Dense(12, 1, rng=8, dtype=np.float32), nn.Sigmoid())
    opt = optim.SGD(model.parameters(), lr=0.3, momentum=0.9, nesterov=True)
    mg.fit(model, X.astype(np.float32), y.reshape(-1, 1).astype(np.float32),
           loss=nn.BCELoss(), optimizer=opt, epochs=8, batch_size=10, verbose=0, rng=9,
           callbacks=[EveryEpoch(epoch_end)])
    return {**model.state_dict(), **{f"opt.{k}": v for k, v in opt.state_dict().items()}}


class EveryEpoch(mg.Callback):
    def __init__(self, action: Callable[[], None]) -> None:
        self.action = action

    def on_epoch_end(self, epoch: int, logs: dict[str, float], fit_state: Any) -> None:
        self.action()


def run_in_threads(*jobs: Callable[[], Any]) -> list[Any]:
    """Run the jobs in one thread each and return their results; re-raise any failure."""
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def runner(index: int, job: Callable[[], Any]) -> None:
        try:
            results[index] = job()
        except BaseException as error:  # handed to the main thread below
            errors.append(error)

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    if errors:
        raise errors[0]
    return results


def assert_same_bits(got: State, expected: State) -> None:
    assert list(got) == list(expected)
    for key, value in expected.items():
        other = got[key]
        assert other.dtype == value.dtype and other.tobytes() == value.tobytes(), key


def test_two_models_trained_at_once_equal_their_solo_runs():
    alone = [train_classifier(), train_regressor()]
    # Each epoch ends at a shared barrier, so the two trainings run side by side throughout.
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    together = run_in_threads(lambda: train_classifier(barrier.wait),
                              lambda: train_regressor(barrier.wait))
    for got, expected in zip(together, alone):
        assert_same_bits(got, expected)


def test_the_same_training_in_four_threads_gives_four_identical_results():
    alone = train_classifier()
    for result in run_in_threads(*[train_classifier] * 4):
        assert_same_bits(result, alone)


def test_a_thread_in_no_grad_and_anomaly_mode_does_not_disturb_a_training():
    alone = train_classifier()
    inside, done = threading.Event(), threading.Event()
    observed: dict[str, Any] = {"anomalies": 0, "inferences": 0}

    def observer() -> None:
        model = nn.Sequential(nn.Dense(2, 4, rng=0), nn.Tanh())
        with mg.no_grad(), mg.detect_anomaly():
            inside.set()
            while True:  # at least once, however quickly the trainer finishes
                out = model(np.ones((3, 2)))
                assert not out.requires_grad  # its own no_grad holds all along
                try:
                    mg.Tensor([-1.0]).log()
                except mg.AnomalyError:  # and so does its own anomaly mode
                    observed["anomalies"] += 1
                observed["inferences"] += 1
                if done.is_set():
                    break
            observed["own errstate"] = np.geterr()["invalid"]
        observed["after"] = (mg.is_grad_enabled(), np.geterr()["invalid"])

    checks: list[tuple[bool, str, bool]] = []

    def trainer_check() -> None:
        # Inside the trainer: grad on, NumPy's error state untouched, anomaly mode off
        # (log(0) is -inf without an AnomalyError).
        with np.errstate(divide="ignore"):
            value = mg.Tensor([0.0]).log().data[0]
        checks.append((mg.is_grad_enabled(), np.geterr()["invalid"], value == -np.inf))

    def trainer() -> State:
        assert inside.wait(TIMEOUT)
        try:
            return train_classifier(trainer_check)
        finally:
            done.set()

    _, trained = run_in_threads(observer, trainer)
    assert_same_bits(trained, alone)
    assert checks == [(True, "warn", True)] * 8
    assert observed["anomalies"] == observed["inferences"] > 0
    assert observed["own errstate"] == "ignore"
    assert observed["after"] == (True, "warn")


def test_one_model_serves_a_no_grad_thread_and_a_recording_thread_at_once():
    model = nn.Sequential(nn.Dense(3, 8, rng=0), nn.GELU(), nn.Dense(8, 2, rng=1))
    X = np.random.default_rng(0).normal(size=(5, 3))
    expected = model(X).data
    barrier = threading.Barrier(2, timeout=TIMEOUT)

    def serve(record: bool) -> list[bool]:
        flags = []
        with mg.set_grad_enabled(record):
            for _ in range(200):
                barrier.wait()
                out = model(X)
                flags.append(out.requires_grad == record and np.array_equal(out.data, expected))
        return flags

    for flags in run_in_threads(lambda: serve(False), lambda: serve(True)):
        assert all(flags) and len(flags) == 200


def test_one_layer_object_called_from_two_threads_keeps_each_calls_context():
    # Per-call contexts: what backward needs is never on the layer, so concurrent calls
    # each get the input gradient of their own input.
    layer = nn.Sequential(nn.Dense(4, 6, rng=0), nn.Tanh(), nn.Dense(6, 3, rng=1))
    inputs = [np.random.default_rng(seed).normal(size=(2, 4)) for seed in (1, 2)]

    def input_grad(X: np.ndarray) -> np.ndarray:
        x = mg.Tensor(X, requires_grad=True)
        (layer(x) ** 2).sum().backward()
        assert x.grad is not None
        return x.grad

    expected = [input_grad(X) for X in inputs]
    barrier = threading.Barrier(2, timeout=TIMEOUT)

    def repeat(index: int) -> bool:
        same = True
        for _ in range(150):
            barrier.wait()
            same &= bool(np.array_equal(input_grad(inputs[index]), expected[index]))
        return same

    assert run_in_threads(lambda: repeat(0), lambda: repeat(1)) == [True, True]


def test_concurrent_backward_into_one_shared_parameter_loses_nothing():
    layer, x = nn.Dense(64, 64, rng=0), np.ones((4, 64))
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible to provoke the race
    try:
        def work() -> None:
            for _ in range(400):
                layer(x).sum().backward()

        threads = [threading.Thread(target=work) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    # d(sum(x @ W + b))/dW = x.T @ ones = 4 everywhere, once per backward: 800 backward calls.
    np.testing.assert_array_equal(layer.W.grad, np.full((64, 64), 3200.0))
