"""The lead kind's tables of the agreement: `[leads]` (its windows, warnings, escalations,
attempts and ladder), `[funnel]` (what `slabot plan` works back from) and `[routing]` (who a
lead goes to: `[[routing.pools]]` by what the lead is, with weights and caps)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator

from slaengine.agreement.config import (
    Channel,
    DurationField,
    LeadField,
    Model,
    Person,
    Rate,
    Section,
    table,
)
from slaengine.calendar import parse_hours
from slaengine.durations import Duration, Share


class ResponseWindows(Model):
    good_fit_interested: DurationField
    good_fit_less_interested: DurationField
    bad_fit_interested: DurationField


class PauseConfig(Model):
    """`[leads.pause]`: the reasons a lead's clock may be stopped for (`/sla pause`), and the
    longest a pause may last before the lead resumes by itself."""

    reasons: tuple[str, ...]
    max: DurationField

    @field_validator("reasons")
    @classmethod
    def _listed_once_each(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("list at least one reason a lead may be paused for")
        seen: set[str] = set()
        for reason in value:
            key = pause_key(reason)
            if not key:
                raise ValueError("a reason cannot be empty")
            if key in seen:
                raise ValueError(f"the reason {reason!r} is listed twice")
            seen.add(key)
        return tuple(" ".join(reason.split()) for reason in value)


def pause_key(reason: str) -> str:
    """How a pause reason is compared: case and spacing aside."""
    return " ".join(reason.split()).casefold()


#: what a step of the ladder does: DM the owner, tell the sales manager, post in the
#: scorecard channel, pass the lead to the next eligible rep, or offer it to its pool
LadderDo = Literal["remind", "manager", "channel", "reassign", "pool"]


class LadderStep(Model):
    """`[[leads.ladder]]`: one step, `after` a duration from the handoff (business time unless
    it says " calendar")."""

    after: DurationField
    do: LadderDo


class LeadsConfig(Model):
    routing: Literal["round_robin", "manager"] = "round_robin"
    warn_before: LeadField = Share(0.25)
    escalate: tuple[Literal["manager", "channel", "contact"], ...] = ("manager", "channel")
    accept_within: DurationField
    max_attempts: int = Field(default=6, ge=1, le=100)
    recycle_after: DurationField
    monthly_goal: int = Field(default=0, ge=0)
    #: which touches stop a lead's clock: logged in Slack (`/sla touch`, the button), found
    #: in the CRM's activity, or either
    touch_from: Literal["slack", "crm", "either"] = "either"
    response: ResponseWindows
    pause: PauseConfig | None = None
    #: the timed steps of an untouched lead, in order; none: `warn_before` and `escalate`
    #: make the ladder (`slaengine.kinds.lead.ladder`)
    ladder: tuple[LadderStep, ...] = ()
    #: whether a lead passed on by the ladder starts its clock again for its new owner
    on_reassign: Literal["restart", "keep"] = "keep"


class Funnel(Model):
    average_deal: float = Field(gt=0)
    lead_to_opportunity: Rate
    opportunity_to_close: Rate
    sales_cycle: DurationField | None = None


def _manager_to_escalate_to(data: Mapping[str, Any]) -> list[str]:
    escalate = table(data, "leads").get("escalate")
    sales = table(data, "teams").get("sales")
    if (
        isinstance(escalate, list)
        and "manager" in escalate
        and isinstance(sales, dict)
        and not sales.get("manager")
    ):
        return ["teams.sales.manager: leads.escalate names 'manager' but none is set"]
    return []


def _ladder_problems(data: Mapping[str, Any]) -> list[str]:
    """The ladder's steps out of order, and steps with nowhere to send the lead."""
    steps = table(data, "leads").get("ladder")
    if not isinstance(steps, list):
        return []
    problems: list[str] = []
    per_day = _business_minutes_per_day(data)
    routing = table(data, "routing")
    pools = routing.get("pools")
    has_pools = isinstance(pools, list) and bool(pools)
    sales = table(data, "teams").get("sales")
    members = sales.get("members") if isinstance(sales, dict) else None
    previous: tuple[int, Duration] | None = None
    for n, step in enumerate(steps):
        if not isinstance(step, dict):
            continue
        where = f"leads.ladder.{n}"
        try:
            after = Duration.parse(step.get("after"))  # type: ignore[arg-type]
        except ValueError:
            after = None  # the key's own check says why
        if after is not None:
            if previous is not None:
                earlier = _before(after, previous[1], per_day)
                if earlier:
                    problems.append(
                        f"{where}.after: {after} comes before step {previous[0]}'s "
                        f"{previous[1]}: list the steps in the order they happen"
                    )
            previous = (n, after)
        do = step.get("do")
        if do == "pool" and not has_pools:
            problems.append(
                f"{where}.do: 'pool' offers the lead in its pool's channel, and there are no "
                "[[routing.pools]] to offer it in"
            )
        elif do == "pool":
            silent = [
                f"routing.pools.{i} ({pool.get('name')!r})"
                for i, pool in enumerate(pools if isinstance(pools, list) else [])
                if isinstance(pool, dict) and not pool.get("channel")
            ]
            if silent:
                problems.append(
                    f"{where}.do: 'pool' offers the lead in its pool's channel, and "
                    f"{', '.join(silent)} has no channel: give each pool a `channel`"
                )
        if (
            do == "reassign"
            and not has_pools
            and isinstance(members, list)
            and len(set(map(str, members))) < 2
        ):
            problems.append(
                f"{where}.do: 'reassign' passes the lead to another rep, and teams.sales has "
                "one member: there is no one to reassign it to"
            )
    return problems


