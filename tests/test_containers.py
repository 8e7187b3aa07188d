"""ModuleList, ModuleDict and ParameterList; plain containers that would hide parameters."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim


class Heads(nn.Module):
    """A trunk with named heads, a list of blocks and a list of free parameters."""

    def __init__(self) -> None:
        self.trunk = nn.Dense(3, 4, rng=0)
        self.blocks = nn.ModuleList([nn.Dense(4, 4, rng=1), nn.Dropout(0.5, rng=0)])
        self.heads = nn.ModuleDict({"a": nn.Dense(4, 1, rng=2), "b": nn.Dense(4, 2, rng=3)})
        self.scales = nn.ParameterList([nn.Parameter(np.ones(1)), nn.Parameter(np.ones(2))])

    def forward(self, x):
        h = self.trunk(x).tanh()
        for block in self.blocks:
            h = block(h)
        return (self.heads["a"](h) * self.scales[0]).sum() + (
            self.heads["b"](h) * self.scales[1]).sum()


NAMES = ["trunk.W", "trunk.b", "blocks.0.W", "blocks.0.b", "heads.a.W", "heads.a.b",
         "heads.b.W", "heads.b.b", "scales.0", "scales.1"]


def test_contained_parameters_are_found_with_torch_dotted_names():
    model = Heads()
    assert [name for name, _ in model.named_parameters()] == NAMES
    assert model.parameters()[4] is model.heads["a"].W
    assert list(model.state_dict()) == NAMES
    assert model.num_parameters() == 12 + 4 + 20 + 5 + 10 + 3


def test_train_eval_and_modules_reach_contained_modules():
    model = Heads()
    dropout = model.blocks[1]
    assert any(m is dropout for m in model.modules())
    assert any(m is model.heads["b"] for m in model.modules())
    names = [name for name, _ in model.named_modules()]
    assert names[:5] == ["", "trunk", "blocks", "blocks.0", "blocks.1"]
    assert "heads.a" in names and "scales" in names
    model.eval()
    assert not dropout.training and not model.heads["a"].training
    model.train()
    assert dropout.training and model.heads["a"].training


def test_sgd_updates_a_head_held_in_a_module_dict():
    model = Heads().eval()
    before = model.heads["a"].W.data.copy()
    opt = optim.SGD(model.parameters(), lr=0.1)
    model(np.ones((2, 3))).backward()
    opt.step()
    assert not np.array_equal(model.heads["a"].W.data, before)
    assert not np.array_equal(model.scales[1].data, np.ones(2))


def test_state_dict_and_save_load_round_trip_keep_contained_parts(tmp_path):
    model, other = Heads(), Heads()
    for p in other.parameters():
        p.data[...] = 0.0
    path = tmp_path / "heads.npz"
    mg.save(model, path)
    assert sorted(mg.load(path)) == sorted(NAMES)
    other.load_state_dict(mg.load(path))
    for (name, a), (_, b) in zip(model.named_parameters(), other.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)
    with pytest.raises(ValueError, match="missing keys: heads.b.W"):
        other.load_state_dict({k: v for k, v in model.state_dict().items() if k != "heads.b.W"})


# --------------------------------------------------------------------------- plain containers


@pytest.mark.parametrize("holder, fix", [
    (lambda: {"a": nn.Dense(4, 1)}, "nn.ModuleDict"),
    (lambda: {"w": nn.Parameter(np.ones(2))}, "nn.ParameterList"),
    (lambda: {nn.Dense(2, 2)}, "nn.ModuleDict"),
    (lambda: [[nn.Dense(2, 2)], nn.Dense(2, 2)], "nn.ModuleList"),
    (lambda: ({"deep": [nn.Tanh()]},), "nn.ModuleList"),
])
def test_a_container_that_would_hide_parts_is_refused_at_assignment(holder, fix):
    class Model(nn.Module):
        def __init__(self) -> None:
            self.heads = holder()

    with pytest.raises(TypeError, match=r"Model\.heads") as info:
        Model()
    assert fix in str(info.value) and "state_dict()" in str(info.value)


def test_a_dict_filled_after_assignment_is_refused_at_discovery(tmp_path):
    class Model(nn.Module):
        def __init__(self) -> None:
            self.heads: dict[str, nn.Module] = {}
            self.heads["a"] = nn.Dense(4, 1)

    model = Model()  # the dict was empty when it was assigned
    for discover in (model.parameters, model.state_dict, model.train, model.modules,
                     lambda: mg.save(model, tmp_path / "m.npz")):
        with pytest.raises(TypeError, match=r"Model\.heads is a dict holding a Dense.*"
                                            r"nn\.ModuleDict"):
            list(discover())


def test_plain_lists_and_tuples_of_modules_are_still_walked_like_module_list():
    class Plain(nn.Module):
        def __init__(self) -> None:
            self.layers = [nn.Dense(2, 2, rng=0)]
            self.pair = (nn.Parameter(np.ones(1)), nn.Parameter(np.ones(1)))
            self.config = {"width": 2, "names": ["a", "b"]}  # no model parts: allowed

    model = Plain()
    model.layers.append(nn.Dense(2, 1, rng=1))
    assert [n for n, _ in model.named_parameters()] == [
        "layers.0.W", "layers.0.b", "layers.1.W", "layers.1.b", "pair.0", "pair.1"]


# --------------------------------------------------------------------------- ModuleList


def test_module_list_behaves_like_a_list():
    a, b, c, d = nn.Dense(2, 2), nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    layers = nn.ModuleList([a])
    assert layers.append(b) is layers
    layers.extend([d])
    layers.insert(2, c)
    assert list(layers) == [a, b, c, d] and len(layers) == 4
    assert layers[0] is a and layers[-1] is d
    head = layers[1:3]
    assert isinstance(head, nn.ModuleList) and list(head) == [b, c]
    layers[1] = nn.ELU()
    assert isinstance(layers[1], nn.ELU)
    del layers[1]
    assert layers.pop() is d and list(layers) == [a, c]
    layers += [b]
    assert list(layers + nn.ModuleList([d])) == [a, c, b, d]
    assert [n for n, _ in layers.named_parameters()] == ["0.W", "0.b"]


def test_module_list_refuses_what_is_not_a_module():
    layers = nn.ModuleList([nn.ReLU()])
    with pytest.raises(TypeError, match="ModuleList.append: expected a Module, got str"):
        layers.append("relu")
    with pytest.raises(TypeError, match="ModuleList.extend: expected a Module, got int"):
        layers.extend([nn.Tanh(), 3])
    assert len(layers) == 1  # a bad item leaves the list unchanged
    with pytest.raises(TypeError, match="use append for one module"):
        layers.extend(nn.Tanh())
    with pytest.raises(IndexError, match="ModuleList: index 5 is out of range for 1 items"):
        layers[5]  # noqa: B018
    with pytest.raises(NotImplementedError, match="ModuleList is a container"):
        layers(np.ones(2))


def test_module_list_repr_is_pytorch_like():
    text = repr(nn.ModuleList([nn.Dense(2, 3), nn.ReLU()]))
    assert text.splitlines() == ["ModuleList(", "  (0): Dense(in_features=2, out_features=3, "
                                 "bias=True)", "  (1): ReLU()", ")"]


# --------------------------------------------------------------------------- ModuleDict


def test_module_dict_behaves_like_a_dict():
    a, b, c = nn.Dense(2, 2), nn.ReLU(), nn.Tanh()
    heads = nn.ModuleDict([("a", a), ("b", b)])
    assert list(heads) == ["a", "b"] and list(heads.keys()) == ["a", "b"]
    assert list(heads.values()) == [a, b] and list(heads.items()) == [("a", a), ("b", b)]
    assert "a" in heads and "z" not in heads and len(heads) == 2
    heads["c"] = c
    heads.update({"b": nn.Sigmoid(), "d": nn.ELU()})
    assert list(heads) == ["a", "b", "c", "d"] and isinstance(heads["b"], nn.Sigmoid)
    heads.update(nn.ModuleDict({"e": nn.Identity()}))
    assert heads.pop("c") is c
    del heads["e"]
    assert list(heads) == ["a", "b", "d"]
    assert [n for n, _ in heads.named_parameters()] == ["a.W", "a.b"]
    heads.clear()
    assert len(heads) == 0


def test_module_dict_refuses_bad_keys_and_values():
    heads = nn.ModuleDict({"a": nn.ReLU()})
    with pytest.raises(TypeError, match="keys must be strings, got int"):
        heads[1] = nn.ReLU()
    with pytest.raises(ValueError, match=r"key 'x\.y' must be a non-empty string without '\.'"):
        heads["x.y"] = nn.ReLU()
    with pytest.raises(TypeError, match=r"ModuleDict\['b'\]: expected a Module, got float"):
        heads["b"] = 1.0
    with pytest.raises(TypeError, match="expected a Module"):
        heads.update({"c": nn.ReLU(), "d": "tanh"})
    assert list(heads) == ["a"]  # a bad item leaves the dict unchanged
    with pytest.raises(KeyError, match="ModuleDict has no key 'z'; keys: 'a'"):
        heads["z"]  # noqa: B018


# --------------------------------------------------------------------------- ParameterList


def test_parameter_list_behaves_like_a_list_and_refuses_plain_arrays():
    p, q = nn.Parameter(np.ones(2)), nn.Parameter(np.zeros(3))
    params = nn.ParameterList([p])
    params.append(q)
    assert list(params) == [p, q] and params[-1] is q and len(params) == 2
    assert list(params[:1]) == [p] and isinstance(params[:1], nn.ParameterList)
    assert [n for n, _ in params.named_parameters()] == ["0", "1"]
    with pytest.raises(TypeError, match=r"expected a Parameter, got ndarray; wrap an array as "
                                        r"nn\.Parameter\(array\)"):
        params.append(np.ones(2))
    assert repr(params).splitlines()[1] == "  (0): Parameter of shape (2,), dtype float64"


class Scaled(nn.Layer):
    """A hand-written layer whose parameters sit in a ParameterList."""

    def __init__(self) -> None:
        self.scales = nn.ParameterList([nn.Parameter([2.0]), nn.Parameter([3.0])])

    def forward(self, ctx, x, first, second):
        ctx.x, ctx.first, ctx.second = x, first, second
        return x * first * second

    def backward(self, ctx, dout):
        x, first, second = ctx.x, ctx.first, ctx.second
        return dout * first * second, (dout * x * second).sum(keepdims=True).reshape(1), \
            (dout * x * first).sum(keepdims=True).reshape(1)


def test_a_layer_passes_its_parameter_list_to_its_node():
    layer = Scaled()
    assert [a.tolist() for a in layer.param_arrays()] == [[2.0], [3.0]]
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    layer(x).sum().backward()
    assert layer.scales[0].grad.tolist() == [9.0] and layer.scales[1].grad.tolist() == [6.0]
    assert mg.gradcheck(layer, x)


# --------------------------------------------------------------------------- in-place loading


def test_load_state_dict_writes_into_the_existing_arrays():
    model = nn.Dense(2, 2, dtype=np.float32, rng=0)
    held = model.W.data  # what an optimizer or user code holds
    model.load_state_dict({"W": np.full((2, 2), 3.0), "b": np.zeros(2)})
    assert model.W.data is held and held.dtype == np.float32
    np.testing.assert_array_equal(held, np.full((2, 2), 3.0, dtype=np.float32))


def test_load_state_dict_copes_with_swapped_aliases_and_read_only_arrays():
    model = nn.Sequential(nn.Dense(2, 2, rng=0), nn.Dense(2, 2, rng=1))
    first, second = model[0].W.data.copy(), model[1].W.data.copy()
    model.load_state_dict({"0.W": model[1].W.data, "1.W": model[0].W.data}, strict=False)
    np.testing.assert_array_equal(model[0].W.data, second)
    np.testing.assert_array_equal(model[1].W.data, first)
    model[0].b.data = np.broadcast_to(np.zeros(1), (2,))  # read-only: rebinding is the way
    model.load_state_dict({"0.b": np.ones(2)}, strict=False)
    np.testing.assert_array_equal(model[0].b.data, np.ones(2))


def test_backward_through_a_graph_made_before_load_state_dict_raises():
    layer = nn.Dense(2, 2, rng=0)
    out = layer(mg.Tensor(np.ones((1, 2)), requires_grad=True))
    layer.load_state_dict({"W": np.zeros((2, 2)), "b": np.zeros(2)})
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        out.sum().backward()


def test_backward_through_saved_running_statistics_raises_after_a_training_step():
    bn = nn.BatchNorm1d(2)
    x = mg.Tensor(np.ones(2), requires_grad=True)
    scaled = x * bn.running_var  # saves the running variance for its backward
    bn(np.array([[0.0, 1.0], [2.0, 5.0]]))  # training mode: the statistics change in place
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        scaled.sum().backward()
