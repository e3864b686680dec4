"""The fairness ledger in Slack (`/sla routing`, and managers' App Home) and `/sla rotation`:
who gets leads, how many, and why someone was passed over."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Respond

from bot.blocks import Block, clip, escape, section
from bot.container import Container
from bot.kindui import Context
from bot.listeners.commands import say_privately
from slaengine.agreement.config import SLACK_USER, Agreement
from slaengine.engine.errors import Refusal
from slaengine.kinds.lead import rotation
from slaengine.kinds.lead.agreement import ROUTING_TABLE
from slaengine.kinds.lead.routing import SKIP_REASONS
from slaengine.persistence.db import unit_of_work

#: a user as Slack writes a mention in a slash command's text: <@U123> or <@U123|name>
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


def _when(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%a %d %b %H:%M")


def rep_line(rep: rotation.RepLine, cap: int | None, zone: ZoneInfo) -> str:
    load = f"{rep.open_now} open" + (f" of {cap}" if cap is not None else "")
    standing = "in rotation" if rep.in_rotation else "*out of rotation*"
    skipped = "never skipped"
    if rep.last_skip is not None:
        reason = SKIP_REASONS.get(rep.last_skip, rep.last_skip)
        at = f" ({_when(rep.last_skip_at, zone)})" if rep.last_skip_at else ""
        skipped = f"last skipped: {reason}{at}"
    return (
        f"• <@{rep.user}>: {rep.this_week} this week, {rep.this_month} this month · "
        f"weight {rep.weight} · {load} · {standing} · {skipped}"
    )


def pool_text(pool: rotation.PoolLine, zone: ZoneInfo) -> str:
    facts = [f"*{escape(pool.name)}*"]
    facts.append(f"cap {pool.cap} open leads a rep" if pool.cap is not None else "no cap")
    if pool.channel:
        facts.append(pool.channel if pool.channel.startswith("#") else f"<#{pool.channel}>")
    lines = [" · ".join(facts), *(rep_line(rep, pool.cap, zone) for rep in pool.reps)]
    return clip("\n".join(lines))


def ledger_blocks(pools: list[rotation.PoolLine], zone: ZoneInfo, limit: int) -> list[Block]:
    """A heading and one section a pool, at most `limit` blocks."""
    head = section("*Routing* (leads each rep got, as of now; `/sla routing` for all of it)")
    return [head, *(section(pool_text(pool, zone)) for pool in pools)][:limit]


def ledger_text(pools: list[rotation.PoolLine], zone: ZoneInfo) -> str:
    return "\n\n".join(pool_text(pool, zone) for pool in pools)


def routing(
    c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any
) -> None:
    """`/sla routing`: the fairness ledger, for everyone."""
    with unit_of_work(c.engine) as session:
        pools = rotation.ledger(session, c.agreement, c.clock.now(), c.resolve)
    say_privately(respond, f":scales: Routing as of now\n\n{ledger_text(pools, c.agreement.zone)}")


def rotation_verb(
    c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any
) -> None:
    """`/sla rotation in|out [@rep]`: a rep (yourself, without one) back in or out."""
    words = rest.split()
    usage = "Usage: `/sla rotation in|out [@rep]`, e.g. `/sla rotation in @alice`."
    if not words or words[0].lower() not in ("in", "out") or len(words) > 2:
        raise Refusal(usage)
    rep = command["user_id"]
    if len(words) == 2:
        rep = person(words[1])
    with unit_of_work(c.engine) as session:
        message = rotation.put(
            session,
            c.agreement,
            actor=command["user_id"],
            rep=rep,
            back=words[0].lower() == "in",
            now=c.clock.now(),
        )
    say_privately(respond, f":white_check_mark: {message}")


def person(word: str) -> str:
    """The Slack user a word of a command names: a mention, or a Slack user ID."""
    match = MENTION.match(word)
    if match:
        return match.group(1)
    if SLACK_USER.match(word):
        return word
    raise Refusal(f"{word!r} is not a person: mention them, like `@alice`.")


def managers_ledger(user: str, at: Context, limit: int) -> list[Block]:
    """What App Home (and `/sla mine`) shows a manager or admin of routing."""
    session, agreement, now = at
    if not agreement.may_oversee(user):
        return []
    return ledger_blocks(rotation.ledger(session, agreement, now), agreement.zone, limit)


def dropped_text(agreement: Agreement, rep: str, ref: str) -> str:
    """The DM telling the manager that `rep` dropped out of rotation with lead `ref`."""
    n = ROUTING_TABLE.of(agreement).out_after_misses
    return (
        f":warning: <@{rep}> missed {n} response windows in a row (the last on {ref}) and is "
        "out of rotation: no new leads until they or you put them back (`/sla rotation in` "
        "with a mention of them)."
    )
