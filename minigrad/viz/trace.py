"""``trace_backward``: run one backward and keep a record of every step, in the engine's order.

The trace does not re-implement backward: it hands an observer to the engine's own loop
(``run_backward``), so the gradients left in ``.grad`` are those of a plain ``backward()``
bit for bit. The observer copies what each step received and sent, and, before the engine
frees the node, what a drawing needs (parents, shape, recorded value).
"""

from __future__ import annotations

import html
import textwrap
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from minigrad.autograd import LeafNode
from minigrad.nn.module import Module, Parameter
from minigrad.tensor import Tensor
from minigrad.viz.arrays import compact
from minigrad.viz.rules import derivative_rule, input_names, node_label

__all__ = ["BackwardTrace", "Step", "trace_backward"]

LEAF_RULE = "accumulated into .grad"


@dataclass(eq=False)
class Step:
    """One step of a backward pass: a recorded call's backward, or a leaf receiving its grad.

    Attributes
    ----------
    index : int
        Position in the engine's order (0 is the output).
    node : int
        The node's number in this trace; ``parents`` refer to these numbers.
    kind : {"op", "layer", "leaf"}
        What ran: an op (``Mul``), a layer (``Dense``, ``Tanh``, a loss), or a leaf.
    label : str
        A layer's repr, an op's name, or a leaf's parameter name (``"0.W"``), ``"input"``
        or ``"leaf"``.
    rule : str
        The plain-text derivative line from the docstring (see ``derivative_rule``).
    upstream : ndarray or None
        The gradient this node received (d output / d this node's value), a copy.
    inputs : tuple of str
        Names of the node's inputs (``x``, ``W``, ``b``).
    sent : tuple of (ndarray or None)
        The gradient sent to each input (copies), None where none was computed.
    parents : tuple of (int or None)
        The node number of each input, None for an input that needs no gradient.
    shape : tuple of int
        Shape of the node's output (of the leaf tensor for a leaf).
    value : ndarray or None
        The output value when the forward ran inside ``mg.viz.record()`` (the leaf's data
        for a leaf), else None.
    """

    index: int
    node: int
    kind: str
    label: str
    rule: str
    upstream: np.ndarray | None
    inputs: tuple[str, ...]
    sent: tuple[np.ndarray | None, ...]
    parents: tuple[int | None, ...]
    shape: tuple[int, ...]
    value: np.ndarray | None
    tensor: weakref.ReferenceType[Tensor] | None = field(default=None, repr=False)


def _copy(array: Any) -> np.ndarray | None:
    return None if array is None else np.array(array, copy=True)


def leaf_label(tensor: Tensor | None, names: Mapping[int, tuple[str, Tensor]]) -> str:
    """A leaf's name in ``names`` (by identity), else ``"leaf"`` for a Parameter, else
    ``"input"``."""
    if tensor is None:
        return "leaf (freed)"
    entry = names.get(id(tensor))
    if entry is not None and entry[1] is tensor:
        return entry[0]
    return "leaf" if isinstance(tensor, Parameter) else "input"


def name_table(params: Mapping[str, Tensor] | None) -> dict[int, tuple[str, Tensor]]:
    return {id(t): (name, t) for name, t in (params or {}).items()}


