"""Trust in the training loop: modes left as found, EarlyStopping on Keras's epoch, dead units
from each activation's own derivative, metrics and logged losses that follow the loss."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.callbacks import Callback, FitState, History
from minigrad.diagnostics import activation_stats, gradient_flow

# --------------------------------------------------------------------------- helpers


def regression_data(n: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, X @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * rng.normal(size=(n, 1))


def modes(model: nn.Module) -> dict[str, bool]:
    return {name: module.training for name, module in model.named_modules()}


def mixed_model() -> nn.Sequential:
    """Sub-modules in different modes: a frozen (eval) BatchNorm inside a training model."""
    model = nn.Sequential(nn.Dense(3, 4, rng=0), nn.BatchNorm1d(4), nn.ReLU(),
                          nn.Dropout(0.5), nn.Dense(4, 1, rng=1))
    model[1].eval()
    return model


class ModeSpy(nn.Layer):
    """An identity layer that records its ``training`` flag at each call."""

    def __init__(self) -> None:
        self.seen: list[bool] = []

    def forward(self, ctx: Any, x: np.ndarray) -> np.ndarray:  # type: ignore[override]
        self.seen.append(self.training)
        return x

    def backward(self, ctx: Any, dout: np.ndarray) -> np.ndarray:
        return dout


# --------------------------------------------------------------------------- 1. modes


def test_evaluate_restores_each_modules_mode() -> None:
    X, y = regression_data()
    model = mixed_model()
    before = modes(model)
    assert before["1"] is False and before["3"] is True
    mg.evaluate(model, X, y, nn.MSELoss())
    assert modes(model) == before
    model.eval()
    mg.evaluate(model, X, y, nn.MSELoss())
    assert not any(modes(model).values())


def test_hand_written_loop_that_validates_keeps_training_in_train_mode() -> None:
    X, y = regression_data(n=16)
    model = nn.Sequential(nn.Dense(3, 4, rng=0), nn.BatchNorm1d(4), nn.Dropout(0.5),
                          nn.Dense(4, 1, rng=1))
    opt = optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()
    for _ in range(3):
        before = model[1].running_mean.data.copy()
        loss = loss_fn(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        # BatchNorm still learns its running statistics, Dropout still drops.
        assert not np.array_equal(model[1].running_mean.data, before)
        mg.evaluate(model, X, y, loss_fn)
        assert model[2].training and model[1].training


@pytest.mark.parametrize("setup", ["train", "eval", "mixed"])
def test_fit_trains_in_train_mode_validates_in_eval_and_restores_modes(setup: str) -> None:
    X, y = regression_data(n=16)
    spy = ModeSpy()
    model = nn.Sequential(nn.Dense(3, 4, rng=0), spy, nn.BatchNorm1d(4), nn.Dense(4, 1, rng=1))
    if setup == "eval":
        model.eval()
    elif setup == "mixed":
        model[2].eval()
    before = modes(model)
    running = model[2].running_mean.data.copy()
    mg.fit(model, X, y, loss=nn.MSELoss(), optimizer=optim.SGD(model.parameters(), lr=0.01),
           epochs=2, batch_size=8, validation_data=(X, y), verbose=0, rng=0)
    assert modes(model) == before
    # First fit's dry runs on X and X_val (eval); then per epoch two batches and a validation.
    assert spy.seen == [False, False] + [True, True, False] * 2
    assert not np.array_equal(model[2].running_mean.data, running)  # BatchNorm trained


@pytest.mark.parametrize("setup", ["train", "eval", "mixed"])
def test_fit_trains_every_epoch_in_train_mode_without_validation(setup: str) -> None:
    X, y = regression_data(n=16)
    spy = ModeSpy()
    model = nn.Sequential(nn.Dense(3, 4, rng=0), spy, nn.BatchNorm1d(4), nn.Dense(4, 1, rng=1))
    if setup == "eval":
        model.eval()
    elif setup == "mixed":
        model[1].eval()
    before = modes(model)
    mg.fit(model, X, y, loss=nn.MSELoss(), optimizer=optim.SGD(model.parameters(), lr=0.01),
           epochs=3, batch_size=8, verbose=0, rng=0)
    assert modes(model) == before
    assert spy.seen == [False] + [True, True] * 3  # the dry run, then two batches per epoch


def test_fit_trains_in_train_mode_after_a_callback_switched_to_eval() -> None:
    X, y = regression_data(n=16)
    spy = ModeSpy()
    model = nn.Sequential(nn.Dense(3, 4, rng=0), spy, nn.Dense(4, 1, rng=1))

    class EvalAtEpochEnd(Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, float], fit_state: FitState
                         ) -> None:
            self.model.eval()  # e.g. to draw a picture, without switching back

    mg.fit(model, X, y, loss=nn.MSELoss(), optimizer=optim.SGD(model.parameters(), lr=0.01),
           epochs=3, batch_size=8, verbose=0, rng=0, callbacks=[EvalAtEpochEnd()])
    assert spy.seen == [False] + [True, True] * 3
    assert all(modes(model).values())  # restored to the modes fit was called with


def test_fit_restores_modes_when_training_fails() -> None:
    X, y = regression_data()
    model = mixed_model()
    before = modes(model)
    opt = optim.SGD(model.parameters(), lr=1e8)
    with pytest.raises(FloatingPointError), np.errstate(all="ignore"):
        mg.fit(model, X, y * 1e6, loss=nn.MSELoss(), optimizer=opt, epochs=50, verbose=0)
    assert modes(model) == before


# --------------------------------------------------------------------------- 2. EarlyStopping


def keras_stop(values: list[float], monitor: str = "val_loss", **kwargs: Any
               ) -> tuple[int | None, int | None]:
    """(epoch at which EarlyStopping stops training or None, best epoch) for the values."""
    model = nn.Sequential(nn.Dense(1, 1, rng=0))
    stopper = mg.EarlyStopping(monitor=monitor, **kwargs)
    stopper.model = model
    state = FitState(model, History())
    stopper.on_train_begin(state)
    for epoch, value in enumerate(values):
        stopper.on_epoch_end(epoch, {monitor: value}, state)
        if state.stop_training:
            assert stopper.stopped_epoch == epoch
            return epoch, stopper.best_epoch
    assert stopper.stopped_epoch == 0
    return None, stopper.best_epoch


# Each expectation is Keras's rule worked by hand (wait += 1 every monitored epoch; reset on
# an improvement that also beats the baseline; stop when wait >= patience and epoch > 0).
KERAS_TRAJECTORIES = [
    # best at epoch 1, then epochs 2, 3, 4 without improvement: wait 1, 2, 3 -> stop at 4.
    ("patience 3", [1.0, 0.9, 0.95, 0.92, 0.91, 0.5, 0.4], {"patience": 3}, (4, 1)),
    # min_delta: 0.97 is not 0.05 below 1.0 (wait 1); 0.94 is (best, wait 0); 0.90 and 0.89
    # are not 0.05 below 0.94: wait 1, 2 -> stop at epoch 4.
    ("min_delta", [1.0, 0.97, 0.94, 0.90, 0.89, 0.5], {"patience": 2, "min_delta": 0.05},
     (4, 2)),
    # a negative min_delta counts by its size, as in Keras.
    ("negative min_delta", [1.0, 0.97, 0.94, 0.90, 0.89, 0.5],
     {"patience": 2, "min_delta": -0.05}, (4, 2)),
    # "auto" maximises accuracy: 0.6 ties are no improvement: wait 1, 2 -> stop at 3.
    ("max mode", [0.5, 0.6, 0.6, 0.55, 0.7], {"patience": 2, "monitor": "val_accuracy"},
     (3, 1)),
    ("explicit max", [0.5, 0.6, 0.6, 0.55, 0.7], {"patience": 2, "mode": "max"}, (3, 1)),
    # patience 0: the first epoch without improvement stops (never epoch 0).
    ("patience 0", [1.0, 1.0, 0.5], {"patience": 0}, (1, 0)),
    # baseline 0.5: improvements that stay above it do not reset wait (1, 2 after epochs 0
    # and 1); epoch 2 does not improve, wait 3 >= 2 -> stop at 2.
    ("baseline", [0.9, 0.8, 0.85, 0.3], {"patience": 2, "baseline": 0.5}, (2, 1)),
    ("no baseline", [0.9, 0.8, 0.85, 0.3], {"patience": 2}, (None, 3)),
    # warm-up: epochs 0 and 1 are not monitored; best 10 at epoch 2, stop at 3.
    ("start_from_epoch", [5.0, 4.0, 10.0, 11.0, 12.0], {"patience": 1, "start_from_epoch": 2},
     (3, 2)),
    # never stops: each value improves.
    ("improving", [5.0, 4.0, 3.0, 2.0], {"patience": 1}, (None, 3)),
]


@pytest.mark.parametrize("values, kwargs, expected",
                         [case[1:] for case in KERAS_TRAJECTORIES],
                         ids=[case[0] for case in KERAS_TRAJECTORIES])
def test_early_stopping_stops_on_the_keras_epoch(values: list[float], kwargs: dict[str, Any],
                                                 expected: tuple[int | None, int]) -> None:
    assert keras_stop(values, **kwargs) == expected


class Scripted(Callback):
    """Replaces the monitored loss by a script and keeps each epoch's weights."""

    def __init__(self, script: list[float]) -> None:
        self.script, self.states = script, []

    def on_epoch_end(self, epoch: int, logs: dict[str, float], fit_state: FitState) -> None:
        logs["loss"] = self.script[epoch]
        self.states.append(self.model.state_dict())


