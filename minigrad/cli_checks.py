"""The ``minigrad`` command's argument checks, run before any work starts.

The argument types that argparse calls (numbers in range, lists well formed, known names,
output files of a supported kind) raise ``argparse.ArgumentTypeError``, which argparse
reports as "argument --OPTION: message". The checks the commands run themselves (output
paths writable, optional dependencies importable, a loss that fits the dataset) raise
:class:`UsageError`, which :func:`minigrad.cli.main` prints as one line with exit status 2.
"""

from __future__ import annotations

import argparse
import math
import os
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from minigrad.experiments import activation_settings, all_activations

if TYPE_CHECKING:
    from minigrad.experiments import Dataset, Head

# Wider layers are no toy any more; far wider ones end in a MemoryError deep inside NumPy.
MAX_WIDTH = 10_000


class UsageError(Exception):
    """A bad argument: reported in one line, exit status 2."""


def bad(option: str, message: str) -> UsageError:
    return UsageError(f"argument {option}: {message}")


# --------------------------------------------------------------------------- argument types
# argparse reports what these raise as "argument --OPTION: message".


def _number(convert: Callable[[str], Any], in_range: Callable[[Any], bool],
            expected: str) -> Callable[[str], Any]:
    """An argparse ``type``: ``convert`` the text, then refuse a value out of range."""

    def check(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not in_range(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text}")
        return value

    return check


positive_int = _number(int, lambda v: v >= 1, "a positive integer")
non_negative_int = _number(int, lambda v: v >= 0, "a non-negative integer")
port_number = _number(int, lambda v: 1 <= v <= 65535, "a TCP port from 1 to 65535")
positive_float = _number(float, lambda v: v > 0 and math.isfinite(v), "a positive number")


def hidden_widths(text: str) -> tuple[int, ...]:
    expected = f"expected comma-separated positive widths such as 16,16, got {text!r}"
    widths = []
    for part in text.split(","):
        if not re.fullmatch(r"[0-9]+", part.strip()):
            what = "an empty width" if not part.strip() else f"{part.strip()!r}"
            raise argparse.ArgumentTypeError(f"{expected} ({what})")
        widths.append(int(part))
    if min(widths) < 1:
        raise argparse.ArgumentTypeError(f"{expected} (a width of 0)")
    if max(widths) > MAX_WIDTH:
        raise argparse.ArgumentTypeError(f"{expected} (widths are at most {MAX_WIDTH})")
    return tuple(widths)


# Activations are tested free of overflow warnings up to |x| = 1e4 (DESIGN.md, section 4).
MAX_X = 10_000.0


def x_range(text: str) -> tuple[float, float]:
    """``--xlim LO,HI``: two finite numbers within ±MAX_X, LO below HI."""
    expected = f"expected LO,HI such as -4,4 (two numbers, LO < HI, within ±{MAX_X:g})"
    parts = text.split(",")
    try:
        lo, hi = (float(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{expected}, got {text!r}") from None
    if not all(math.isfinite(v) and abs(v) <= MAX_X for v in (lo, hi)):
        raise argparse.ArgumentTypeError(f"{expected}, got {text!r}")
    if lo >= hi:
        raise argparse.ArgumentTypeError(f"{expected}, got {text!r} (LO is not below HI)")
    return lo, hi


def output_file(*extensions: str) -> Any:
    """A type accepting a file name that ends in one of ``extensions``."""
    listed = ", ".join(f".{e}" for e in extensions)

    def check(text: str) -> str:
        if os.path.splitext(text)[1].lower().lstrip(".") not in extensions:
            raise argparse.ArgumentTypeError(
                f"expected a file name ending in {listed}, got {text!r}")
        return text

    return check


def activation_name(text: str) -> str:
    activation_layer(text)
    return text


# --------------------------------------------------------------------------- checks


def activation_layer(name: str) -> Any:
    """A layer for ``name`` (Threshold, which has no defaults, gets those of
    experiments.ACTIVATION_SETTINGS); an unknown name raises argparse's error type, which
    every caller reports as one line."""
    from minigrad.nn.activations import get_activation

    try:
        return get_activation(name, **activation_settings(name))
    except (ValueError, TypeError) as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _no_duplicates(option: str, names: Sequence[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if _key(name) in seen:
            raise bad(option, f"{name!r} is given twice")
        seen.add(_key(name))


def known_names(option: str, names: Sequence[str]) -> None:
    for name in names:
        try:
            activation_layer(name)
        except argparse.ArgumentTypeError as error:
            raise bad(option, str(error)) from None
    _no_duplicates(option, names)


def activation_list(text: str) -> list[str]:
    """The names of ``--activations``: 'all' or a comma-separated list, every one known."""
    if text.strip().lower() == "all":
        return all_activations()
    expected = f"expected comma-separated activation names such as relu,tanh or 'all', got {text!r}"
    names = [part.strip() for part in text.split(",")]
    if not any(names):
        raise bad("--activations", expected)
    if not all(names):
        raise bad("--activations", f"{expected} (an empty name)")
    known_names("--activations", names)
    return names


def writable(option: str, path: str | None) -> None:
    if path is None:
        return
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise bad(option, f"expected a file name, got the folder {path!r}")
    if not os.path.isdir(folder):
        raise bad(option, f"cannot write {path!r}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise bad(option, f"cannot write {path!r}: permission denied")


def needs_matplotlib(option: str) -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise bad(option, "pictures need matplotlib, which is not installed: "
                          "pip install 'minigrad[plot]' (or pip install matplotlib)") from None


def needs_playground() -> None:
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise UsageError("the playground needs starlette and uvicorn, which are not installed: "
                         "pip install 'minigrad[playground]'") from None


def needs_sklearn(dataset: str) -> None:
    if dataset != "digits":
        return
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise bad("--dataset", "digits ships with scikit-learn, which is not installed: "
                               "pip install 'minigrad[sklearn]' (or pip install scikit-learn)"
                  ) from None


def _load(name: str) -> Dataset:
    from minigrad.experiments import load_dataset

    try:
        return load_dataset(name)
    except (ImportError, ValueError) as error:
        raise bad("--dataset", str(error)) from None


def _head(dataset: Dataset, loss: str) -> Head:
    from minigrad.experiments import output_head

    try:
        return output_head(dataset, loss)
    except ValueError as error:
        raise bad("--loss", str(error)) from None


def model_fits(args: argparse.Namespace) -> None:
    """``--model cnn`` reads images (digits only) and has no ``--hidden`` widths."""
    if args.model == "cnn":
        if args.dataset != "digits":
            raise bad("--model", f"cnn reads images and only --dataset digits has them, "
                                 f"got --dataset {args.dataset}: use --model mlp")
        if args.hidden is not None:
            raise bad("--hidden", "sets the mlp's hidden widths; the cnn has fixed layers: "
                                  "leave --hidden out or use --model mlp")
        args.hidden = ()
    elif args.hidden is None:
        args.hidden = args.default_hidden


def prepare(args: argparse.Namespace) -> tuple[Dataset, Head]:
    """The checks train and compare share, in the order a user would fix them; then the
    dataset (cheap to make) and its output head, whose checks need the dataset. Fills in
    ``args.hidden`` (the command's default widths for an mlp)."""
    model_fits(args)
    writable("--plot", args.plot)
    writable("--save", getattr(args, "save", None))
    if args.plot:
        needs_matplotlib("--plot")
    needs_sklearn(args.dataset)
    dataset = _load(args.dataset)
    return dataset, _head(dataset, args.loss)
