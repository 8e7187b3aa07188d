"""Optimizers (SGD, Adam, AdamW, NAdam, RAdam, Adamax, RMSprop, Adagrad), learning-rate
schedulers, grad clipping.

Every optimizer follows the update rule that ``torch.optim`` documents, with the same
defaults (SGD's is the exception: ``lr=0.01``), so a model trained with either gets the same
numbers. Parameters are updated in place (``p.data`` is owned by the Parameter); ``p.grad``
is only read. A parameter whose ``grad`` is None is skipped, its state untouched.

Each optimizer takes its parameters as torch's do: an iterable of Parameters, or param
groups with their own hyper-parameters (``[{"params": body, "lr": 1e-4}, {"params":
head}]``), in ``opt.param_groups``; every scheduler schedules each group's rate.

The package re-exports one module per concept: :mod:`~minigrad.optim.optimizer` (the
``Optimizer`` base class and its param groups), :mod:`~minigrad.optim.optimizer_state` (the
``state_dict()`` layout), :mod:`~minigrad.optim.checks` (the argument checks shared by
everything here), :mod:`~minigrad.optim.sgd`, :mod:`~minigrad.optim.adam` (Adam, AdamW),
:mod:`~minigrad.optim.nadam`, :mod:`~minigrad.optim.radam`, :mod:`~minigrad.optim.adamax`,
:mod:`~minigrad.optim.rmsprop`, :mod:`~minigrad.optim.adagrad`,
:mod:`~minigrad.optim.lr_scheduler` (LRScheduler, StepLR, ExponentialLR,
CosineAnnealingLR), :mod:`~minigrad.optim.lr_scheduler_more` (MultiStepLR, LambdaLR, LinearLR,
CosineAnnealingWarmRestarts), :mod:`~minigrad.optim.lr_scheduler_onecycle`,
:mod:`~minigrad.optim.lr_scheduler_plateau` (ReduceLROnPlateau),
:mod:`~minigrad.optim.lr_scheduler_sequential` and
:mod:`~minigrad.optim.clip` (clip_grad_norm_).

Examples
--------
>>> import numpy as np, minigrad as mg
>>> from minigrad import optim
>>> w = mg.Tensor([1.0, -2.0], requires_grad=True)
>>> opt = optim.SGD([w], lr=0.1, momentum=0.9)
>>> for _ in range(2):
...     opt.zero_grad()
...     (w * w).sum().backward()
...     opt.step()
>>> w.data
array([ 0.46, -0.92])

Two groups, the second with its own rate; the attribute ``opt.lr`` is group 0's:

>>> b = mg.Tensor([1.0], requires_grad=True)
>>> opt = optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
>>> [group["lr"] for group in opt.param_groups], opt.lr
([0.1, 0.5], 0.1)
>>> (w * w).sum().backward(); (b * b).sum().backward()
>>> opt.step()
>>> b.data
array([0.])
"""

from minigrad.optim.adagrad import Adagrad
from minigrad.optim.adam import Adam, AdamW
from minigrad.optim.adamax import Adamax
from minigrad.optim.clip import clip_grad_norm_
from minigrad.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR, LRScheduler, StepLR
from minigrad.optim.lr_scheduler_more import (
    CosineAnnealingWarmRestarts,
    LambdaLR,
    LinearLR,
    MultiStepLR,
)
from minigrad.optim.lr_scheduler_onecycle import OneCycleLR
from minigrad.optim.lr_scheduler_plateau import ReduceLROnPlateau
from minigrad.optim.lr_scheduler_sequential import SequentialLR
from minigrad.optim.nadam import NAdam
from minigrad.optim.optimizer import Hyper, Optimizer
from minigrad.optim.radam import RAdam
from minigrad.optim.rmsprop import RMSprop
from minigrad.optim.sgd import SGD

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "ExponentialLR",
    "Hyper",
    "NAdam",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "OneCycleLR",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
    "clip_grad_norm_",
]
