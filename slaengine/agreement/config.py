"""The agreement: `sla.toml` loaded into typed, immutable settings.

Every problem is reported by the dotted path of the key that causes it, all at
once, so an admin can fix a file in one go.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, time
from functools import cached_property
from itertools import pairwise
from pathlib import Path
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_pkg
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
)

from slaengine.calendar import BusinessCalendar, parse_hours, parse_weekday
from slaengine.crm.config import CrmConfig
from slaengine.durations import Duration, Share, parse_lead

SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SLACK_CHANNEL = re.compile(r"^(C[A-Z0-9]{2,}|G[A-Z0-9]{2,}|#[a-z0-9][a-z0-9_\-]{0,79})$")


def _duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a duration string such as '4h', got {value!r}")
    return Duration.parse(value)


def _lead(value: Any) -> Duration | Share:
    if isinstance(value, Duration | Share):
        return value
    if not isinstance(value, str):
        raise ValueError(
            f"expected a duration such as '1h' or a share such as '25%', got {value!r}"
        )
    return parse_lead(value)


def _zone(value: Any) -> ZoneInfo:
    if isinstance(value, ZoneInfo):
        return value
    if not isinstance(value, str) or not value:
        raise ValueError(
            f"expected an IANA time zone name such as 'America/New_York', got {value!r}"
        )
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not a known IANA time zone") from None


def _person(value: Any) -> str:
    if not isinstance(value, str) or not (SLACK_USER.match(value) or EMAIL.match(value)):
        raise ValueError(f"{value!r} is neither a Slack user ID (U...) nor an e-mail address")
    return value


def _channel(value: Any) -> str:
    if not isinstance(value, str) or not SLACK_CHANNEL.match(value):
        raise ValueError(f"{value!r} is neither a Slack channel ID (C...) nor a name like '#sales'")
    return value


def _weekday(value: Any) -> int:
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a weekday such as 'mon', got {value!r}")
    return parse_weekday(value)


def _hours(value: Any) -> tuple[time, time | None]:
    if isinstance(value, tuple):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected hours such as '09:00-17:00', got {value!r}")
    return parse_hours(value)


@dataclass(frozen=True)
class WeeklyAt:
    weekday: int
    at: time

    def __str__(self) -> str:
        names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        return f"{names[self.weekday]} {self.at:%H:%M}"


def _weekly(value: Any) -> WeeklyAt:
    if isinstance(value, WeeklyAt):
        return value
    if not isinstance(value, str) or len(value.split()) != 2:
        raise ValueError(f"expected a weekday and a time such as 'mon 09:00', got {value!r}")
    day, clock = value.split()
    try:
        at = time.fromisoformat(clock)
    except ValueError:
        raise ValueError(f"{clock!r} is not a time of day such as '09:00'") from None
    return WeeklyAt(parse_weekday(day), at)


class _NamesAPerson:
    """Marks a key whose value may name a person (`people_by_email`, `with_people`)."""

    def __repr__(self) -> str:
        return "NAMES_A_PERSON"


NAMES_A_PERSON = _NamesAPerson()

DurationField = Annotated[Duration, BeforeValidator(_duration), PlainSerializer(str)]
LeadField = Annotated[Duration | Share, BeforeValidator(_lead), PlainSerializer(str)]
Zone = Annotated[ZoneInfo, BeforeValidator(_zone), PlainSerializer(str)]
Person = Annotated[str, BeforeValidator(_person), NAMES_A_PERSON]
Channel = Annotated[str, BeforeValidator(_channel)]
Weekday = Annotated[int, BeforeValidator(_weekday)]
Hours = Annotated[tuple[time, time | None], BeforeValidator(_hours)]
Weekly = Annotated[WeeklyAt, BeforeValidator(_weekly), PlainSerializer(str)]
Rate = Annotated[float, Field(gt=0, le=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class AgreementInfo(_Model):
    name: str = Field(min_length=1)
    mission: str = ""
    timezone: Zone
    effective_from: date
    review_every: DurationField | None = None
    scorecard_channel: Channel
    scorecard_at: Weekly = WeeklyAt(0, time(9, 0))
    admins: tuple[Person, ...] = ()


class BusinessHoursConfig(_Model):
    days: tuple[Weekday, ...] = Field(min_length=1)
    hours: tuple[Hours, ...] = Field(min_length=1)
    holidays: str = ""
    extra_holidays: tuple[date, ...] = ()
    quiet_hours: bool = False

    @field_validator("holidays")
    @classmethod
    def _known_country(cls, value: str) -> str:
        if value and value not in holidays_pkg.list_supported_countries():
            raise ValueError(f"{value!r} is not a country code known to the holidays package")
        return value

    @field_validator("days")
    @classmethod
    def _distinct_days(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a weekday is listed twice")
        return value

    @field_validator("hours")
    @classmethod
    def _no_overlap(
        cls, value: tuple[tuple[time, time | None], ...]
    ) -> tuple[tuple[time, time | None], ...]:
        ordered = sorted(value, key=lambda iv: iv[0])
        for (_, end), (start, _) in pairwise(ordered):
            if end is None or start < end:
                raise ValueError("business hour intervals overlap")
        return value


class Team(_Model):
    members: tuple[Person, ...] = Field(min_length=1)
    contact: Person
    manager: Person | None = None


class ResponseWindows(_Model):
    good_fit_interested: DurationField
    good_fit_less_interested: DurationField
    bad_fit_interested: DurationField


class LeadsConfig(_Model):
    routing: Literal["round_robin", "manager"] = "round_robin"
    warn_before: LeadField = Share(0.25)
    escalate: tuple[Literal["manager", "channel", "contact"], ...] = ("manager", "channel")
    accept_within: DurationField
    max_attempts: int = Field(default=6, ge=1, le=100)
    recycle_after: DurationField
    monthly_goal: int = Field(default=0, ge=0)
    response: ResponseWindows


def _escalation_step(value: Any) -> str:
    """One rung of a content escalation ladder: 'manager' (the owning team's manager, when it
    has one), 'channel' (the scorecard channel), a person or a channel."""
    if value in ("manager", "channel"):
        return str(value)
    if isinstance(value, str) and (
        SLACK_USER.match(value) or EMAIL.match(value) or SLACK_CHANNEL.match(value)
    ):
        return value
    raise ValueError(
        f"{value!r} is not 'manager', 'channel', a Slack user ID or e-mail, or a channel"
    )


EscalationStep = Annotated[str, BeforeValidator(_escalation_step), NAMES_A_PERSON]

#: what a content breach escalates to when nothing else is said: the owning team's manager
#: (if it has one), then the scorecard channel
CONTENT_ESCALATE: tuple[str, ...] = ("manager", "channel")


class Content(_Model):
    """Settings shared by marketing's content obligations (deliverables, requests, campaigns)."""

    escalate: tuple[EscalationStep, ...] = CONTENT_ESCALATE


