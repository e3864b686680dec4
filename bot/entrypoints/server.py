"""`slabot run`: uvicorn serving Starlette (Slack over HTTP or Socket Mode), and the scheduler
in a process of its own (`bot.entrypoints.worker`)."""

from __future__ import annotations

import gc
import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

import uvicorn

from bot.app import build_app
from bot.container import Container
from bot.entrypoints.health import Heartbeat
from bot.entrypoints.web import build_web
from bot.entrypoints.worker import Supervisor
from bot.settings import SettingsError

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """uvicorn's server, which also tells `on_stop` the moment a stop is asked for."""

    def __init__(self, config: uvicorn.Config, on_stop: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_stop = on_stop

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.on_stop()
        super().handle_exit(sig, frame)


def graceful_stop(c: Container, worker: Supervisor | None = None) -> Callable[[], None]:
    """What SIGTERM (a rolling deploy) or SIGINT does: delivery finishes the post in flight
    and puts what it had claimed back in the outbox (`Deliverer.stop`), here and in the
    scheduler's process, which is told at once; the server stops."""
    told = threading.Event()

    def stop() -> None:
        if not told.is_set():
            told.set()
            log.info("stopping: the post in flight is finished, claimed messages are put back")
            if worker is not None:
                worker.ask_to_stop()
        c.deliverer.stop()

    return stop


def serve(c: Container) -> int:
    app = build_app(c)
    socket_mode = bool(c.settings.app_token)
    heartbeat = Heartbeat()
    web = build_web(c, None if socket_mode else app, heartbeat)
    handler = None
    if socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler
        from slack_sdk.errors import SlackApiError

        handler = SocketModeHandler(app, c.settings.app_token)
        try:
            handler.connect()  # type: ignore[no-untyped-call]  # fail loudly, not deaf
        except SlackApiError as exc:
            raise SettingsError(
                f"Socket Mode could not connect with SLACK_APP_TOKEN: {exc.response.get('error')}"
            ) from None
        log.info("Slack over Socket Mode; webhook and health on port %s", c.settings.port)
    else:
        log.info("Slack over HTTP on port %s (/slack/events)", c.settings.port)
    worker = Supervisor(heartbeat)
    worker.start()
    # long-lived start-up objects leave the collector's generations, so no full collection
    # of them lands on a request (bench/README.md)
    gc.collect()
    gc.freeze()
    stop = graceful_stop(c, worker)
    # uvicorn raises the signal again once it has shut down: caught here, it no longer ends
    # the process there and then, in the middle of a post, but after the `finally` below
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _sig, _frame: stop())
    config = uvicorn.Config(
        web, host="0.0.0.0", port=c.settings.port, log_level="info", access_log=False
    )
    server = _Server(config, stop)
    try:
        server.run()
    finally:
        stop()
        worker.stop()  # its pass under way ends, its claims put back
        if handler is not None:
            handler.close()  # type: ignore[no-untyped-call]
        c.close()
    return 0 if server.started else 3  # 3: uvicorn's own code for a server that never started
