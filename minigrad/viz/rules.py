"""What a step of backward is called and which rule it applies, read from the code itself.

The label of a recorded call is the layer's ``repr`` (``Dense(in_features=2, ...)``) or the
op's ``op_name`` (``Mul``). The rule is the plain-text derivative line of its docstring:
the activations, losses and layers have a ``Plain text:`` sentence in their Notes, the ops a
one-line docstring such as ``exp(x).  d/dx = exp(x) = out.``.
"""

from __future__ import annotations

import inspect
import re
from functools import cache
from typing import Any

from minigrad.autograd import Function
from minigrad.nn.module import Module, Parameter

__all__ = ["derivative_rule", "input_names", "node_label"]

NO_DOCSTRING = "(no docstring)"
# A sentence ends at a full stop followed by white space (not "0.5", "W.T" or "x.sum()").
_SENTENCE_END = re.compile(r"(?<=\.)\s+")
# The part of a plain-text line that states the forward formula rather than the derivative.
_FORWARD = re.compile(r"^(y|loss|f\(x\))\s*=")


def _sentences(text: str) -> list[str]:
    joined = " ".join(text.split()).replace("``", "")
    return [s for s in _SENTENCE_END.split(joined) if s]


def _derivative_part(sentence: str) -> str:
    """Drop leading ``y = ...;`` segments, so what is left is the derivative."""
    parts = [p.strip() for p in sentence.split(";")]
    while len(parts) > 1 and _FORWARD.match(parts[0]):
        parts.pop(0)
    return "; ".join(parts)


@cache
def _rule_of_class(cls: type) -> str:
    # The class's own docstring only: a user's layer without one must not borrow the
    # generic text of Layer or Function.
    doc = cls.__dict__.get("__doc__")
    if not doc or not doc.strip():
        return NO_DOCSTRING
    doc = inspect.cleandoc(doc)
    marker = doc.find("Plain text:")
    if marker >= 0:
        sentences = _sentences(doc[marker + len("Plain text:"):])
        if sentences:
            return _derivative_part(sentences[0])
    for paragraph in doc.split("\n\n"):
        for sentence in _sentences(paragraph):
            start = sentence.find("d/d")
            if start >= 0:
                return sentence[start:] if sentence[:start].strip() == "" else sentence
    return doc.splitlines()[0].strip()


def derivative_rule(fn: Any) -> str:
    """The plain-text derivative line of an op or layer (an instance or a class).

    From the ``Plain text:`` sentence of the docstring's Notes when there is one (its
    ``y = ...`` part dropped), else the first sentence that states a derivative
    (``d/dx = ...``), else the docstring's first line; ``"(no docstring)"`` when the class
    has no docstring of its own.

    Examples
    --------
    >>> from minigrad import nn, ops
    >>> derivative_rule(nn.ReLU())
    'dy/dx = 1 if x > 0 else 0.'
    >>> derivative_rule(ops.Exp)
    'd/dx = exp(x) = out.'
    >>> derivative_rule(nn.Dense(2, 3))
    'dx = dout @ W.T; dW = x.T @ dout; db = dout.sum(axis=0).'
    """
    return _rule_of_class(fn if isinstance(fn, type) else type(fn))


def node_label(fn: Function) -> str:
    """A layer's ``repr`` (one line), or an op's ``op_name``."""
    if isinstance(fn, Module):
        return " ".join(repr(fn).split())
    return fn.op_name


@cache
def _forward_names(cls: Any) -> tuple[tuple[str, ...], str | None]:
    try:
        parameters = list(inspect.signature(cls.forward).parameters.values())
    except (TypeError, ValueError):
        return (), None
    names: list[str] = []
    rest = None
    for parameter in parameters[2:]:  # self, ctx
        if parameter.kind is parameter.VAR_POSITIONAL:
            rest = parameter.name
            break
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            names.append(parameter.name)
    return tuple(names), rest


def input_names(fn: Function, count: int) -> tuple[str, ...]:
    """Names of the ``count`` inputs of a call of ``fn``, from its ``forward`` signature.

    A layer's parameters after ``x`` take their attribute names (``W``, ``b``, ``weight``);
    ``*xs`` gives ``xs[0]``, ``xs[1]``, ...; anything else ``in0``, ``in1``, ...

    Examples
    --------
    >>> from minigrad import nn, ops
    >>> input_names(nn.Dense(2, 3), 3)
    ('x', 'W', 'b')
    >>> input_names(ops.Mul(), 2)
    ('x', 'y')
    """
    cls: Any = type(fn)
    names, rest = _forward_names(cls)
    if isinstance(fn, Module):
        own = [name for name, _ in fn._own(Parameter)]
        if own:
            names = (names[0] if names else "x", *own)
    found = list(names[:count])
    k = 0
    while len(found) < count:
        found.append(f"{rest}[{k}]" if rest else f"in{len(found)}")
        k += 1
    return tuple(found)