class Deliverable(_Model):
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9\-_]*$", max_length=40)
    title: str = Field(min_length=1, max_length=150)
    owner: str
    count: int = Field(ge=1, le=1000)
    per: Literal["week", "month", "quarter"]
    escalate: tuple[EscalationStep, ...] | None = None  # None: `[content].escalate`

    @field_validator("key")
    @classmethod
    def _not_a_verb(cls, value: str) -> str:
        if value == "request":
            raise ValueError("'request' is taken by `/sla done request <ref>`; choose another key")
        return value


class ContentRequests(_Model):
    owner: str
    warn_before: LeadField = Share(0.25)


class Campaigns(_Model):
    owner: str
    per_quarter: int = Field(default=0, ge=0)
    follow_up_within: DurationField | None = None


class Reports(_Model):
    title: str = Field(min_length=1)
    owner: str
    due: Weekly
    feedback_by: str
    feedback_within: DurationField


class Training(_Model):
    owner: str
    attendees: str
    notice_before_launch: DurationField
    remind_before: DurationField


class Funnel(_Model):
    average_deal: float = Field(gt=0)
    lead_to_opportunity: Rate
    opportunity_to_close: Rate
    sales_cycle: DurationField | None = None


class Review(_Model):
    min_acceptance_rate: Rate | None = None
    max_median_first_response: DurationField | None = None
    min_within_sla_rate: Rate | None = None


