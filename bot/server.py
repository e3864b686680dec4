"""`slabot run`: uvicorn serving Starlette (Slack over HTTP or Socket Mode), plus the scheduler."""

from __future__ import annotations

import logging
import threading

import uvicorn
from apscheduler.schedulers.background import BackgroundScheduler

from bot.app import build_app
from bot.container import Container
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
    scheduler = start_scheduler(c)
    if socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(app, c.settings.app_token)
        threading.Thread(target=handler.start, name="socket-mode", daemon=True).start()
        log.info("Slack over Socket Mode; webhook and health on port %s", c.settings.port)
    else:
        log.info("Slack over HTTP on port %s (/slack/events)", c.settings.port)
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
        c.close()
    return 0
