"""Blocks about leads: `/sla mine`, `/sla team`, and the DMs a handoff or a rejection causes."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks import ICON, Block, actions, button, context, escape, section, slack_date
from slaengine.engine.item import State
from slaengine.kinds.lead.work import LeadView

#: how the places a touch comes from are named
SOURCES = {"slack": "Slack", "hubspot": "HubSpot", "salesforce": "Salesforce"}


def lead_line(lead: LeadView, zone: ZoneInfo) -> str:
    campaign = f" · campaign _{escape(lead.campaign)}_" if lead.campaign else ""
    if lead.paused and lead.pause_ends_at is not None:
        until = slack_date(lead.pause_ends_at, zone)
        when = f":double_vertical_bar: paused ({escape(lead.pause_reason or '')}) until {until}"
    elif lead.due_at is None:
        when = lead.stage.value
    else:
        verb = "was due" if lead.state is State.OVERDUE else "due"
        what = "first touch" if lead.stage.value == "new" else "accept or reject"
        when = f"{what} {verb} {slack_date(lead.due_at, zone)}"
    attempts = f" · {lead.attempts}/{lead.max_attempts} attempts" if lead.attempts else ""
    if lead.touched_via:
        attempts += f" · first touch from {SOURCES.get(lead.touched_via, lead.touched_via)}"
    return (
        f"{ICON[lead.state]} *{lead.ref}* {escape(lead.title)}\n"
        f"{lead.status.label}{campaign} · {lead.state.label}{attempts}\n{when}"
    )


def lead_buttons(lead: LeadView) -> Block:
    value = f"{lead.ref}|{lead.attempts}"
    elements = []
    if lead.attempts < lead.max_attempts:
        elements.append(button("Contacted", "lead_touch", value, style="primary"))
    elements.append(button("Accept", "lead_accept", value))
    elements.append(button("Reject", "lead_reject", value, style="danger"))
    return actions(f"lead:{lead.ref}", *elements)


def listed_in_mine(lead: LeadView, zone: ZoneInfo) -> list[Block]:
    """A lead in `/sla mine` and App Home: what it is and when it is due, and its buttons."""
    return [section(lead_line(lead, zone)), lead_buttons(lead)]




def new_lead_dm(lead: LeadView, zone: ZoneInfo, handed_by: str | None) -> tuple[str, list[Block]]:
    by = f" from <@{handed_by}>" if handed_by else ""
    text = f"New lead {lead.ref}{by}: {escape(lead.title)} ({lead.status.label})"
    blocks = [
        section(f":incoming_envelope: *New lead{by}*\n{lead_line(lead, zone)}"),
        lead_buttons(lead),
    ]
    return text, blocks


def reassigned_dm(lead: LeadView, zone: ZoneInfo, previous: str) -> tuple[str, list[Block]]:
    text = f"{lead.ref} is now yours (was <@{previous}>'s): {escape(lead.title)}"
    blocks = [
        section(
            f":arrows_counterclockwise: *Passed to you from <@{previous}>*\n{lead_line(lead, zone)}"
        ),
        lead_buttons(lead),
    ]
    return text, blocks


def moved_on(lead: LeadView, to: str, why: str) -> tuple[str, list[Block]]:
    """The old owner's message about a lead the SLA ladder passed to `to` (or `to` claimed
    from its pool's channel), and why."""
    by = "" if why.startswith("claimed") else " by the SLA ladder"
    text = f"{lead.ref} {escape(lead.title)} was passed to <@{to}>: {why}"
    blocks = [
        section(
            f":arrow_right: *{lead.ref}* {escape(lead.title)} · {lead.status.label}\n"
            f"*Passed to <@{to}>*{by}: {why}."
        ),
    ]
    return text, blocks


def offered(lead: LeadView, zone: ZoneInfo, owner: str) -> tuple[str, list[Block]]:
    """A lead offered in its pool's channel: the first rep of the pool to click takes it."""
    text = f"{lead.ref} {escape(lead.title)} is up for grabs: the first rep to claim it takes it"
    blocks = [
        section(
            f":raising_hand: *Up for grabs*: no first touch from <@{owner}>\n"
            f"{lead_line(lead, zone)}"
        ),
        actions(f"claim:{lead.ref}", button("Claim", "lead_claim", lead.ref, style="primary")),
    ]
    return text, blocks


def claimed(lead: LeadView, by: str) -> tuple[str, list[Block]]:
    """The offer in the pool's channel once `by` took the lead (no button any more)."""
    text = f"{lead.ref} {escape(lead.title)} was claimed by <@{by}>"
    blocks = [
        section(
            f":white_check_mark: *{lead.ref}* {escape(lead.title)} · {lead.status.label}\n"
            f"*Claimed by <@{by}>*."
        ),
    ]
    return text, blocks


def listed_lead(lead: LeadView, zone: ZoneInfo, note: str = "") -> Block:
    """One lead among many in one message: a single block, its *Contacted* button beside it
    (Accept and Reject are a click away in `/sla mine`)."""
    extra: dict[str, Any] = {}
    if lead.attempts < lead.max_attempts:
        value = f"{lead.ref}|{lead.attempts}"
        extra["accessory"] = button("Contacted", "lead_touch", value, style="primary")
    return section(lead_line(lead, zone) + (f"\n{note}" if note else ""), **extra)


def new_lead_item(
    lead: LeadView, zone: ZoneInfo, handed_by: str | None
) -> tuple[str, list[Block]]:
    """A new lead listed with others in one DM (see `new_lead_dm` for one alone)."""
    by = f" from <@{handed_by}>" if handed_by else ""
    text = f"New lead {lead.ref}{by}: {escape(lead.title)}"
    return text, [listed_lead(lead, zone, f"handed over by <@{handed_by}>" if handed_by else "")]


def reassigned_item(lead: LeadView, zone: ZoneInfo, previous: str) -> tuple[str, list[Block]]:
    """A lead passed on, listed with others in one DM (see `reassigned_dm` for one alone)."""
    text = f"{lead.ref} is now yours (was <@{previous}>'s): {escape(lead.title)}"
    return text, [listed_lead(lead, zone, f"was <@{previous}>'s")]


def rejected_dm(lead: LeadView, by: str, reason: str) -> tuple[str, list[Block]]:
    text = f"{lead.ref} ({escape(lead.title)}) was rejected by <@{by}>: {escape(reason)}"
    blocks = [
        section(
            f":leftwards_arrow_with_hook: *Lead rejected by <@{by}>*\n"
            f"*{lead.ref}* {escape(lead.title)} · {lead.status.label}\n>{escape(reason)}"
        ),
        context("Sales rejected this handoff; it is back with marketing for nurture or review."),
    ]
    return text, blocks
