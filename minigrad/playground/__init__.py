"""The playground: a live web page that trains a small network with minigrad while you watch.

``minigrad playground`` starts it (needs ``pip install 'minigrad[playground]'``). The parts,
one concept per module:

* :mod:`~minigrad.playground.config`: the settings, their limits and the check of each
  message from the page;
* :mod:`~minigrad.playground.problem`: the points (from :mod:`minigrad.data`) and features;
* :mod:`~minigrad.playground.network`: one network, its training step and what the page
  draws of it (decision regions, units, gradients, one point's forward and backward);
* :mod:`~minigrad.playground.session`: one tab's state and deterministic training;
* :mod:`~minigrad.playground.export`: the Python script and ``.npz`` weights the page exports;
* :mod:`~minigrad.playground.app`: the Starlette app and the WebSocket protocol
  (``PROTOCOL.md``), :mod:`~minigrad.playground.server`: the command that serves it;
* :mod:`~minigrad.playground.browser`: drives the page in a headless Chromium (the browser
  tests, ``benchmarks/bench_playground.py`` and the README's screenshot);
* ``static/``: the page itself (HTML, CSS and JavaScript, no build step, no CDN).

Only ``app`` and ``server`` import the web stack, so the rest is usable (and tested)
without it.
"""
