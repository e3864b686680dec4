"""`slabot run`: uvicorn serving Starlette (Slack over HTTP or Socket Mode), plus the scheduler."""

from __future__ import annotations

import gc
import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType

import uvicorn
from apscheduler.schedulers.background import BackgroundScheduler

from bot.app import build_app
from bot.container import Container
from bot.entrypoints.health import Heartbeat
from bot.entrypoints.web import build_web
from bot.jobs.sweep import sweep
from bot.settings import SettingsError

log = logging.getLogger(__name__)


def sweep_pass(c: Container, heartbeat: Heartbeat) -> None:
    """One scheduled pass: a failure is logged and the next pass runs as usual."""
    try:
        report = sweep(c)
    except Exception:
        heartbeat.failed()
        log.exception("sweep pass failed; the next one runs as scheduled")
        return
    heartbeat.completed(c.clock.now())
    if report.busy():
        log.info("%s", report.line())


def start_scheduler(c: Container, heartbeat: Heartbeat) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    schedule(scheduler, c, heartbeat)
    # a job run is not an event worth a line: the passes log what they did
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler.start()
    return scheduler


def schedule(scheduler: BackgroundScheduler, c: Container, heartbeat: Heartbeat) -> None:
    """A pass at start (catching up after downtime), then every `sweep_seconds`; delivery of
    what is owed every `deliver_seconds`. Neither job ever runs twice at once, and a job
    that fell behind runs once, not once per missed turn."""
    scheduler.add_job(
        sweep_pass,
        "interval",
        args=(c, heartbeat),
        seconds=c.settings.sweep_seconds,
        next_run_time=datetime.now(UTC),  # at once: the catch-up pass
        id="sweep",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    scheduler.add_job(
        c.deliver_quietly,
        "interval",
        seconds=c.settings.deliver_seconds,
        id="deliver-outbox",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )


class _Server(uvicorn.Server):
    """uvicorn's server, which also tells `on_stop` the moment a stop is asked for."""

    def __init__(self, config: uvicorn.Config, on_stop: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_stop = on_stop

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.on_stop()
        super().handle_exit(sig, frame)


def graceful_stop(c: Container) -> Callable[[], None]:
    """What SIGTERM (a rolling deploy) or SIGINT does: delivery finishes the post in flight
    and puts what it had claimed back in the outbox (`Deliverer.stop`); the server stops."""
    told = threading.Event()

    def stop() -> None:
        if not told.is_set():
            told.set()
            log.info("stopping: the post in flight is finished, claimed messages are put back")
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
    scheduler = start_scheduler(c, heartbeat)
    # long-lived start-up objects leave the collector's generations, so no full collection
    # of them lands on a request (bench/README.md)
    gc.collect()
    gc.freeze()
    stop = graceful_stop(c)
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
        scheduler.shutdown(wait=True)  # the passes under way end, their claims put back
        if handler is not None:
            handler.close()  # type: ignore[no-untyped-call]
        c.close()
    return 0 if server.started else 3  # 3: uvicorn's own code for a server that never started
