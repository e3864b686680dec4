"""A lead's tables: its details (under its item's id), the reps' absences, where each
team's round-robin routing stands, each pool's rotation (`RoutingSeat`) and who is out of
rotation (`RotationState`)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, Relationship, SQLModel

from slaengine.persistence.tables import Item, instant, ref_of


class Lead(SQLModel, table=True):
    """A lead's details; its clock, owner and state are its item's (`lead.item`)."""

    __tablename__ = "leads"

    id: int | None = Field(default=None, primary_key=True, foreign_key="items.id")
    external_id: str = Field(max_length=200, unique=True)
    name: str = Field(default="", max_length=200)
    company: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=320)
    fit: str = Field(max_length=8)
    interest: str = Field(max_length=8)
    marketing_status: str = Field(max_length=40)
    campaign: str | None = Field(default=None, max_length=200)
    via_campaign: bool = False
    contact_id: str = Field(max_length=40)
    source: str = Field(max_length=16)
    handed_off_by: str | None = Field(default=None, max_length=40)
    handed_off_at: datetime = instant(nullable=False)
    response_due_at: datetime = instant(nullable=False)
    response_warn_at: datetime = instant(nullable=False)
    accept_due_at: datetime = instant(nullable=False)
    accept_warn_at: datetime = instant(nullable=False)
    stage: str = Field(default="new", max_length=16)
    first_touch_at: datetime | None = instant()
    #: where the first touch was logged: 'slack', or the CRM it came from ('hubspot', ...)
    first_touch_via: str | None = Field(default=None, max_length=16)
    attempts: int = 0
    decided_at: datetime | None = instant()
    reject_reason: str | None = Field(default=None, max_length=2000)
    #: while its clock is stopped (`/sla pause`): since when, why, and when it resumes by
    #: itself; all None while it runs
    paused_at: datetime | None = instant()
    pause_reason: str | None = Field(default=None, max_length=200)
    pause_ends_at: datetime | None = instant(index=True)
    #: what routing pools may match on besides the above (`[[routing.pools]]`)
    country: str | None = Field(default=None, max_length=100)
    region: str | None = Field(default=None, max_length=100)
    company_size: str | None = Field(default=None, max_length=100)
    #: the pool the lead was routed in (None: no pools, or a lead from before them)
    pool: str | None = Field(default=None, max_length=100)
    #: the ladder (`[[leads.ladder]]`): the instant its steps count from (None: the handoff),
    #: how often it started again for a new owner, and how often it passed the lead on
    ladder_from: datetime | None = instant()
    ladder_round: int = 0
    reassignments: int = 0
    #: when the ladder's `pool` step offered the lead in its pool's channel (None: not
    #: offered, or claimed since): a claim takes it only while this is set
    offered_at: datetime | None = instant()
    item: Item = Relationship(sa_relationship_kwargs={"lazy": "joined", "innerjoin": True})

    @property
    def ref(self) -> str:
        return ref_of(self.id, "lead")

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def owner_id(self) -> str:
        return self.item.owner_id

    @property
    def is_open(self) -> bool:
        return self.item.is_open

    @property
    def due_at(self) -> datetime | None:
        return self.item.due_at

    @property
    def warn_at(self) -> datetime | None:
        return self.item.warn_at

    @property
    def recycle_at(self) -> datetime:
        assert self.item.lapse_at is not None
        return self.item.lapse_at

    @property
    def closed_at(self) -> datetime | None:
        return self.item.closed_at

    @property
    def created_at(self) -> datetime:
        return self.item.created_at

    @property
    def updated_at(self) -> datetime:
        return self.item.updated_at


class Absence(SQLModel, table=True):
    __tablename__ = "absences"

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(max_length=40, index=True)
    starts_on: date
    ends_on: date
    created_at: datetime = instant(nullable=False)


class RoutingCursor(SQLModel, table=True):
    __tablename__ = "routing_cursors"

    team: str = Field(primary_key=True, max_length=40)
    last_user_id: str | None = Field(default=None, max_length=40)


class RoutingSeat(SQLModel, table=True):
    """A rep's place in a pool's rotation (`slaengine.kinds.lead.routing.Seat`), and why
    routing last passed them over, for the fairness ledger."""

    __tablename__ = "routing_seats"

    pool: str = Field(primary_key=True, max_length=100)
    user_id: str = Field(primary_key=True, max_length=40)
    current: int = 0
    resting: bool = False
    turn: int = 0
    last_skip: str | None = Field(default=None, max_length=16)
    last_skip_at: datetime | None = instant()


class RotationState(SQLModel, table=True):
    """A rep's standing in rotation: the response windows they missed in a row, and whether
    they are out of rotation (taken out after `[routing] out_after_misses` of them, or by
    `/sla rotation out`), since when and by whom (None: by the misses)."""

    __tablename__ = "rotation_states"

    user_id: str = Field(primary_key=True, max_length=40)
    misses_in_row: int = 0
    out: bool = False
    changed_at: datetime | None = instant()
    changed_by: str | None = Field(default=None, max_length=40)
