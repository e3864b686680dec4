"""Blocks about content requests: the owner's notice of a new one, its reminders, the
requester's notice that it is ready, and the *Delivered* button."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.blocks import ICON, Block, actions, button, context, escape, section, slack_date
from slaengine.engine.item import State

REQUEST_DONE = "request_done"


@dataclass(frozen=True)
class RequestView:
    ref: str
    title: str
    owner_id: str
    requester_id: str
    state: State
    due_at: datetime | None
    link: str | None


def request_line(request: RequestView, zone: ZoneInfo) -> str:
    if request.due_at is None:
        when = request.state.label
    else:
        verb = "was due" if request.state is State.OVERDUE else "due"
        when = f"{request.state.label} · {verb} {slack_date(request.due_at, zone)}"
    return (
        f"{ICON[request.state]} *{request.ref}* {escape(request.title)}\n"
        f"requested by <@{request.requester_id}> · {when}"
    )


def request_buttons(request: RequestView, why: str = "listed") -> Block:
    """The *Delivered* button; `why` keeps its block's id unique in a message that shows the
    same request twice (its notice and its warning, delivered together)."""
    return actions(
        f"request-{why}:{request.ref}",
        button("Delivered", REQUEST_DONE, request.ref, style="primary"),
    )


def request_listed(request: RequestView, zone: ZoneInfo) -> list[Block]:
    return [section(request_line(request, zone)), request_buttons(request)]


def request_reminder(request: RequestView, topic: str, zone: ZoneInfo) -> tuple[str, list[Block]]:
    """The warning, breach notice or escalation about a request."""
    due = slack_date(request.due_at, zone) if request.due_at else "-"
    title = escape(request.title)
    by = f"requested by <@{request.requester_id}>"
    if topic == "warn":
        text = f"{request.ref} {title}: due {due}"
        head = f":hourglass_flowing_sand: *{request.ref}* {title}\n{by} · due {due}"
        tail = f"`/sla done request {request.ref} [link]` when it is ready."
        return text, [section(head), request_buttons(request, topic), context(tail)]
    if topic == "breach":
        text = f"{request.ref} {title}: was due {due}"
        head = f"{ICON[request.state]} *{request.ref}* {title}\n{by} · *Breached*: was due {due}"
        return text, [section(head), request_buttons(request, topic)]
    text = f"{request.ref} {title} ({request.owner_id}): was due {due}"
    head = (
        f":rotating_light: *{request.ref}* {title} · owner <@{request.owner_id}>\n"
        f"requested by <@{request.requester_id}> · was due {due}"
    )
    return text, [section(head)]


def request_opened(request: RequestView, zone: ZoneInfo) -> tuple[str, list[Block]]:
    """The owner's notice of a new request."""
    due = slack_date(request.due_at, zone) if request.due_at else "-"
    text = f"New content request {request.ref}: {escape(request.title)}, due {due}"
    return text, [
        section(
            f":memo: *New content request* from <@{request.requester_id}>\n"
            f"*{request.ref}* {escape(request.title)} · due {due}"
        ),
        request_buttons(request, "opened"),
    ]


def request_delivered(request: RequestView, by: str, in_time: bool) -> tuple[str, list[Block]]:
    """The requester's notice that their piece is ready, with its link."""
    verdict = "in time" if in_time else "late"
    link = f"\n<{request.link}|Open it>" if request.link else ""
    text = f"{request.ref} {escape(request.title)} is ready ({verdict})"
    return text, [
        section(
            f":package: *{request.ref}* {escape(request.title)} is ready, delivered "
            f"{verdict} by <@{by}>{link}"
        ),
    ]
