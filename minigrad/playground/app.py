"""The playground's web server: a Starlette app, one WebSocket and one Session per tab.

``GET /`` serves the page (``static/``, shipped in the package: no CDN, no build step).
Each tab opens ``/ws``; its :class:`Connection` owns a :class:`~.session.Session` and one
asyncio task that reads the socket. Training runs in the connection's own coroutine, in
short ticks between which it reads the page's messages, so there are no threads, and when the
tab closes the coroutine ends and nothing of the session stays behind. The messages are
described in ``PROTOCOL.md`` beside this file.

Every message is checked: malformed JSON, an unknown type or a bad setting gets an ``error``
reply with the setting still in force, and the connection goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import sys
import threading
import traceback
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from minigrad import nn
from minigrad.playground import config as settings
from minigrad.playground.config import ConfigError
from minigrad.playground.export import export_message
from minigrad.playground.session import Session

STATIC = Path(__file__).with_name("static")
FRAME_INTERVAL = 1 / 30  # seconds between frames (and between ticks at normal speed)
FAST_TICK = 0.03         # seconds of training per tick at fast speed
MAX_STEPS = 10_000       # steps one `step` message may ask for
MAX_MESSAGE = 200_000    # characters; 1000 custom points take about 30,000
MESSAGE_TYPES = ("config", "play", "pause", "step", "reset", "ack", "trace", "export")


def _json(message: Mapping[str, Any]) -> str:
    """JSON the page can parse: NaN and infinities (a diverged network) become null."""
    try:
        return json.dumps(message, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(message), allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


class Playground:
    """What the connections share: the plugin files and the open connections."""

    def __init__(self, plugins: Mapping[str, str] | None = None) -> None:
        # activation name -> the plugin file that registered it (for the exported script)
        self.plugins = dict(plugins or {})
        self.connections: set[Connection] = set()

    def hello(self) -> dict[str, Any]:
        return {
            "type": "hello", "activations": nn.activation_names(),
            "datasets": list(settings.DATASETS), "features": list(settings.FEATURES),
            "feature_labels": settings.FEATURE_LABELS, "losses": list(settings.LOSSES),
            "optimizers": list(settings.OPTIMIZERS), "speeds": list(settings.SPEEDS),
            "limits": settings.LIMITS, "defaults": settings.DEFAULTS.as_json(),
        }


class Connection:
    """One tab: its session, whether it plays, and whether the page drew the last frame."""

    def __init__(self, websocket: WebSocket, playground: Playground) -> None:
        self.websocket = websocket
        self.playground = playground
        self.session = Session(nn.activation_names())
        self.playing = False
        self.acked = True  # the page drew the last frame sent (or none was sent)
        self.introduced = False  # the page has had a `state` (its data) at least once
        self.last_frame = 0.0

    async def send(self, message: Mapping[str, Any]) -> None:
        await self.websocket.send_text(_json(message))

    async def send_frame(self) -> None:
        self.acked = False
        self.last_frame = asyncio.get_running_loop().time()
        await self.send(self.session.frame(self.playing))

    async def refuse(self, message: str) -> None:
        await self.send({"type": "error", "message": message,
                         "config": self.session.config.as_json()})

    # ------------------------------------------------------------------ the page's messages

    async def handle(self, text: str | bytes) -> None:
        """Act on one message from the page; a bad one is answered with an error."""
        try:
            if isinstance(text, bytes):
                raise ConfigError("a binary WebSocket frame: every message is JSON text")
            if len(text) > MAX_MESSAGE:
                raise ConfigError(f"message too long: {len(text)} characters, at most "
                                  f"{MAX_MESSAGE}")
            try:
                message = json.loads(text)
            except json.JSONDecodeError as error:
                raise ConfigError(f"malformed JSON ({error.msg} at character {error.pos})"
                                  ) from None
            kind = message.get("type") if isinstance(message, dict) else None
            if kind not in MESSAGE_TYPES:
                raise ConfigError(f"unknown message: expected a JSON object with a type "
                                  f"among {', '.join(MESSAGE_TYPES)}; got {text[:80]!r}")
            await getattr(self, f"on_{kind}")(message)
        except ConfigError as error:
            await self.refuse(str(error))
        except WebSocketDisconnect:
            raise
        except Exception as error:  # a bug must not end the tab's session, but is reported
            traceback.print_exc(file=sys.stderr)
            self.playing = False
            await self.refuse(f"internal error: {type(error).__name__}: {error}")

    async def on_config(self, message: dict[str, Any]) -> None:
        # The page's first config (from its URL) always gets the data; later ones only when
        # they changed it or the network, else a frame (which carries the config too).
        if self.session.apply(message.get("config")) or not self.introduced:
            self.introduced = True
            await self.send(self.session.state())
        else:
            await self.send_frame()

    async def on_play(self, message: dict[str, Any]) -> None:
        if self.session.problem.missing:
            raise ConfigError(self.session.problem.missing)
        self.playing = True
        self.acked = True

    async def on_pause(self, message: dict[str, Any]) -> None:
        self.playing = False
        await self.send_frame()

    async def on_step(self, message: dict[str, Any]) -> None:
        count = message.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_STEPS:
            raise ConfigError(f"step: count must be a whole number from 1 to {MAX_STEPS}, "
                              f"got {count!r}")
        self.playing = False
        self.session.step(count)
        await self.send_frame()

    async def on_reset(self, message: dict[str, Any]) -> None:
        self.session.reset()
        await self.send(self.session.state())

    async def on_ack(self, message: dict[str, Any]) -> None:
        self.acked = True

    async def on_trace(self, message: dict[str, Any]) -> None:
        self.playing = False
        await self.send(self.session.trace(message.get("index")))

    async def on_export(self, message: dict[str, Any]) -> None:
        if self.session.problem.missing:
            raise ConfigError(self.session.problem.missing)
        await self.send(export_message(self.session, self.playground.plugins))

    # ------------------------------------------------------------------ the loop

    def train_tick(self) -> None:
        """The training of one tick at the configured speed."""
        speed = self.session.config.speed
        if speed == "slow":
            self.session.step()
        elif speed == "normal":
            self.session.step(self.session.steps_per_epoch)
        else:
            loop = asyncio.get_running_loop()
            end = loop.time() + FAST_TICK
            while loop.time() < end:
                self.session.step()

    async def run(self) -> None:
        """Serve the tab until it closes."""
        inbox: asyncio.Queue[str | bytes | None] = asyncio.Queue()
        reader = asyncio.create_task(self._read(inbox))
        loop = asyncio.get_running_loop()
        try:
            await self.send(self.playground.hello())  # the page answers with its config
            while True:
                if not inbox.empty():  # the page's messages come before more training
                    text = inbox.get_nowait()
                elif not self.playing:
                    text = await inbox.get()
                else:
                    wait = self.last_frame + FRAME_INTERVAL - loop.time()
                    try:
                        if wait <= 0:
                            raise asyncio.TimeoutError
                        text = await asyncio.wait_for(inbox.get(), wait)
                    except asyncio.TimeoutError:
                        await self.play_tick()
                        await asyncio.sleep(0)  # let the reader and other tabs run
                        continue
                if text is None:
                    return
                await self.handle(text)
        except WebSocketDisconnect:
            return
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)

    async def play_tick(self) -> None:
        try:
            self.train_tick()
        except ConfigError as error:
            self.playing = False
            await self.refuse(str(error))
            return
        if not self.session.finite:
            self.playing = False
            await self.refuse("training diverged (the loss is not a number any more): lower "
                              "the learning rate and press reset")
        if self.acked or not self.playing:
            await self.send_frame()
        else:
            self.last_frame = asyncio.get_running_loop().time()

    async def _read(self, inbox: asyncio.Queue[str | bytes | None]) -> None:
        """Move the page's messages into ``inbox``; None when the tab has gone."""
        try:
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                text = message.get("text")
                await inbox.put(text if text is not None else message.get("bytes") or b"")
        finally:
            await inbox.put(None)


