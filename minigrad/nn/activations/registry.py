"""The activation registry: build an activation from its name, list names, add new ones.

``_NAMES`` maps every accepted name (canonical or alias) to its class and ``_CANONICAL``
holds the canonical ones. The table at the end registers every built-in activation, so
importing this module (which importing :mod:`minigrad.nn.activations` does) fills the
registry. The family modules do not import this one, so there is no import cycle.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from minigrad.nn.activations.exponential import CELU, ELU, SELU
from minigrad.nn.activations.gelu import GELU
from minigrad.nn.activations.hard import HardSigmoid, HardSwish, Hardtanh, ReLU6
from minigrad.nn.activations.identity import Identity
from minigrad.nn.activations.relu import LeakyReLU, PReLU, ReLU, Threshold
from minigrad.nn.activations.shrink import Hardshrink, Softshrink, Tanhshrink
from minigrad.nn.activations.smooth import Mish, Softplus, Swish
from minigrad.nn.activations.softmax import LogSoftmax, Softmax, Softmin
from minigrad.nn.activations.squashing import LogSigmoid, Sigmoid, Softsign, Tanh
from minigrad.nn.layer import Layer

__all__ = ["activation_names", "get_activation", "register_activation"]


_NAMES: dict[str, type[Layer]] = {}  # every accepted name (canonical or alias) -> class
_CANONICAL: set[str] = set()


def _normalise(name: Any, where: str) -> str:
    if not isinstance(name, str):
        raise TypeError(
            f"{where}: expected an activation name such as 'relu', got {type(name).__name__}"
        )
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def activation_names() -> list[str]:
    """The canonical names of every registered activation, sorted (aliases left out).

    Examples
    --------
    >>> from minigrad import nn
    >>> nn.activation_names()[:4]
    ['celu', 'elu', 'gelu', 'hard_sigmoid']
    """
    return sorted(_CANONICAL)


def _aliases() -> list[str]:
    return sorted(set(_NAMES) - _CANONICAL)


def register_activation(
    name: str, cls: type[Layer], aliases: Iterable[str] = (), *, overwrite: bool = False
) -> None:
    """Make a Layer subclass available to :func:`get_activation` under ``name``.

    Parameters
    ----------
    name : str
        The canonical name (normalised like lookups: lower case, hyphens and spaces become
        underscores); listed by :func:`activation_names`.
    cls : type
        A subclass of :class:`minigrad.nn.Layer`; ``get_activation`` calls it with the
        keyword arguments it receives. Giving it a ``kinks`` attribute lets tests and
        gradient checks keep away from points where its derivative jumps.
    aliases : iterable of str, default=()
        Further names for the same class.
    overwrite : bool, default=False
        Replace existing names instead of raising. Only the names given are rebound: the
        other aliases of a replaced activation keep their old class.

    Raises
    ------
    TypeError
        If ``cls`` is not a Layer subclass.
    ValueError
        If a name is empty or not snake_case, or is already taken and ``overwrite`` is False.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad import nn
    >>> class Square(nn.Layer):
    ...     def forward(self, ctx, x):
    ...         ctx.x = x
    ...         return x * x
    ...     def backward(self, ctx, dout):
    ...         return 2.0 * ctx.x * dout
    >>> nn.register_activation("square", Square)  # doctest: +SKIP
    >>> nn.get_activation("Square")(np.array([3.0])).data  # doctest: +SKIP
    array([9.])
    """
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise TypeError(
            f"register_activation({name!r}): expected a subclass of nn.Layer, got {cls!r}"
        )
    keys = [_normalise(n, "register_activation") for n in (name, *aliases)]
    for key in keys:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            raise ValueError(
                f"register_activation: {key!r} is not a valid name (use snake_case: a letter, "
                "then letters, digits or underscores)"
            )
        if key in _NAMES and not overwrite:
            raise ValueError(
                f"register_activation: the name {key!r} is already taken by "
                f"{_NAMES[key].__name__}; pass overwrite=True to replace it"
            )
    canonical, *alias_keys = keys
    _NAMES[canonical] = cls
    _CANONICAL.add(canonical)
    for key in alias_keys:
        _NAMES[key] = cls
        _CANONICAL.discard(key)


def _describe_parameters(params: Iterable[Any]) -> str:
    shown = [
        p.name if p.default is p.empty else f"{p.name}={p.default!r}"
        for p in params
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    return ", ".join(shown) if shown else "no parameters"


def get_activation(name: str, **kwargs: Any) -> Layer:
    """A new activation layer from its registered name.

    Parameters
    ----------
    name : str
        A name from :func:`activation_names` or an alias (``"linear"``, ``"silu"``,
        ``"h_swish"``, ``"hardswish"``, ``"hardsigmoid"``). Case does not matter; hyphens and
        spaces count as underscores (``"Leaky-ReLU"`` is ``"leaky_relu"``).
    **kwargs
        Hyper-parameters of that activation (``alpha=0.2`` for ``"leaky_relu"``).

    Returns
    -------
    Layer
        A new instance, so two calls never share parameters.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid names and close matches.
    TypeError
        For a name that is not a string, or keyword arguments the activation does not take
        (or required ones missing); the message lists what it accepts.

    Examples
    --------
    >>> from minigrad import nn
    >>> nn.get_activation("leaky_relu", alpha=0.2)
    LeakyReLU(alpha=0.2)
    >>> nn.get_activation("SiLU")
    Swish()
    """
    key = _normalise(name, "get_activation")
    cls = _NAMES.get(key)
    if cls is None:
        import difflib  # only on this error path: it is slow to import

        close = difflib.get_close_matches(key, list(_NAMES), n=3)
        hint = f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
        raise ValueError(
            f"unknown activation {name!r}{hint}. Valid names: "
            f"{', '.join(activation_names())}; aliases: {', '.join(_aliases())}"
        )
    import inspect  # only to explain bad keyword arguments

    params = inspect.signature(cls).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    named = {
        n: p for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
    unknown = [] if takes_any else [k for k in kwargs if k not in named]
    missing = [n for n, p in named.items() if p.default is p.empty and n not in kwargs]
    if unknown or missing:
        problems = []
        if unknown:
            problems.append(f"unexpected parameter(s) {', '.join(unknown)}")
        if missing:
            problems.append(f"missing required parameter(s) {', '.join(missing)}")
        raise TypeError(
            f"get_activation({name!r}): {cls.__name__} got {' and '.join(problems)}; "
            f"it accepts: {_describe_parameters(params.values())}"
        )
    return cls(**kwargs)


for _name, _cls, _aliases_of in (
    ("identity", Identity, ("linear",)),
    ("sigmoid", Sigmoid, ()),
    ("tanh", Tanh, ()),
    ("relu", ReLU, ()),
    ("leaky_relu", LeakyReLU, ()),
    ("relu6", ReLU6, ()),
    ("swish", Swish, ("silu",)),
    ("hard_swish", HardSwish, ("h_swish", "hardswish")),
    ("hard_sigmoid", HardSigmoid, ("hardsigmoid",)),
    ("softmax", Softmax, ()),
    ("log_softmax", LogSoftmax, ()),
    ("softmin", Softmin, ()),
    ("elu", ELU, ()),
    ("selu", SELU, ()),
    ("celu", CELU, ()),
    ("gelu", GELU, ()),
    ("softplus", Softplus, ()),
    ("mish", Mish, ()),
    ("softsign", Softsign, ()),
    ("log_sigmoid", LogSigmoid, ()),
    ("hardtanh", Hardtanh, ()),
    ("prelu", PReLU, ()),
    ("tanhshrink", Tanhshrink, ()),
    ("softshrink", Softshrink, ()),
    ("hardshrink", Hardshrink, ()),
    ("threshold", Threshold, ()),
):
    register_activation(_name, _cls, _aliases_of)
del _name, _cls, _aliases_of
