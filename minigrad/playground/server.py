"""``minigrad playground``: load plugin activations, start uvicorn, open the browser.

Kept apart from the app so the command's checks (a free port, readable plugin files) run
before anything starts, and a bad one is one line on stderr, like every other command's.
"""

from __future__ import annotations

import errno
import runpy
import socket
import webbrowser
from collections.abc import Sequence
from pathlib import Path

from minigrad.cli_checks import UsageError
from minigrad.nn import activation_names


def load_plugins(files: Sequence[str]) -> dict[str, str]:
    """Run each plugin file (which calls ``nn.register_activation``); return the names it
    added, each with the absolute path of its file."""
    added: dict[str, str] = {}
    for file in files:
        path = Path(file).resolve()
        if not path.is_file():
            raise UsageError(f"--plugin: {file} is not a file")
        before = set(activation_names())
        try:
            runpy.run_path(str(path), run_name="minigrad_plugin")
        except Exception as error:  # the user's file: say what went wrong in it
            raise UsageError(f"--plugin: running {file} raised {type(error).__name__}: "
                             f"{error}") from None
        new = sorted(set(activation_names()) - before)
        if not new:
            raise UsageError(f"--plugin: {file} registered no activation (call "
                             f"minigrad.nn.register_activation in it)")
        added.update(dict.fromkeys(new, str(path)))
    return added


def check_port(host: str, port: int) -> None:
    """Refuse a port that is taken (before uvicorn would fail with a traceback)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        # As uvicorn binds: a port whose old connections linger in TIME_WAIT is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise UsageError(f"--port: {port} is in use on {host}; choose another "
                                 f"port") from None
            raise UsageError(f"--host: cannot listen on {host}:{port} ({error.strerror})"
                             ) from None


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = True,
          plugins: Sequence[str] = ()) -> int:
    """Serve the playground until Ctrl-C; returns the exit status."""
    import uvicorn

    from minigrad.playground.app import create_app

    loaded = load_plugins(plugins)
    check_port(host, port)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    app = create_app(loaded, on_start=(lambda: webbrowser.open(url)) if open_browser else None)
    print(f"minigrad playground: {url}  (Ctrl-C stops it)", flush=True)
    if loaded:
        print(f"plugin activations: {', '.join(loaded)}", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                           ws_max_size=1 << 20, lifespan="on"))
    try:
        server.run()
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it has already handled
        pass
    print("minigrad playground: stopped", flush=True)
    return 0
