"""`slabot run`: uvicorn serving Starlette (Slack over HTTP or Socket Mode), and the scheduler
in a process of its own (`bot.entrypoints.worker`)."""

from __future__ import annotations

import gc
import logging
import signal
from types import FrameType

import uvicorn

from bot.app import build_app
from bot.container import Container
from bot.entrypoints.health import Heartbeat
from bot.entrypoints.web import build_web
from bot.entrypoints.worker import Supervisor
from bot.settings import SettingsError

log = logging.getLogger(__name__)


def _stop_on_signals() -> None:
    """uvicorn stops on SIGTERM and SIGINT, then raises the signal again with the handlers
    it found: with Python's defaults that kills the process (SIGTERM) or raises
    KeyboardInterrupt (SIGINT) before the scheduler is stopped. Noted and let go, the
    signal ends `serve` the ordinary way: the scheduler stops, the process exits 0."""

    def noted(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping on %s", signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, noted)
    signal.signal(signal.SIGINT, noted)


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
    _stop_on_signals()
    # long-lived start-up objects leave the collector's generations, so no full collection
    # of them lands on a request (bench/README.md)
    gc.collect()
    gc.freeze()
    try:
        uvicorn.run(
            web,
            host="0.0.0.0",
            port=c.settings.port,
            log_level="info",
            access_log=False,
        )
    finally:
        worker.stop()
        if handler is not None:
            handler.close()  # type: ignore[no-untyped-call]
        c.close()
    return 0