class Agreement(_Model):
    agreement: AgreementInfo
    business_hours: BusinessHoursConfig
    teams: dict[str, Team]
    leads: LeadsConfig
    deliverables: tuple[Deliverable, ...] = ()
    content_requests: ContentRequests | None = None
    campaigns: Campaigns | None = None
    content: Content = Content()
    reports: Reports | None = None
    training: Training | None = None
    funnel: Funnel | None = None
    review: Review = Review()
    crm: CrmConfig | None = None

    # -- derived views -------------------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        return self.agreement.timezone

    @cached_property
    def calendar(self) -> BusinessCalendar:
        hours = self.business_hours
        return BusinessCalendar(
            zone=self.zone,
            days=hours.days,
            hours=sorted(hours.hours, key=lambda iv: iv[0]),
            holidays_country=hours.holidays,
            extra_days_off=hours.extra_holidays,
        )

    @property
    def sales(self) -> Team:
        return self.teams["sales"]

    @property
    def marketing(self) -> Team:
        return self.teams["marketing"]

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.agreement.admins

    def is_manager(self, user_id: str) -> bool:
        return any(team.manager == user_id for team in self.teams.values())

    def may_oversee(self, user_id: str) -> bool:
        return self.is_admin(user_id) or self.is_manager(user_id)

    def deliverable(self, key: str) -> Deliverable | None:
        return next((d for d in self.deliverables if d.key == key), None)

    def content_ladder(self, team: str, escalate: tuple[str, ...] | None = None) -> list[str]:
        """Who hears of a breach of `team`'s content obligation besides its owner, in order:
        `escalate` (else `[content].escalate`) with 'manager' the team's manager, skipped
        when it has none, and 'channel' the scorecard channel."""
        targets: list[str] = []
        owning = self.teams.get(team)
        for step in self.content.escalate if escalate is None else escalate:
            if step == "manager":
                if owning is not None and owning.manager:
                    targets.append(owning.manager)
            elif step == "channel":
                targets.append(self.agreement.scorecard_channel)
            else:
                targets.append(step)
        return targets


# -- the people it names ---------------------------------------------------------------------


def people_by_email(agreement: Agreement) -> list[tuple[str, str]]:
    """Every key naming a person by e-mail address, as (dotted key, address as written), in
    the file's order: `("teams.marketing.contact", "carol@acme.example")`. Keys are found
    by their type (`Person`, `EscalationStep`), whatever table they are in."""
    found: list[tuple[str, str]] = []

    def note(path: tuple[str | int, ...], value: str) -> str:
        if EMAIL.match(value):
            found.append((_dotted(path), value))
        return value

    _people_in(agreement, Agreement, (), note)
    return found


def with_people(agreement: Agreement, user_ids: Mapping[str, str]) -> Agreement:
    """The agreement with each person written as an e-mail address found in `user_ids`
    (by the address in lower case) named by that Slack user ID instead; the rest as it is."""

    def known(path: tuple[str | int, ...], value: str) -> str:
        if not EMAIL.match(value):
            return value
        return user_ids.get(value.strip().lower(), value)

    resolved: Agreement = _people_in(agreement, Agreement, (), known)
    return resolved


