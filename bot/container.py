"""The composition root: settings, agreement, database, clock, Slack client, delivery."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import FileClock, SystemClock
from bot.delivery.compose import TITLES
from bot.delivery.deliverer import Deliverer
from bot.delivery.pacer import Pacer
from bot.directory import SlackDirectory
from bot.kindui import KindUI, drawer
from bot.people import People
from bot.plugin import Plugin, sections_of
from bot.settings import Settings
from slaengine.agreement.config import Agreement, bind, load_agreement
from slaengine.clock import Clock
from slaengine.engine.directory import Directory, UnknownPerson, know_people
from slaengine.engine.kind import Kinds
from slaengine.persistence import outbox
from slaengine.persistence.db import make_engine
from slaengine.scorecard.sources import Sources

log = logging.getLogger(__name__)


def make_client(settings: Settings, *, delivery: bool = False) -> WebClient:
    """The Slack Web API client.

    Delivery's own (`delivery=True`) hands a 429 and a lost connection straight back to
    the deliverer: the outbox defers a rate-limited row by Slack's Retry-After (no worker
    sleeps through it, holding everything else owed), and a post whose connection failed may
    have reached Slack, so delivery looks for it there before posting again
    (`bot.delivery.recovery`). The listeners' client (the default) sleeps through a 429 and
    tries again, up to three times: what a listener calls (a modal, the Home tab, an answer
    seen only by the person who asked) is owed to someone waiting for it and is in no
    outbox, so nothing else would try it again; and a listener runs on a worker thread of its
    own, so the wait holds up that one answer, not what delivery owes everyone else."""
    handlers: list[RetryHandler] = [ServerErrorRetryHandler(max_retry_count=2)]
    if not delivery:
        handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
        handlers.append(ConnectionErrorRetryHandler(max_retry_count=2))
    return WebClient(
        token=settings.bot_token or None,
        base_url=settings.api_url,
        timeout=15,
        retry_handlers=handlers,  # in place of the defaults, which retry lost connections
    )


@dataclass
class Container:
    settings: Settings
    agreement: Agreement
    engine: Engine
    clock: Clock
    client: WebClient
    directory: Directory
    deliverer: Deliverer
    people: People
    plugins: tuple[Plugin, ...]
    kinds: Kinds
    uis: dict[str, KindUI]
    #: what the kinds bring to the scorecard beyond their items' tallies
    figures: Sources
    background_delivery: bool = True
    _pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="deliver")
    )
    _told: set[UnknownPerson] = field(default_factory=set)

    def know_people(self) -> tuple[UnknownPerson, ...]:
        """Name the agreement's people by Slack ID where it wrote their e-mail address,
        through the directory (its answers cached), so that every kind reads IDs; done when
        the container is built and again by each pass, which looks up only the addresses
        still unknown. Returns those, and logs each once (naming its key); when Slack does
        not answer, logs that and leaves the agreement as it was, for the next pass."""
        try:
            known = know_people(self.agreement, self.directory)
        except (SlackApiError, OSError) as exc:
            log.warning(
                "%s: the people it names by e-mail could not be looked up in Slack yet (%s); "
                "the next pass tries again",
                self.settings.sla_config,
                _reason(exc),
            )
            return ()
        self.agreement = known.agreement
        for unknown in known.unknown:
            if unknown not in self._told:
                self._told.add(unknown)
                log.warning("%s: %s", self.settings.sla_config, unknown)
        return known.unknown

    def notify(
        self,
        session: Session,
        *,
        key: str,
        target: str,
        text: str,
        blocks: Sequence[dict[str, Any]] | None = None,
        topic: str = "notice",
        item_id: int | None = None,
        replaces_key: str | None = None,
        not_before: datetime | None = None,
        clock: str | None = None,
        thread_key: str | None = None,
    ) -> bool:
        """Owe a message, in the caller's transaction; sent after it commits (see `kick`).
        With `thread_key` it replies in the thread of the message owed under that key."""
        return outbox.enqueue(
            session,
            key=key,
            target=self.resolve(target),
            text=text,
            blocks=blocks,
            now=self.clock.now(),
            topic=topic,
            item_id=item_id,
            replaces_key=replaces_key,
            not_before=not_before,
            clock=clock,
            thread_key=thread_key,
        )

    def resolve(self, person_or_channel: str) -> str:
        """A Slack ID for an e-mail address from the agreement; IDs and channels as they are."""
        if "@" in person_or_channel:
            return self.directory.user_id_for_email(person_or_channel) or person_or_channel
        return person_or_channel

    def kick(self) -> None:
        """Deliver what is owed, in the background, without holding up the caller
        (in the foreground where `background_delivery` is off: the demo, `slabot import`,
        some tests)."""
        if self.background_delivery:
            self._pool.submit(self.deliver_quietly)
        else:
            self.deliver_quietly()

    def deliver_quietly(self) -> None:
        try:
            report = self.deliverer.deliver_due()
        except Exception:  # the next pass retries; never let delivery kill a worker thread
            log.exception("delivery pass failed")
            return
        if report.busy():
            log.info("delivery: %s", report.line())

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.engine.dispose()


def _reason(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error"))
    return str(exc) or type(exc).__name__


def build(
    settings: Settings,
    *,
    plugins: Sequence[Plugin],
    agreement: Agreement | None = None,
    clock: Clock | None = None,
    client: WebClient | None = None,
    directory: Directory | None = None,
    engine: Engine | None = None,
    pacer: Pacer | None = None,
) -> Container:
    """Wire real collaborators, or the ones a test or the demo passes in (`pacer`: how posts
    are paced; by default one a second per channel, as Slack asks, by the process's clock, or
    by the wall clock when `clock` is passed in: a test's or the demo's clock may stand
    still). `plugins` are the kinds of obligation tracked (`bot.plugins.PLUGINS`)."""
    kinds = Kinds(kind for plugin in plugins for kind in plugin.kinds)
    uis = {ui.name: ui for plugin in plugins for ui in plugin.uis}
    titles = {**TITLES, **{t: h for plugin in plugins for t, h in plugin.titles.items()}}
    sections = sections_of(plugins)
    agreement = bind(agreement, sections) if agreement else load_agreement(
        settings.sla_config, sections
    )
    engine = engine or make_engine(settings.database_url)
    if clock is None:  # the process's own clock, which the posts are paced by too
        clock = FileClock(settings.clock_file) if settings.clock_file else SystemClock()
        pacer = pacer or Pacer(clock=clock)
    posting = client or make_client(settings, delivery=True)
    client = client or make_client(settings)
    directory = directory or SlackDirectory(client, engine, clock)
    people = People(client, engine, agreement)

    def current() -> Agreement:  # the container's, its people known: see `know_people`
        return container.agreement

    container = Container(
        settings=settings,
        agreement=agreement,
        engine=engine,
        clock=clock,
        client=client,
        directory=directory,
        deliverer=Deliverer(
            engine,
            posting,
            clock,
            lease=timedelta(seconds=settings.delivery_lease_seconds),
            draw=drawer(current, uis),
            quiet=people.quiet_until,
            pacer=pacer,
            titles=titles,
        ),
        people=people,
        plugins=tuple(plugins),
        kinds=kinds,
        uis=uis,
        figures=Sources.combine(plugin.figures for plugin in plugins),
    )
    container.know_people()
    return container