def create_app(plugins: Mapping[str, str] | None = None,
               on_start: Callable[[], Any] | None = None) -> Starlette:
    """The ASGI app; ``plugins`` maps activation names to the files that registered them;
    ``on_start`` runs once the server listens (the command opens the browser there)."""
    playground = Playground(plugins)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if on_start is not None:
            on_start()
        yield

    async def page(request: Request) -> FileResponse:
        return FileResponse(STATIC / "index.html")

    async def sessions(request: Request) -> JSONResponse:
        # For the tests: open sessions, tasks and threads (none may outlive a closed tab).
        # Starlette reads the page's files on AnyIO's worker threads, which stay idle for
        # 10 s before they exit: they belong to file serving, not to a session.
        threads = sum(t.name != "AnyIO worker thread" for t in threading.enumerate())
        return JSONResponse({
            "sessions": len(playground.connections),
            "playing": sum(c.playing for c in playground.connections),
            "tasks": len(asyncio.all_tasks()), "threads": threads})

    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        connection = Connection(websocket, playground)
        playground.connections.add(connection)
        try:
            await connection.run()
        finally:
            playground.connections.discard(connection)

    return Starlette(lifespan=lifespan, routes=[
        Route("/", page),
        Route("/api/sessions", sessions),
        WebSocketRoute("/ws", socket),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ])