def scripted_fit(script: list[float], epochs: int, **kwargs: Any
                 ) -> tuple[nn.Module, History, Scripted, mg.EarlyStopping]:
    X, y = regression_data()
    model = nn.Sequential(nn.Dense(3, 1, rng=0))
    scripted, stopper = Scripted(script), mg.EarlyStopping(monitor="loss", **kwargs)
    history = mg.fit(model, X, y, loss=nn.MSELoss(), epochs=epochs, verbose=0, rng=0,
                     optimizer=optim.SGD(model.parameters(), lr=0.01),
                     callbacks=[scripted, stopper])
    return model, history, scripted, stopper


def test_fit_stops_after_patience_epochs_and_restores_the_best_weights() -> None:
    model, history, scripted, stopper = scripted_fit(
        [1.0, 0.5, 0.7, 0.8, 0.9, 0.1, 0.1], epochs=7, patience=3)
    assert history.epochs == 5 and history.stopped_epoch == 4 == stopper.stopped_epoch
    assert stopper.best_epoch == 1
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, scripted.states[1][name])
        assert not np.array_equal(value, scripted.states[4][name])


def test_without_stopping_the_last_weights_stay_as_in_keras() -> None:
    # Keras (tf.keras 2) restores the best weights only when EarlyStopping stops training.
    model, history, scripted, stopper = scripted_fit([1.0, 0.5, 0.7], epochs=3, patience=3)
    assert history.epochs == 3 and history.stopped_epoch is None and stopper.stopped_epoch == 0
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, scripted.states[2][name])


