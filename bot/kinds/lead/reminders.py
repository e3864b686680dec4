"""Reminders about a lead, drawn at delivery: the warning, the breach notice, the escalation
and the recycling notice, each with the buttons to act on it.

Each builder returns the blocks of ONE lead; the delivery path lists several in one message
under a header (see `bot.delivery.compose.compose`).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.blocks import ICON, Block, actions, button, escape, section, slack_date
from slaengine.engine.item import State
from slaengine.kinds.lead.work import LeadView

WHAT = {"response": "first touch", "accept": "accept or reject"}


def _why(lead: LeadView) -> str:
    campaign = f" · campaign _{escape(lead.campaign)}_" if lead.campaign else ""
    return f"{lead.status.label}{campaign}"


def warning(lead: LeadView, clock: str, zone: ZoneInfo) -> tuple[str, list[Block]]:
    assert lead.due_at is not None
    what = WHAT.get(clock, clock)
    text = f"{lead.ref} {escape(lead.title)}: {what} due {slack_date(lead.due_at, zone)}"
    value = f"{lead.ref}|{lead.attempts}"
    return text, [
        section(
            f":hourglass_flowing_sand: *{lead.ref}* {escape(lead.title)}\n{_why(lead)}\n"
            f"*{what.capitalize()}* due {slack_date(lead.due_at, zone)}"
        ),
        actions(
            f"warn:{lead.ref}",
            button("Contacted", "lead_touch", value, style="primary"),
            button("Snooze 30m", "lead_snooze", lead.ref),
            button("Reassign", "lead_reassign", lead.ref),
        ),
    ]


def breach(lead: LeadView, clock: str, zone: ZoneInfo) -> tuple[str, list[Block]]:
    assert lead.due_at is not None
    what = WHAT.get(clock, clock)
    text = f"{lead.ref} {escape(lead.title)}: {what} window lapsed {slack_date(lead.due_at, zone)}"
    value = f"{lead.ref}|{lead.attempts}"
    return text, [
        section(
            f"{ICON[lead.state]} *{lead.ref}* {escape(lead.title)}\n{_why(lead)}\n"
            f"*Breached*: {what} was due {slack_date(lead.due_at, zone)}"
        ),
        actions(
            f"breach:{lead.ref}",
            button("Contacted", "lead_touch", value, style="primary"),
            button("Accept", "lead_accept", value),
            button("Reject", "lead_reject", value, style="danger"),
        ),
    ]


def escalation(
    lead: LeadView, clock: str, zone: ZoneInfo, *, ahead: bool = False
) -> tuple[str, list[Block]]:
    """The manager's or the channel's message about a lead: its window lapsed, or, from a
    step of the ladder before its due instant (`ahead`), it is not touched yet."""
    assert lead.due_at is not None
    what = WHAT.get(clock, clock)
    if ahead and lead.state is not State.OVERDUE:
        text = (
            f"{lead.ref} {escape(lead.title)} ({lead.owner_id}): no {what} yet, due "
            f"{slack_date(lead.due_at, zone)}"
        )
        return text, [
            section(
                f":bell: *{lead.ref}* {escape(lead.title)} · owner <@{lead.owner_id}>\n"
                f"{_why(lead)} · no {what} yet · due {slack_date(lead.due_at, zone)}"
            ),
        ]
    text = (
        f"{lead.ref} {escape(lead.title)} ({lead.owner_id}): {what} window lapsed "
        f"{slack_date(lead.due_at, zone)}"
    )
    return text, [
        section(
            f":rotating_light: *{lead.ref}* {escape(lead.title)} · owner <@{lead.owner_id}>\n"
            f"{_why(lead)} · {what} was due {slack_date(lead.due_at, zone)}"
        ),
    ]


def recycled(lead: LeadView, zone: ZoneInfo) -> tuple[str, list[Block]]:
    text = f"{lead.ref} {escape(lead.title)} had no progress and is back with marketing for nurture"
    return text, [
        section(
            f":recycle: *{lead.ref}* {escape(lead.title)} · was <@{lead.owner_id}>'s\n"
            f"{_why(lead)} · handed off {slack_date(lead.handed_off_at, zone)}, "
            "no progress since: back to marketing for nurture."
        ),
    ]
