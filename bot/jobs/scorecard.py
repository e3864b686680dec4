"""The weekly scorecard in Slack and on the command line: drawn as text, Block Kit, CSV, JSON
and a chart; posted once a week through the outbox, with its chart (and, for a long table,
the full table as CSV) uploaded once beside it; and the reminder to review the agreement."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError, SlackRequestError
from sqlmodel import Session

from bot.blocks import Block, context, divider, header, mrkdwn, section
from bot.container import Container
from slaengine.periods import Period
from slaengine.persistence import items as item_repo
from slaengine.persistence import outbox
from slaengine.persistence.db import unit_of_work
from slaengine.scorecard import store as repo
from slaengine.scorecard.compute import (
    Headline,
    Person,
    Scorecard,
    Tally,
    lead_figures,
    minutes_text,
)
from slaengine.scorecard.figures import OpenTime
from slaengine.scorecard.weeks import bounds, due_week, review_period, reviewers

if TYPE_CHECKING:
    from matplotlib.figure import Figure

log = logging.getLogger(__name__)

#: people listed by name in the post; the rest are counted, and the full table attached as CSV
POST_PEOPLE = 15
#: the claim on a week's attachments (an outbox row no delivery takes), before uploading
CLAIMED = "claimed"
ARROWS = {"up": "↑", "down": "↓", "same": "→", None: " "}
QUARTER = timedelta(weeks=13)


def post_key(week: Period, channel: str) -> str:
    return f"scorecard:{week.key}:{channel}"


def files_key(week: Period, channel: str) -> str:
    return f"scorecard-files:{week.key}:{channel}"


def build(c: Container, week: Period, now: datetime | None = None) -> Scorecard:
    with Session(c.engine) as session:
        return repo.scorecard(
            session, c.agreement, week, now or c.clock.now(), c.kinds.scored(), c.figures
        )


# -- drawing -----------------------------------------------------------------------------------


def pct(value: float | None) -> str:
    return "none" if value is None else f"{value:.0%}"


def minutes(value: float | None) -> str:
    return "none" if value is None else minutes_text(value)


def figure(h: Headline) -> str:
    if h.name == "median_first_response_minutes":
        return minutes(h.value)
    if h.name == "handed_off":
        return "none" if h.value is None else f"{h.value:.0f}"
    return pct(h.value)


def tally_text(t: Tally, excused: bool = False) -> str:
    if not t.met + t.missed + t.excused:
        return "none"
    text = f"{t.met} met, {t.missed} missed"
    if excused or t.excused:
        text += f", {t.excused} excused"
    return f"{text} ({pct(t.rate)})" if t.met + t.missed else text


def marketing_lines(card: Scorecard, mention: bool = True) -> list[str]:
    leads = card.leads
    statuses = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in leads.by_status.items())
    goal = (
        f" of {card.weekly_goal} (the week's share of {card.monthly_goal} a month)"
        if card.monthly_goal
        else ""
    )
    lines = [
        f"Leads handed over: {leads.handed_off}{goal}" + (f"; {statuses}" if statuses else ""),
    ]
    for c in card.content:
        lines.append(f"{c.title} ({c.period}, to date): {c.done}/{c.target}")
    for label, t in card.marketing.items():
        lines.append(f"{label.capitalize()}: {tally_text(t)}")
    return lines


def sales_lines(card: Scorecard) -> list[str]:
    leads = card.leads
    reasons = "; ".join(f"{reason} ({n})" for reason, n in leads.top_rejection_reasons)
    lines = [
        f"Leads first-touched within their window: {leads.within_sla}/{leads.due} "
        f"({pct(leads.within_sla_share)})",
        f"Median first response: {minutes(leads.median_first_response_minutes)} of business "
        f"time over {leads.first_touched} lead(s)",
        f"Acceptance rate: {leads.accepted}/{leads.decided} ({pct(leads.acceptance_rate)})"
        + (f"; top rejection reasons: {reasons}" if reasons else ""),
    ]
    for label, t in card.sales.items():
        lines.append(f"{label.capitalize()}: {tally_text(t, excused=label in card.excusable)}")
    lines.append(f"Content used: {card.uses} time(s) by {card.users} person(s)")
    return lines


def headline_lines(card: Scorecard) -> list[str]:
    return [
        f"{h.label}: {figure(h)} {ARROWS[h.trend]} {h.trend or 'no trend'} · 8 weeks {h.line}"
        for h in card.headlines
    ]


def person_line(p: Any, mention: bool) -> str:
    who = f"<@{p.user}>" if mention else p.user
    place = f"{p.rank}." if p.rank is not None else "-"
    return (
        f"{place} {who}: {p.items} item(s), {p.met} met, {p.missed} missed "
        f"({pct(p.within_sla_share)}), median response {minutes(p.median_response_minutes)}, "
        f"{p.overdue} overdue now{paused_text(p)}"
    )


def _aside(p: Any) -> str:
    """Someone with no items due: their pauses that week in brackets, if any."""
    said = paused_text(p).removeprefix(", ")
    return f" ({said})" if said else ""


def paused_text(p: Any) -> str:
    """A person's pauses that week, beside their figures (nothing when they made none)."""
    if not p.pauses and not p.paused_minutes:
        return ""
    return f", {p.pauses} pause(s), {minutes(p.paused_minutes)} paused"


