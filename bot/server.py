"""`slabot run`: uvicorn serving Starlette (Slack over HTTP or Socket Mode), plus the scheduler."""

from __future__ import annotations

import gc
import logging

import uvicorn
from apscheduler.schedulers.background import BackgroundScheduler

from bot.app import build_app
from bot.container import Container
from bot.settings import SettingsError
from bot.web import build_web

log = logging.getLogger(__name__)

DELIVER_EVERY_SECONDS = 15


def start_scheduler(c: Container) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        c.deliverer.deliver_due,
        "interval",
        seconds=DELIVER_EVERY_SECONDS,
        id="deliver-outbox",
        max_instances=1,
        coalesce=True,
    )
    scheduler.start()
    return scheduler


def serve(c: Container) -> int:
    app = build_app(c)
    socket_mode = bool(c.settings.app_token)
    web = build_web(c, None if socket_mode else app)
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
    scheduler = start_scheduler(c)
    # long-lived start-up objects leave the collector's generations: no 60 ms full
    # collections landing on random requests (measured in bench/bench_leads.py --gc-freeze)
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
        scheduler.shutdown(wait=False)
        if handler is not None:
            handler.close()  # type: ignore[no-untyped-call]
        c.close()
    return 0
