"""The playground's pace as a user sees it: training steps and redraws per second in the page.

Usage::

    python benchmarks/bench_playground.py [--seconds 20] [--speed normal] [--quick]

Starts ``minigrad playground`` on a free port, opens the page in a headless Chromium (Debian's,
driven by Playwright; see minigrad.playground.browser), keeps the default network (2 inputs,
hidden 4 and 2, tanh, 400 points, batch 10), presses play and samples once a second, in the
page, the step the last frame reports and the number of frames the page has drawn. It
prints the median and the 10th-90th percentiles of the per-second rates. Targets: at least
30 steps/s and 10 frames/s. The number is the page's, not the server's: a frame counts only
once the page has drawn it (the server sends the next one only after that).

Also reported, for scale: the server's time per training step of the default network,
measured in this process with the same Session class (median of 200).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from minigrad.nn import activation_names  # noqa: E402
from minigrad.playground import browser  # noqa: E402
from minigrad.playground.session import Session  # noqa: E402


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    low = ordered[int(0.1 * (len(ordered) - 1))]
    high = ordered[int(round(0.9 * (len(ordered) - 1)))]
    return f"{statistics.median(values):.1f} [{low:.1f}-{high:.1f}]"


def server_step_seconds(samples: int = 200) -> float:
    session = Session(activation_names())
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        session.step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=20, help="how long to play")
    parser.add_argument("--speed", default="normal", choices=("slow", "normal", "fast"))
    parser.add_argument("--quick", action="store_true", help="play 4 s (CI proves it runs)")
    args = parser.parse_args(argv)
    seconds = 4 if args.quick else args.seconds
    if browser.find_chromium() is None:
        print(f"bench_playground: skipped, no Chromium ({browser.INSTALL_HINT})")
        return 0
    step_s = server_step_seconds()
    with browser.running_server() as url, browser.chromium() as chrome:
        page = browser.open_page(chrome, url + f"#speed={args.speed}")
        page.get_by_test_id("play").click()
        page.wait_for_function("() => window.playground.lastFrame.playing")
        read = "() => [window.playground.lastFrame.step, window.playground.framesDrawn]"
        samples = [(time.perf_counter(), *page.evaluate(read))]
        for _ in range(seconds):
            time.sleep(1.0)
            samples.append((time.perf_counter(), *page.evaluate(read)))
        page.get_by_test_id("pause").click()
    steps = [(b[1] - a[1]) / (b[0] - a[0]) for a, b in zip(samples, samples[1:])]
    frames = [(b[2] - a[2]) / (b[0] - a[0]) for a, b in zip(samples, samples[1:])]
    print(f"playground, default network, speed {args.speed}, {seconds} one-second samples "
          f"(median [p10-p90]):")
    print(f"  training steps per second shown in the page: {percentiles(steps)}  (target >= 30)")
    print(f"  frames drawn per second by the page:         {percentiles(frames)}  (target >= 10)")
    print(f"  server time per training step (median of 200): {step_s * 1e3:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