def text(card: Scorecard) -> str:
    """The whole scorecard as readable text (the CLI, the demo)."""
    title = f"Scorecard {card.week.key} ({card.week.first:%a %d %b} - {card.week.last:%a %d %b})"
    out = [title, "=" * len(title), "", "Marketing"]
    out += [f"  {line}" for line in marketing_lines(card)]
    out += ["", "Sales"]
    out += [f"  {line}" for line in sales_lines(card)]
    out += ["", "Trend (against the week before; the last 8 weeks)"]
    out += [f"  {line}" for line in headline_lines(card)]
    if card.flags:
        out += ["", "For review"] + [f"  ! {f.message}" for f in card.flags]
    ranked = [p for p in card.people if p.rank is not None]
    apart = [p for p in card.people if p.rank is None]
    out += ["", "People (ranked by the share of their items met)"]
    out += [f"  {person_line(p, False)}" for p in ranked] or ["  nobody had items due"]
    if apart:
        out += ["  No items due this week: " + ", ".join(p.user + _aside(p) for p in apart)]
    return "\n".join(out) + "\n"


def _fit(lines: Sequence[str], limit: int = 2900) -> str:
    """Lines joined within a section's limit; what does not fit is counted."""
    kept: list[str] = []
    size = 0
    for i, line in enumerate(lines):
        if size + len(line) + 1 > limit:
            kept.append(f"… and {len(lines) - i} more")
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)


def long_table(card: Scorecard) -> bool:
    return len([p for p in card.people if p.rank is not None]) > POST_PEOPLE


def blocks(card: Scorecard) -> tuple[str, list[Block]]:
    """The post: within Slack's limits however many people (a long table is summarised here
    and attached in full as CSV)."""
    ranked = [p for p in card.people if p.rank is not None]
    apart = [p for p in card.people if p.rank is None]
    shown = [person_line(p, True) for p in ranked[:POST_PEOPLE]]
    if len(ranked) > POST_PEOPLE:
        shown.append(
            f"… and {len(ranked) - POST_PEOPLE} more ranked: the full table is attached as CSV"
        )
    out: list[Block] = [
        header(f"Scorecard {card.week.key} · {card.week.first:%d %b} to {card.week.last:%d %b}"),
        section("*Marketing*\n" + _fit(marketing_lines(card))),
        section("*Sales*\n" + _fit(sales_lines(card))),
        section(
            "*Trend* (against the week before · the last 8 weeks)\n" + _fit(headline_lines(card))
        ),
    ]
    if card.flags:
        out.append(section("*For review*\n" + _fit([f":warning: {f.message}" for f in card.flags])))
    out.append(divider())
    out.append(
        section(
            "*People* (ranked by the share of their items met)\n"
            + (_fit(shown) or "nobody had items due")
        )
    )
    if apart:
        names = ", ".join(f"<@{p.user}>{_aside(p)}" for p in apart)
        out.append(context(mrkdwn(f"No items due this week ({len(apart)}): {names}")["text"]))
    summary = (
        f"Scorecard {card.week.key}: {card.leads.handed_off} leads handed over, "
        f"{pct(card.leads.within_sla_share)} first-touched within their window, acceptance "
        f"{pct(card.leads.acceptance_rate)}"
    )
    return summary, out