def test_restore_best_weights_false_keeps_the_last_weights() -> None:
    model, history, scripted, _ = scripted_fit([1.0, 2.0, 3.0], epochs=5, patience=2,
                                               restore_best_weights=False)
    assert history.epochs == 3
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, scripted.states[2][name])


def test_never_improving_restores_the_first_monitored_epoch() -> None:
    # Keras keeps the first monitored epoch's weights until something improves.
    model, history, scripted, stopper = scripted_fit([np.nan] * 4, epochs=4, patience=1)
    assert history.epochs == 2 and stopper.best_epoch == 0
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, scripted.states[0][name])


@pytest.mark.parametrize("kwargs, error, message", [
    ({"patience": -1}, ValueError, "EarlyStopping: patience must be an integer >= 0, got -1"),
    ({"patience": 1.5}, ValueError, "patience must be an integer >= 0, got 1.5"),
    ({"start_from_epoch": -2}, ValueError, "start_from_epoch must be an integer >= 0"),
    ({"mode": "up"}, ValueError, "mode must be 'auto', 'min' or 'max', got 'up'"),
    ({"baseline": "low"}, TypeError, "EarlyStopping: baseline must be a number, got 'low'"),
    ({"min_delta": None}, TypeError, "min_delta must be a number, got None"),
])
def test_early_stopping_arguments_are_checked(kwargs: dict[str, Any], error: type,
                                              message: str) -> None:
    with pytest.raises(error, match=message):
        mg.EarlyStopping(**kwargs)


