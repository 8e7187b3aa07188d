"""mg.save / mg.load: bit-exact round trips, atomic writes, and no pickle either way."""

from __future__ import annotations

import io
import os
import zipfile

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


def _model(dtype=np.float64, seed=0):
    model = nn.Sequential(nn.Dense(3, 4, rng=seed, dtype=dtype), nn.BatchNorm1d(4, dtype=dtype),
                          nn.Dense(4, 2, rng=seed + 1, dtype=dtype))
    # One training step's worth of running statistics and a non-zero bias.
    model(np.random.default_rng(seed).normal(size=(6, 3)).astype(dtype))
    model[0].b.data = np.random.default_rng(seed).normal(size=4).astype(dtype)
    return model


def _same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_model_round_trip_is_bit_identical(tmp_path, dtype):
    source, target = _model(dtype, seed=0), _model(dtype, seed=5)
    path = tmp_path / "model.npz"
    mg.save(source, path)
    loaded = mg.load(path)
    assert list(loaded) == list(source.state_dict())
    target.load_state_dict(loaded)
    for (name, a), b in zip(source.state_dict().items(), target.state_dict().values()):
        assert _same_bits(a, b), name
    x = np.random.default_rng(3).normal(size=(5, 3)).astype(dtype)
    source.eval(), target.eval()
    assert _same_bits(source(x).data, target(x).data)


def test_flat_dict_with_0d_unicode_and_int_arrays_round_trips(tmp_path):
    # The shape of an optimizer's state_dict: flat, with 0-d numbers and names.
    state = {
        "lr": np.array(0.01),
        "step": np.array(7, dtype=np.int64),
        "name": np.array("adam"),
        "state.0.exp_avg": np.array([[1.5, -2.0]], dtype=np.float32),
        "nan_and_inf": np.array([np.nan, np.inf, -0.0]),
        "empty": np.zeros((0, 3)),
        "file": np.array(1.0),  # np.savez would take these two keys as its own arguments
        "allow_pickle": np.array(True),
    }
    path = tmp_path / "opt.npz"
    mg.save(state, path)
    loaded = mg.load(path)
    assert list(loaded) == list(state)
    for key in state:
        assert _same_bits(loaded[key], state[key]), key
    assert loaded["name"].item() == "adam"


def test_anything_with_state_dict_is_saved(tmp_path):
    class Optimizer:
        def state_dict(self):
            return {"lr": np.array(0.5), "momentum_buffer.0": np.ones(3)}

    mg.save(Optimizer(), tmp_path / "opt.npz")
    assert mg.load(tmp_path / "opt.npz")["lr"] == 0.5


