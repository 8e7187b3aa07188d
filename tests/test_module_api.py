"""Module registration API, apply, buffers, requires_grad_, forward hooks and tensor hooks.

Each behaviour is the one of torch.nn.Module / torch.Tensor, checked against torch where
the two can run side by side.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.hooks import RemovableHandle

# --------------------------------------------------------------------------- registration


class Box(nn.Module):
    def __init__(self) -> None:
        self.inner = nn.Dense(2, 3, rng=0)
        self.plain = 5

    def forward(self, x):  # type: ignore[no-untyped-def]
        return self.inner(x)


def test_register_buffer_appears_in_buffers_and_state_dict():
    box = Box()
    box.register_buffer("running", np.zeros(3))
    assert isinstance(box.running, nn.Buffer)
    assert [name for name, _ in box.named_buffers()] == ["running"]
    assert box.buffers() == [box.running]
    assert "running" in box.state_dict()
    assert not box.running.requires_grad
    existing = nn.Buffer(np.ones(2))
    box.register_buffer("running", existing)  # re-registering a buffer replaces it
    assert box.running is existing
    box.register_buffer("empty", None)
    assert box.empty is None and "empty" not in box.state_dict()


def test_register_buffer_takes_a_tensor_copy():
    box = Box()
    t = mg.Tensor([1.0, 2.0])
    box.register_buffer("b", t)
    assert isinstance(box.b, nn.Buffer) and box.b.data.tolist() == [1.0, 2.0]


def test_register_parameter_is_discovered_in_order():
    box = Box()
    p = nn.Parameter(np.ones(2))
    box.register_parameter("scale", p)
    assert [n for n, _ in box.named_parameters()] == ["inner.W", "inner.b", "scale"]
    box.register_parameter("scale", None)
    assert box.scale is None and len(box.parameters()) == 2
    box.register_parameter("scale", p)  # None may be replaced by a Parameter
    assert box.scale is p


def test_add_module_registers_a_child():
    box = Box()
    box.add_module("head", nn.ReLU())
    assert [n for n, _ in box.named_children()] == ["inner", "head"]
    box.register_module("tail", nn.Tanh())
    assert isinstance(box.tail, nn.Tanh)
    box.add_module("nothing", None)
    assert box.nothing is None


@pytest.mark.parametrize("method, value", [
    ("register_buffer", np.zeros(1)),
    ("register_parameter", nn.Parameter(np.zeros(1))),
    ("add_module", nn.ReLU()),
])
def test_bad_names_are_refused_like_torch(method, value, torch):
    box = Box()
    t_box = torch.nn.Module()
    t_box.inner = torch.nn.Linear(2, 3)
    t_value = {"register_buffer": torch.zeros(1),
               "register_parameter": torch.nn.Parameter(torch.zeros(1)),
               "add_module": torch.nn.ReLU()}[method]
    for name, error in (("a.b", KeyError), ("", KeyError), (3, TypeError),
                        ("training", KeyError), ("forward", KeyError)):
        with pytest.raises(error):
            getattr(t_box, method)(name, t_value)
        with pytest.raises(error, match=f"Box.{method}"):
            getattr(box, method)(name, value)
    # An existing attribute of another kind is refused in both.
    t_box.plain = 5
    with pytest.raises(KeyError):
        getattr(t_box, method)("plain", t_value)
    with pytest.raises(KeyError, match="'plain' already exists"):
        getattr(box, method)("plain", value)


def test_register_with_the_wrong_kind_of_value_raises():
    box = Box()
    with pytest.raises(TypeError, match="Box.register_parameter: cannot assign a ndarray"):
        box.register_parameter("w", np.zeros(2))
    with pytest.raises(TypeError, match="Box.add_module: int is not a Module"):
        box.add_module("m", 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="register_parameter"):
        box.register_buffer("p", nn.Parameter(np.zeros(1)))
    with pytest.raises(KeyError, match="already exists"):
        box.register_buffer("inner", np.zeros(1))


# --------------------------------------------------------------------------- apply, grads


def test_apply_visits_children_first_then_self_and_returns_self(torch):
    model = nn.Sequential(nn.Dense(2, 3, rng=0), nn.Sequential(nn.Tanh(), nn.Dense(3, 1)))
    order: list[str] = []
    assert model.apply(lambda m: order.append(type(m).__name__)) is model
    t_model = torch.nn.Sequential(torch.nn.Linear(2, 3),
                                  torch.nn.Sequential(torch.nn.Tanh(), torch.nn.Linear(3, 1)))
    t_order: list[str] = []
    t_model.apply(lambda m: t_order.append(type(m).__name__))
    rename = {"Linear": "Dense"}
    assert order == [rename.get(n, n) for n in t_order]


def test_apply_can_initialise_weights():
    model = nn.Sequential(nn.Dense(2, 3, rng=0), nn.ReLU(), nn.Dense(3, 1, rng=1))

    def zero(m):  # type: ignore[no-untyped-def]
        if isinstance(m, nn.Dense):
            m.W.data[...] = 0.0

    model.apply(zero)
    assert all(not p.data.any() for n, p in model.named_parameters() if n.endswith("W"))


def test_requires_grad_freezes_and_unfreezes_every_parameter():
    model = nn.Sequential(nn.Dense(2, 3, rng=0), nn.Dense(3, 1, rng=1))
    assert model.requires_grad_(False) is model
    assert not any(p.requires_grad for p in model.parameters())
    out = model(np.ones((1, 2)))
    assert not out.requires_grad
    model.requires_grad_()
    assert all(p.requires_grad for p in model.parameters())


# --------------------------------------------------------------------------- forward hooks


def _twins(torch):  # type: ignore[no-untyped-def]
    layer = nn.Dense(2, 2, rng=0)
    t_layer = torch.nn.Linear(2, 2)
    with torch.no_grad():
        t_layer.weight.copy_(torch.tensor(layer.W.data.T))
        t_layer.bias.copy_(torch.tensor(layer.b.data))
    return layer, t_layer


def test_forward_hooks_see_inputs_and_output_and_can_replace_them(torch):
    x = np.array([[1.0, -2.0]])
    layer, t_layer = _twins(torch)
    seen, t_seen = [], []
    handles = [
        layer.register_forward_pre_hook(lambda m, inp: (inp[0] * 2.0,)),
        layer.register_forward_hook(lambda m, inp, out: out + 1.0),
        layer.register_forward_hook(lambda m, inp, out: seen.append(
            (m, inp[0].data.copy(), out.data.copy()))),
    ]
    t_handles = [
        t_layer.register_forward_pre_hook(lambda m, inp: (inp[0] * 2.0,)),
        t_layer.register_forward_hook(lambda m, inp, out: out + 1.0),
        t_layer.register_forward_hook(lambda m, inp, out: t_seen.append(
            (m, inp[0].detach().numpy().copy(), out.detach().numpy().copy()))),
    ]
    xt = mg.Tensor(x, requires_grad=True)
    txt = torch.tensor(x, requires_grad=True)
    out, t_out = layer(xt), t_layer(txt)
    np.testing.assert_allclose(out.data, t_out.detach().numpy())
    assert seen[0][0] is layer and t_seen[0][0] is t_layer
    np.testing.assert_allclose(seen[0][1], t_seen[0][1])  # the pre-hook's inputs
    np.testing.assert_allclose(seen[0][2], t_seen[0][2])  # the replaced output
    out.sum().backward()
    t_out.sum().backward()
    np.testing.assert_allclose(xt.grad, txt.grad.numpy())
    for h in handles + t_handles:
        h.remove()
    np.testing.assert_allclose(layer(x).data, t_layer(torch.tensor(x)).detach().numpy())
    assert len(seen) == len(t_seen) == 1


def test_pre_hook_returning_a_non_tuple_is_wrapped_and_gradients_flow():
    layer = nn.Tanh()
    layer.register_forward_pre_hook(lambda m, inp: inp[0] * 3.0)
    x = mg.Tensor([0.1, 0.2], requires_grad=True)
    layer(x).sum().backward()
    np.testing.assert_allclose(x.grad, 3.0 * (1 - np.tanh(3.0 * x.data) ** 2))


def test_hooks_run_in_registration_order_and_on_modules_and_losses():
    order: list[int] = []
    model = nn.Sequential(nn.ReLU())
    for i in range(3):
        model.register_forward_hook(lambda m, inp, out, i=i: order.append(i))
    model(np.ones(2))
    assert order == [0, 1, 2]
    loss = nn.MSELoss()
    loss.register_forward_hook(lambda m, inp, out: out * 0.0)
    assert loss(mg.Tensor([1.0]), np.array([3.0])).item() == 0.0


def test_handle_removal_is_idempotent_and_a_context_manager():
    layer = nn.ReLU()
    counter: list[int] = []
    handle = layer.register_forward_hook(lambda m, i, o: counter.append(1))
    assert isinstance(handle, RemovableHandle)
    with handle:
        layer(np.ones(1))
    layer(np.ones(1))
    handle.remove()  # twice: nothing happens, as torch
    assert counter == [1]
    # A hook may remove itself while the hooks run.
    box: list[RemovableHandle] = []
    box.append(layer.register_forward_hook(lambda m, i, o: box[0].remove()))
    layer(np.ones(1))
    layer(np.ones(1))


def test_a_hook_must_be_callable():
    with pytest.raises(TypeError, match="ReLU.register_forward_hook: a hook must be callable"):
        nn.ReLU().register_forward_hook(3)  # type: ignore[arg-type]


def test_hooks_are_not_parameters_or_state():
    layer = nn.Dense(2, 2, rng=0)
    layer.register_forward_hook(lambda m, i, o: None)
    assert [n for n, _ in layer.named_parameters()] == ["W", "b"]
    assert set(layer.state_dict()) == {"W", "b"}
    assert repr(layer) == repr(nn.Dense(2, 2, rng=0))


def test_a_module_used_as_a_hook_is_allowed():
    class Doubler(nn.Module):
        def __call__(self, m, inp, out):  # type: ignore[no-untyped-def, override]
            return out * 2.0

    layer = nn.ReLU()
    layer.register_forward_hook(Doubler())
    assert layer(mg.Tensor([1.0])).item() == 2.0
    assert layer.parameters() == []


def test_unhooked_call_stores_nothing_on_the_instance():
    layer = nn.Dense(2, 2, rng=0)
    layer(np.ones((1, 2)))
    assert "_hooks" not in vars(layer)


# --------------------------------------------------------------------------- tensor hooks


def _pair(torch):  # type: ignore[no-untyped-def]
    x = mg.Tensor([1.0, -2.0, 0.5], requires_grad=True)
    tx = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
    return x, tx


def test_hook_doubling_an_intermediate_used_twice_matches_torch(torch):
    x, tx = _pair(torch)
    seen, t_seen = [], []
    y = x * x
    ty = tx * tx
    y.register_hook(lambda g: (seen.append(g.copy()), g * 2.0)[1])
    ty.register_hook(lambda g: (t_seen.append(g.clone()), g * 2.0)[1])
    (y * 3.0 + y.exp()).sum().backward()
    (ty * 3.0 + ty.exp()).sum().backward()
    assert len(seen) == len(t_seen) == 1  # once, on the total gradient
    np.testing.assert_allclose(seen[0], t_seen[0].numpy())
    np.testing.assert_allclose(x.grad, tx.grad.numpy())


def test_leaf_hook_runs_once_on_the_summed_gradient_before_accumulation(torch):
    x, tx = _pair(torch)
    seen, t_seen = [], []
    x.register_hook(lambda g: (seen.append(g.copy()), g + 1.0)[1])
    tx.register_hook(lambda g: (t_seen.append(g.clone()), g + 1.0)[1])
    for _ in range(2):  # the second backward accumulates onto the hooked first gradient
        (x * 2.0 + x * x).sum().backward()
        (tx * 2.0 + tx * tx).sum().backward()
    assert len(seen) == len(t_seen) == 2
    np.testing.assert_allclose(np.array(seen), np.stack([g.numpy() for g in t_seen]))
    np.testing.assert_allclose(x.grad, tx.grad.numpy())


def test_several_hooks_chain_in_order_and_removal_works(torch):
    x, tx = _pair(torch)
    results = []
    for a in (x, tx):
        y = a * 2.0
        h1 = y.register_hook(lambda g: g * 3.0)
        y.register_hook(lambda g: g + 1.0)  # sees 3 * grad
        h1.remove()
        h1.remove()
        y.sum().backward()
        results.append(a.grad if isinstance(a, mg.Tensor) else a.grad.numpy())
    np.testing.assert_allclose(results[0], results[1])
    np.testing.assert_allclose(results[0], [4.0, 4.0, 4.0])


def test_hook_on_the_root_and_retain_grad_sees_the_hooked_gradient(torch):
    x, tx = _pair(torch)
    y, ty = x * 1.5, tx * 1.5
    for t in (y, ty):
        t.retain_grad()
        t.register_hook(lambda g: g * 10.0)
    y.backward(np.ones(3))
    ty.backward(torch.ones(3))
    np.testing.assert_allclose(y.grad, ty.grad.numpy())
    np.testing.assert_allclose(x.grad, tx.grad.numpy())
    leaf, t_leaf = _pair(torch)
    leaf.register_hook(lambda g: g * 4.0)
    t_leaf.register_hook(lambda g: g * 4.0)
    leaf.backward(np.ones(3))
    t_leaf.backward(torch.ones(3))
    np.testing.assert_allclose(leaf.grad, t_leaf.grad.numpy())


def test_hook_returning_none_only_observes_and_sees_a_read_only_array():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)

    def inplace(g):  # type: ignore[no-untyped-def]
        g *= 2.0

    x.register_hook(inplace)
    with pytest.raises(ValueError, match="read-only"):
        (x * 1.0).sum().backward()
    y = mg.Tensor([1.0, 2.0], requires_grad=True)
    y.register_hook(lambda g: None)
    (y * 3.0).sum().backward()
    assert y.grad.tolist() == [3.0, 3.0] and y.grad.flags.writeable


def test_hook_errors_name_the_problem():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.Tensor([1.0]).register_hook(lambda g: g)
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: np.zeros(3))
    with pytest.raises(RuntimeError, match=r"shape \(3,\) for a tensor of shape \(2,\)"):
        (x * 1.0).sum().backward()
    with pytest.raises(TypeError, match="Tensor.register_hook: a hook must be callable"):
        mg.Tensor([1.0], requires_grad=True).register_hook(None)


def test_tensor_hook_keeps_the_dtype_and_can_return_a_tensor():
    x = mg.Tensor(np.ones(2, np.float32), requires_grad=True)
    x.register_hook(lambda g: mg.Tensor(np.full(2, 7.0)))  # float64 Tensor: cast back
    (x * 1.0).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [7.0, 7.0]


def test_a_handle_does_not_keep_the_graph_alive():
    x = mg.Tensor([1.0], requires_grad=True)
    y = x * 2.0
    handle = y.register_hook(lambda g: g)
    del y
    gc.collect()
    assert handle.hooks_dict_ref() is None
    handle.remove()


def test_a_hooked_layer_passes_the_same_parameters_as_an_unhooked_one():
    class Mix(nn.Layer):
        def __init__(self) -> None:
            self.a = nn.Parameter(np.array([2.0]))
            self.pair = [nn.Parameter(np.array([3.0])), nn.Parameter(np.array([5.0]))]
            self.more = nn.ParameterList([nn.Parameter(np.array([7.0]))])

        def forward(self, ctx, x, a, b, c, d):  # type: ignore[no-untyped-def, override]
            return x * a + b * c - d

        def backward(self, ctx, dout):  # type: ignore[no-untyped-def]
            return dout, dout, dout, dout, dout

    layer = Mix()
    plain = layer(np.array([1.0])).item()
    layer.register_forward_hook(lambda m, i, o: None)
    assert layer(np.array([1.0])).item() == plain == 10.0
    assert layer([1]).item() == 10.0  # a list is converted, as without hooks


def test_forward_hooks_fire_on_embedding_too() -> None:
    # Embedding has its own __call__ (its ids stay integers); hooks must still run.
    emb = nn.Embedding(5, 2, rng=0)
    seen = []
    handle = emb.register_forward_hook(lambda module, inputs, output: seen.append(output.shape))
    emb(np.array([1, 3]))
    handle.remove()
    emb(np.array([1]))
    assert seen == [(2, 2)]