# --------------------------------------------------------------------------- 4. dead units


def negative_model(activation: nn.Module, bias: float = -3.0) -> nn.Sequential:
    """Dense(2, 5) whose pre-activations all lie in [bias - 1, bias + 1] on unit inputs."""
    model = nn.Sequential(nn.Dense(2, 5, rng=0), activation, nn.Dense(5, 1, rng=1))
    model[0].W.data[...] = np.random.default_rng(0).uniform(-0.5, 0.5, size=(2, 5))
    model[0].b.data[...] = bias
    return model


def unit_inputs(n: int = 64) -> np.ndarray:
    return np.random.default_rng(1).uniform(-1.0, 1.0, size=(n, 2))


NEVER_DEAD = [nn.LeakyReLU(), nn.ELU(), nn.CELU(), nn.SELU(), nn.PReLU(), nn.Softplus()]


@pytest.mark.parametrize("activation", NEVER_DEAD, ids=lambda a: type(a).__name__)
def test_activations_that_always_pass_a_gradient_have_no_dead_units(activation: nn.Module
                                                                    ) -> None:
    model = negative_model(activation)
    X = unit_inputs()
    pre = model[0](X).data
    assert (pre < 0).all()
    report = gradient_flow(model, X, np.zeros((len(X), 1)), nn.MSELoss())
    row = next(r for r in report if r.name == "1")
    assert row.kind == type(activation).__name__ and row.dead_share == 0.0
    history = mg.fit(model, X, np.zeros((len(X), 1)), loss=nn.MSELoss(), epochs=1,
                     optimizer=optim.SGD(model.parameters(), lr=0.0), verbose=0,
                     diagnostics=True)
    assert next(r for r in history.diagnostics[-1] if r.name == "1").dead_share == 0.0


def test_relu_with_negative_inputs_is_all_dead() -> None:
    model = negative_model(nn.ReLU())
    X = unit_inputs()
    assert activation_stats(model, X) == {"1": ("ReLU", 1.0, None)}


@pytest.mark.parametrize("bias, dead", [(10.0, 1.0), (3.0, 0.0), (-3.0, 1.0)])
def test_relu6_is_dead_when_saturated_at_either_end(bias: float, dead: float) -> None:
    model = negative_model(nn.ReLU6(), bias=bias)
    assert activation_stats(model, unit_inputs())["1"][1] == dead


def test_hardtanh_saturated_both_ways_is_dead() -> None:
    model = negative_model(nn.Hardtanh())
    model[0].b.data[...] = [5.0, -5.0, 5.0, -5.0, 0.0]  # the last unit stays in (-1, 1)
    model[0].W.data[...] = 0.1
    assert activation_stats(model, unit_inputs())["1"] == ("Hardtanh", pytest.approx(0.8),
                                                           None)


def test_dead_units_come_from_the_layers_backward_not_from_outputs() -> None:
    # Threshold(0.5, 2.0): outputs are positive (2.0) everywhere below the threshold, yet the
    # derivative there is 0; an output-sign test would call these units alive.
    model = negative_model(nn.Threshold(0.5, 2.0))
    assert activation_stats(model, unit_inputs())["1"][1] == 1.0