def test_saved_file_is_a_plain_npz_and_deterministic(tmp_path):
    model = _model()
    mg.save(model, tmp_path / "a.npz")
    mg.save(model, tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    with np.load(tmp_path / "a.npz", allow_pickle=False) as archive:
        np.testing.assert_array_equal(archive["1.running_var"], model[1].running_var.data)


def test_path_is_used_exactly_and_str_works(tmp_path):
    path = str(tmp_path / "weights")  # no suffix appended, unlike np.savez
    mg.save({"a": np.ones(2)}, path)
    assert os.listdir(tmp_path) == ["weights"]
    np.testing.assert_array_equal(mg.load(path)["a"], [1.0, 1.0])


# --------------------------------------------------------------------------- refusals on save


@pytest.mark.parametrize(
    ("state", "error", "words"),
    [
        ({"a": np.array([object()], dtype=object)}, TypeError, "pickle"),
        ({"nested": {"a": np.ones(2)}}, TypeError, "flat"),
        ({1: np.ones(2)}, TypeError, "keys must be strings"),
        ({"a\x00b": np.ones(2)}, ValueError, "NUL"),
    ],
)
def test_save_refuses_what_cannot_be_stored_safely(tmp_path, state, error, words):
    with pytest.raises(error, match=words):
        mg.save(state, tmp_path / "x.npz")
    assert os.listdir(tmp_path) == []


def test_save_refuses_non_state_objects_and_missing_directories(tmp_path):
    with pytest.raises(TypeError, match="Module, an optimizer or a dict"):
        mg.save([np.ones(2)], tmp_path / "x.npz")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        mg.save({"a": np.ones(1)}, tmp_path / "missing" / "x.npz")


# --------------------------------------------------------------------------- atomic writes


@pytest.fixture
def existing(tmp_path):
    path = tmp_path / "model.npz"
    mg.save({"old": np.arange(3.0)}, path)
    return path, path.read_bytes()


def _crash(*args, **kwargs):
    raise OSError("simulated crash")


@pytest.mark.parametrize("where", ["write_array", "replace", "fsync"])
def test_a_crash_leaves_the_old_file_intact_and_no_temporary(existing, monkeypatch, where):
    path, before = existing
    if where == "write_array":
        calls = []
        real = np.lib.format.write_array

        def write_then_crash(fp, array, **kwargs):
            calls.append(1)
            if len(calls) == 2:  # after one member is already on disk
                raise OSError("simulated crash")
            return real(fp, array, **kwargs)

        monkeypatch.setattr(np.lib.format, "write_array", write_then_crash)
    else:
        monkeypatch.setattr(os, where, _crash)
    with pytest.raises(OSError, match="simulated crash"):
        mg.save(_model(), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == ["model.npz"]
    assert list(mg.load(path)) == ["old"]


def test_an_interrupt_also_removes_the_temporary(existing, monkeypatch):
    path, before = existing
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        mg.save(_model(), path)
    monkeypatch.undo()
    assert path.read_bytes() == before and os.listdir(path.parent) == ["model.npz"]


def test_new_file_mode_follows_the_umask(tmp_path):
    umask = os.umask(0o027)
    try:
        mg.save({"a": np.ones(1)}, tmp_path / "new.npz")
    finally:
        os.umask(umask)
    assert os.stat(tmp_path / "new.npz").st_mode & 0o777 == 0o640


def test_overwrite_replaces_and_keeps_the_file_mode(existing):
    path, _ = existing
    os.chmod(path, 0o640)
    mg.save({"new": np.ones(1)}, path)
    assert list(mg.load(path)) == ["new"]
    assert os.stat(path).st_mode & 0o777 == 0o640


# --------------------------------------------------------------------------- bad files on load


def test_missing_file_names_the_path(tmp_path):
    path = tmp_path / "nope.npz"
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        mg.load(path)


@pytest.mark.parametrize("cut", [10, 100, -30, -1])
def test_truncated_file_is_reported_as_corrupt(tmp_path, cut):
    good = tmp_path / "good.npz"
    mg.save(_model(), good)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(good.read_bytes()[:cut])
    with pytest.raises(ValueError, match=r"bad\.npz.*corrupt or not a minigrad save file"):
        mg.load(bad)


def test_flipped_data_byte_fails_the_checksum(tmp_path):
    path = tmp_path / "m.npz"
    mg.save({"w": np.arange(100.0)}, path)
    raw = bytearray(path.read_bytes())
    raw[raw.index(np.arange(100.0)[50:51].tobytes())] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="corrupt"):
        mg.load(path)


@pytest.mark.parametrize(
    "content",
    [np.random.default_rng(0).bytes(300), b"", b"PK\x03\x04 not really a zip",
     b"\x93NUMPY plain npy"],
)
def test_random_or_foreign_bytes_are_reported(tmp_path, content):
    path = tmp_path / "junk.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="junk.npz.*corrupt or not a minigrad save file"):
        mg.load(path)


def test_single_npy_and_foreign_zip_members_are_refused(tmp_path):
    npy = tmp_path / "array.npy"
    np.save(npy, np.ones(3))
    with pytest.raises(ValueError, match="not a minigrad save file"):
        mg.load(npy)
    foreign = tmp_path / "notes.npz"
    with zipfile.ZipFile(foreign, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match="not an .npy array"):
        mg.load(foreign)


class _Marker:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def _hostile_npz(path, marker):
    buffer = io.BytesIO()
    np.save(buffer, np.array([_Marker(marker)], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("W.npy", buffer.getvalue())


def test_hostile_pickle_is_refused_without_running_it(tmp_path):
    # The payload is real: an unsafe loader does create the marker.
    proof_marker = tmp_path / "proof"
    _hostile_npz(tmp_path / "proof.npz", proof_marker)
    with np.load(tmp_path / "proof.npz", allow_pickle=True) as archive:
        archive["W"][0].close()  # the unpickled object is the file that open() made
    assert proof_marker.exists()

    marker = tmp_path / "pwned"
    _hostile_npz(tmp_path / "evil.npz", marker)
    with pytest.raises(ValueError, match="evil.npz.*pickled.*refuses"):
        mg.load(tmp_path / "evil.npz")
    assert not marker.exists()


# --------------------------------------------------------------------------- into a model


def test_wrong_keys_or_shapes_leave_the_model_unchanged(tmp_path):
    model = _model()
    before = model.state_dict()
    other = nn.Sequential(nn.Dense(3, 5, rng=0), nn.BatchNorm1d(5), nn.Dense(5, 2, rng=0))
    mg.save(other, tmp_path / "other.npz")
    with pytest.raises(ValueError, match="expected shape"):
        model.load_state_dict(mg.load(tmp_path / "other.npz"))
    state = dict(before)
    state.pop("1.running_var")
    state["extra"] = np.ones(1)
    mg.save(state, tmp_path / "keys.npz")
    with pytest.raises(ValueError, match="missing keys: 1.running_var.*unexpected keys: extra"):
        model.load_state_dict(mg.load(tmp_path / "keys.npz"))
    for name, array in model.state_dict().items():
        assert _same_bits(array, before[name]), name
