"""`slabot replay PROPOSED.toml`: what a proposed agreement would have done to the items
opened in a span, beside what really happened (`slaengine.replay.compare`), as text or
JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session

from bot.container import Container
from slaengine.agreement.config import Agreement
from slaengine.replay import compare as replay

FORMAT = "YYYY-MM-DD"


class RangeError(ValueError):
    """A range a replay cannot take, said in words."""


def parse_day(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise RangeError(f"{flag}: {text!r} is not a date: expected {FORMAT}") from None


def last_quarter(today: date) -> tuple[date, date]:
    """The last full calendar quarter before `today`'s."""
    first_month = 3 * ((today.month - 1) // 3) + 1
    this_quarter = date(today.year, first_month, 1)
    last_day = this_quarter - timedelta(days=1)
    return date(last_day.year, 3 * ((last_day.month - 1) // 3) + 1, 1), last_day


@dataclass(frozen=True)
class Span:
    first: date  # local days, both included
    last: date
    chosen: bool  # the default range, not asked for

    def instants(self, agreement: Agreement) -> tuple[datetime, datetime]:
        zone = agreement.zone
        since = datetime.combine(self.first, time(0), tzinfo=zone).astimezone(UTC)
        until = datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=zone)
        return since, until.astimezone(UTC)


def span(agreement: Agreement, now: datetime, start: str | None, end: str | None) -> Span:
    """The days asked for (`--from`, `--to`); either left out: the last full quarter's."""
    default_first, default_last = last_quarter(now.astimezone(agreement.zone).date())
    first = parse_day(start, "--from") if start is not None else default_first
    last = parse_day(end, "--to") if end is not None else default_last
    if last < first:
        raise RangeError(f"--to {last} is before --from {first}")
    return Span(first, last, start is None and end is None)


def run(c: Container, proposal: Agreement, days: Span, now: datetime) -> dict[str, Any]:
    """The comparison as one JSON object, with how many items it covers."""
    since, until = days.instants(c.agreement)
    with Session(c.engine) as session:
        found = replay.read(session, c.kinds, since, until, now)
    result = replay.compare(found, c.agreement, proposal, days.first, days.last).json()
    result["items"] = found.count
    return result


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def minutes(value: float | None) -> str:
    if value is None:
        return "-"
    hours, rest = divmod(round(value), 60)
    return f"{hours}h {rest:02d}m" if hours else f"{rest}m"


def text(result: dict[str, Any], chosen: bool) -> str:
    """The comparison for a terminal: two columns, what happened and the proposal."""
    span = f"{result['from']} to {result['to']}"
    if not result["items"]:
        return f"No items were opened from {span}: nothing to replay.\n"
    a, p = result["actual"], result["proposed"]
    lines = [
        f"Replay of {result['items']} items opened from {span}"
        + (" (the last full quarter)" if chosen else ""),
        f"Replayed: {', '.join(result['replayed']) or 'none'}"
        + (
            f"; not replayed (counted as they went): {', '.join(result['not_replayed'])}"
            if result["not_replayed"]
            else ""
        ),
        "Owners stay as they were: the replay does not route again.",
        "",
        f"{'':44}{'actual':>12}{'proposed':>12}",
    ]

    def row(label: str, left: str, right: str) -> None:
        lines.append(f"{label:44}{left:>12}{right:>12}")

    row("Leads first-touched within their window", pct(a["leads"]["within_sla_share"]),
        pct(p["leads"]["within_sla_share"]))  # fmt: skip
    row("Median first response (business time)",
        minutes(a["leads"]["median_first_response_minutes"]),
        minutes(p["leads"]["median_first_response_minutes"]))  # fmt: skip
    row("Acceptance rate", pct(a["leads"]["acceptance_rate"]), pct(p["leads"]["acceptance_rate"]))
    row("Breaches", str(a["breaches"]), str(p["breaches"]))
    row("Escalations", str(a["escalations"]), str(p["escalations"]))
    row("Alerts (warnings and escalations)", str(a["alerts"]), str(p["alerts"]))
    for team in sorted(set(a["teams"]) | set(p["teams"])):
        ta, tp = a["teams"].get(team, {}), p["teams"].get(team, {})
        row(f"{team}: met / missed", f"{ta.get('met', 0)} / {ta.get('missed', 0)}",
            f"{tp.get('met', 0)} / {tp.get('missed', 0)}")  # fmt: skip
        row(f"{team}: share in window", pct(ta.get("within_sla_share")),
            pct(tp.get("within_sla_share")))  # fmt: skip
    lines += ["", "Per person (met / missed, alerts; alerts per week)"]
    people_a = {x["user"]: x for x in a["people"]}
    people_p = {x["user"]: x for x in p["people"]}
    for user in sorted(set(people_a) | set(people_p)):
        xa, xp = people_a.get(user, {}), people_p.get(user, {})
        row(f"  {user}", f"{xa.get('met', 0)}/{xa.get('missed', 0)}, {xa.get('alerts', 0)}",
            f"{xp.get('met', 0)}/{xp.get('missed', 0)}, {xp.get('alerts', 0)}")  # fmt: skip
        weeks = sorted(set(xa.get("alerts_by_week", {})) | set(xp.get("alerts_by_week", {})))
        for week in weeks:
            row(f"    {week}", str(xa.get("alerts_by_week", {}).get(week, 0)),
                str(xp.get("alerts_by_week", {}).get(week, 0)))  # fmt: skip
    for side, figures in (("actual", a), ("proposed", p)):
        lines += ["", f"Review flags ({side}):"]
        lines += [f"  {flag}" for flag in figures["flags"]] or ["  none"]
    return "\n".join(lines) + "\n"