def test_diagnostics_replace_no_layer_method_during_training() -> None:
    model = negative_model(nn.ReLU())
    X = unit_inputs(16)

    class Inspect(Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, float], fit_state: FitState
                         ) -> None:
            assert all("forward" not in vars(m) for m in self.model.modules())

    mg.fit(model, X, np.zeros((16, 1)), loss=nn.MSELoss(), epochs=2, verbose=0,
           optimizer=optim.SGD(model.parameters(), lr=0.01), diagnostics=True,
           callbacks=[Inspect()])


def test_activation_stats_leave_modes_parameters_and_running_statistics_alone() -> None:
    model = nn.Sequential(nn.Dense(2, 5, rng=0), nn.BatchNorm1d(5), nn.ReLU(), nn.Dropout(0.5),
                          nn.Dense(5, 1, rng=1))
    model[0].W.grad = np.ones((2, 5))
    state, before = model.state_dict(), modes(model)
    stats = activation_stats(model, unit_inputs())
    assert list(stats) == ["2"]
    assert modes(model) == before
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, state[name])
    np.testing.assert_array_equal(model[0].W.grad, np.ones((2, 5)))


def test_compare_reports_no_dead_units_for_leaky_activations() -> None:
    from minigrad.experiments import load_dataset, train_run

    dataset = load_dataset("xor")
    for name in ("leaky_relu", "elu", "selu", "celu"):
        run = train_run(dataset, name, seed=0, hidden=(8,), epochs=5, lr=0.1)
        assert run.dead_share == 0.0, name
    model = negative_model(nn.ReLU())
    assert activation_stats(model, unit_inputs())["1"][1] == 1.0


def test_compare_builds_each_activation_with_its_settings() -> None:
    from minigrad.experiments import compare_activations, load_dataset, train_run

    dataset = load_dataset("xor")
    summaries = compare_activations(dataset, ["leaky_relu", "threshold", "relu"], seeds=1,
                                    epochs=1, settings={"Leaky-ReLU": {"alpha": 0.2}})
    leaky, threshold, relu = (s.runs[0].model[1] for s in summaries)
    assert leaky.alpha == 0.2
    # Threshold has no defaults: the shared table's values, unless the caller gives others.
    assert (threshold.threshold, threshold.value) == (1.0, -1.0)
    assert isinstance(relu, nn.ReLU)
    own = train_run(dataset, "threshold", seed=0, hidden=(4,), epochs=1, lr=0.1,
                    activation_kwargs={"threshold": 0.0, "value": 0.5})
    assert (own.model[1].threshold, own.model[1].value) == (0.0, 0.5)


# --------------------------------------------------------------------------- 5. losses


@pytest.mark.parametrize("loss, expected", [
    (nn.MSELoss(), {"loss", "val_loss"}),
    (nn.L1Loss(), {"loss", "val_loss"}),
    (nn.HuberLoss(), {"loss", "val_loss"}),
])
def test_regression_losses_log_no_accuracy(loss: Any, expected: set[str]) -> None:
    X, y = regression_data()
    model = nn.Sequential(nn.Dense(3, 1, rng=0))
    history = mg.fit(model, X, y, loss=loss, optimizer=optim.SGD(model.parameters(), lr=0.01),
                     epochs=2, validation_data=(X, y), verbose=0)
    assert set(history.history) == expected
    assert set(mg.evaluate(model, X, y, loss)) == {"loss"}
    explicit = mg.fit(model, X, y, loss=loss, optimizer=optim.SGD(model.parameters(), lr=0.0),
                      epochs=1, verbose=0, metrics=("accuracy",))
    assert set(explicit.history) == {"loss", "accuracy"}


