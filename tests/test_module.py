"""Module, Parameter discovery, state_dict, Sequential, Dense, and manual == autograd."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad import nn


class Block(nn.Module):
    def __init__(self) -> None:
        self.encoder = nn.Sequential(nn.Dense(3, 4, rng=0), nn.Tanh())
        self.heads = [nn.Dense(4, 2, rng=1), nn.Dense(4, 1, rng=2)]
        self.scale = nn.Parameter(np.ones(1))

    def forward(self, x):
        h = self.encoder(x)
        return self.heads[0](h).sum() + self.heads[1](h).sum() * self.scale


def test_parameters_are_discovered_in_definition_order_with_dotted_names():
    names = [name for name, _ in Block().named_parameters()]
    assert names == ["encoder.0.W", "encoder.0.b", "heads.0.W", "heads.0.b",
                     "heads.1.W", "heads.1.b", "scale"]


def test_shared_parameter_is_counted_once_and_gets_both_gradients():
    shared = nn.Dense(2, 2, rng=0)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    assert [n for n, _ in model.named_parameters()] == ["0.W", "0.b"]
    x = mg.Tensor(np.random.default_rng(0).normal(size=(3, 2)))
    assert mg.gradcheck(model, x.requires_grad_())


def test_attribute_typo_raises_attribute_error():
    with pytest.raises(AttributeError):
        nn.Dense(2, 2).weight  # noqa: B018  (the parameter is called W)


def test_train_eval_propagate():
    model = Block()
    model.eval()
    assert all(not m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_state_dict_round_trip_and_copies():
    model, other = Block(), Block()
    for p in other.parameters():
        p.data = p.data + 1.0
    state = model.state_dict()
    other.load_state_dict(state)
    for (name, a), (_, b) in zip(model.named_parameters(), other.named_parameters()):
        assert np.array_equal(a.data, b.data), name
    state["scale"][...] = 7.0  # a state dict is a copy: editing it leaves the model alone
    assert model.scale.data[0] == 1.0


def test_strict_load_lists_every_problem_and_changes_nothing():
    model = Block()
    before = model.state_dict()
    bad = dict(before)
    del bad["heads.0.b"]
    bad["extra"] = np.zeros(1)
    bad["encoder.0.W"] = np.zeros((5, 5))
    with pytest.raises(ValueError) as info:
        model.load_state_dict(bad)
    message = str(info.value)
    assert "missing keys: heads.0.b" in message
    assert "unexpected keys: extra" in message
    assert "encoder.0.W: expected shape (3, 4), got (5, 5)" in message
    for name, value in model.state_dict().items():
        assert np.array_equal(value, before[name])


def test_non_strict_load_ignores_missing_and_unexpected():
    model = Block()
    model.load_state_dict({"scale": np.array([3.0]), "nonsense": np.zeros(2)}, strict=False)
    assert model.scale.data[0] == 3.0


def test_load_keeps_parameter_dtype():
    model = nn.Dense(2, 2, dtype=np.float32)
    model.load_state_dict({"W": np.ones((2, 2)), "b": np.zeros(2)})
    assert model.W.dtype == np.float32


def test_repr_is_pytorch_like():
    text = repr(nn.Sequential(nn.Dense(2, 8), nn.Tanh(), nn.Dense(8, 1, bias=False)))
    assert text.splitlines()[0] == "Sequential("
    assert "(0): Dense(in_features=2, out_features=8, bias=True)" in text
    assert "(2): Dense(in_features=8, out_features=1, bias=False)" in text


def test_sequential_container_protocol():
    a, b, c = nn.Dense(2, 3), nn.ReLU(), nn.Dense(3, 1)
    model = nn.Sequential(a, b)
    model.append(c)
    assert len(model) == 3 and model[0] is a and model[-1] is c
    assert list(model) == [a, b, c]
    head = model[1:]
    assert isinstance(head, nn.Sequential) and list(head) == [b, c]
    with pytest.raises(TypeError, match="must be a Module"):
        nn.Sequential(a, "relu")


def test_dense_rejects_wrong_width_with_a_clear_message():
    layer = nn.Dense(3, 2)
    with pytest.raises(ValueError, match=r"Dense\(in_features=3\) got input of shape \(5, 4\): "
                                         r"expected \(\.\.\., 3\)"):
        layer(np.zeros((5, 4)))


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_dense_rejects_bad_sizes(bad):
    with pytest.raises(ValueError, match="Dense"):
        nn.Dense(bad, 2)


def test_dense_unknown_init_lists_the_schemes():
    with pytest.raises(ValueError, match="xavier"):
        nn.Dense(2, 2, init="magic")


def test_dense_seeding_gives_one_set_of_weights():
    assert np.array_equal(nn.Dense(4, 5, rng=3).W.data, nn.Dense(4, 5, rng=3).W.data)
    assert not np.array_equal(nn.Dense(4, 5, rng=3).W.data, nn.Dense(4, 5, rng=4).W.data)


@pytest.mark.parametrize("scheme, std", [("he", np.sqrt(2 / 400)), ("xavier_normal",
                                          np.sqrt(2 / 600)), ("lecun", np.sqrt(1 / 400))])
def test_dense_init_scale(scheme, std):
    W = nn.Dense(400, 200, init=scheme, rng=0).W.data
    assert abs(W.std() / std - 1) < 0.05


def test_dense_float32_stays_float32():
    layer = nn.Dense(3, 2, dtype=np.float32, rng=0)
    x = mg.Tensor(np.ones((4, 3), dtype=np.float32), requires_grad=True)
    out = layer(x)
    out.sum().backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    assert layer.W.grad.dtype == np.float32 and layer.b.grad.dtype == np.float32


@given(batch=st.integers(1, 4), lead=st.integers(0, 2), bias=st.booleans())
def test_dense_gradients_match_finite_differences(batch, lead, bias):
    rng = np.random.default_rng(batch * 10 + lead)
    layer = nn.Dense(3, 2, bias=bias, rng=rng)
    shape = (2,) * lead + (batch, 3)
    x = mg.Tensor(rng.normal(size=shape), requires_grad=True)
    assert mg.gradcheck(layer, x)


def test_dense_used_twice_in_one_graph():
    layer = nn.Dense(2, 2, rng=0)
    x = mg.Tensor(np.array([[0.3, -0.2]]), requires_grad=True)
    assert mg.gradcheck(lambda t: layer(layer(t).tanh()), x)


def test_data_batch_gets_no_gradient_work():
    layer = nn.Dense(2, 2, rng=0)
    out = layer(np.ones((3, 2)))
    out.sum().backward()
    assert layer.W.grad is not None  # parameters still learn from an array input


ACTIVATION_CHOICES = ["tanh", "relu", "sigmoid", "leaky_relu", "swish", "elu", "gelu",
                      "softplus", "identity"]


@given(depth=st.integers(1, 4), widths=st.lists(st.integers(1, 5), min_size=4, max_size=4),
       names=st.lists(st.sampled_from(ACTIVATION_CHOICES), min_size=4, max_size=4),
       batch=st.integers(1, 5))
def test_manual_backprop_equals_autograd_for_random_stacks(depth, widths, names, batch):
    rng = np.random.default_rng(depth * 100 + batch)
    layers: list[nn.Module] = []
    width = 3
    for i in range(depth):
        layers += [nn.Dense(width, widths[i], rng=rng), nn.get_activation(names[i])]
        width = widths[i]
    model = nn.Sequential(*layers)
    X = rng.normal(size=(batch, 3))
    upstream = rng.normal(size=(batch, width))
    out, contexts = model.manual_forward(X)
    model.manual_backward(contexts, upstream)
    by_hand = {name: p.grad.copy() for name, p in model.named_parameters()}
    model.zero_grad()
    auto_out = model(X)
    auto_out.backward(upstream)
    assert np.array_equal(out, auto_out.data)
    for name, p in model.named_parameters():
        assert np.array_equal(p.grad, by_hand[name]), name


def test_manual_backward_needs_one_context_per_layer():
    model = nn.Sequential(nn.Dense(2, 2), nn.ReLU())
    _, contexts = model.manual_forward(np.ones((1, 2)))
    with pytest.raises(ValueError, match="expected 2 contexts, got 1"):
        model.manual_backward(contexts[:1], np.ones((1, 2)))
