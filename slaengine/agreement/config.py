"""The agreement: `sla.toml` loaded into typed, immutable settings.

Every problem is reported by the dotted path of the key that causes it, all at
once, so an admin can fix a file in one go.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time
from functools import cache, cached_property
from itertools import pairwise
from pathlib import Path
from types import NoneType, UnionType
from typing import Annotated, Any, Generic, Literal, TypeVar, Union, cast, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_pkg
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    create_model,
    field_validator,
)

from slaengine.calendar import BusinessCalendar, parse_hours, parse_weekday
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


class Model(BaseModel):
    """A table of the agreement: immutable, and strict about unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class AgreementInfo(Model):
    name: str = Field(min_length=1)
    mission: str = ""
    timezone: Zone
    effective_from: date
    review_every: DurationField | None = None
    scorecard_channel: Channel
    scorecard_at: Weekly = WeeklyAt(0, time(9, 0))
    admins: tuple[Person, ...] = ()
    #: what a new version does to items open when it comes into force: "recompute" their
    #: instants not yet crossed under its windows, or "keep" them as they are
    on_change: Literal["recompute", "keep"] = "recompute"


class BusinessHoursConfig(Model):
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


class Team(Model):
    members: tuple[Person, ...] = Field(min_length=1)
    contact: Person
    manager: Person | None = None


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


class Content(Model):
    """Settings shared by marketing's content obligations (deliverables, requests, campaigns)."""

    escalate: tuple[EscalationStep, ...] = CONTENT_ESCALATE


class Campaigns(Model):
    owner: str
    per_quarter: int = Field(default=0, ge=0)
    follow_up_within: DurationField | None = None


class Review(Model):
    min_acceptance_rate: Rate | None = None
    max_median_first_response: DurationField | None = None
    min_within_sla_rate: Rate | None = None


T = TypeVar("T")


def _no_cross(data: Mapping[str, Any]) -> list[str]:
    return []


@dataclass(frozen=True, eq=False)
class Section(Generic[T]):
    """A top-level table (or array of tables) of the agreement that one kind brings, plugged in
    with the kind (`bot.plugin.Plugin.sections`): its key, the type of its value, its default
    when the file may leave it out (`...`: required), and the checks across tables that no
    single key shows, run on the raw TOML (`cross(data)` gives 'dotted.path: message's).
    A table read by several kinds (`[content]`, `[campaigns]`) is the agreement's own."""

    key: str
    annotation: Any
    default: Any = ...
    cross: Callable[[Mapping[str, Any]], list[str]] = _no_cross

    def of(self, agreement: Agreement) -> T:
        """This table of `agreement`, as its kind reads it."""
        return cast(T, agreement.section(self))


class Agreement(Model):
    """The tables every kind shares. Each kind's own tables (`Section`s) are fields of the
    model `parse_agreement` builds for the kinds plugged in; read them with `Section.of`."""

    agreement: AgreementInfo
    business_hours: BusinessHoursConfig
    teams: dict[str, Team]
    campaigns: Campaigns | None = None
    content: Content = Content()
    review: Review = Review()

    #: the file's TOML as read, and where it came from
    _data: dict[str, Any] = PrivateAttr(default_factory=dict)
    _source: str = PrivateAttr(default="<agreement>")
    #: tables of kinds not bound at parse time, validated when first read
    _unbound: dict[str, Any] = PrivateAttr(default_factory=dict)
    #: the id the agreement's version was recorded under (`slaengine.agreement.versions`)
    _version: int | None = PrivateAttr(default=None)

    @property
    def data(self) -> Mapping[str, Any]:
        """The agreement's TOML as read from its file."""
        return self._data

    @property
    def source(self) -> str:
        return self._source

    @property
    def version_id(self) -> int | None:
        return self._version

    def mark_version(self, version_id: int) -> None:
        self._version = version_id

    def section(self, section: Section[Any]) -> Any:
        if section.key in type(self).model_fields:
            return getattr(self, section.key)
        # parsed without this kind's sections (a library caller, a test): its table is
        # validated from the file on first use, with the same messages
        if section.key not in self._unbound:
            value = _section_value(section, self._data, self._source)
            self._unbound[section.key] = value
        return self._unbound[section.key]

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
    tables = {key: i for i, key in enumerate(agreement.data)}  # the file's order of tables
    return sorted(found, key=lambda f: tables.get(f[0].split(".")[0], len(tables)))


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


def _problems(error: ValidationError, under: tuple[str, ...] = ()) -> list[str]:
    problems: list[str] = []
    for item in error.errors(include_url=False):
        path = _dotted((*under, *item["loc"]))
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        for line in message.splitlines():
            problems.append(f"{path}: {line}" if path else line)
    return problems