def csv_text(card: Scorecard) -> str:
    """The per-person table as CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["week", "rank", "user", "team", "items", "met", "missed", "within_sla_share",
         "median_response_minutes", "overdue", "pauses", "paused_minutes"]
    )  # fmt: skip
    for p in card.people:
        writer.writerow(
            [
                card.week.key,
                "" if p.rank is None else p.rank,
                p.user,
                p.team or "",
                p.items,
                p.met,
                p.missed,
                "" if p.within_sla_share is None else f"{p.within_sla_share:.4f}",
                "" if p.median_response_minutes is None else f"{p.median_response_minutes:.1f}",
                p.overdue,
                p.pauses,
                f"{p.paused_minutes:.1f}",
            ]
        )
    return buffer.getvalue()


#: people in the chart, best first
CHART_PEOPLE = 40


def charted(card: Scorecard) -> list[Person]:
    """The people the chart shows: the first ranked."""
    return [p for p in card.people if p.rank is not None][:CHART_PEOPLE]


def chart_names(c: Container, card: Scorecard, now: datetime) -> dict[str, str]:
    """The names the chart shows people by: their Slack display names, looked up and cached
    as their time zones are (`bot.people.People`)."""
    return {p.user: c.people.name_of(p.user, now) for p in charted(card)}


def chart(card: Scorecard, names: Mapping[str, str] | None = None) -> bytes:
    """A PNG: within-SLA share per person (by `names`, else their Slack IDs), and the 8-week
    trend of both sides."""
    fig = chart_figure(card, names or {})
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def chart_figure(card: Scorecard, names: Mapping[str, str]) -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    ranked = charted(card)
    fig = Figure(figsize=(11, 4.5), dpi=100)
    left, right = fig.subplots(1, 2, width_ratios=[3, 2])
    # by position, not by label: two people may share a display name
    shares = [(p.within_sla_share or 0) * 100 for p in reversed(ranked)]
    left.barh(range(len(ranked)), shares, color="#2eb67d")
    left.set_yticks(range(len(ranked)), [names.get(p.user, p.user) for p in reversed(ranked)])
    left.set_xlim(0, 100)
    left.set_xlabel("% of items met")
    left.set_title(f"Within SLA per person, {card.week.key}")
    left.tick_params(axis="y", labelsize=7)
    weeks = [w.split("-")[1] for w in card.weeks]
    for name, label in (
        ("marketing_met_share", "Marketing items met"),
        ("sales_met_share", "Sales items met"),
        ("within_sla_share", "Leads within window"),
    ):
        values = [None if v is None else v * 100 for v in card.headline(name).values]
        right.plot(
            weeks, [float("nan") if v is None else v for v in values], marker="o", label=label
        )
    right.set_ylim(0, 105)
    right.set_title("Last 8 weeks, both sides")
    right.legend(fontsize=7, loc="lower left")
    right.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    return fig


# -- posting -----------------------------------------------------------------------------------


@dataclass
class Posted:
    week: Period
    owed: bool  # newly owed now (False: owed before)
    attached: bool = False


def owe(c: Container, week: Period, now: datetime) -> bool:
    """Owe `week`'s post to the scorecard channel, once (False: owed before)."""
    channel = c.resolve(c.agreement.agreement.scorecard_channel)
    key = post_key(week, channel)
    with Session(c.engine) as session:
        if outbox.by_key(session, key) is not None:
            return False
    card = build(c, week, now)
    summary, drawn = blocks(card)
    with unit_of_work(c.engine) as session:
        return outbox.enqueue(
            session, key=key, target=channel, text=summary, blocks=drawn, now=now, topic="scorecard"
        )


def attach(c: Container, week: Period, now: datetime) -> bool:
    """Once the post is out, upload its chart (and, for a long table, the CSV) into its
    thread: claimed by a key first, so only one process uploads; a failed upload is logged
    and the post stands without it. True when this call uploaded."""
    channel = c.resolve(c.agreement.agreement.scorecard_channel)
    with unit_of_work(c.engine) as session:
        post = outbox.by_key(session, post_key(week, channel))
        if post is None or post.status != outbox.SENT or not post.ts or not post.channel:
            return False
        if not outbox.enqueue(
            session, key=files_key(week, channel), target=channel, text="chart and table",
            now=now, topic="attachment", status=CLAIMED,
        ):  # fmt: skip
            return False
        where, ts = post.channel, post.ts
    card = build(c, week, now)
    uploads: list[dict[str, Any]] = [
        {
            "content": chart(card, chart_names(c, card, now)),
            "filename": f"scorecard-{week.key}.png",
            "title": f"Scorecard {week.key}",
            "alt_txt": f"Within-SLA share per person and the 8-week trend, {week.key}",
        }
    ]
    if long_table(card):
        uploads.append(
            {"content": csv_text(card), "filename": f"scorecard-{week.key}.csv",
             "title": f"Scorecard {week.key}, every person"}
        )  # fmt: skip
    error: str | None = None
    try:
        c.client.files_upload_v2(file_uploads=uploads, channel=where, thread_ts=ts)
    except SlackApiError as exc:
        error = str(exc.response.get("error") or exc)
    except (SlackRequestError, OSError) as exc:
        error = str(exc)
    with unit_of_work(c.engine) as session:
        row = outbox.by_key(session, files_key(week, channel))
        assert row is not None
        if error is None:
            outbox.delivered(session, row, channel=where, ts=ts, now=c.clock.now())
        else:
            log.error(
                "scorecard %s: the chart upload failed (%s); the post stands", week.key, error
            )
            outbox.failed(session, row, error=error, now=c.clock.now())
    return error is None


