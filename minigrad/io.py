"""Save and load state dicts as ``.npz`` archives, atomically and without pickle.

A save file is a plain NumPy ``.npz`` (a zip of ``.npy`` members, one per key), readable by
``np.load`` too. Pickle is refused both ways: object arrays cannot be saved, and a file that
holds one is rejected before anything in it is unpickled, so loading a file from an
untrusted source cannot run code.
"""

from __future__ import annotations

import ast
import contextlib
import errno
import io
import lzma
import math
import os
import re
import secrets
import stat
import zipfile
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["load", "save"]

# Fixed member timestamps make the same state give byte-identical files.
_EPOCH = (1980, 1, 1, 0, 0, 0)
# Plain array kinds: bool, integers, floats, complex, bytes and unicode strings.
_SAVABLE_KINDS = "biufcSU"
# The dtype strings NumPy writes for those kinds: byte order, kind, item size.
_PLAIN_DESCR = re.compile(r"[<>|=]?[biufcSU][0-9]{1,9}")
_OBJECT_DESCR = re.compile(r"[<>|=]?O[0-9]*")
# What a damaged archive can raise from zipfile and its decompressors (lzma's error is not an
# OSError, unlike bz2's) or from the .npy header parser.
_CORRUPT_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, ValueError, EOFError, OSError,
                   KeyError, NotImplementedError)
# NumPy refuses longer .npy headers as unsafe to parse; so does load.
_MAX_HEADER_BYTES = 10_000


def _path(where: str, path: Any) -> str:
    """``path`` as a str, or a TypeError naming ``where`` (os.fspath's own names no one)."""
    try:
        name = os.fspath(path)
    except TypeError:
        raise TypeError(f"{where}: path must be a str or path-like object, got "
                        f"{type(path).__name__}") from None
    if not isinstance(name, str):
        name = os.fsdecode(name)
    return name


def _state_of(obj: Any) -> Mapping[str, Any]:
    state_dict = getattr(obj, "state_dict", None)
    if callable(state_dict):
        state = state_dict()
    elif isinstance(obj, Mapping):
        state = obj
    else:
        raise TypeError(
            f"save: expected a Module, an optimizer or a dict of arrays, got {type(obj).__name__}"
        )
    if not isinstance(state, Mapping):
        raise TypeError(
            f"save: {type(obj).__name__}.state_dict() returned {type(state).__name__}, "
            "expected a dict of arrays"
        )
    return state


def _arrays(state: Mapping[str, Any]) -> dict[str, np.ndarray]:
    arrays = {}
    for key, value in state.items():
        if not isinstance(key, str):
            raise TypeError(f"save: keys must be strings, got {key!r}")
        if "\x00" in key:
            # A zip member name ends at a NUL byte, which would silently shorten the key.
            raise ValueError(f"save: key {key!r} contains a NUL character")
        array = np.asarray(value)
        if array.dtype.kind not in _SAVABLE_KINDS:
            raise TypeError(
                f"save: {key!r} holds {type(value).__name__} of dtype {array.dtype}; only flat "
                "dicts of numeric or string arrays can be saved (objects would need pickle)"
            )
        arrays[key] = array
    return arrays