def _business_minutes_per_day(data: Mapping[str, Any]) -> tuple[int, int] | None:
    """The open minutes of a business day and the business days of a week, from the raw
    `[business_hours]` (None: unreadable; its own keys' checks say why)."""
    hours = table(data, "business_hours").get("hours")
    days = table(data, "business_hours").get("days")
    if not isinstance(hours, list) or not isinstance(days, list):
        return None
    total = 0
    try:
        for interval in hours:
            start, end = parse_hours(interval)
            close = end.hour * 60 + end.minute if end is not None else 24 * 60
            total += close - (start.hour * 60 + start.minute)
    except (ValueError, TypeError, AttributeError):
        return None
    return (total, len(days)) if total > 0 and days else None


def _before(later: Duration, earlier: Duration, per_day: tuple[int, int] | None) -> bool:
    """Whether step `later` certainly comes before the step listed ahead of it (steps that
    count in different time, business and calendar, are not compared)."""
    if later.calendar != earlier.calendar:
        return False

    def minutes(d: Duration) -> int | None:
        fixed = d.fixed_minutes()
        if fixed is not None:
            return fixed
        if d.calendar:
            return d.amount * (7 if d.unit == "w" else 1) * 24 * 60
        if per_day is None:
            return None
        minutes_a_day, days_a_week = per_day
        return d.amount * (days_a_week if d.unit == "w" else 1) * minutes_a_day

    a, b = minutes(later), minutes(earlier)
    return a is not None and b is not None and a < b


def _leads_cross(data: Mapping[str, Any]) -> list[str]:
    return _manager_to_escalate_to(data) + _ladder_problems(data)


LEADS_TABLE: Section[LeadsConfig] = Section("leads", LeadsConfig, cross=_leads_cross)
FUNNEL_TABLE: Section[Funnel | None] = Section("funnel", Funnel | None, None)


# -- [routing] and [[routing.pools]] ---------------------------------------------------------

#: the lead fields a pool may match on (what the intake stores of a lead: `source` is how it
#: came in: webhook, csv, slack)
MATCH_FIELDS = ("campaign", "fit", "interest", "country", "region", "company_size", "source")
#: the values fit and interest take (`slaengine.kinds.lead.rules.Fit`, `Interest`)
_CHOICES = {"fit": ("good", "bad"), "interest": ("high", "low")}
#: the pool that catches what no other pool matched
DEFAULT_POOL = "default"


