"""The reverse-mode engine: contexts, graph nodes, ``Function``, ``apply`` and ``backward``.

How a graph is held
-------------------
Every call of a differentiable thing (an op or a layer) on a Tensor that requires grad
records one :class:`Node`. The node *is* the call's context: ``forward`` writes onto it what
``backward`` will need (``ctx.mask = x > 0``). Besides that it keeps only the nodes of its
parents, never the parents' output tensors, so an intermediate array is freed as soon as
nothing needs it; a leaf tensor is reached through a weak reference, so no graph contains a
reference cycle and reference counting alone frees it.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Callable
from heapq import heappop, heappush
from typing import TYPE_CHECKING, Any

import numpy as np

from minigrad import grad_mode, versions
from minigrad.grad_mode import _mode

if TYPE_CHECKING:
    from minigrad.hooks import HookDict
    from minigrad.tensor import Tensor

# --------------------------------------------------------------------------- graph pieces


class Context:
    """What one call of ``forward`` leaves for its ``backward``.

    ``needs_input_grad[i]`` tells whether input ``i`` wants a gradient, so ``backward`` can
    skip work (and return ``None``) for inputs that do not, such as the data batch.
    Driving a layer by hand, make one fresh ``Context()`` per call.
    """

    needs_input_grad: tuple[bool, ...]

    if TYPE_CHECKING:
        # For type checkers only: forward may save any attribute for its backward. At run
        # time an attribute that was never saved still raises AttributeError.
        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...

    def __init__(self, needs_input_grad: tuple[bool, ...] | None = None) -> None:
        self.needs_input_grad = EVERY_INPUT if needs_input_grad is None else needs_input_grad

    def needs_grad(self, index: int) -> bool:
        """True when input ``index`` wants a gradient (always True for a hand-made context)."""
        return self.needs_input_grad[index]


class _EveryInput(tuple[bool, ...]):
    """``needs_input_grad`` of a hand-made Context: whatever the index, a gradient is wanted."""

    def __getitem__(self, index: Any) -> bool:  # type: ignore[override]
        return True

    def __repr__(self) -> str:
        return "EVERY_INPUT"


EVERY_INPUT = _EveryInput()


class Node(Context):
    """A recorded call: the context of the call plus links to its parents' nodes.

    ``_parents[i]`` is the node of input ``i`` (``None`` for an input that needs no
    gradient). ``_retained`` is a weak reference to the output Tensor when the user asked
    for its gradient with ``retain_grad()``; ``_shape`` is the output's shape, which every
    gradient arriving here must have. The engine's own attributes start with an
    underscore because the node is also the ``ctx`` of the call: ``forward`` may set
    ``ctx.shape`` or ``ctx.fn`` freely.
    """

    # Slots for what every node has; the rare ones (`_retained`, `_origin`) fall back to
    # the class defaults below until set, which keeps node creation to four stores.
    __slots__ = ("_fn", "_parents", "_shape", "_clock", "_seq", "needs_input_grad")

    _fn: Function | None
    _parents: tuple[Node | LeafNode | None, ...]
    _shape: tuple[int, ...]
    _clock: int  # versions.clock when the call was recorded (see minigrad.versions)
    _seq: int  # the order of recording: backward runs calls from the highest down
    _retained: Callable[[], Tensor | None] | None = None
    _origin: str | None = None
    #: The output tensor's gradient hooks (``Tensor.register_hook``), by handle id. Hooks
    #: are looked for only when ``_retained`` is set, so registering one sets ``_retained``
    #: to :func:`_no_tensor` if the tensor's gradient is not retained.
    _hooks: HookDict | None = None


def _no_tensor() -> None:
    """``Node._retained`` of a node with gradient hooks whose gradient is not retained."""
    return None


class LeafNode:
    """Where gradients leave the graph: a weak link to a leaf Tensor that requires grad.

    ``_hooks`` holds the leaf's gradient hooks (``Tensor.register_hook``), or None.
    """

    __slots__ = ("tensor_ref", "_hooks", "__weakref__")

    def __init__(self, tensor: Tensor) -> None:
        self.tensor_ref = weakref.ref(tensor)
        self._hooks: HookDict | None = None


class Function:
    """A differentiable operation with a hand-written derivative.

    Subclass it and write ``forward(self, ctx, *arrays) -> array`` and
    ``backward(self, ctx, dout) -> grads`` on NumPy arrays: ``backward`` returns one
    gradient per input of ``forward`` (a tuple, or a bare array for one input; ``None``
    for an input that gets none). ``self`` holds hyper-parameters only; everything that
    ``backward`` needs goes on ``ctx``, made fresh for each call, so one object used
    twice in one graph stays correct. Call the object on Tensors to record it.

    Examples
    --------
    >>> import numpy as np, minigrad as mg
    >>> class Cube(mg.Function):
    ...     def forward(self, ctx, x):
    ...         ctx.x = x
    ...         return x ** 3
    ...     def backward(self, ctx, dout):
    ...         return dout * 3.0 * ctx.x ** 2
    >>> x = mg.Tensor([2.0], requires_grad=True)
    >>> Cube()(x).sum().backward()
    >>> x.grad
    array([12.])
    """

    def forward(self, ctx: Context, *arrays: Any) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} does not define forward(ctx, ...)")

    def backward(self, ctx: Context, dout: np.ndarray) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define backward(ctx, dout)")

    def __call__(self, *inputs: Any) -> Tensor:
        return apply(self, *inputs)

    @property
    def op_name(self) -> str:
        """The name used in error messages and anomaly reports."""
        return type(self).__name__


# --------------------------------------------------------------------------- apply


def apply(fn: Function, *inputs: Any) -> Tensor:
    """Run ``fn.forward`` on the inputs' arrays and record a node when a gradient is needed.

    Tensor inputs are unwrapped to their ``.data``; anything else (Python numbers, index
    arrays, masks) is passed to ``forward`` unchanged and gets no gradient.
    """
    # The hot path of every op: plain loops, slot access and inlined object creation (no
    # properties, helper calls or generator expressions), because it runs once per op.
    default_mode = grad_mode.all_default  # True: grad on, nothing watched, in every thread
    grad_on = default_mode or _mode.enabled
    if len(inputs) == 2:
        # Binary ops (x op y), the most frequent call: unrolled, no intermediate lists.
        x, y = inputs
        if isinstance(x, Tensor):
            x_array = x.data
            x_parent = (x._node or _leaf_node(x)) if grad_on and x._requires_grad else None
        else:
            x_array, x_parent = x, None
        if isinstance(y, Tensor):
            y_array = y.data
            y_parent = (y._node or _leaf_node(y)) if grad_on and y._requires_grad else None
        else:
            y_array, y_parent = y, None
        arrays: Any = (x_array, y_array)
        parents: Any = (x_parent, y_parent)
        # Literal tuples are constants: no new object for the collector to track per op.
        if x_parent is not None:
            needs: Any = (True, True) if y_parent is not None else (True, False)
        else:
            needs = (False, True) if y_parent is not None else (False, False)
        record = x_parent is not None or y_parent is not None
    elif len(inputs) == 1:
        # Unary ops and layers without parameters (activations): unrolled the same way.
        x = inputs[0]
        if isinstance(x, Tensor):
            arrays = (x.data,)
            if grad_on and x._requires_grad:
                parents = ((x._node or _leaf_node(x)),)
                needs = (True,)
                record = True
            else:
                parents, needs, record = (None,), (False,), False
        else:
            arrays, parents, needs, record = inputs, (None,), (False,), False
    else:
        arrays, parents, needs = [], [], []
        record = False
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x.data)
                if grad_on and x._requires_grad:
                    parents.append(x._node or _leaf_node(x))
                    needs.append(True)
                    record = True
                    continue
            else:
                arrays.append(x)
            parents.append(None)
            needs.append(False)
        parents, needs = tuple(parents), tuple(needs)

    node: Node | None = None
    if record:
        node = _new(Node)
        node._fn = fn
        node._parents = parents
        node._clock = versions.clock
        node._seq = _next_seq()
        node.needs_input_grad = needs
        out = fn.forward(node, *arrays)
    else:
        out = fn.forward(Context(needs), *arrays)
    if out.__class__ is not np.ndarray:
        out = np.asarray(out)
    if not default_mode and _mode.watch:
        if _mode.anomaly:
            from minigrad.anomaly import check_forward

            check_forward(fn, node, out)
        if _mode.record and node is not None:
            # Inside mg.viz.record(): keep the output's value for drawing (freed with the
            # node).
            node._value = out
    result = _new(Tensor)
    result.data = out
    result._grad = None
    result._node = node
    if node is None:
        result._requires_grad = False
        return result
    node._shape = out.shape
    result._requires_grad = True
    return result


_new = object.__new__
_next_seq = itertools.count().__next__


def _leaf_node(tensor: Tensor) -> LeafNode:
    """The leaf node of a tensor that requires grad, made on first use.

    It refers back weakly, so a tensor and its leaf node form no reference cycle.
    """
    node = tensor._node = LeafNode(tensor)
    return node


# --------------------------------------------------------------------------- backward


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` down to ``shape``, undoing NumPy broadcasting.

    The one place where broadcast gradients are reduced: leading axes that broadcasting
    added are summed away, then axes that were stretched from size 1 are summed with
    ``keepdims``.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def _store_grad(tensor: Tensor, grad: np.ndarray, owned: set[int]) -> None:
    """Accumulate ``grad`` into ``tensor.grad`` out of place (PyTorch semantics).

    ``grad`` has the tensor's shape (``run_backward`` checks every gradient). A stored
    gradient must be the tensor's own writable array: a broadcast view, the user's
    upstream array or an array already handed to another leaf is copied first.
    """
    data = tensor.data
    if grad.dtype != data.dtype:
        grad = grad.astype(data.dtype)
    elif id(grad) in owned or not grad.flags.writeable or grad.base is not None:
        grad = grad.copy()
    owned.add(id(grad))
    # Read-modify-write of .grad: two threads backpropagating into one shared parameter
    # must not lose each other's contribution (PyTorch locks this step too).
    with _accumulate_lock:
        tensor._grad = grad if tensor._grad is None else tensor._grad + grad


_accumulate_lock = threading.Lock()


def run_backward(root: Node | LeafNode, grad: np.ndarray, retain_graph: bool,
                 observer: Callable[[Any, Any, tuple[Any, ...]], None] | None = None) -> None:
    """Propagate ``grad`` from ``root`` to every leaf that requires grad.

    One pass, in PyTorch's order: recorded calls run from the newest to the oldest (their
    ``_seq``, a counter stamped when they were recorded). Every consumer of a node was
    recorded after it, so when a node's turn comes all its gradient has arrived and no
    count of consumers is needed first. The pending nodes sit in a heap, so depth is limited
    by memory only (a chain of 100,000 ops backprops under the default recursion limit).
    Leaf gradients are summed as they arrive and stored once every recorded call has run:
    an error on the way (such as a part of the graph already freed) leaves every ``.grad``
    as it was.

    ``observer(node, dout, in_grads)``, when given, is called at every step in the order
    the engine runs them: for a recorded call once its backward has run (``in_grads`` holds
    one gradient per input, None where none flows), before its saved arrays are freed; for
    a leaf when its gradient is stored (``in_grads`` is empty). A traced backward and a
    plain one run this same loop, so their gradients are identical.
    """
    if root.__class__ is LeafNode:
        tensor = root.tensor_ref()
        if tensor is not None:
            if root._hooks is not None:
                grad = _run_hooks(root._hooks, grad)
            _store_grad(tensor, grad, {id(grad)})
            if observer is not None:
                observer(root, grad, ())
        return
    # Read once: an in-place change made by another thread while this loop runs is a race
    # whatever is read here.
    clock = versions.clock
    anomaly = _mode.anomaly
    owned = {id(grad)}  # arrays already stored in some .grad (see _store_grad)
    grads: dict[Any, np.ndarray] = {}  # pending nodes' summed gradients
    leaf_grads: dict[Any, np.ndarray] = {}  # leaf nodes' summed gradients, by first arrival
    owners: list[Any] = []  # their tensors
    heap: list[tuple[int, Any]] = []  # (-seq, node): the newest pending call on top
    node: Any = root
    dout = grad
    while True:
        fn = node._fn
        if fn is None:
            raise RuntimeError(
                "backward through a graph a second time: its saved arrays were freed by the "
                "first backward(); call backward(retain_graph=True) the first time to keep them"
            )
        parents = node._parents
        if node._retained is not None:
            # Also the gate of gradient hooks (register_hook sets it), so a plain node pays
            # one check. Hooks run once, on the total gradient, before it is retained or
            # flows on (PyTorch's order).
            if node._hooks is not None:
                dout = _run_hooks(node._hooks, dout)
            kept = node._retained()
            if kept is not None:
                _store_grad(kept, dout, owned)
        if node._clock != clock:
            versions.check_saved(node)
        if fn.__class__ in _trusted_backward:
            in_grads = fn.backward(node, dout)
        else:
            in_grads = _foreign_backward(fn, node, dout)
        if in_grads.__class__ is not tuple:
            in_grads = (in_grads,)
        if len(in_grads) != len(parents):
            raise RuntimeError(
                f"{fn.op_name}.backward returned {len(in_grads)} gradient(s) for "
                f"{len(parents)} input(s)"
            )
        if anomaly:
            from minigrad.anomaly import check_backward

            check_backward(node, in_grads)
        if observer is not None:
            observer(node, dout, in_grads)
        if not retain_graph:
            # Free what forward saved as soon as it has been used.
            node.__dict__.clear()
            node._fn = None
            node._parents = ()
        # The next node to run is the newest pending one. In a chain that is the single
        # parent just reached, handed over directly (`after`) without the heap or the dict.
        after: Any = None
        after_grad: Any = None
        index = -1
        for parent in parents:
            index += 1
            if parent is None:
                continue
            g = in_grads[index]
            if g is None:
                continue
            if g.__class__ is not np.ndarray:
                g = np.asarray(g)
            # A misshapen gradient must stop here: further down, broadcasting in
            # accumulation or in unbroadcast would turn it into a silent wrong answer.
            if parent.__class__ is Node:
                if g.shape != parent._shape:
                    _bad_shape(fn, index, g, parent._shape)
                if parent is after:
                    after_grad = after_grad + g
                    continue
                previous = grads.get(parent)
                if previous is not None:
                    # Out of place: never write into an array another branch may still hold.
                    grads[parent] = previous + g
                elif after is None and not heap:
                    after, after_grad = parent, g
                else:
                    grads[parent] = g
                    heappush(heap, (-parent._seq, parent))
            else:
                owner = parent.tensor_ref()
                if owner is not None and g.shape != owner.data.shape:
                    _bad_shape(fn, index, g, owner.data.shape)
                previous = leaf_grads.get(parent)
                if previous is None:
                    leaf_grads[parent] = g
                    # The graph may hold the last reference to a layer (its node's _fn) and
                    # so to the parameter: keep it alive until its gradient is stored.
                    owners.append(owner)
                else:
                    leaf_grads[parent] = previous + g
        if after is not None:
            if not heap or -heap[0][0] < after._seq:
                node, dout = after, after_grad
                continue
            grads[after] = after_grad
            heappush(heap, (-after._seq, after))
        elif not heap:
            break
        node = heappop(heap)[1]
        dout = grads.pop(node)

    for (leaf, dout), tensor in zip(leaf_grads.items(), owners):
        if tensor is None:
            continue
        if leaf._hooks is not None:
            dout = _run_hooks(leaf._hooks, dout)
        _store_grad(tensor, dout, owned)
        if observer is not None:
            observer(leaf, dout, ())


def _bad_shape(fn: Function, index: int, g: np.ndarray, shape: tuple[int, ...]) -> None:
    raise RuntimeError(
        f"{fn.op_name}.backward returned a gradient of shape {g.shape} for input {index} of "
        f"shape {shape}; backward must return one gradient per input, shaped like that input"
    )


def _run_hooks(hooks: HookDict, grad: np.ndarray) -> np.ndarray:
    """Run a tensor's gradient hooks in registration order; each may replace ``grad``.

    A hook sees a read-only view (the array may be shared with another branch of the
    graph), and what it returns must have the gradient's shape.
    """
    for hook in tuple(hooks.values()):
        view = grad.view()
        view.flags.writeable = False
        result = hook(view)
        if result is None:
            continue
        new = result.data if isinstance(result, Tensor) else np.asarray(result)
        if new.shape != grad.shape:
            raise RuntimeError(f"gradient hook {getattr(hook, '__name__', hook)!r} returned a "
                               f"gradient of shape {new.shape} for a tensor of shape "
                               f"{grad.shape}; a hook may change the values, not the shape")
        if new.dtype != grad.dtype:
            new = new.astype(grad.dtype)
        grad = new
    return grad


# The backward methods written in minigrad itself never write into ``dout`` (the suite
# checks it). Any other one, such as a user's own layer, gets a read-only view: ``dout``
# may be the very array another branch of the graph receives, and writing into it would
# corrupt that branch's gradient silently.
_trusted_backward: set[Any] = set()


def _foreign_backward(fn: Function, node: Node, dout: np.ndarray) -> Any:
    cls = fn.__class__
    if cls.backward.__module__.startswith("minigrad."):
        _trusted_backward.add(cls)
        return fn.backward(node, dout)
    view = dout.view()
    view.flags.writeable = False
    try:
        return fn.backward(node, view)
    except ValueError as error:
        if "read-only" not in str(error):
            raise
        raise RuntimeError(
            f"{fn.op_name}.backward wrote into its dout in place ({error}); dout may be the "
            "same array that another branch of the graph receives, so backward must return "
            "new arrays (dout * 2, not dout *= 2)"
        ) from None


from minigrad.tensor import Tensor  # noqa: E402  (cycle: Tensor's operators call apply)
