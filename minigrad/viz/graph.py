"""``draw_graph``: a picture of a recorded graph, one box per call and one per leaf.

The graph is walked as the engine keeps it (each node's ``_parents``), with an explicit
stack rather than recursion, so a 100,000-op chain is no problem for the walk. Layout is
Graphviz's job: this module only writes the DOT description with the ``graphviz`` package,
which is imported when ``draw_graph`` is called, never when minigrad is imported.
"""

from __future__ import annotations

import html
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from minigrad.autograd import LeafNode
from minigrad.nn.module import Module
from minigrad.tensor import Tensor
from minigrad.viz.arrays import compact
from minigrad.viz.rules import input_names, node_label
from minigrad.viz.trace import BackwardTrace, leaf_label, name_table

if TYPE_CHECKING:
    import graphviz

__all__ = ["draw_graph", "render"]

#: Above this many boxes, long chains of one op are drawn as one box.
COLLAPSE_ABOVE = 200
#: The shortest chain that is collapsed.
MIN_CHAIN = 3
INSTALL_DOT = ("install Graphviz's dot: apt-get install graphviz (Debian/Ubuntu), "
               "brew install graphviz (macOS)")
_COLORS = {"leaf": "#dbeafe", "input": "#e5e7eb", "op": "#f3f4f6", "layer": "#fef3c7",
           "chain": "#fed7aa", "output": "#fecaca"}


@dataclass(eq=False)
class _Box:
    """One box of the picture: a recorded call, a leaf, or a collapsed chain of calls."""

    key: int
    kind: str  # "op", "layer" or "leaf"
    label: str
    shape: tuple[int, ...] | None
    value: np.ndarray | None
    grad: np.ndarray | None
    parents: list[int] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    constants: list[str] = field(default_factory=list)  # inputs that need no gradient
    count: int = 1


def layer_like(box: _Box) -> bool:
    """Whether the inputs without gradient of ``box`` are worth a box of their own: a
    layer's data batch or a loss's target, not an op's constant (``x * 2``)."""
    return box.kind == "layer"


def _freed_error() -> RuntimeError:
    return RuntimeError(
        "draw_graph: the graph was freed by backward(); draw it before backward, after "
        "backward(retain_graph=True), or draw the BackwardTrace of mg.viz.trace_backward()"
    )


def _boxes_from_tensor(output: Tensor, names: Mapping[int, tuple[str, Tensor]]
                       ) -> dict[int, _Box]:
    root = output._node
    if root is None:
        raise ValueError("draw_graph: this tensor has no graph: nothing that made it "
                         "required grad (or it was computed under no_grad())")
    if root.__class__ is LeafNode:
        root = output._graph_node()
    ids: dict[Any, int] = {root: 0}
    boxes: dict[int, _Box] = {}
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        key = ids[node]
        if node.__class__ is LeafNode:
            tensor = node.tensor_ref()
            boxes[key] = _Box(key, "leaf", leaf_label(tensor, names),
                              None if tensor is None else tensor.data.shape,
                              None if tensor is None else tensor.data,
                              None if tensor is None else tensor.grad)
            continue
        fn = node._fn
        if fn is None:
            raise _freed_error()
        box = _Box(key, "layer" if isinstance(fn, Module) else "op",
                   node_label(fn), node._shape, node.__dict__.get("_value"), None)
        if node._retained is not None:
            kept = node._retained()
            box.grad = None if kept is None else kept.grad
        for name, parent in zip(input_names(fn, len(node._parents)), node._parents):
            if parent is None:
                box.constants.append(name)
                continue
            if parent not in ids:
                ids[parent] = len(ids)
                stack.append(parent)
            box.parents.append(ids[parent])
            box.inputs.append(name)
        boxes[key] = box
    return boxes


