"""The playground in a real headless Chromium: what a learner does, and what they must see.

Driven through Playwright's Python API against Debian's ``chromium`` (``.ci/run`` installs
it). Without Chromium or Playwright these tests skip locally, saying how to install them;
in CI (``CI`` set) they fail instead. A failing test leaves a screenshot of its page in
``test-artifacts/`` (or ``$MINIGRAD_ARTIFACTS``).

Waiting is done on what the page shows (``wait_for_function``), never on wall-clock sleeps:
how fast the shared machine trains changes how long a test waits, not what it checks.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from optional import missing

from minigrad import Tensor, nn
from minigrad.playground import browser
from minigrad.playground.config import DEFAULTS
from minigrad.playground.problem import make_problem

ARTIFACTS = Path(os.environ.get("MINIGRAD_ARTIFACTS",
                                Path(__file__).resolve().parent.parent / "test-artifacts"))


@pytest.fixture(scope="module")
def chromium_path() -> str:
    path = browser.find_chromium()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        path = None
    if path is None:
        missing("a browser for the playground's browser tests", browser.INSTALL_HINT)
    return path


@pytest.fixture(scope="module")
def server(chromium_path: str) -> Any:
    with browser.running_server() as url:
        yield url


@pytest.fixture(scope="module")
def chrome(chromium_path: str) -> Any:
    with browser.chromium(chromium_path) as b:
        yield b


@pytest.fixture
def page(chrome: Any, server: str, request: pytest.FixtureRequest) -> Any:
    tab = browser.open_page(chrome, server)
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and not tab.is_closed():
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    if not tab.is_closed():
        tab.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


def frame_value(page: Any, expression: str) -> Any:
    return page.evaluate(f"() => window.playground.lastFrame.{expression}")


def wait_frame(page: Any, condition: str, timeout: float = 20.0) -> None:
    """Wait until the page shows a frame ``f`` for which ``condition`` holds."""
    page.wait_for_function(
        f"() => {{ const f = window.playground.lastFrame; "
        f"return {browser.SHOWN} && ({condition}); }}", timeout=timeout * 1000)


def step(page: Any, times: int) -> None:
    start = frame_value(page, "step")
    for _ in range(times):
        page.get_by_test_id("step").click()
    wait_frame(page, f"f.step === {start + times}")


# --------------------------------------------------------------------------- opening


def test_the_page_shows_the_default_network(page: Any) -> None:
    dataset = page.get_by_test_id("dataset")
    values = dataset.locator("option").evaluate_all("os => os.map(o => o.value)")
    assert {"xor", "circles", "moons", "spirals", "blobs"} <= set(values)
    assert dataset.input_value() == "xor"
    for layer, width in enumerate(DEFAULTS.hidden):
        select = page.get_by_test_id(f"activation-{layer}")
        names = select.locator("option").evaluate_all("os => os.map(o => o.value)")
        assert names == nn.activation_names()
        assert select.input_value() == "tanh"
        for i in range(width):
            assert page.get_by_test_id(f"neuron-{layer}-{i}").is_visible()
        assert page.get_by_test_id(f"neuron-{layer}-{width}").count() == 0
    assert page.get_by_test_id("activation-2").count() == 0
    assert page.get_by_test_id("boundary").is_visible()
    assert browser.number(page, "epoch") == 0
    for name in ("train-accuracy", "test-accuracy"):
        assert 0 <= browser.number(page, name) <= 1
    assert browser.number(page, "train-loss") > 0
    assert page.get_by_test_id("error").is_hidden()


def test_layers_and_neurons_can_be_added_and_removed(page: Any) -> None:
    page.get_by_test_id("add-neuron-0").click()
    page.get_by_test_id("neuron-0-4").wait_for()
    page.get_by_test_id("add-layer").click()
    page.get_by_test_id("activation-2").wait_for()
    page.get_by_test_id("activation-2").select_option("relu")
    wait_frame(page, "f.nets[0].activations.join() === 'tanh,tanh,relu'")
    page.get_by_test_id("remove-neuron-1").click()
    page.get_by_test_id("neuron-1-1").wait_for(state="detached")
    assert len(frame_value(page, "nets[0].neurons[1]")) == 1
    page.get_by_test_id("remove-layer").click()
    page.get_by_test_id("activation-2").wait_for(state="detached")
    wait_frame(page, "f.nets[0].neurons.length === 2")


def test_six_layers_at_most_each_with_its_activation(page: Any) -> None:
    for layers in range(len(DEFAULTS.hidden) + 1, 7):
        page.get_by_test_id("add-layer").click()
        page.get_by_test_id(f"activation-{layers - 1}").wait_for()
    page.get_by_test_id("activation-5").select_option("swish")
    wait_frame(page, "f.nets[0].activations.length === 6 && f.nets[0].activations[5] === 'swish'")
    assert page.get_by_test_id("add-layer").is_disabled()


def test_reset_starts_again_from_the_seed(page: Any) -> None:
    initial = frame_value(page, "nets[0].weights")
    step(page, 5)
    assert frame_value(page, "nets[0].weights") != initial
    page.get_by_test_id("reset").click()
    wait_frame(page, "f.step === 0")
    assert browser.number(page, "epoch") == 0
    assert frame_value(page, "nets[0].weights") == initial


# --------------------------------------------------------------------------- why non-linearity


def test_xor_with_tanh_is_learned(page: Any) -> None:
    browser.play_until(page, "() => window.playground.lastFrame.nets[0].test_accuracy >= 0.95")
    assert browser.number(page, "test-accuracy") >= 0.95
    assert browser.number(page, "epoch") > 0


def test_xor_with_the_identity_stays_linear(page: Any) -> None:
    for layer in range(len(DEFAULTS.hidden)):
        page.get_by_test_id(f"activation-{layer}").select_option("identity")
    wait_frame(page, "f.nets[0].activations.join() === 'identity,identity'")
    browser.play_until(page, "() => window.playground.lastFrame.epoch >= 100")
    # A straight line gets at most 3 of XOR's 4 clouds right.
    assert browser.number(page, "test-accuracy") <= 0.8


# --------------------------------------------------------------------------- backprop, visible


def _single_point_gradients(weights: list[dict[str, Any]], x: np.ndarray, label: int
                            ) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
    """loss.backward() of the default network (tanh, BCE) on one point, built here."""
    layers: list[nn.Module] = []
    for k, w in enumerate(weights):
        dense = nn.Dense(*np.array(w["W"]).shape)
        dense.W.data[...] = np.array(w["W"])
        dense.b.data[...] = np.array(w["b"])
        layers.append(dense)
        if k < len(weights) - 1:
            layers.append(nn.Tanh())
    model = nn.Sequential(*layers)
    loss = nn.BCEWithLogitsLoss()(model(Tensor(x.reshape(1, -1))),
                                  Tensor(np.array([[float(label)]])))
    loss.backward()
    dense_layers = [m for m in model if isinstance(m, nn.Dense)]
    return (float(loss.data), [d.W.grad for d in dense_layers],
            [d.b.grad for d in dense_layers])


def test_step_through_shows_the_gradients_of_loss_backward(page: Any) -> None:
    step(page, 7)
    weights = frame_value(page, "nets[0].weights")
    index = 5
    page.get_by_test_id("trace-index").fill(str(index))
    page.get_by_test_id("trace-go").click()
    page.get_by_test_id("trace-a-0-0").wait_for()
    page.get_by_test_id("trace-backward").click()
    page.get_by_test_id("trace-dldw-0-0-0").wait_for()

    problem = make_problem(DEFAULTS)
    loss, dW, db = _single_point_gradients(weights, problem.X_train[index],
                                           int(problem.y_train[index]))

    def shown(testid: str) -> float:
        element = page.get_by_test_id(testid)
        assert element.is_visible(), testid
        return float(element.get_attribute("data-value"))

    assert shown("trace-loss") == pytest.approx(loss, rel=1e-12)
    for k, (gW, gb) in enumerate(zip(dW, db)):
        for i in range(gW.shape[0]):
            for j in range(gW.shape[1]):
                assert shown(f"trace-dldw-{k}-{i}-{j}") == pytest.approx(gW[i, j], rel=1e-12,
                                                                         abs=1e-300)
        for j in range(gb.shape[0]):
            assert shown(f"trace-dldb-{k}-{j}") == pytest.approx(gb[j], rel=1e-12, abs=1e-300)
    # The rounded text next to each number says the same thing.
    text = page.get_by_test_id("trace-dldw-0-0-0").inner_text()
    assert float(text) == pytest.approx(dW[0][0, 0], rel=1e-3)


def test_compare_mode_trains_both_networks(page: Any) -> None:
    page.get_by_test_id("compare-activation").select_option("identity")
    page.get_by_test_id("compare").check()
    wait_frame(page, "f.nets.length === 2")
    page.get_by_test_id("boundary-b").wait_for()
    before = [browser.number(page, "train-loss"), browser.number(page, "train-loss-b")]
    browser.play_until(page, "() => window.playground.lastFrame.epoch >= 30")
    after = [browser.number(page, "train-loss"), browser.number(page, "train-loss-b")]
    assert after[0] < before[0] and after[1] != before[1]
    assert frame_value(page, "nets[1].activations") == ["identity", "identity"]
    # Same data, same start, different activation: tanh learns XOR, the linear net cannot.
    assert browser.number(page, "test-accuracy") > browser.number(page, "test-accuracy-b")


# --------------------------------------------------------------------------- take it away


def test_the_exported_script_reproduces_the_page(page: Any, tmp_path: Path) -> None:
    page.get_by_test_id("learning-rate").fill("0.1")
    page.get_by_test_id("learning-rate").press("Enter")
    page.wait_for_function("() => window.playground.config.learning_rate === 0.1")
    browser.play_until(page, "() => window.playground.lastFrame.epoch >= 5")
    final = frame_value(page, "nets[0]")
    page.get_by_test_id("export").click()
    script = page.get_by_test_id("export-script")
    script.wait_for()
    source = script.inner_text()
    with page.expect_download() as download_info:
        page.get_by_test_id("export-weights-link").click()
    weights_path = tmp_path / "page_weights.npz"
    download_info.value.save_as(weights_path)

    (tmp_path / "playground_model.py").write_text(source, encoding="utf-8")
    run = subprocess.run([sys.executable, "playground_model.py"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    printed = re.search(r"model: train loss (\S+) test loss (\S+)", run.stdout)
    assert printed, run.stdout
    assert float(printed.group(1)) == final["train_loss"]
    assert float(printed.group(2)) == final["test_loss"]
    assert f"{final['train_loss']:.4f}" == page.get_by_test_id("train-loss").inner_text()
    # The downloaded weights are the page's, and the script's retrained ones equal them.
    import minigrad

    page_state = minigrad.load(weights_path)
    script_state = minigrad.load(tmp_path / "playground_weights.npz")
    assert page_state.keys() == script_state.keys()
    for key in page_state:
        np.testing.assert_array_equal(page_state[key], script_state[key])


def test_reload_restores_the_state_from_the_url(page: Any) -> None:
    page.get_by_test_id("dataset").select_option("circles")
    page.get_by_test_id("add-layer").click()
    page.get_by_test_id("activation-2").select_option("relu")
    page.get_by_test_id("learning-rate").fill("0.3")
    page.get_by_test_id("learning-rate").press("Enter")
    page.wait_for_function("() => window.playground.config.learning_rate === 0.3 && "
                           "window.playground.config.activations.length === 3 && "
                           "location.hash.includes('circles')")
    before = page.evaluate("() => window.playground.config")
    page.reload()
    browser.wait_ready(page)
    assert page.evaluate("() => window.playground.config") == before
    assert page.get_by_test_id("dataset").input_value() == "circles"
    assert page.get_by_test_id("activation-2").input_value() == "relu"
    assert float(page.get_by_test_id("learning-rate").input_value()) == 0.3


# --------------------------------------------------------------------------- sturdy


@pytest.mark.parametrize("value, says", [("-1", "learning_rate"), ("abc", "learning_rate"),
                                         ("1e9", "learning_rate")])
def test_a_bad_value_is_refused_in_the_page(page: Any, value: str, says: str) -> None:
    field = page.get_by_test_id("learning-rate")
    field.fill(value)
    field.press("Enter")
    error = page.get_by_test_id("error")
    error.wait_for(state="visible")
    assert says in error.inner_text()
    # The setting in force is shown again, and the page keeps training.
    assert float(field.input_value()) == DEFAULTS.learning_rate
    step(page, 2)
    assert browser.number(page, "epoch") > 0


def test_malformed_messages_and_urls_are_refused(page: Any, server: str) -> None:
    page.evaluate("() => window.playground.sendRaw('{not json')")
    error = page.get_by_test_id("error")
    error.wait_for(state="visible")
    assert "malformed JSON" in error.inner_text()
    step(page, 1)
    # 10^6 neurons, 10^7 points, an unknown activation from a hand-edited URL: refused,
    # defaults kept.
    for hash_ in ("#hidden=1000000&activations=tanh", "#n_samples=10000000",
                  "#activations=no_such_thing,tanh"):
        page.goto(server + hash_)
        browser.wait_ready(page)
        page.get_by_test_id("error").wait_for(state="visible")
        assert page.evaluate("() => window.playground.config.hidden") == list(DEFAULTS.hidden)
        assert page.evaluate("() => window.playground.config.n_samples") == DEFAULTS.n_samples
        step(page, 1)


def test_draw_your_own_points(page: Any) -> None:
    page.get_by_test_id("dataset").select_option("custom")
    canvas = page.get_by_test_id("boundary")
    box = canvas.bounding_box()
    assert box is not None
    clicks = [(0.2, 0.2, False), (0.3, 0.25, False), (0.8, 0.8, True), (0.75, 0.7, True),
              (0.2, 0.8, True), (0.8, 0.2, False)]
    for fx, fy, other in clicks:
        canvas.click(position={"x": box["width"] * fx, "y": box["height"] * fy},
                     modifiers=["Shift"] if other else [])
    page.wait_for_function(f"() => window.playground.config.points.length === {len(clicks)}")
    labels = sorted(p[2] for p in page.evaluate("() => window.playground.config.points"))
    assert labels == [0, 0, 0, 1, 1, 1]
    step(page, 3)
    assert page.get_by_test_id("error").is_hidden()


def test_closing_a_tab_ends_its_session(chrome: Any, server: str) -> None:
    before = browser.sessions(server)
    tab = browser.open_page(chrome, server)
    tab.get_by_test_id("play").click()
    tab.wait_for_function("() => window.playground.lastFrame.playing")
    during = browser.sessions(server)
    assert during["sessions"] == before["sessions"] + 1
    assert during["playing"] == before["playing"] + 1
    tab.close()
    deadline = time.monotonic() + 10
    while True:
        after = browser.sessions(server)
        if (after["sessions"], after["tasks"]) == (before["sessions"], before["tasks"]):
            break
        assert time.monotonic() < deadline, f"still running after the tab closed: {after}"
        time.sleep(0.1)
    assert after["playing"] == before["playing"]
    # No thread of its own either (threads that serve files are not counted).
    assert after["threads"] == before["threads"]


def test_two_tabs_are_independent(chrome: Any, server: str) -> None:
    first = browser.open_page(chrome, server)
    second = browser.open_page(chrome, server)
    try:
        first.get_by_test_id("dataset").select_option("moons")
        first.wait_for_function("() => window.playground.config.dataset === 'moons'")
        step(first, 3)
        assert second.evaluate("() => window.playground.config.dataset") == "xor"
        assert second.evaluate("() => window.playground.lastFrame.step") == 0
    finally:
        first.close()
        second.close()


def test_the_readme_screenshot_is_what_the_page_shows(chrome: Any, server: str) -> None:
    from matplotlib.testing.compare import compare_images

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    fresh = ARTIFACTS / "playground.png"
    browser.readme_screenshot(chrome, server, str(fresh))
    kept = Path(__file__).resolve().parent.parent / "docs" / "playground.png"
    # The same tolerance as docs/make_pictures.py --check (which writes the README's copy).
    assert compare_images(str(kept), str(fresh), 2.0) is None, (
        "docs/playground.png is stale: run python docs/make_pictures.py")


def test_plugin_activations_appear_in_the_page(chrome: Any, tmp_path: Path) -> None:
    plugin = tmp_path / "squareplus_plugin.py"
    plugin.write_text(
        "import numpy as np\n"
        "from minigrad import nn\n\n\n"
        "class Squareplus(nn.Layer):\n"
        "    def forward(self, ctx, x):\n"
        "        ctx.x, ctx.root = x, np.sqrt(x * x + 4.0)\n"
        "        return (x + ctx.root) / 2\n\n"
        "    def backward(self, ctx, dout):\n"
        "        return dout * (1 + ctx.x / ctx.root) / 2\n\n\n"
        "nn.register_activation('squareplus', Squareplus)\n", encoding="utf-8")
    with browser.running_server(plugins=[str(plugin)]) as url:
        tab = browser.open_page(chrome, url)
        try:
            select = tab.get_by_test_id("activation-0")
            assert "squareplus" in select.locator("option").evaluate_all(
                "os => os.map(o => o.value)")
            select.select_option("squareplus")
            tab.wait_for_function("() => window.playground.lastFrame.nets[0].activations[0]"
                                  " === 'squareplus'")
            step(tab, 2)
        finally:
            tab.close()

