"""Neural-network building blocks: modules, layers, activations and losses."""

from minigrad.autograd import Context
from minigrad.nn.init import INIT_NAMES
from minigrad.nn.layers import Dense
from minigrad.nn.module import Buffer, Layer, Module, Parameter, Sequential

__all__ = [
    "INIT_NAMES",
    "Buffer",
    "Context",
    "Dense",
    "Layer",
    "Module",
    "Parameter",
    "Sequential",
]
