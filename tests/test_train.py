"""fit(): learning, history, metrics, callbacks, diagnostics, determinism, bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.diagnostics import gradient_flow


def xor_model(activation: str = "tanh", seed: int = 0) -> nn.Sequential:
    return nn.Sequential(nn.Dense(2, 8, rng=seed), nn.get_activation(activation),
                         nn.Dense(8, 1, rng=seed + 1), nn.Sigmoid())


def xor_data() -> tuple[np.ndarray, np.ndarray]:
    X, y = mg.data.make_xor()
    return X, y.reshape(-1, 1).astype(float)


def test_fit_learns_xor_to_full_accuracy():
    X, y = xor_data()
    model = xor_model()
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    history = mg.fit(model, X, y, loss=nn.BCELoss(), optimizer=opt, epochs=200, batch_size=4,
                     verbose=0, rng=0)
    assert history["accuracy"][-1] == 1.0
    assert history["loss"][-1] < 0.1 < history["loss"][0]
    assert history.epochs == 200 and len(history["loss"]) == 200
    assert mg.evaluate(model, X, y, nn.BCELoss())["accuracy"] == 1.0


def test_linear_model_cannot_learn_xor():
    X, y = xor_data()
    model = xor_model("identity")
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    history = mg.fit(model, X, y, loss=nn.BCELoss(), optimizer=opt, epochs=300, batch_size=4,
                     verbose=0, rng=0)
    assert max(history["accuracy"]) <= 0.75


def test_validation_metrics_and_verbose_two_output(capsys):
    X, y = xor_data()
    model = xor_model()
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    history = mg.fit(model, X, y, loss=nn.BCELoss(), optimizer=opt, epochs=3, batch_size=2,
                     validation_data=(X, y), verbose=2, rng=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("Epoch 1/3 - loss: ")


def test_progress_bar_goes_to_stderr_and_silent_mode_prints_nothing(capsys):
    X, y = xor_data()
    model = xor_model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    mg.fit(model, X, y, loss=nn.BCELoss(), optimizer=opt, epochs=2, verbose=1, rng=0)
    captured = capsys.readouterr()
    assert "2/2" in captured.err and captured.out == ""
    mg.fit(model, X, y, loss=nn.BCELoss(), optimizer=opt, epochs=2, verbose=0, rng=0)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_logits_accuracy_uses_threshold_zero():
    X, y = xor_data()
    model = nn.Sequential(nn.Dense(2, 8, rng=0), nn.Tanh(), nn.Dense(8, 1, rng=1))
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    history = mg.fit(model, X, y, loss=nn.BCEWithLogitsLoss(), optimizer=opt, epochs=200,
                     batch_size=4, verbose=0, rng=0)
    assert history["accuracy"][-1] == 1.0


def test_metrics_stay_importable_from_train():
    from minigrad import metrics, train

    assert train.accuracy is metrics.accuracy
    assert train.CLASSIFICATION_LOSSES is metrics.CLASSIFICATION_LOSSES
    assert train.accuracy(np.array([0, 1, 1]), np.array([[0.2], [0.9], [0.4]])) == 2 / 3
    assert train.accuracy(np.array([2, 0]), np.array([[0.1, 0.2, 0.7], [0.5, 0.4, 0.1]])) == 1.0


def test_multiclass_accuracy_with_cross_entropy():
    X, y = mg.data.make_blobs(n_samples=120, centers=3, rng=0)
    model = nn.Sequential(nn.Dense(2, 16, rng=0), nn.ReLU(), nn.Dense(16, 3, rng=1))
    opt = optim.Adam(model.parameters(), lr=0.05)
    history = mg.fit(model, X, y, loss=nn.CrossEntropyLoss(), optimizer=opt, epochs=30,
                     batch_size=16, verbose=0, rng=0)
    assert history["accuracy"][-1] > 0.9


def test_early_stopping_restores_best_weights():
    X, y = xor_data()
    model = xor_model()
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    stopper = mg.EarlyStopping(monitor="loss", patience=0, min_delta=10.0)
    history = mg.fit(model, X, y, loss=nn.BCELoss(), optimizer=opt, epochs=50, batch_size=4,
                     verbose=0, rng=0, callbacks=[stopper])
    # min_delta=10 means no epoch after the first counts as better: stop after epoch 2.
    assert history.epochs == 2 and history.stopped_epoch == 1
    assert stopper.best_epoch == 0
    assert stopper.best_state is not None
    for name, value in model.state_dict().items():
        assert np.array_equal(value, stopper.best_state[name])


def test_early_stopping_unknown_monitor_is_explained():
    X, y = xor_data()
    model = xor_model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(KeyError, match="val_loss"):
        mg.fit(model, X, y, loss=nn.BCELoss(), optimizer=opt, epochs=2, verbose=0,
               callbacks=[mg.EarlyStopping()])


def test_two_runs_with_one_seed_are_bit_identical():
    def run() -> dict[str, np.ndarray]:
        mg.manual_seed(123)
        X, y = mg.data.make_moons(n_samples=64, noise=0.2)
        model = nn.Sequential(nn.Dense(2, 8), nn.ReLU(), nn.Dropout(0.2), nn.Dense(8, 2))
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        mg.fit(model, X, y, loss=nn.CrossEntropyLoss(), optimizer=opt, epochs=5,
               batch_size=16, verbose=0)
        return model.state_dict()

    first, second = run(), run()
    for name in first:
        assert np.array_equal(first[name], second[name]), name


@pytest.mark.parametrize("kwargs, message", [
    ({"epochs": 0}, "epochs must be a positive integer"),
    ({"batch_size": 0}, "batch_size must be a positive integer"),
    ({"verbose": 3}, "verbose must be 0, 1 or 2"),
    ({"metrics": ("f1",)}, "unknown metric 'f1'"),
])
def test_bad_arguments_are_refused_before_training(kwargs, message):
    X, y = xor_data()
    model = xor_model()
    before = model.state_dict()
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=message):
        mg.fit(model, X, y, loss=nn.BCELoss(), optimizer=opt, **{"epochs": 1, **kwargs})
    for name, value in model.state_dict().items():
        assert np.array_equal(value, before[name])


def test_length_mismatch_is_refused():
    X, y = xor_data()
    model = xor_model()
    with pytest.raises(ValueError, match="X has 4 samples but y has 3"):
        mg.fit(model, X, y[:3], loss=nn.BCELoss(),
               optimizer=optim.SGD(model.parameters(), lr=0.1))


def test_diverging_loss_stops_with_a_hint():
    X, y = xor_data()
    model = nn.Sequential(nn.Dense(2, 8, rng=0), nn.Dense(8, 1, rng=1))
    opt = optim.SGD(model.parameters(), lr=1e6)
    with pytest.raises(FloatingPointError, match="detect_anomaly"), np.errstate(all="ignore"):
        mg.fit(model, X, y * 1e3, loss=nn.MSELoss(), optimizer=opt, epochs=50, verbose=0)


# --------------------------------------------------------------------------- diagnostics


def test_dead_relu_layer_reports_all_units_dead():
    model = nn.Sequential(nn.Dense(2, 6, rng=0), nn.ReLU(), nn.Dense(6, 1, rng=1))
    model[0].b.data[...] = -100.0  # every pre-activation negative: every unit dead
    X, y = xor_data()
    opt = optim.SGD(model.parameters(), lr=0.01)
    history = mg.fit(model, X, y, loss=nn.MSELoss(), optimizer=opt, epochs=2, verbose=0,
                     diagnostics=True)
    report = {row.name: row for row in history.diagnostics[-1]}
    assert report["1"].dead_share == 1.0
    assert report["0"].grad_norm == 0.0
    assert report["2"].grad_norm > 0
    assert "100.0%" in str(history.diagnostics[-1])
    assert "forward" not in vars(model[1])  # the recorder was removed after fit


def test_healthy_relu_layer_has_few_dead_units():
    model = nn.Sequential(nn.Dense(2, 32, init="he", rng=0), nn.ReLU(), nn.Dense(32, 1, rng=1))
    X = np.random.default_rng(0).normal(size=(256, 2))
    report = gradient_flow(model, X, np.zeros((256, 1)), nn.MSELoss())
    assert report[1].dead_share < 0.2


def test_deep_sigmoid_gradients_shrink_toward_the_input():
    rng = np.random.default_rng(0)
    layers: list[nn.Module] = []
    for _ in range(8):
        layers += [nn.Dense(16, 16, rng=rng), nn.Sigmoid()]
    model = nn.Sequential(nn.Dense(2, 16, rng=rng), nn.Sigmoid(), *layers, nn.Dense(16, 1))
    X = rng.normal(size=(64, 2))
    report = gradient_flow(model, X, rng.normal(size=(64, 1)), nn.MSELoss())
    norms = [row.grad_norm for row in report if row.grad_norm is not None]
    assert norms[0] < norms[-1] / 1000
    assert all(row.saturated_share is not None for row in report if row.kind == "Sigmoid")


def test_saturated_tanh_units_are_reported():
    model = nn.Sequential(nn.Dense(2, 4, rng=0), nn.Tanh(), nn.Dense(4, 1, rng=1))
    model[0].W.data *= 1000.0
    X = np.random.default_rng(0).normal(size=(32, 2))
    report = gradient_flow(model, X, np.zeros((32, 1)), nn.MSELoss())
    assert report[1].saturated_share > 0.9


def test_gradient_flow_leaves_grads_untouched():
    model = xor_model()
    X, y = xor_data()
    gradient_flow(model, X, y, nn.BCELoss())
    assert all(p.grad is None for p in model.parameters())


def test_design_example_with_one_dimensional_xor_labels():
    # make_xor returns labels of shape (N,); a one-output model gets them as a column.
    X, y = mg.data.make_xor()
    model = nn.Sequential(nn.Dense(2, 8, rng=0), nn.Tanh(), nn.Dense(8, 1, rng=1), nn.Sigmoid())
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    history = mg.fit(model, X, y, loss=nn.BCELoss(), optimizer=opt, epochs=200, batch_size=4,
                     validation_data=(X, y), verbose=0, rng=0)
    assert history["accuracy"][-1] == 1.0 and history["val_accuracy"][-1] == 1.0
    assert mg.evaluate(model, X, y, nn.BCELoss())["accuracy"] == 1.0
    with pytest.raises(ValueError, match="reshape the target to"):
        nn.BCELoss()(model(X), y)  # a loss called directly still insists on matching shapes
