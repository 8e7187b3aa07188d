"""``fit()``: the training loop, with progress, metrics and diagnostics (``evaluate()`` too)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from minigrad.callbacks import Callback, FitState, History
from minigrad.data import iterate_batches
from minigrad.dtypes import as_float_array
from minigrad.grad_mode import no_grad
from minigrad.metrics import CLASSIFICATION_LOSSES, Metric, accuracy, resolve_metrics
from minigrad.nn.layers import BatchNorm1d
from minigrad.nn.module import Module
from minigrad.random import make_rng
from minigrad.tensor import Tensor

# accuracy, CLASSIFICATION_LOSSES and Metric live in minigrad.metrics; importable here too.
__all__ = ["CLASSIFICATION_LOSSES", "Metric", "accuracy", "evaluate", "fit"]


def _as_batchable(where: str, name: str, values: Any, features: bool) -> np.ndarray:
    """``values`` as an array with a sample axis, holding finite real numbers.

    Features (``features=True``) become floats (ints and bools take the default dtype);
    targets keep their dtype, so integer class labels stay integers.
    """
    if isinstance(values, Tensor):
        values = values.data
    try:
        array = np.asarray(values)
    except (ValueError, TypeError) as error:
        raise TypeError(f"{where}: cannot make an array of {name} "
                        f"({type(values).__name__}): {error}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {name} must hold real numbers, got dtype {array.dtype}")
    if array.ndim == 0:
        raise ValueError(f"{where}: {name} must have a batch axis, got a scalar")
    if features:
        array = as_float_array(array, where=f"{where}({name})")
    if array.dtype.kind == "f":
        finite = np.isfinite(array)
        if not finite.all():
            bad = np.argwhere(~finite)[0]
            raise ValueError(
                f"{where}: {name} contains NaN or infinity ({int((~finite).sum())} value(s), "
                f"the first at index {tuple(int(i) for i in bad)}: {array[tuple(bad)]}); "
                "remove or impute them first"
            )
    return array


def _summed(where: str, loss: Any) -> bool:
    """Whether ``loss`` sums over the batch (else it averages); ``reduction="none"`` refused.

    A loss without a ``reduction`` attribute (a user's function) is taken to average.
    """
    reduction = getattr(loss, "reduction", "mean")
    if reduction == "none":
        raise ValueError(
            f"{where}: the loss {loss!r} has reduction='none', so it returns one value per "
            f"sample instead of a single number to minimise; {where} needs a scalar loss: "
            f"use {type(loss).__name__}(reduction='mean') (or 'sum')"
        )
    return bool(reduction == "sum")


def _modes(model: Module) -> list[tuple[Module, bool]]:
    """Each module with its ``training`` flag, for :func:`_restore_modes`."""
    return [(module, module.training) for module in model.modules()]


def _restore_modes(modes: list[tuple[Module, bool]]) -> None:
    for module, mode in modes:
        module.training = mode


def _same_length(where: str, names: tuple[str, str], X: np.ndarray, y: np.ndarray) -> None:
    if len(X) != len(y):
        raise ValueError(f"{where}: {names[0]} has {len(X)} samples but {names[1]} has {len(y)}")


def _dry_run(model: Module, loss: Callable[..., Any], metric_fns: list[tuple[str, Metric]],
             X: np.ndarray, y: np.ndarray, names: tuple[str, str]) -> bool:
    """One forward, loss and metrics on the first batch, in eval mode without gradients.

    A shape, dtype or label mistake then raises before any weight, running statistic or
    optimizer state has changed, instead of after the first steps. Eval mode draws no
    dropout mask and updates no running statistic, so the run leaves no trace.

    Returns True when 1-D targets must be used as a column: the model has one output per
    sample, shape (N, 1), and y has shape (N,) (as every ``make_*`` returns it).
    """
    modes = _modes(model)
    try:
        model.eval()
        with no_grad():
            prediction = model(X)
            column = y.ndim == 1 and prediction.shape == (len(y), 1)
            if column:
                y = y.reshape(-1, 1)
            loss(prediction, y)
        for _, fn in metric_fns:
            fn(y, prediction.data)
    except (ValueError, TypeError, IndexError) as error:
        if type(error) not in (ValueError, TypeError, IndexError):
            raise  # a subclass may need other arguments; it keeps its own message
        raise type(error)(f"fit: the first batch of ({names[0]}, {names[1]}) fails before "
                          f"training: {error}") from error
    finally:
        _restore_modes(modes)
    return column


def fit(
    model: Module,
    X: Any,
    y: Any,
    loss: Callable[[Tensor, Any], Tensor],
    optimizer: Any,
    epochs: int = 1,
    batch_size: int | None = 32,
    validation_data: tuple[Any, Any] | None = None,
    metrics: Sequence[str | Metric] | None = None,
    callbacks: Sequence[Callback] = (),
    verbose: int = 1,
    shuffle: bool = True,
    rng: Any = None,
    diagnostics: bool = False,
) -> History:
    """Train ``model`` on ``(X, y)`` and return a :class:`History`.

    Parameters
    ----------
    model : Module
    X, y : array_like
        Inputs and targets, with samples along the first axis. When the model has one
        output per sample, shape (N, 1), targets of shape (N,) are used as a column (N, 1),
        as Keras does; a loss called directly still insists on matching shapes.
    loss : callable
        A loss such as ``nn.BCELoss()``, called as ``loss(prediction, target)``, returning
        one number per batch: ``reduction="mean"`` or ``"sum"`` (``"none"`` is refused).
    optimizer : Optimizer
        Built on ``model.parameters()``.
    epochs : int, default=1
    batch_size : int or None, default=32
        ``None`` trains on the whole set at once.
    validation_data : (X_val, y_val), optional
        Evaluated after each epoch (in eval mode, without gradients) as ``val_loss`` and
        ``val_<metric>``.
    metrics : sequence or None, default=None
        ``"accuracy"`` or callables ``metric(y_true, y_pred) -> float``. ``None`` follows
        the loss: ``("accuracy",)`` for the classification losses (BCELoss,
        BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss), none for the others (MSELoss,
        L1Loss, HuberLoss, a user's function), whose history holds the loss alone, as
        Keras's does without ``metrics``. Accuracy thresholds a single output at 0.5 (at 0
        for ``BCEWithLogitsLoss``, whose outputs are logits).
    callbacks : sequence of Callback
        For example ``EarlyStopping(monitor="val_loss", patience=20)``, or
        ``LRScheduler(scheduler, interval="batch")`` to step a learning-rate scheduler.
    verbose : {0, 1, 2}, default=1
        0 silent, 1 a progress bar with the latest loss and metrics, 2 one line per epoch.
    shuffle : bool, default=True
        Reshuffle the samples each epoch.
    rng : None, int or Generator
        Seed of the shuffling (None draws from ``mg.manual_seed``'s root generator).
    diagnostics : bool, default=False
        Record gradient-flow diagnostics each epoch (per layer gradient norm, dead units of
        each activation, saturated sigmoid/tanh units; see :mod:`minigrad.diagnostics`)
        into ``history.diagnostics``.

    Returns
    -------
    History
        ``loss`` (and ``val_loss``) is a mean per sample over the epoch: the batch means
        weighted by batch size for ``reduction="mean"``; for ``reduction="sum"`` the sum of
        the batch sums divided by the number of samples (with one output per sample the
        two agree; with several, "sum" gives the per-sample total over the outputs where
        "mean" averages over every element).

    Raises
    ------
    TypeError, ValueError
        Before anything is trained, for bad arguments (a loss with ``reduction="none"``
        among them), for X, y, X_val or y_val that are not real numbers, hold NaN or
        infinity, or differ in length, and for a first batch that the model or the loss
        refuses (checked by one forward in eval mode without gradients, which changes no
        weight, running statistic or dropout generator).
    FloatingPointError
        When the loss becomes NaN or infinite; it is checked before the step, so the model
        keeps the weights of the last finite step.

    Notes
    -----
    Each epoch trains with the whole model in train mode (``model.train()``) and validates
    in eval mode. When ``fit`` returns (or raises), every module is back in the mode it was
    in when ``fit`` was called, each one separately: a model that came in training mode is
    still in training mode, so call ``model.eval()`` before predicting with Dropout or
    BatchNorm (as in PyTorch).

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad import nn, optim
    >>> X, y = mg.data.make_xor()
    >>> model = nn.Sequential(nn.Dense(2, 8, rng=0), nn.Tanh(), nn.Dense(8, 1, rng=1),
    ...                       nn.Sigmoid())
    >>> opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    >>> history = mg.fit(model, X, y.reshape(-1, 1), loss=nn.BCELoss(), optimizer=opt,
    ...                  epochs=200, batch_size=4, verbose=0, rng=0)
    >>> history["accuracy"][-1]
    1.0
    """
    if not isinstance(model, Module):
        raise TypeError(f"fit: model must be an nn.Module, got {type(model).__name__}")
    if not callable(loss):
        raise TypeError(f"fit: loss must be callable as loss(prediction, target), such as "
                        f"nn.MSELoss(); got {type(loss).__name__}")
    summed = _summed("fit", loss)
    for name in ("zero_grad", "step"):
        if not callable(getattr(optimizer, name, None)):
            raise TypeError(f"fit: optimizer must have {name}(); got {type(optimizer).__name__}")
    for position, callback in enumerate(callbacks):
        if not isinstance(callback, Callback):
            raise TypeError(f"fit: callbacks[{position}] must be a Callback, got "
                            f"{type(callback).__name__}")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive integer, got {epochs!r}")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(
            batch_size, (int, np.integer)) or batch_size < 1):
        raise ValueError(f"fit: batch_size must be a positive integer or None, got {batch_size!r}")
    if verbose not in (0, 1, 2):
        raise ValueError(f"fit: verbose must be 0, 1 or 2, got {verbose!r}")
    X_arr = _as_batchable("fit", "X", X, features=True)
    y_arr = _as_batchable("fit", "y", y, features=False)
    _same_length("fit", ("X", "y"), X_arr, y_arr)
    if len(X_arr) == 0:
        raise ValueError("fit: X and y are empty")
    batch = len(X_arr) if batch_size is None else int(batch_size)
    if len(X_arr) % batch == 1 and X_arr.ndim == 2 and any(
            isinstance(m, BatchNorm1d) for m in model.modules()):
        raise ValueError(
            f"fit: with {len(X_arr)} samples and batch_size={batch_size} the last batch holds "
            "a single sample, and BatchNorm1d needs more than one value per channel in "
            "training; choose a batch_size that does not leave one sample over"
        )
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("fit: validation_data must be a pair (X_val, y_val)")
        X_val = _as_batchable("fit", "X_val", validation_data[0], features=True)
        y_val = _as_batchable("fit", "y_val", validation_data[1], features=False)
        _same_length("fit", ("X_val", "y_val"), X_val, y_val)
        if len(X_val) == 0:
            raise ValueError("fit: X_val and y_val are empty")

    metric_fns = resolve_metrics(metrics, loss)
    if _dry_run(model, loss, metric_fns, X_arr[:batch], y_arr[:batch], ("X", "y")):
        y_arr = y_arr.reshape(-1, 1)
    if validation_data is not None and _dry_run(model, loss, metric_fns, X_val[:batch],
                                                y_val[:batch], ("X_val", "y_val")):
        y_val = y_val.reshape(-1, 1)
    order_rng = make_rng(rng)
    history = History()
    state = FitState(model, history)
    modes = _modes(model)
    for callback in callbacks:
        callback.model = model
        callback.on_train_begin(state)
    flow = None
    if diagnostics:
        from minigrad.diagnostics import GradientFlow  # lazy: only runs that ask pay for it

        flow = GradientFlow(model)

    # model.train() walks every module (~100 us, a tenth of a small full-batch epoch), so it
    # runs once, and again each epoch only when something between epochs may switch modes:
    # a validation pass (eval mode) or a callback (the user's code).
    reset_each_epoch = validation_data is not None or bool(callbacks)
    bar = None
    if verbose == 1:
        from tqdm import tqdm  # lazy: only a run that shows progress pays for tqdm

        bar = tqdm(total=int(epochs), unit="epoch", leave=True, dynamic_ncols=True)
    try:
        for epoch in range(int(epochs)):
            if epoch == 0 or reset_each_epoch:
                model.train()
            total_loss, outputs, targets = 0.0, [], []
            if flow is not None:
                flow.start_epoch()
            for batch_index, (xb, yb) in enumerate(
                    iterate_batches(X_arr, y_arr, batch, shuffle=shuffle, rng=order_rng)):
                prediction = model(xb)
                value = loss(prediction, yb)
                loss_value = value.item()
                # Checked before the step, so the model keeps its last finite weights.
                if not math.isfinite(loss_value):
                    raise FloatingPointError(
                        f"fit: the loss became {loss_value} at epoch {epoch + 1}; lower the "
                        "learning rate, or find the first bad op with mg.detect_anomaly()"
                    )
                optimizer.zero_grad()
                value.backward()
                if flow is not None:
                    flow.record_step()
                optimizer.step()
                for callback in callbacks:
                    callback.on_batch_end(batch_index, state)
                total_loss += loss_value if summed else loss_value * len(xb)
                if metric_fns:
                    outputs.append(prediction.data)
                    targets.append(yb)
            logs = {"loss": total_loss / len(X_arr)}
            if metric_fns:
                y_seen, out_seen = np.concatenate(targets), np.concatenate(outputs)
                for name, fn in metric_fns:
                    logs[name] = float(fn(y_seen, out_seen))
            if flow is not None:
                history.diagnostics.append(flow.end_epoch(X_arr))
            if validation_data is not None:
                logs.update(_evaluate(model, X_val, y_val, loss, metric_fns, summed,
                                      prefix="val_"))
            for key, value_ in logs.items():
                history.history.setdefault(key, []).append(value_)
            for callback in callbacks:
                callback.on_epoch_end(epoch, logs, state)
            if bar is not None:
                bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()}, refresh=False)
                bar.update(1)
            elif verbose == 2:
                shown = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
                print(f"Epoch {epoch + 1}/{epochs} - {shown}")
            if state.stop_training:
                history.stopped_epoch = epoch
                break
    finally:
        if bar is not None:
            bar.close()
        _restore_modes(modes)
    for callback in callbacks:
        callback.on_train_end(state)
    return history


def _evaluate(model: Module, X: np.ndarray, y: np.ndarray, loss: Callable[..., Tensor],
              metric_fns: list[tuple[str, Metric]], summed: bool, prefix: str = ""
              ) -> dict[str, float]:
    """Loss and metrics in eval mode without gradients; every module's mode is restored."""
    modes = _modes(model)
    try:
        model.eval()
        with no_grad():
            prediction = model(X)
            if y.ndim == 1 and prediction.shape == (len(y), 1):
                y = y.reshape(-1, 1)  # one output per sample: (N,) targets as a column, as fit
            value = loss(prediction, y).item()
    finally:
        _restore_modes(modes)
    logs = {prefix + "loss": value / len(X) if summed else value}
    for name, fn in metric_fns:
        logs[prefix + name] = float(fn(y, prediction.data))
    return logs


def evaluate(model: Module, X: Any, y: Any, loss: Callable[..., Tensor],
             metrics: Sequence[str | Metric] | None = None) -> dict[str, float]:
    """Loss and metrics of ``model`` on ``(X, y)`` in eval mode, without gradients.

    Parameters
    ----------
    model : Module
    X, y : array_like
        Inputs and targets, samples along the first axis ((N,) targets are used as a column
        for a model with one output per sample, as in :func:`fit`).
    loss : callable
        As in :func:`fit`; ``reduction="none"`` is refused.
    metrics : sequence or None, default=None
        As in :func:`fit`: ``None`` follows the loss (accuracy for classification losses).

    Returns
    -------
    dict
        ``"loss"`` (the mean per sample; with ``reduction="sum"`` the sum divided by the
        number of samples) and one entry per metric.

    Notes
    -----
    Every module is put back in the mode it had before the call, each one separately, so a
    training loop that validates between epochs keeps training with Dropout and BatchNorm
    in training mode.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> import minigrad as mg
    >>> model = nn.Sequential(nn.Dense(2, 1, rng=0), nn.Dropout(0.5))
    >>> result = mg.evaluate(model, np.zeros((4, 2)), np.zeros((4, 1)), nn.MSELoss())
    >>> sorted(result), model[1].training
    (['loss'], True)
    """
    X_arr = _as_batchable("evaluate", "X", X, features=True)
    y_arr = _as_batchable("evaluate", "y", y, features=False)
    _same_length("evaluate", ("X", "y"), X_arr, y_arr)
    summed = _summed("evaluate", loss)
    return _evaluate(model, X_arr, y_arr, loss, resolve_metrics(metrics, loss), summed)