def _write_npz(file: Any, arrays: dict[str, np.ndarray]) -> None:
    # Written member by member rather than with np.savez, whose keyword arguments would
    # swallow state keys named "file" or "allow_pickle".
    with zipfile.ZipFile(file, mode="w", compression=zipfile.ZIP_STORED,
                         allowZip64=True) as archive:
        for key, array in arrays.items():
            info = zipfile.ZipInfo(key + ".npy", date_time=_EPOCH)
            with archive.open(info, mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Write the state of a model or optimizer (or a dict of arrays) to an ``.npz`` file.

    The file is written to a temporary file beside ``path``, flushed to disk and then
    renamed over ``path`` in one step, so a crash or an error leaves either the old file
    or the complete new one, never half of it. ``path`` is used as given (no ``.npz`` is
    appended, unlike ``np.savez``).

    Parameters
    ----------
    obj : Module, optimizer or dict
        Anything with a ``state_dict()`` returning a flat ``dict[str, ndarray]``, or such
        a dict. Arrays keep their dtype and bits (float32 stays float32).
    path : str or path-like

    Raises
    ------
    TypeError
        For a non-string key or a value that is not a plain numeric or string array
        (object arrays would need pickle).
    FileNotFoundError
        When the directory of ``path`` does not exist.

    Examples
    --------
    >>> import os, tempfile
    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> model = nn.Sequential(nn.Dense(2, 3, rng=0), nn.BatchNorm1d(3))
    >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
    >>> mg.save(model, path)
    >>> sorted(mg.load(path))
    ['0.W', '0.b', '1.bias', '1.running_mean', '1.running_var', '1.weight']
    >>> model.load_state_dict(mg.load(path))
    """
    arrays = _arrays(_state_of(obj))
    target = os.path.abspath(_path("save", path))
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, f"save: directory {directory!r} does not exist",
                                directory)
    temp = os.path.join(directory, f".{os.path.basename(target)}.{secrets.token_hex(8)}.tmp")
    # O_EXCL: never write into someone else's file; mode 0o666 lets the umask decide, as
    # for any new file (tempfile's 0o600 would make every save private).
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    descriptor = os.open(temp, flags, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            _write_npz(file, arrays)
            file.flush()
            os.fsync(file.fileno())
        if os.path.exists(target):
            os.chmod(temp, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(temp, target)
    except BaseException:
        # BaseException: even on KeyboardInterrupt the half-written temporary file goes.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    if hasattr(os, "O_DIRECTORY"):
        # Makes the rename itself survive a power cut. Some file systems cannot fsync a
        # directory; the new file is complete and in place by now either way.
        with contextlib.suppress(OSError):
            directory_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(directory_fd)
            finally:
                os.close(directory_fd)


def _check_header(buffer: io.BytesIO, name: str, version: tuple[int, int]) -> None:
    """Validate the .npy header before NumPy reads it, so that NumPy's reader only ever
    sees a well-formed one.

    NumPy retries a header that does not parse with a Python 2 filter (which can raise
    tokenize errors or warn), and hands any ``descr`` string to the dtype parser (which
    can raise SyntaxError or a DeprecationWarning for old aliases). Here the header must
    be a literal dict of exactly ``descr``, ``fortran_order`` and ``shape``, with a
    ``descr`` of the plain form NumPy writes for the savable kinds (``'<f8'``, ``'|b1'``,
    ``'<U5'``).
    """
    start = buffer.tell()
    width = 2 if version == (1, 0) else 4
    length = int.from_bytes(buffer.read(width), "little")
    raw = buffer.read(length)
    if length > _MAX_HEADER_BYTES or len(raw) != length:
        raise ValueError(f"member {name!r} has a damaged .npy header ({length} bytes declared)")
    try:
        header = ast.literal_eval(raw.decode("latin1"))
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        raise ValueError(f"member {name!r} has a .npy header that does not parse") from None
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
        raise ValueError(f"member {name!r} has a .npy header that is not a dict of descr, "
                         "fortran_order and shape")
    shape, descr = header["shape"], header["descr"]
    if not isinstance(shape, tuple) or not all(isinstance(n, int) for n in shape):
        raise ValueError(f"member {name!r} has a .npy header with a bad shape {shape!r}")
    if not isinstance(header["fortran_order"], bool):
        raise ValueError(f"member {name!r} has a .npy header with a bad fortran_order")
    if _holds_objects(descr):
        raise _PickleRefused(name)
    if not isinstance(descr, str) or not _PLAIN_DESCR.fullmatch(descr):
        raise ValueError(f"member {name!r} has unsupported dtype {descr!r}")
    buffer.seek(start)


def _holds_objects(descr: Any) -> bool:
    """Whether a header's ``descr`` (a string, or a structured list) has an object field."""
    stack = [descr]
    while stack:  # a loop, not recursion: a hostile header may nest deeply
        item = stack.pop()
        if isinstance(item, str):
            if _OBJECT_DESCR.fullmatch(item):
                return True
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[str, np.ndarray]:
    name = info.filename
    if not name.endswith(".npy"):
        raise ValueError(f"member {name!r} is not an .npy array")
    if info.flag_bits & 0x1:
        # zipfile would raise RuntimeError (a password is needed); save never encrypts.
        raise ValueError(f"member {name!r} is encrypted")
    # Reading the whole member first makes zipfile verify its CRC-32.
    data = archive.read(info)
    buffer = io.BytesIO(data)
    version = np.lib.format.read_magic(buffer)
    if version not in ((1, 0), (2, 0)):
        raise ValueError(f"member {name!r} has unsupported .npy version {version}")
    _check_header(buffer, name, version)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(buffer)
    else:
        shape, _, dtype = np.lib.format.read_array_header_2_0(buffer)
    if any(n < 0 for n in shape):
        raise ValueError(f"member {name!r} declares a negative dimension: shape {shape}")
    # The declared size must be the size present, checked before NumPy allocates it: a
    # hostile header declaring a huge shape must not become a MemoryError (or a huge
    # allocation that succeeds).
    declared = math.prod(shape) * dtype.itemsize
    present = len(data) - buffer.tell()
    if declared != present:
        raise ValueError(f"member {name!r} declares shape {shape} of {dtype} ({declared} "
                         f"bytes) but holds {present} bytes of data")
    buffer.seek(0)
    array = np.lib.format.read_array(buffer, allow_pickle=False)
    return name[: -len(".npy")], array


class _PickleRefused(Exception):
    """A member holds pickled (object) data; raised before it is unpickled."""


def load(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Read a file written by :func:`save` into a state dict.

    Nothing in the file is ever unpickled, so loading cannot run code. Pass the result to
    ``model.load_state_dict`` (which checks names and shapes and changes nothing on a
    mismatch) or to an optimizer's ``load_state_dict``.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    dict of str to ndarray
        In the order the arrays were saved.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        When the file is truncated, corrupt or not an ``.npz`` of plain arrays, when an
        array's header declares more (or less) data than the file holds (checked before
        anything is allocated), or when it holds pickled (object) data, which is refused.
    """
    name = _path("load", path)
    try:
        file = open(name, "rb")
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, f"load: no such file: {name!r}", name) from None
    with file:
        try:
            with zipfile.ZipFile(file) as archive:
                state: dict[str, np.ndarray] = {}
                for info in archive.infolist():
                    key, array = _read_member(archive, info)
                    if key in state:
                        raise ValueError(f"key {key!r} appears twice")
                    state[key] = array
        except _PickleRefused as refused:
            raise ValueError(
                f"load: {name!r} holds pickled (object) data in member {refused.args[0]!r}; "
                "minigrad refuses to unpickle it because unpickling can run arbitrary code. "
                "A minigrad save file holds only plain numeric or string arrays"
            ) from None
        except _CORRUPT_ERRORS as error:
            raise ValueError(
                f"load: {name!r} is corrupt or not a minigrad save file (.npz of plain "
                f"arrays): {error}"
            ) from None
    return state
