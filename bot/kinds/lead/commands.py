"""`/sla` verbs about leads."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from slack_bolt import Respond

from bot.container import Container
from bot.kinds.lead.modals import handoff_modal
from bot.kinds.lead.usecases import go_away, reject_lead
from bot.listeners.commands import say_privately
from slaengine.engine.errors import Refusal
from slaengine.kinds.lead import work as leadwork
from slaengine.kinds.lead.pause import split_words
from slaengine.persistence.db import unit_of_work


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
    say_privately(respond, f":white_check_mark: {outcome.message}")


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
    say_privately(respond, f":white_check_mark: {outcome.message}")


def reject(c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any) -> None:
    name, reason = _lead_and_rest(rest, "/sla reject <lead> <reason>")
    outcome = reject_lead(c, name=name, actor=command["user_id"], reason=reason)
    say_privately(respond, f":white_check_mark: {outcome.message}")


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
    say_privately(
        respond, f":palm_tree: You're away {starts_on} to {ends_on}; new leads skip you.{passed}"
    )


PAUSE_USAGE = "/sla pause <lead> <reason> [until YYYY-MM-DD]"


def pause(c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any) -> None:
    """Stop a lead's clock for one of the agreement's reasons (`[leads.pause]`)."""
    name, tail = _lead_and_rest(rest, PAUSE_USAGE)
    words = split_words(tail)
    with unit_of_work(c.engine) as session:
        outcome = leadwork.pause(
            session,
            c.agreement,
            name=name,
            actor=command["user_id"],
            now=c.clock.now(),
            reason=words.reason,
            until=words.until,
        )
    say_privately(respond, f":double_vertical_bar: {outcome.message}")


def resume(c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any) -> None:
    """Restart a paused lead's clock."""
    name, _ = _lead_and_rest(rest, "/sla resume <lead>")
    with unit_of_work(c.engine) as session:
        outcome = leadwork.resume(
            session, c.agreement, name=name, actor=command["user_id"], now=c.clock.now()
        )
    say_privately(respond, f":arrow_forward: {outcome.message}")


def claim(c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any) -> None:
    """Take a lead offered in its pool's channel: the *Claim* button's twin."""
    name, _ = _lead_and_rest(rest, "/sla claim <lead>")
    with unit_of_work(c.engine) as session:
        outcome = leadwork.claim(
            session, c.agreement, c.directory, name=name, actor=command["user_id"],
            now=c.clock.now(),
        )  # fmt: skip
    say_privately(respond, f":raising_hand: {outcome.message}")