@pytest.mark.parametrize("loss, targets", [
    (nn.BCELoss(), "binary"), (nn.BCEWithLogitsLoss(), "binary"),
    (nn.CrossEntropyLoss(), "labels"), (nn.NLLLoss(), "labels"),
])
def test_classification_losses_log_accuracy(loss: Any, targets: str) -> None:
    X, labels = mg.data.make_blobs(n_samples=40, centers=2, rng=0)
    if targets == "binary":
        head: list[nn.Module] = [nn.Dense(2, 1, rng=0)]
        head += [nn.Sigmoid()] if isinstance(loss, nn.BCELoss) else []
        y: np.ndarray = labels.reshape(-1, 1).astype(float)
    else:
        head = [nn.Dense(2, 2, rng=0)]
        head += [nn.LogSoftmax()] if isinstance(loss, nn.NLLLoss) else []
        y = labels
    model = nn.Sequential(*head)
    history = mg.fit(model, X, y, loss=loss, optimizer=optim.SGD(model.parameters(), lr=0.1),
                     epochs=2, verbose=0)
    assert set(history.history) == {"loss", "accuracy"}
    assert set(mg.evaluate(model, X, y, loss)) == {"loss", "accuracy"}


def test_sum_reduction_logs_the_mean_per_sample() -> None:
    X, y = regression_data(n=13)
    X_val, y_val = regression_data(n=7, seed=1)
    logged = {}
    for reduction in ("mean", "sum"):
        model = nn.Sequential(nn.Dense(3, 1, rng=0))
        # lr=0: the weights never move, so every batch sees the same model.
        history = mg.fit(model, X, y, loss=nn.MSELoss(reduction=reduction), epochs=2,
                         batch_size=5, optimizer=optim.SGD(model.parameters(), lr=0.0),
                         validation_data=(X_val, y_val), verbose=0, rng=0)
        logged[reduction] = history
    with mg.no_grad():
        per_sample = float(np.mean((model(X).data - y) ** 2))
        per_sample_val = float(np.mean((model(X_val).data - y_val) ** 2))
    for reduction, history in logged.items():
        assert history["loss"] == pytest.approx([per_sample] * 2, rel=1e-12), reduction
        assert history["val_loss"] == pytest.approx([per_sample_val] * 2, rel=1e-12)
    summed = mg.evaluate(model, X, y, nn.MSELoss(reduction="sum"))
    assert summed["loss"] == pytest.approx(per_sample, rel=1e-12)


@pytest.mark.parametrize("call", ["fit", "evaluate"])
def test_reduction_none_is_refused_before_anything_changes(call: str) -> None:
    X, y = regression_data()
    model = mixed_model()
    opt = optim.Adam(model.parameters(), lr=0.1)
    opt.zero_grad()
    mg.fit(model, X, y, loss=nn.MSELoss(), optimizer=opt, epochs=1, verbose=0, rng=0)
    state, opt_state, before = model.state_dict(), opt.state_dict(), modes(model)
    grads = [None if p.grad is None else p.grad.copy() for p in model.parameters()]
    calls: list[str] = []

    class Spy(Callback):
        def on_train_begin(self, fit_state: FitState) -> None:
            calls.append("begin")

    loss = nn.MSELoss(reduction="none")
    message = (rf"{call}: the loss MSELoss\(reduction='none'\) has reduction='none'.*"
               r"use MSELoss\(reduction='mean'\) \(or 'sum'\)")
    with pytest.raises(ValueError, match=message):
        if call == "fit":
            mg.fit(model, X, y, loss=loss, optimizer=opt, epochs=2, verbose=0,
                   callbacks=[Spy()], validation_data=(X, y))
        else:
            mg.evaluate(model, X, y, loss)
    assert calls == [] and modes(model) == before
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, state[name])
    after = opt.state_dict()
    assert sorted(after) == sorted(opt_state)
    for key, value in opt_state.items():
        np.testing.assert_array_equal(after[key], value)
    for p, grad in zip(model.parameters(), grads):
        np.testing.assert_array_equal(p.grad, grad)
