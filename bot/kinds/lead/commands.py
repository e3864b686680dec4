"""`/sla` verbs about leads."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from slack_bolt import Respond

from bot.blocks.agreement import agreement_blocks
from bot.container import Container
from bot.items import ui as kinds
from bot.kinds.lead import blocks as lead_blocks
from bot.kinds.lead.modals import handoff_modal
from bot.kinds.lead.usecases import go_away, reject_lead
from slaengine.kinds.lead import work as leadwork
from slaengine.kinds.lead.work import Refusal
from slaengine.persistence import items as item_repo
from slaengine.persistence.db import unit_of_work


def _say(respond: Respond, text: str) -> None:
    respond(response_type="ephemeral", text=text)


def mine(c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any) -> None:
    user = command["user_id"]
    with unit_of_work(c.engine) as session:
        page, blocks = kinds.mine(session, c.agreement, user, c.clock.now())
    respond(response_type="ephemeral", text=f"You have {page.open} open SLA items.", blocks=blocks)


def team(c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any) -> None:
    user = command["user_id"]
    if not c.agreement.may_oversee(user):
        raise Refusal("`/sla team` is for the sales manager and admins. Try `/sla mine`.")
    with unit_of_work(c.engine) as session:
        counts = item_repo.open_counts_by_owner(session, c.clock.now())
    rows = sorted(
        ((owner, open_, at_risk, overdue) for owner, open_, overdue, at_risk in counts),
        key=lambda r: (-r[3], -r[2], -r[1], r[0]),
    )
    respond(
        response_type="ephemeral",
        text="The team: open SLA items per person",
        blocks=lead_blocks.team(rows),
    )


def handoff(
    c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any
) -> None:
    client.views_open(trigger_id=command["trigger_id"], view=handoff_modal())


def _lead_and_rest(rest: str, usage: str) -> tuple[str, str]:
    name, _, tail = rest.partition(" ")
    if not name:
        raise Refusal(f"Which lead? Usage: `{usage}`")
    return name, tail.strip()


def touch(c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any) -> None:
    name, _ = _lead_and_rest(rest, "/sla touch <lead>")
    with unit_of_work(c.engine) as session:
        outcome = leadwork.touch(
            session,
            c.agreement,
            name=name,
            actor=command["user_id"],
            now=c.clock.now(),
            key=f"cmd:{command.get('trigger_id')}",
        )
    _say(respond, f":white_check_mark: {outcome.message}")


def accept(c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any) -> None:
    name, _ = _lead_and_rest(rest, "/sla accept <lead>")
    with unit_of_work(c.engine) as session:
        outcome = leadwork.accept(
            session,
            c.agreement,
            name=name,
            actor=command["user_id"],
            now=c.clock.now(),
            key="accept",
        )
    _say(respond, f":white_check_mark: {outcome.message}")


def reject(c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any) -> None:
    name, reason = _lead_and_rest(rest, "/sla reject <lead> <reason>")
    outcome = reject_lead(c, name=name, actor=command["user_id"], reason=reason)
    _say(respond, f":white_check_mark: {outcome.message}")


def parse_day(text: str, today: date, what: str) -> date:
    word = text.strip().lower()
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise Refusal(
            f"The {what} date {text!r} is not a date like 2026-12-01 (or today, tomorrow)."
        ) from None


def away(c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any) -> None:
    parts = rest.split()
    if len(parts) != 2:
        raise Refusal("Usage: `/sla away <from> <to>`, e.g. `/sla away 2026-12-21 2027-01-04`.")
    now = c.clock.now()
    today = now.astimezone(c.agreement.zone).date()
    starts_on = parse_day(parts[0], today, "start")
    ends_on = parse_day(parts[1], today, "end")
    outcome = go_away(c, user_id=command["user_id"], starts_on=starts_on, ends_on=ends_on)
    passed = ""
    if outcome.handed_on:
        refs = ", ".join(m.lead.ref for m in outcome.handed_on)
        passed = f" Your open leads passed to the next reps: {refs}."
    _say(respond, f":palm_tree: You're away {starts_on} to {ends_on}; new leads skip you.{passed}")


def show(c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any) -> None:
    respond(
        response_type="ephemeral",
        text=c.agreement.agreement.name,
        blocks=agreement_blocks(c.agreement),
    )