def tracked_before(c: Container, instant: datetime) -> bool:
    """Whether the bot tracked anything before `instant`: no scorecard for a week, nor a
    review reminder for a period, from before the first item (looked up by its id: cheap
    enough for every pass)."""
    with Session(c.engine) as session:
        first = item_repo.first_created_at(session)
    return first is not None and first < instant


def due(c: Container, now: datetime) -> Posted | None:
    """The sweep's step: owe the latest due week's post (only that one after downtime), send
    it, then attach its chart. None when there is nothing to do."""
    week = due_week(c.agreement, now)
    channel = c.resolve(c.agreement.agreement.scorecard_channel)
    key = post_key(week, channel)
    with Session(c.engine) as session:
        row = outbox.by_key(session, key)
    if row is None:
        if not tracked_before(c, bounds(c.agreement, week)[1]):
            return None
        owed = owe(c, week, now)
        c.deliverer.deliver_to(channel)
        return Posted(week, owed, attach(c, week, now))
    if row.status == outbox.SENT:
        with Session(c.engine) as session:
            if outbox.by_key(session, files_key(week, channel)) is not None:
                return None
        return Posted(week, False, attach(c, week, now))
    return None


# -- the agreement review ----------------------------------------------------------------------


def review_reminders(c: Container, now: datetime) -> int:
    """Each team contact and admin gets one DM per review period, with last quarter's
    figures. Returns how many were newly owed."""
    period = review_period(c.agreement, now)
    if period is None:
        return 0
    n, began = period
    targets = {c.resolve(p): p for p in reviewers(c.agreement)}
    keys = {target: f"review:{n}:{target}" for target in targets}
    with Session(c.engine) as session:
        owed = outbox.keys_owed(session, list(keys.values()))
    if len(owed) == len(keys):
        return 0
    if not tracked_before(c, began):
        return 0
    message, drawn = review_message(c, began, now)
    count = 0
    with unit_of_work(c.engine) as session:
        for target, key in keys.items():
            if key in owed:
                continue
            count += outbox.enqueue(
                session, key=key, target=target, text=message, blocks=drawn, now=now,
                topic="review",
            )  # fmt: skip
    return count


def review_message(c: Container, began: datetime, now: datetime) -> tuple[str, list[Block]]:
    """The reminder: review the agreement itself, with the figures of the quarter before
    (its items counted as the scorecard counts them, as they stand at `now`)."""
    start = began - QUARTER
    with Session(c.engine) as session:
        (counts,), touches = c.figures.lead_counts(session, [start, began])
        counted = repo.counted(session, [start, began], now)
    figures = lead_figures(counts, touches, OpenTime(c.agreement.calendar).between)
    sides = {
        side: Tally(
            sum(r.count for r in counted if r.team == side and r.outcome == "met"),
            sum(r.count for r in counted if r.team == side and r.outcome == "missed"),
        )
        for side in ("marketing", "sales")
    }
    name, zone = c.agreement.agreement.name, c.agreement.zone
    lines = [
        f"Leads handed over: {figures.handed_off}",
        f"First-touched within their window: {figures.within_sla}/{figures.due} "
        f"({pct(figures.within_sla_share)})",
        f"Median first response: {minutes(figures.median_first_response_minutes)} (business time)",
        f"Acceptance rate: {figures.accepted}/{figures.decided} ({pct(figures.acceptance_rate)})",
        f"Marketing items: {tally_text(sides['marketing'])}",
        f"Sales items: {tally_text(sides['sales'])}",
    ]
    intro = (
        f"Time to review *{name}* itself (every {c.agreement.agreement.review_every}): are the "
        "windows, goals and commitments still right? The last quarter "
        f"({start.astimezone(zone):%d %b} to {began.astimezone(zone):%d %b %Y}):"
    )
    drawn = [header("Review the agreement"), section(intro), section("\n".join(lines))]
    return f"Time to review {name}", drawn