def _people_in(
    value: Any,
    annotation: Any,
    path: tuple[str | int, ...],
    visit: Callable[[tuple[str | int, ...], str], str],
) -> Any:
    """`value` (of type `annotation`) with `visit(path, person)` in place of each string of a
    key that names a person; what `visit` leaves as it is stays the same object."""
    if value is None:
        return None
    if isinstance(value, BaseModel):
        changed: dict[str, Any] = {}
        for name, info in type(value).model_fields.items():
            old = getattr(value, name)
            if NAMES_A_PERSON in info.metadata:
                new = visit((*path, name), old) if isinstance(old, str) else old
            else:
                new = _people_in(old, info.annotation, (*path, name), visit)
            if new is not old:
                changed[name] = new
        return value.model_copy(update=changed) if changed else value
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        if NAMES_A_PERSON in annotation.__metadata__:
            return visit(path, value) if isinstance(value, str) else value
        return _people_in(value, args[0], path, visit)
    if origin in (Union, UnionType):
        for arm in args:
            if arm is not NoneType:
                value = _people_in(value, arm, path, visit)
        return value
    if isinstance(value, tuple) and args:
        items = tuple(
            _people_in(v, args[0 if args[-1] is Ellipsis else i], (*path, i), visit)
            for i, v in enumerate(value)
        )
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, dict) and len(args) == 2:
        entries = {k: _people_in(v, args[1], (*path, k), visit) for k, v in value.items()}
        return value if all(entries[k] is v for k, v in value.items()) else entries
    return value


class AgreementError(Exception):
    """The agreement file is unusable; `problems` lists each as 'dotted.path: message'."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class AgreementNotFound(AgreementError):
    """There is no agreement file at `source`."""

    def __init__(self, source: str) -> None:
        super().__init__(source, ["file not found"])


def _dotted(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _problems(error: ValidationError) -> list[str]:
    problems: list[str] = []
    for item in error.errors(include_url=False):
        path = _dotted(tuple(item["loc"]))
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        for line in message.splitlines():
            problems.append(f"{path}: {line}" if path else line)
    return problems


def _table(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def cross_problems(data: Any) -> list[str]:
    """What no single key shows: teams named elsewhere, duplicate keys, a missing manager.

    Works on the raw TOML, so these are reported together with every other problem.
    """
    teams = _table(data, "teams")
    problems = [
        f"teams.{needed}: the agreement needs a {needed} team"
        for needed in ("sales", "marketing")
        if needed not in teams
    ]
    named: list[tuple[str, Any]] = []
    deliverables = data.get("deliverables") if isinstance(data, dict) else None
    if isinstance(deliverables, list):
        named += [
            (f"deliverables.{i}.owner", d.get("owner"))
            for i, d in enumerate(deliverables)
            if isinstance(d, dict) and "owner" in d
        ]
        keys = [d.get("key") for d in deliverables if isinstance(d, dict)]
        problems += [
            f"deliverables: the key {key!r} is used twice"
            for key in sorted({k for k in keys if isinstance(k, str) and keys.count(k) > 1})
        ]
    for section, fields in (
        ("content_requests", ("owner",)),
        ("campaigns", ("owner",)),
        ("training", ("owner", "attendees")),
        ("reports", ("owner", "feedback_by")),
    ):
        table = _table(data, section)
        named += [(f"{section}.{field}", table[field]) for field in fields if field in table]
    for path, team in named:
        if isinstance(team, str) and team not in teams:
            problems.append(f"{path}: {team!r} is not a team (known: {', '.join(teams)})")
    escalate = _table(data, "leads").get("escalate")
    sales = teams.get("sales")
    if (
        isinstance(escalate, list)
        and "manager" in escalate
        and isinstance(sales, dict)
        and not sales.get("manager")
    ):
        problems.append("teams.sales.manager: leads.escalate names 'manager' but none is set")
    return problems


def parse_agreement(text: str, source: str = "<agreement>") -> Agreement:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AgreementError(source, [f"not valid TOML: {exc}"]) from None
    problems: list[str] = []
    agreement: Agreement | None = None
    try:
        agreement = Agreement.model_validate(data)
    except ValidationError as exc:
        problems += _problems(exc)
    problems += cross_problems(data)
    if problems or agreement is None:
        raise AgreementError(source, problems)
    return agreement


def load_agreement(path: str | Path) -> Agreement:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AgreementNotFound(str(path)) from None
    except OSError as exc:
        raise AgreementError(str(path), [f"cannot be read: {exc.strerror}"]) from None
    return parse_agreement(text, str(path))


def reference_agreement_path() -> Path:
    return Path(__file__).parents[1] / "reference" / "sla.example.toml"
