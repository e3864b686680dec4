"""App Home: a person's own view. Their open items (as `/sla mine` draws them, with the same
buttons), their last four weeks, their team's week, for those who oversee who is furthest
behind, and the agreement as it concerns them. At most 100 blocks, whatever they own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.blocks import Block, context, divider, header, section
from slaengine.agreement.config import Agreement
from slaengine.scorecard.standing import Behind, TeamStanding, WeekFigures

#: Slack's limit on the blocks of a Home tab
MAX_HOME_BLOCKS = 100


def duration(minutes: int | None) -> str:
    """Business minutes as people read them: `45m`, `1h 45m`, `2h`; `-` for none."""
    if minutes is None:
        return "-"
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h {rest}m" if rest else f"{hours}h"


def _share(share: float | None) -> str:
    return "-" if share is None else f"{share:.0%}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _week_line(w: WeekFigures, label: str) -> str:
    return (
        f"`{w.week}`{label} · {w.due} due · {w.met} met · {w.missed} missed"
        f" · {_share(w.within_share)} in window"
        f" · first response {duration(w.median_first_response_minutes)}"
    )


def figures_blocks(weeks: Sequence[WeekFigures], zone: str) -> list[Block]:
    lines = [_week_line(w, " (this week)" if i == 0 else "") for i, w in enumerate(weeks)]
    return [
        header("Your last 4 weeks"),
        section("\n".join(lines)),
        context(
            f"Weeks run Monday to Sunday in {zone}. An item counts in the week it closed, or "
            "while open the week it is due; an open item past due counts as missed. First "
            "response: the median over your leads handed over that week, in business time."
        ),
    ]


def standing_blocks(s: TeamStanding) -> list[Block]:
    w = s.week
    team = s.team.title()
    if s.place is None:
        place = "nothing of yours met or missed this week yet"
    else:
        place = f"{_ordinal(s.place)} of {s.ranked} with items met or missed this week"
    return [
        header(f"{team} this week"),
        section(
            f"*{team}*: {w.due} due · {w.met} met · {w.missed} missed · "
            f"*{_share(w.within_share)}* in window · "
            f"first response {duration(w.median_first_response_minutes)}\n"
            f"*You*: {s.yours.met} met · {s.yours.missed} missed · "
            f"*{_share(s.yours.within_share)}* in window: {place}\n"
            f"*Open now*: {s.open} · {s.overdue} overdue"
        ),
    ]


def oversight_blocks(scope: str, overdue: int, worst: Sequence[Behind]) -> list[Block]:
    if worst:
        lines = "\n".join(
            f"• <@{b.owner_id}>: {b.overdue} overdue · {b.at_risk} at risk · {b.open} open"
            for b in worst
        )
    else:
        lines = "Nobody is behind. :tada:"
    return [
        header("Who is behind"),
        section(f"*{overdue}* overdue across {scope}\n{lines}"),
        context("`/sla team` lists everyone."),
    ]


def agreement_blocks(agreement: Agreement, team: str | None, lines: Sequence[str]) -> list[Block]:
    """The agreement as it concerns `team` (every team when None): the windows it works to,
    a line each (`Plugin.windows`)."""
    info = agreement.agreement
    windows = list(lines) or ["Your team owes nothing under this agreement."]
    whose = f"{team.title()}'s windows" if team else "The windows"
    return [
        header(info.name[:150]),
        section(f"_{whose}, in business time unless marked calendar_\n" + "\n".join(windows)),
        context(
            f"Scorecard every {info.scorecard_at} ({info.timezone.key}) in "
            f"{info.scorecard_channel} · `/sla show` has the whole agreement · `/sla help`"
        ),
    ]


def home_view(
    items: Sequence[Block],
    more: int,
    rest: Sequence[Sequence[Block]],
) -> dict[str, Any]:
    """The Home tab: `items` (the `/sla mine` blocks), then each part of `rest`, divided;
    the items give way so the whole stays within Slack's 100 blocks. `more`: how many of
    the person's open items are not among `items`."""
    tail: list[Block] = []
    for part in rest:
        if part:
            tail += [divider(), *part]
    see_all = (
        [context("See all: `/sla mine` lists your open items privately, anywhere.")]
        if more > 0
        else []
    )
    room = MAX_HOME_BLOCKS - len(tail) - len(see_all)
    shown = list(items)
    if len(shown) > room:
        shown = [*shown[: room - 1], context("More of your items: `/sla mine`.")]
    return {"type": "home", "blocks": [*shown, *see_all, *tail]}
