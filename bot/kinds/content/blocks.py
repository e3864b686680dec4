"""Blocks about marketing's content obligations: cycles (deliverables, campaigns), their
reminders, and pieces announced in the channel with a *Used it* button."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.blocks import ICON, Block, actions, button, context, escape, section, slack_date
from slaengine.engine.item import State

USED_IT = "content_used"


@dataclass(frozen=True)
class CycleView:
    """A cycle as people see it: plain values."""

    ref: str
    title: str
    owner_id: str
    state: State
    done: int
    target: int
    pace: float
    due_at: datetime | None
    hint: str  # how to log a piece (`/sla done blog <title> [link]`)


def _tally(cycle: CycleView) -> str:
    behind = 0 < cycle.done < cycle.target  # with none done yet there is no rate to show
    pace = f" · on pace for {cycle.pace:.1f}" if behind else ""
    return f"{cycle.done}/{cycle.target} done{pace}"


def cycle_line(cycle: CycleView, zone: ZoneInfo) -> str:
    if cycle.due_at is None:
        when = cycle.state.label
    else:
        verb = "was due" if cycle.state is State.OVERDUE else "due"
        when = f"{cycle.state.label} · {verb} {slack_date(cycle.due_at, zone)}"
    return f"{ICON[cycle.state]} *{cycle.ref}* {escape(cycle.title)}\n{_tally(cycle)} · {when}"


def cycle_listed(cycle: CycleView, zone: ZoneInfo) -> list[Block]:
    return [section(cycle_line(cycle, zone)), context(f"Log one: `{cycle.hint}`")]


def cycle_warning(cycle: CycleView, zone: ZoneInfo) -> tuple[str, list[Block]]:
    due = slack_date(cycle.due_at, zone) if cycle.due_at else "-"
    text = f"{cycle.ref} {escape(cycle.title)}: behind pace, {_tally(cycle)}, due {due}"
    return text, [
        section(
            f":hourglass_flowing_sand: *{cycle.ref}* {escape(cycle.title)}\n"
            f"Behind pace: {_tally(cycle)} · due {due}"
        ),
        context(f"Log one: `{cycle.hint}`"),
    ]


def cycle_breach(cycle: CycleView, zone: ZoneInfo, due_at: datetime) -> tuple[str, list[Block]]:
    due = slack_date(due_at, zone)
    text = f"{cycle.ref} {escape(cycle.title)}: missed, {cycle.done}/{cycle.target} by {due}"
    return text, [
        section(
            f"{ICON[cycle.state]} *{cycle.ref}* {escape(cycle.title)}\n"
            f"*Breached*: {cycle.done}/{cycle.target} done when it was due {due}"
        ),
    ]


def cycle_escalation(cycle: CycleView, zone: ZoneInfo, due_at: datetime) -> tuple[str, list[Block]]:
    due = slack_date(due_at, zone)
    text = (
        f"{cycle.ref} {escape(cycle.title)} ({cycle.owner_id}): {cycle.done}/{cycle.target} "
        f"when it was due {due}"
    )
    return text, [
        section(
            f":rotating_light: *{cycle.ref}* {escape(cycle.title)} · owner <@{cycle.owner_id}>\n"
            f"{cycle.done}/{cycle.target} done when it was due {due}"
        ),
    ]


def _titled(title: str, link: str | None) -> str:
    shown = escape(title)
    return f"<{link}|{shown}>" if link else shown


def piece_announced(
    *,
    piece_id: int,
    what: str,
    title: str,
    link: str | None,
    by: str,
    ref: str,
    done: int,
    target: int,
    period: str,
) -> tuple[str, list[Block]]:
    """A new piece in the scorecard channel, with the *Used it* button for sales."""
    text = f"New {what}: {escape(title)} (by {by})"
    return text, [
        section(
            f":newspaper: *New {escape(what)}*: {_titled(title, link)}\n"
            f"by <@{by}> · {ref} {done}/{target} for {period}"
        ),
        actions(
            f"piece:{piece_id}",
            button("Used it", USED_IT, str(piece_id), style="primary"),
        ),
    ]


def launch_announced(
    *, title: str, link: str | None, by: str, ref: str, done: int, target: int, period: str
) -> tuple[str, list[Block]]:
    """A campaign launch, told in the scorecard channel."""
    text = f"Campaign launched: {escape(title)} (by {by})"
    tally = f" · {ref} {done}/{target} for {period}"
    return text, [
        section(f":rocket: *Campaign launched*: {_titled(title, link)}\nby <@{by}>{tally}"),
    ]


@dataclass(frozen=True)
class PieceView:
    id: int
    title: str
    link: str | None
    what: str
    logged_at: datetime


def unused_pieces(pieces: Sequence[PieceView], more: int, zone: ZoneInfo) -> list[Block]:
    """This week's content a rep has not marked used yet, each with its *Used it* button
    (at most four blocks: `bot.items.mine.MAX_EXTRA`)."""
    if not pieces:
        return []
    tail = f" (and {more} more)" if more > 0 else ""
    blocks: list[Block] = [
        context(f":newspaper: This week's content you have not marked as used{tail}")
    ]
    for piece in pieces[:3]:
        blocks.append(
            section(
                f"*{escape(piece.what)}*: {_titled(piece.title, piece.link)}\n"
                f"logged {slack_date(piece.logged_at, zone)}",
                accessory=button("Used it", USED_IT, str(piece.id)),
            )
        )
    return blocks


# -- content requests -------------------------------------------------------------------------