class BackwardTrace:
    """The steps of one backward pass; see :func:`trace_backward`.

    ``steps`` lists the :class:`Step` records in the engine's order; ``table()`` shows them
    as plain text and ``_repr_html_()`` as an HTML table (a notebook shows it by itself).
    ``leaves`` maps the node number of each leaf that received no gradient (so has no step)
    to its label, shape and tensor, for drawing.
    """

    def __init__(self, steps: list[Step],
                 leaves: dict[int, tuple[str, tuple[int, ...], Any]]) -> None:
        self.steps = steps
        self.leaves = leaves

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self) -> str:
        return f"<BackwardTrace of {len(self.steps)} steps>"

    def __str__(self) -> str:
        return self.table()

    def _rows(self, max_elements: int) -> list[tuple[str, str, str, str, list[str]]]:
        step_of = {step.node: step.index for step in self.steps}
        rows = []
        for step in self.steps:
            sent = []
            for name, grad, parent in zip(step.inputs, step.sent, step.parents):
                target = "" if parent not in step_of else f" -> #{step_of[parent]}"
                sent.append(f"d{name}{target}: {compact(grad, max_elements)}")
            rows.append((str(step.index), step.label, compact(step.upstream, max_elements),
                         step.rule, sent or ["-"]))
        return rows

    def table(self, max_elements: int = 3) -> str:
        """A plain-text table: step, node, upstream gradient, rule, gradients sent.

        Arrays show their first ``max_elements`` elements and their shape, e.g.
        ``[0.25, -0.1, ...] (2, 4)``; ``-> #5`` names the step that receives a gradient.
        """
        rows = self._rows(max_elements)
        # The node column fits the longest label (up to 50), so a label is never split.
        longest = max((len(row[1]) for row in rows), default=4)
        widths = (4, min(max(longest, 4), 50), 30, 36, 52)
        header = ("step", "node", "upstream grad", "rule", "grads sent")
        lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(),
                 "  ".join("-" * w for w in widths)]
        for index, label, upstream, rule, sent in rows:
            cells = [textwrap.wrap(text, w) or [""] for text, w in
                     zip((index, label, upstream, rule), widths)]
            cells.append([line for item in sent for line in textwrap.wrap(item, widths[4])])
            for k in range(max(len(c) for c in cells)):
                lines.append("  ".join((c[k] if k < len(c) else "").ljust(w)
                                       for c, w in zip(cells, widths)).rstrip())
        return "\n".join(lines)

    def _repr_html_(self, max_elements: int = 3) -> str:
        head = "".join(f"<th>{h}</th>" for h in
                       ("step", "node", "upstream grad", "rule", "grads sent"))
        body = []
        for index, label, upstream, rule, sent in self._rows(max_elements):
            cells = [html.escape(text) for text in (index, label, upstream, rule)]
            cells.append("<br>".join(html.escape(item) for item in sent))
            body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        return (f"<table><thead><tr>{head}</tr></thead><tbody>" + "".join(body)
                + "</tbody></table>")


def trace_backward(output: Tensor, gradient: Any = None, *,
                   params: Mapping[str, Tensor] | None = None) -> BackwardTrace:
    """``output.backward(gradient)``, keeping a record of every step.

    The gradients left in ``.grad`` are exactly those of ``output.backward(gradient)``: the
    engine runs its own loop and only reports each step. The graph is freed as by a plain
    ``backward()``.

    Parameters
    ----------
    output : Tensor
        What to differentiate (a loss, usually).
    gradient : array_like, optional
        The upstream gradient; required unless ``output`` has one element.
    params : mapping of str to Tensor, optional
        ``dict(model.named_parameters())``: names the leaves (``0.W``); other leaves are
        ``"input"`` (or ``"leaf"`` for an unnamed Parameter).

    Returns
    -------
    BackwardTrace
        The steps in the engine's order; values are kept where the forward ran inside
        ``mg.viz.record()``.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.Tensor([1.0, 2.0], requires_grad=True)
    >>> trace = mg.viz.trace_backward((x * x).sum())
    >>> [step.label for step in trace.steps]
    ['Sum', 'Mul', 'input']
    >>> x.grad
    array([2., 4.])
    """
    if not isinstance(output, Tensor):
        raise TypeError(f"trace_backward: expected a Tensor, got {type(output).__name__}")
    names = name_table(params)
    ids: dict[Any, int] = {}
    steps: list[Step] = []
    leaves: dict[int, tuple[str, tuple[int, ...], Any]] = {}

    def number(node: Any) -> int:
        found = ids.get(node)
        if found is None:
            found = ids[node] = len(ids)
        return found

    def observe(node: Any, dout: Any, in_grads: tuple[Any, ...]) -> None:
        if node.__class__ is LeafNode:
            tensor = node.tensor_ref()
            steps.append(Step(
                index=len(steps), node=number(node), kind="leaf",
                label=leaf_label(tensor, names), rule=LEAF_RULE, upstream=_copy(dout),
                inputs=(), sent=(), parents=(),
                shape=() if tensor is None else tensor.data.shape,
                value=None if tensor is None else tensor.data.copy(),
                tensor=node.tensor_ref))
            leaves.pop(number(node), None)
            return
        fn = node._fn
        parents: list[int | None] = []
        for parent in node._parents:
            if parent is None:
                parents.append(None)
                continue
            parents.append(number(parent))
            if parent.__class__ is LeafNode:
                # A leaf runs after all its consumers; its step (if a gradient reaches it)
                # removes this entry again.
                tensor = parent.tensor_ref()
                leaves[ids[parent]] = (leaf_label(tensor, names),
                                       () if tensor is None else tensor.data.shape,
                                       parent.tensor_ref)
        steps.append(Step(
            index=len(steps), node=number(node),
            kind="layer" if isinstance(fn, Module) else "op", label=node_label(fn),
            rule=derivative_rule(fn), upstream=_copy(dout),
            inputs=input_names(fn, len(parents)), sent=tuple(_copy(g) for g in in_grads),
            parents=tuple(parents), shape=node._shape, value=_copy(node.__dict__.get("_value"))))

    output._backward(gradient, False, observe)
    return BackwardTrace(steps, leaves)
