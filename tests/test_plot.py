"""The pictures say what they show: every seed, titles with the numbers, legends, axis labels,
the x-range asked for, and no blank panels. Checked on the figures' contents, not pixels."""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from minigrad import cli, plot  # noqa: E402
from minigrad.experiments import compare_activations, load_dataset  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plot.pyplot().close("all")


def test_pictures_use_a_file_backend_without_a_display(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("MPLBACKEND", raising=False)
    assert plot.pyplot().get_backend().lower() == "agg"


@pytest.fixture(scope="module")
def xor_runs():
    dataset = load_dataset("xor")
    # identity never learns XOR; tanh learns it on every one of these seeds.
    return dataset, compare_activations(dataset, ["identity", "tanh"], seeds=3, hidden=(4,),
                                        epochs=300, lr=0.5)


def _legend_texts(fig) -> list[str]:
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def test_grid_shows_every_seed_of_every_activation(xor_runs):
    dataset, summaries = xor_runs
    fig = plot.decision_region_grid(summaries, dataset, threshold=0.0)
    assert len(fig.axes) == 2 * 3  # one panel per (activation, seed), not the best seed
    rows = np.array(fig.axes).reshape(2, 3)
    for row, summary in zip(rows, summaries):
        label = " ".join(t.get_text() for t in row[0].texts)
        assert summary.activation in label
        assert f"{summary.converged}/3 converged" in label
        for ax, run in zip(row, summary.runs):
            title = ax.get_title()
            assert f"seed {run.seed}" in title
            assert f"{100 * run.train_accuracy:.0f}%" in title
            assert ax.get_xlabel() == "x1" and ax.get_ylabel() == "x2"
    identity, tanh = summaries
    assert identity.converged == 0 and tanh.converged == 3
    # A seed that did not converge is marked; one that did is not.
    assert rows[0][0].title.get_color() != rows[1][0].title.get_color()


def test_grid_legend_names_the_classes_and_says_xor_tests_on_its_training_points(xor_runs):
    dataset, summaries = xor_runs
    fig = plot.decision_region_grid(summaries, dataset, threshold=0.0)
    texts = _legend_texts(fig)
    assert {"class 0", "class 1"} <= set(texts)
    assert any("train = test" in t for t in texts)
    assert not any(t == "test point" for t in texts)
    # The four points are drawn once per panel, not twice.
    for ax in fig.axes:
        assert [len(c.get_offsets()) for c in ax.collections
                if type(c).__name__ == "PathCollection"] == [4]


def test_grid_marks_test_points_apart_from_training_points():
    dataset = load_dataset("moons", n_samples=80)
    summaries = compare_activations(dataset, ["relu"], seeds=2, hidden=(4,), epochs=3, lr=0.1)
    fig = plot.decision_region_grid(summaries, dataset)
    assert "test point" in _legend_texts(fig) and "training point" in _legend_texts(fig)
    for ax, run in zip(fig.axes, summaries[0].runs):
        sizes = sorted(len(c.get_offsets()) for c in ax.collections
                       if type(c).__name__ == "PathCollection")
        assert sizes == sorted([len(dataset.X_train), len(dataset.X_test)])
        assert "train" in ax.get_title() and "test" in ax.get_title()
        assert f"{100 * run.test_accuracy:.0f}%" in ax.get_title()


def test_compare_plot_draws_every_seed(tmp_path, capsys, monkeypatch):
    drawn = []
    original = plot.decision_region_grid

    def spy(*args, **kwargs):
        drawn.append(original(*args, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(plot, "decision_region_grid", spy)
    picture = tmp_path / "xor.png"
    assert cli.main(["compare", "--activations", "relu,tanh", "--seeds", "4", "--epochs", "20",
                     "--plot", str(picture)]) == 0
    capsys.readouterr()
    assert picture.stat().st_size > 10_000
    assert len(drawn[0].axes) == 2 * 4


def test_single_decision_regions_has_legend_labels_and_test_points():
    dataset = load_dataset("moons", n_samples=80)
    run = compare_activations(dataset, ["tanh"], seeds=1, hidden=(4,), epochs=3)[0].runs[0]
    fig = plot.decision_regions(run.model, dataset.X_train, dataset.y_train,
                                X_test=dataset.X_test, y_test=dataset.y_test, title="t")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "x1" and ax.get_ylabel() == "x2"
    legend = ax.get_legend()
    assert legend is not None
    assert {"class 0", "class 1", "training point", "test point"} <= {
        t.get_text() for t in legend.get_texts()}


@pytest.mark.parametrize("name, drawn", [("softmax", "softmax([x, 0])[0]"),
                                         ("log_softmax", "log_softmax([x, 0])[0]"),
                                         ("softmin", "softmin([x, 0])[0]")])
def test_gallery_says_what_a_softmax_panel_draws(name, drawn):
    fig = plot.activation_gallery([name, "sigmoid"])
    vector, sigmoid = fig.axes
    assert drawn in vector.get_title()
    assert "[x, 0]" not in sigmoid.get_title()


def test_gallery_with_three_names_has_three_panels_and_no_blank_ones():
    fig = plot.activation_gallery(["relu", "tanh", "softshrink"])
    assert len(fig.axes) == 3
    assert all(ax.get_visible() and ax.axison and ax.lines for ax in fig.axes)
    five = plot.activation_gallery(["relu", "tanh", "softshrink", "elu", "gelu", "selu"])
    # Sized to the panels used: three columns are narrower than five.
    assert fig.get_figwidth() < five.get_figwidth()
    assert len(five.axes) == 6  # five columns, one panel in the second row, no blanks
    assert any("derivative" in t for t in _legend_texts(fig))


def test_gallery_default_range_shows_the_kinks():
    fig = plot.activation_gallery(["softshrink", "relu6", "softplus"])
    shrink, relu6, softplus = fig.axes
    lo, hi = shrink.get_xlim()
    assert (lo, hi) == (-4.0, 4.0)
    # Softshrink's derivative is 0 on [-0.5, 0.5]: an eighth of the panel, plainly visible.
    x, dy = shrink.lines[-1].get_data()
    assert 0.1 < np.mean(np.asarray(dy) == 0.0) < 0.2
    assert relu6.get_xlim()[1] > 6  # its cap is in view
    assert softplus.get_xlim() == (-4.0, 4.0)  # its switch to x at 20 is not a visible kink


def test_gallery_honours_xlim():
    fig = plot.activation_gallery(["relu", "relu6"], xlim=(-2.0, 2.0))
    assert all(ax.get_xlim() == (-2.0, 2.0) for ax in fig.axes)
    with pytest.raises(ValueError, match="xlim"):
        plot.activation_gallery(["relu"], xlim=(2.0, -2.0))


@pytest.mark.parametrize("xlim", [["--xlim", "-2,3"], ["--xlim=-2,3"]])
def test_plot_activations_xlim_option(tmp_path, capsys, monkeypatch, xlim):
    drawn = []
    original = plot.activation_gallery

    def spy(*args, **kwargs):
        drawn.append(original(*args, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(plot, "activation_gallery", spy)
    picture = tmp_path / "g.png"
    assert cli.main(["plot-activations", "relu", "softmax", *xlim, "--out", str(picture)]) == 0
    capsys.readouterr()
    assert picture.exists()
    assert [ax.get_xlim() for ax in drawn[0].axes] == [(-2.0, 3.0)] * 2


def test_classifiers_picture_has_legend_and_accuracies(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    saved = []
    original = Figure.savefig

    def spy(self, *args, **kwargs):
        saved.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    example = runpy.run_path(str(EXAMPLES / "classifiers.py"), run_name="example_classifiers")
    picture = tmp_path / "toys.png"
    example["toy_problems"](("moons",), ("identity", "relu"), seeds=1, epochs=3,
                            plot=str(picture))
    fig = saved[-1]
    texts = _legend_texts(fig)
    assert {"class 0", "class 1", "training point", "test point"} <= set(texts)
    assert len(fig.axes) == 2
    for ax in fig.axes:
        assert "train" in ax.get_title() and "test" in ax.get_title()
        assert "%" in ax.get_title() and "best of 1 seed" in ax.get_title()
        # Training and test points are both drawn, as different collections.
        assert len([c for c in ax.collections if type(c).__name__ == "PathCollection"]) == 2
