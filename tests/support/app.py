"""What the bot-level tests share: a container wired to the fake Slack with no pacing, a
lead handed over through the engine, and owed rows by key."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import uvicorn
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.app import build_app
from bot.container import Container, build, make_client
from bot.delivery.pacer import Pacer
from bot.directory import SlackDirectory, StaticDirectory
from bot.entrypoints.web import build_web
from bot.plugin import Plugin
from bot.plugins import PLUGINS
from bot.settings import Settings
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.kinds.lead.intake import hand_off, parse_handoff
from slaengine.kinds.lead.tables import Lead
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import OutboxMessage
from tests.conftest import NEW_YORK
from tests.scenarios.conftest import free_port
from tests.support.fakeslack import FakeSlack


def container(
    database_url: str,
    engine: Engine,
    agreement: Agreement,
    clock: FixedClock,
    fake: FakeSlack,
    *,
    client: WebClient | None = None,
    signing_secret: str = "",
    plugins: Sequence[Plugin] = PLUGINS,
    slack_directory: bool = False,
) -> Container:
    """The app's container on the test database, clock and fake Slack, posting unpaced;
    with `signing_secret`, its Bolt app checks Slack's signatures with it; `plugins`: the
    kinds it tracks (those slabot ships, unless a test brings its own); with
    `slack_directory`, e-mail addresses are looked up in the fake Slack as in production
    (`users.lookupByEmail`, cached in the database), else nobody is found by e-mail."""
    client = client or make_client(Settings(bot_token="xoxb-test", api_url=fake.url))
    c = build(
        Settings(database_url=database_url, webhook_secret="s", signing_secret=signing_secret),
        agreement=agreement,
        clock=clock,
        client=client,
        directory=SlackDirectory(client, engine, clock) if slack_directory else StaticDirectory(),
        engine=engine,
        plugins=plugins,
    )
    c.deliverer.pacer = Pacer(interval=0)
    return c


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NEW_YORK)


def handoff(c: Container, external_id: str, owner: str = "U0ALICE", **extra: Any) -> Lead:
    fields = {
        "external_id": external_id,
        "name": f"Lead {external_id}",
        "company": "Acme",
        "fit": "good",
        "interest": "high",
        "owner": owner,
        **extra,
    }
    with unit_of_work(c.engine) as session:
        return hand_off(
            parse_handoff(fields),
            session=session,
            agreement=c.agreement,
            directory=c.directory,
            now=c.clock.now(),
            source="webhook",
        ).lead


def row(c: Container, key: str) -> OutboxMessage:
    with Session(c.engine) as session:
        return session.exec(select(OutboxMessage).where(OutboxMessage.key == key)).one()


def posts_to(fake: FakeSlack, target: str) -> list[dict[str, Any]]:
    return fake.messages_to(target)


@contextmanager
def serve(c: Container) -> Iterator[str]:
    """The app's HTTP side (`bot.entrypoints.web`) on a free port, in a thread of this
    process; yields its base URL."""
    web = build_web(c, build_app(c, verify_token=False))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(web, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