def _boxes_from_trace(trace: BackwardTrace, names: Mapping[int, tuple[str, Tensor]] | None
                      ) -> dict[int, _Box]:
    boxes: dict[int, _Box] = {}
    for step in trace.steps:
        label = step.label
        if step.kind == "leaf" and names is not None and step.tensor is not None:
            label = leaf_label(step.tensor(), names)
        box = _Box(step.node, step.kind, label, step.shape, step.value, step.upstream)
        for name, parent in zip(step.inputs, step.parents):
            if parent is not None:
                box.parents.append(parent)
                box.inputs.append(name)
            else:
                box.constants.append(name)
        boxes[step.node] = box
    for key, (label, shape, ref) in trace.leaves.items():
        tensor = ref()
        if names is not None:
            label = leaf_label(tensor, names)
        boxes[key] = _Box(key, "leaf", label, shape,
                          None if tensor is None else tensor.data, None)
    return boxes


def _collapse(boxes: dict[int, _Box]) -> int:
    """Fold chains of one op (each link the single input and single consumer of the next)
    into their top box, in place; return the number of chains folded."""
    consumers = Counter(p for box in boxes.values() for p in box.parents)
    down: dict[int, int] = {}
    for box in boxes.values():
        if box.kind != "leaf" and len(box.parents) == 1:
            parent = boxes.get(box.parents[0])
            if (parent is not None and parent.kind == box.kind and parent.label == box.label
                    and consumers[parent.key] == 1):
                down[box.key] = parent.key
    linked = set(down.values())
    folded = 0
    for top in [key for key in down if key not in linked]:
        chain = [top]
        while chain[-1] in down:
            chain.append(down[chain[-1]])
        if len(chain) < MIN_CHAIN:
            continue
        box = boxes[top]
        end = boxes[chain[-1]]
        box.count = len(chain)
        box.parents, box.inputs = end.parents, end.inputs
        for key in chain[1:]:
            del boxes[key]
        folded += 1
    return folded


def _label(box: _Box, root: bool, show_data: bool, show_grad: bool, max_elements: int) -> str:
    if box.kind == "leaf":
        color = _COLORS["input" if box.label in ("input", "leaf") else "leaf"]
    else:
        color = _COLORS["chain" if box.count > 1 else box.kind]
    if root:
        color = _COLORS["output"]
    title = box.label if box.count == 1 else f"{box.label} ×{box.count} (chain collapsed)"
    shape = "?" if box.shape is None else ("scalar" if box.shape == () else str(box.shape))
    rows = [f'<TR><TD BGCOLOR="{color}"><B>{html.escape(title)}</B></TD></TR>',
            f'<TR><TD><FONT POINT-SIZE="9">shape {html.escape(shape)}</FONT></TD></TR>']

    def row(name: str, array: Any) -> str:
        text = "?" if array is None else compact(array, max_elements, "…", with_shape=False)
        return f'<TR><TD ALIGN="LEFT">{name} {html.escape(text)}</TD></TR>'

    if show_data:
        rows.append(row("value", box.value))
    if show_grad:
        rows.append(row("grad", box.grad))
    return ('<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">'
            + "".join(rows) + "</TABLE>>")


def _import_graphviz() -> Any:
    try:
        import graphviz
    except ImportError:
        raise ImportError('draw_graph needs the graphviz Python package: '
                          'pip install "minigrad[viz]" (or pip install graphviz)') from None
    return graphviz