def _member(value: Any) -> Any:
    """A member written as a person alone is that person with weight 1."""
    return {"user": value} if isinstance(value, str) else value


class PoolMember(Model):
    user: Person
    weight: int = Field(default=1, gt=0)


Member = Annotated[PoolMember, BeforeValidator(_member)]


def _values(value: Any) -> Any:
    """A match on one value may write it alone: `fit = "good"`."""
    return (value,) if isinstance(value, str) else value


MatchValues = Annotated[tuple[str, ...], BeforeValidator(_values)]


class Pool(Model):
    name: str = Field(min_length=1, max_length=100)
    match: dict[str, MatchValues] = Field(default_factory=dict)
    members: tuple[Member, ...]
    cap: int | None = Field(default=None, ge=1)
    channel: Channel | None = None

    @field_validator("match")
    @classmethod
    def _known_fields(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        problems: list[str] = []
        for field, wanted in value.items():
            if field not in MATCH_FIELDS:
                problems.append(f"unknown match field {field!r} (known: {', '.join(MATCH_FIELDS)})")
            elif not wanted:
                problems.append(f"{field} lists no values, so the pool would match no lead")
            elif field in _CHOICES:
                bad = [v for v in wanted if v.strip().lower() not in _CHOICES[field]]
                if bad:
                    allowed = "|".join(_CHOICES[field])
                    problems.append(f"{field} is {allowed}, not {', '.join(map(repr, bad))}")
        if problems:
            raise ValueError("\n".join(problems))
        return value

    @field_validator("members")
    @classmethod
    def _someone(cls, value: tuple[PoolMember, ...]) -> tuple[PoolMember, ...]:
        if not value:
            raise ValueError("a pool needs at least one member")
        return value


class RoutingConfig(Model):
    skip_recent: int = Field(default=2, ge=0)
    max_reassignments: int = Field(default=2, ge=0)
    working_hours_only: bool = False
    out_after_misses: int = Field(default=0, ge=0)
    pools: tuple[Pool, ...] = ()


def _same_person(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower() if "@" in a else a == b


def _pools_fit_the_team(data: Mapping[str, Any]) -> list[str]:
    """Pools are of sales reps (every member one of `teams.sales.members`, written the same
    way), each named once, each member listed once in a pool."""
    pools = table(data, "routing").get("pools")
    if not isinstance(pools, list):
        return []
    sales = table(table(data, "teams"), "sales").get("members")
    reps = [m for m in sales if isinstance(m, str)] if isinstance(sales, list) else []

    def other_form(user: str) -> list[str]:
        # a rep written by e-mail in one place and by Slack ID in the other is known to be
        # the same person only once Slack is asked: not refused here
        return [r for r in reps if ("@" in r) != ("@" in user)]

    problems: list[str] = []
    named: dict[str, int] = {}
    for i, pool in enumerate(pools):
        if not isinstance(pool, dict):
            continue
        name = pool.get("name")
        if isinstance(name, str):
            if name in named:
                problems.append(
                    f"routing.pools.{i}.name: {name!r} names routing.pools.{named[name]} "
                    "already; each pool has its own name"
                )
            else:
                named[name] = i
        members = pool.get("members")
        if not isinstance(members, list):
            continue
        seen: list[str] = []
        for j, member in enumerate(members):
            user = member.get("user") if isinstance(member, dict) else member
            if not isinstance(user, str):
                continue
            where = f"routing.pools.{i}.members.{j}"
            if any(_same_person(user, s) for s in seen):
                problems.append(f"{where}: {user!r} is listed twice in this pool")
            elif reps and not other_form(user) and not any(_same_person(user, r) for r in reps):
                problems.append(
                    f"{where}: {user!r} is not one of teams.sales.members (a pool's "
                    "members are sales reps)"
                )
            seen.append(user)
    return problems


ROUTING_TABLE: Section[RoutingConfig] = Section(
    "routing", RoutingConfig, RoutingConfig(), cross=_pools_fit_the_team
)
SECTIONS = (LEADS_TABLE, FUNNEL_TABLE, ROUTING_TABLE)