def table(data: Any, key: str) -> dict[str, Any]:
    """The raw TOML table `key` of `data`, or an empty one when it is missing or not a table."""
    value = data.get(key) if isinstance(data, Mapping) else None
    return value if isinstance(value, dict) else {}


def unknown_teams(data: Mapping[str, Any], named: list[tuple[str, Any]]) -> list[str]:
    """A problem for each (dotted key, value) naming a team the agreement does not have."""
    teams = table(data, "teams")
    return [
        f"{path}: {team!r} is not a team (known: {', '.join(teams)})"
        for path, team in named
        if isinstance(team, str) and team not in teams
    ]


def teams_named(data: Mapping[str, Any], key: str, *fields: str) -> list[str]:
    """A problem for each of `fields` of the table `key` naming a team the agreement does not
    have (a kind's `Section.cross`)."""
    found = table(data, key)
    return unknown_teams(data, [(f"{key}.{f}", found[f]) for f in fields if f in found])


def cross_problems(data: Any, sections: Sequence[Section[Any]] = ()) -> list[str]:
    """What no single key shows: a missing team, teams named elsewhere, and each kind's own
    checks across tables (`Section.cross`).

    Works on the raw TOML, so these are reported together with every other problem.
    """
    teams = table(data, "teams")
    problems = [
        f"teams.{needed}: the agreement needs a {needed} team"
        for needed in ("sales", "marketing")
        if needed not in teams
    ]
    problems += teams_named(data, "campaigns", "owner")
    if isinstance(data, Mapping):
        for section in sections:
            problems += section.cross(data)
    return problems


class _Unbound(Agreement):
    """An agreement parsed without its kinds' sections: their tables are kept as read and
    validated when a kind first reads them."""

    model_config = ConfigDict(extra="ignore", frozen=True, arbitrary_types_allowed=True)


@cache
def _model_for(sections: tuple[Section[Any], ...]) -> type[Agreement]:
    keys = [section.key for section in sections]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    clash = [key for key in keys if key in Agreement.model_fields]
    if twice or clash:
        raise ValueError(f"agreement tables declared twice: {', '.join(twice + clash)}")
    fields: dict[str, Any] = {s.key: (s.annotation, s.default) for s in sections}
    model: type[Agreement] = create_model("Agreement", __base__=Agreement, **fields)
    return model


def _section_value(section: Section[Any], data: Mapping[str, Any], source: str) -> Any:
    if section.key not in data:
        if section.default is ...:
            raise AgreementError(source, [f"{section.key}: Field required"])
        return section.default
    try:
        return TypeAdapter(section.annotation).validate_python(data[section.key])
    except ValidationError as exc:
        raise AgreementError(source, _problems(exc, (section.key,))) from None


def parse_agreement(
    text: str, source: str = "<agreement>", sections: Sequence[Section[Any]] | None = None
) -> Agreement:
    """The agreement in `text`, with the tables of the kinds that bring `sections` checked
    too, every problem at once. Without `sections`, each kind's table is checked when first
    read, and a top-level key no kind knows is not refused: the process that runs the kinds
    passes theirs (`bot.plugin.sections_of`)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AgreementError(source, [f"not valid TOML: {exc}"]) from None
    return _validate(data, source, sections)


def _validate(
    data: dict[str, Any], source: str, sections: Sequence[Section[Any]] | None
) -> Agreement:
    model = _Unbound if sections is None else _model_for(tuple(sections))
    problems: list[str] = []
    agreement: Agreement | None = None
    try:
        agreement = model.model_validate(data)
    except ValidationError as exc:
        problems += _problems(exc)
    problems += cross_problems(data, sections or ())
    if problems or agreement is None:
        raise AgreementError(source, problems)
    agreement._data = data
    agreement._source = source
    return agreement


def bind(agreement: Agreement, sections: Sequence[Section[Any]]) -> Agreement:
    """`agreement` with the tables of the kinds that bring `sections` checked, every problem
    at once: the same agreement when it was parsed with them already."""
    if type(agreement) is _model_for(tuple(sections)):
        return agreement
    return _validate(dict(agreement.data), agreement.source, sections)


def load_agreement(
    path: str | Path, sections: Sequence[Section[Any]] | None = None
) -> Agreement:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AgreementNotFound(str(path)) from None
    except OSError as exc:
        raise AgreementError(str(path), [f"cannot be read: {exc.strerror}"]) from None
    return parse_agreement(text, str(path), sections)


def reference_agreement_path() -> Path:
    return Path(__file__).parents[1] / "reference" / "sla.example.toml"