def draw_graph(what: Tensor | BackwardTrace, *, params: Mapping[str, Tensor] | None = None,
               show_data: bool = True, show_grad: bool = True, rankdir: str = "LR",
               max_elements: int = 6) -> graphviz.Digraph:
    """Draw a computation graph: one box per recorded call (op or layer) and per leaf.

    Each box shows the output's shape and what is known of its value and gradient: a
    scalar, or the first ``max_elements`` elements then "…"; "?" where it is not known.
    Arrows go from inputs to the call that used them; an input of a call with several
    inputs is named on its arrow (``x``, ``W``, ``b``).

    Parameters
    ----------
    what : Tensor or BackwardTrace
        An output Tensor, drawn as recorded (before its backward, or after
        ``backward(retain_graph=True)``): values are known when the forward ran inside
        ``mg.viz.record()``, gradients for leaves (``.grad``) and for tensors that called
        ``retain_grad()``. Or a :class:`BackwardTrace`, drawn with every gradient of that
        backward (and the values, when recorded).
    params : mapping of str to Tensor, optional
        ``dict(model.named_parameters())``: leaves are labelled with their names
        (``0.W``); other leaves read "input" (or "leaf" for an unnamed Parameter).
    show_data, show_grad : bool, default=True
        Show the value row, the gradient row.
    rankdir : {"LR", "TB", "RL", "BT"}, default="LR"
        Direction of the layout.
    max_elements : int, default=6
        Elements shown per array.

    Returns
    -------
    graphviz.Digraph
        ``.source`` is the DOT text. Rendering it (``render(dot, "graph.png")``,
        ``dot.render(...)`` or a notebook's display) needs Graphviz's ``dot`` program;
        without it graphviz raises ``ExecutableNotFound`` (:func:`render` turns that into
        a RuntimeError saying how to install it).

    Raises
    ------
    ImportError
        When the ``graphviz`` Python package is missing: ``pip install "minigrad[viz]"``.

    Notes
    -----
    Above 200 boxes, every chain of 3 or more calls of the same op, each the only input
    and only consumer of the next, is drawn as one box ``Mul ×137 (chain collapsed)``, and
    the graph's caption says so.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.Tensor([1.0, 2.0], requires_grad=True)
    >>> with mg.viz.record():
    ...     y = (x * x).sum()
    >>> dot = mg.viz.draw_graph(y)
    >>> "Mul" in dot.source and "value 5" in dot.source
    True
    """
    graphviz = _import_graphviz()
    if not isinstance(max_elements, int) or max_elements < 1:
        raise ValueError(f"draw_graph: max_elements must be a positive int, got {max_elements!r}")
    names = None if params is None else name_table(params)
    if isinstance(what, BackwardTrace):
        boxes = _boxes_from_trace(what, names)
        root = what.steps[0].node if what.steps else -1
    elif isinstance(what, Tensor):
        boxes = _boxes_from_tensor(what, names or {})
        root = 0
    else:
        raise TypeError("draw_graph: expected an output Tensor or a BackwardTrace, got "
                        f"{type(what).__name__}")
    notes = []
    total = len(boxes)
    if total > COLLAPSE_ABOVE:
        folded = _collapse(boxes)
        if folded:
            notes.append(f"{total} nodes: {folded} chain(s) of one op collapsed into one box "
                         "each")
    if show_data and any(b.value is None for b in boxes.values() if b.kind != "leaf"):
        notes.append("value ? = not recorded: run the forward inside mg.viz.record()")
    dot = graphviz.Digraph(
        "minigrad",
        graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "11",
                    "labelloc": "b", "label": "\n".join(notes)},
        node_attr={"shape": "plaintext", "fontname": "Helvetica", "fontsize": "10"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "color": "#555555"},
    )
    for box in boxes.values():
        dot.node(f"n{box.key}", _label(box, box.key == root, show_data, show_grad,
                                       max_elements))
    for box in boxes.values():
        several = len(box.parents) + len(box.constants) > 1
        for parent, name in zip(box.parents, box.inputs):
            dot.edge(f"n{parent}", f"n{box.key}", label=name if several else None)
        if box.count == 1 and layer_like(box):
            # The data batch or target of a layer: drawn (dashed) so the student sees what
            # flows in, though the graph keeps no gradient for it.
            for k, name in enumerate(box.constants):
                dot.node(f"c{box.key}_{k}", f"{name}\\n(no grad)", shape="box", style="dashed",
                         color="#9ca3af", fontcolor="#6b7280", fontsize="9")
                dot.edge(f"c{box.key}_{k}", f"n{box.key}", style="dashed", color="#9ca3af",
                         label=name if several else None)
    return dot


def render(digraph: graphviz.Digraph, path: str | os.PathLike[str]) -> str:
    """Render ``digraph`` to ``path``; the format follows the suffix (default ``.png``).

    Returns the path written. Raises RuntimeError saying how to install Graphviz when its
    ``dot`` program is missing.
    """
    graphviz = _import_graphviz()
    path = os.fspath(path)
    suffix = os.path.splitext(path)[1].lstrip(".").lower()
    if not suffix:
        path, suffix = path + ".png", "png"
    try:
        return str(digraph.render(outfile=path, format=suffix, cleanup=True))
    except graphviz.ExecutableNotFound as error:
        raise RuntimeError(f"rendering a graph needs Graphviz's dot program: {INSTALL_DOT}"
                           ) from error
