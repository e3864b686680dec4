"""The generic database tables (SQLModel): items, their timers and events, people, the
outbox. Each kind's own tables are in its package (`slaengine/kinds/<kind>/tables.py`);
`slaengine.persistence.metadata.load_all_tables` loads them all. The schema itself comes
only from `migrations/`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """An instant: aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a naive datetime; instants are aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def stored(value: datetime | None) -> str | None:
            """The text SQLite's DATETIME stores (naive UTC, to the microsecond), made in one
            C call instead of through SQLAlchemy's formatter: the sweep binds thousands."""
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("refusing to store a naive datetime; instants are aware")
            return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]

        return stored

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def instant(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime(), nullable=nullable, index=index)


REF_BASE = 1000

#: the letter each kind's refs start with (`L-1042`), declared by `engine.kind.Kinds` as the
#: composition root builds it from the plugin list; a ref names its kind
PREFIXES: dict[str, str] = {}


def ref_of(item_id: int | None, kind: str) -> str:
    if item_id is None:
        raise ValueError("an item has no ref before it is stored")
    return f"{PREFIXES.get(kind, '?')}-{REF_BASE + item_id}"


class Item(SQLModel, table=True):
    """One obligation of any kind, with its one clock: what the sweep, the outbox, delivery,
    `/sla mine`, the digests, `/sla team`, status and the scorecard read. A kind keeps its
    own details in a table of its own, one row per item, under the item's id."""

    __tablename__ = "items"
    # covers counting and ranking an owner's open items by state, with no row read
    __table_args__ = (sa.Index("ix_items_owner_open", "owner_id", "is_open", "due_at", "warn_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24)
    natural_key: str = Field(max_length=300, unique=True)  # one item per period, lead, ...
    parent_id: int | None = Field(default=None, foreign_key="items.id")
    team: str = Field(max_length=40)
    owner_id: str = Field(max_length=40)
    title: str = Field(default="", max_length=500)
    clock: str | None = Field(default=None, max_length=16)  # the window running now
    is_open: bool = True
    start_at: datetime = instant(nullable=False)
    warn_at: datetime | None = instant()
    due_at: datetime | None = instant()
    lapse_at: datetime | None = instant()  # the item closes by itself then (its kind says how)
    outcome: str | None = Field(default=None, max_length=8)  # met | missed, once closed
    closed_at: datetime | None = instant(index=True)
    created_at: datetime = instant(nullable=False)
    updated_at: datetime = instant(nullable=False)
    #: the agreement version (`AgreementVersion.id`) the item opened under, and the one that
    #: set its current window; None for items older than the record of versions
    opened_under: int | None = None
    window_from: int | None = None

    @property
    def ref(self) -> str:
        return ref_of(self.id, self.kind)


class AgreementVersion(SQLModel, table=True):
    """One distinct agreement, recorded once, by the first process to run under it: its
    hash (`slaengine.agreement.versions`), its canonical content, the file it came from and
    the instant it came into force."""

    __tablename__ = "agreement_versions"

    id: int | None = Field(default=None, primary_key=True)
    hash: str = Field(max_length=64, unique=True)
    content: str = Field(sa_type=sa.Text)
    source: str = Field(max_length=1000)
    in_force_at: datetime = instant(nullable=False)


class ItemTimer(SQLModel, table=True):
    """When to look at an item next: "at `at`, see which of its thresholds have come".

    The sweep takes the timers that have come, in order, and replaces each with the item's
    next one. Stored in time order (a clustered key on SQLite), so a pass reads and writes a
    few neighbouring pages however many items are open, and never rewrites an item's row. A
    change of window replaces the item's timers; a timer left behind all the same (a change
    racing a pass) is harmless: looking at the item again owes nothing new, since every
    message is keyed.
    """

    __tablename__ = "item_timers"
    __table_args__ = {"sqlite_with_rowid": False}

    at: datetime = Field(sa_type=UTCDateTime(), primary_key=True)
    item_id: int = Field(foreign_key="items.id", primary_key=True)


class ItemEvent(SQLModel, table=True):
    """What happened to an item, once: `key` makes a repeated action (a double click) a
    no-op."""

    __tablename__ = "item_events"
    __table_args__ = (
        sa.UniqueConstraint("item_id", "key", name="uq_item_events_item_key"),
        # the windows recorded as missed, by when they were due: what the scorecard and App
        # Home look for (`slaengine.scorecard.store`)
        sa.Index("ix_item_events_missed", "key", "at", "actor", "item_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", index=True)
    action: str = Field(max_length=24)
    actor: str = Field(max_length=40)
    at: datetime = instant(nullable=False)
    key: str = Field(max_length=200)
    detail: str = Field(default="", max_length=2000)


class SlackUser(SQLModel, table=True):
    """What Slack told us of a person (time zone, the name they are shown by, e-mail),
    refreshed daily."""

    __tablename__ = "slack_users"

    user_id: str = Field(primary_key=True, max_length=40)
    email: str | None = Field(default=None, max_length=320, index=True)
    name: str | None = Field(default=None, max_length=200)
    tz: str | None = Field(default=None, max_length=64)
    fetched_at: datetime = instant(nullable=False)


class OutboxMessage(SQLModel, table=True):
    """One message owed to one target; `key` (item, target, step) makes it exactly once.

    A reminder about an SLA clock (`clock` set, `text` empty) is drawn when it is sent,
    from the item as it is then; other messages are stored as drawn.
    """

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_pending", "status", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, unique=True)
    target: str = Field(max_length=80)
    topic: str = Field(default="notice", max_length=16)
    item_id: int | None = None
    replaces_key: str | None = Field(default=None, max_length=300)
    clock: str | None = Field(default=None, max_length=16)
    batch: str | None = Field(default=None, max_length=64)
    text: str = Field(sa_type=sa.Text)
    blocks: str | None = Field(default=None, sa_type=sa.Text)
    status: str = Field(default="pending", max_length=12)
    attempts: int = 0
    not_before: datetime = instant(nullable=False)
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_until: datetime | None = instant()
    channel: str | None = Field(default=None, max_length=80)
    ts: str | None = Field(default=None, max_length=40)
    #: the key of the message whose thread this one replies in (posted once that one is)
    thread_key: str | None = Field(default=None, max_length=300)
    error: str | None = Field(default=None, max_length=500)
    created_at: datetime = instant(nullable=False)
    sent_at: datetime | None = instant()


class DeliveryPace(SQLModel, table=True):
    """When the next message to a channel may be posted, shared by every process, so that
    several instances together still post at most one message a second per channel."""

    __tablename__ = "delivery_pace"

    target: str = Field(primary_key=True, max_length=80)
    next_at: float  # seconds since the epoch
