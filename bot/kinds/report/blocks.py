"""Blocks about the weekly report and its feedback: the report posted in the scorecard channel
with its *Give feedback* button, the feedback in its thread and to its author, the form, and
the reminders and `/sla mine` lines of both kinds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks import ICON, Block, actions, button, context, escape, plain, section, slack_date
from slaengine.engine.item import State
from slaengine.kinds.report.rules import REPORT_USAGE

GIVE_FEEDBACK = "report_feedback_open"
FEEDBACK_MODAL = "report_feedback_modal"


@dataclass(frozen=True)
class ReportView:
    """A week's report item as people see it: plain values."""

    ref: str
    title: str
    owner_id: str
    state: State
    due_at: datetime | None
    link: str | None = None
    posted_by: str | None = None


@dataclass(frozen=True)
class FeedbackView:
    """A feedback item as people see it, with the report it answers."""

    ref: str
    title: str
    owner_id: str
    state: State
    due_at: datetime | None
    report_ref: str
    report_title: str
    link: str | None


def _when(state: State, due_at: datetime | None, zone: ZoneInfo) -> str:
    if due_at is None:
        return state.label
    verb = "was due" if state is State.OVERDUE else "due"
    return f"{state.label} · {verb} {slack_date(due_at, zone)}"


def _linked(title: str, link: str | None) -> str:
    return f"<{link}|{escape(title)}>" if link else escape(title)


def give_feedback_button(report_ref: str, why: str) -> Block:
    """The *Give feedback* button; `why` keeps its block's id unique in a message that shows
    the same report twice."""
    return actions(
        f"feedback-{why}:{report_ref}",
        button("Give feedback", GIVE_FEEDBACK, report_ref, style="primary"),
    )


# -- the report -------------------------------------------------------------------------------


def report_listed(report: ReportView, zone: ZoneInfo) -> list[Block]:
    return [
        section(
            f"{ICON[report.state]} *{report.ref}* {escape(report.title)}\n"
            f"{_when(report.state, report.due_at, zone)}"
        ),
        context(f"Post it: `{REPORT_USAGE}`"),
    ]


def report_reminder(report: ReportView, topic: str, zone: ZoneInfo) -> tuple[str, list[Block]]:
    """The warning, breach notice or escalation about a week's report."""
    due = slack_date(report.due_at, zone) if report.due_at else "-"
    title = escape(report.title)
    if topic == "warn":
        text = f"{report.ref} {title}: due {due}"
        return text, [
            section(f":hourglass_flowing_sand: *{report.ref}* {title}\nDue {due}"),
            context(f"Post it: `{REPORT_USAGE}`"),
        ]
    if topic == "breach":
        text = f"{report.ref} {title}: not posted by {due}"
        return text, [
            section(
                f"{ICON[report.state]} *{report.ref}* {title}\n*Breached*: not posted when it "
                f"was due {due}"
            ),
            context(f"Post it all the same: `{REPORT_USAGE}`"),
        ]
    text = f"{report.ref} {title} ({report.owner_id}): not posted by {due}"
    return text, [
        section(
            f":rotating_light: *{report.ref}* {title} · owner <@{report.owner_id}>\n"
            f"Not posted when it was due {due}"
        )
    ]


def report_posted(
    *, ref: str, title: str, link: str, summary: str, by: str, in_time: bool
) -> tuple[str, list[Block]]:
    """The report in the scorecard channel, with the *Give feedback* button."""
    late = "" if in_time else " (late)"
    text = f"{escape(title)}: {link} (posted by {by}{late})"
    blocks: list[Block] = [
        section(f":bar_chart: *{_linked(title, link)}*\nposted by <@{by}>{late} · {ref}"),
    ]
    if summary:
        blocks.append(section(escape(summary)))
    blocks.append(give_feedback_button(ref, "post"))
    return text, blocks


# -- the feedback -----------------------------------------------------------------------------


def feedback_line(feedback: FeedbackView, zone: ZoneInfo) -> str:
    return (
        f"{ICON[feedback.state]} *{feedback.ref}* Feedback on "
        f"{_linked(feedback.report_title, feedback.link)} ({feedback.report_ref})\n"
        f"{_when(feedback.state, feedback.due_at, zone)}"
    )


def feedback_listed(feedback: FeedbackView, zone: ZoneInfo) -> list[Block]:
    return [
        section(feedback_line(feedback, zone)),
        give_feedback_button(feedback.report_ref, "listed"),
    ]


def feedback_reminder(
    feedback: FeedbackView, topic: str, zone: ZoneInfo
) -> tuple[str, list[Block]]:
    """The warning, breach notice or escalation about a feedback window."""
    due = slack_date(feedback.due_at, zone) if feedback.due_at else "-"
    about = f"Feedback on {_linked(feedback.report_title, feedback.link)} ({feedback.report_ref})"
    if topic == "warn":
        text = f"{feedback.ref} feedback on {feedback.report_ref}: due {due}"
        return text, [
            section(f":hourglass_flowing_sand: *{feedback.ref}* {about}\nDue {due}"),
            give_feedback_button(feedback.report_ref, topic),
        ]
    if topic == "breach":
        text = f"{feedback.ref} feedback on {feedback.report_ref}: was due {due}"
        return text, [
            section(f"{ICON[feedback.state]} *{feedback.ref}* {about}\n*Breached*: was due {due}"),
            give_feedback_button(feedback.report_ref, topic),
        ]
    text = f"{feedback.ref} feedback on {feedback.report_ref} ({feedback.owner_id}): was due {due}"
    return text, [
        section(
            f":rotating_light: *{feedback.ref}* {about} · owner <@{feedback.owner_id}>\n"
            f"Was due {due}"
        )
    ]


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" for line in escape(text).splitlines() or [""])


def feedback_reply(*, by: str, text: str) -> tuple[str, list[Block]]:
    """Feedback, in the report post's thread."""
    return f"Feedback from {by}: {escape(text)}", [
        section(f":speech_balloon: Feedback from <@{by}>\n{_quoted(text)}")
    ]


def feedback_to_author(
    *, report_ref: str, title: str, link: str, by: str, text: str
) -> tuple[str, list[Block]]:
    """The report's author hears of feedback on it."""
    return f"Feedback on {report_ref} from {by}: {escape(text)}", [
        section(
            f":speech_balloon: <@{by}> gave feedback on {_linked(title, link)} ({report_ref})\n"
            f"{_quoted(text)}"
        )
    ]


def feedback_modal(report_ref: str, title: str) -> dict[str, Any]:
    """The *Give feedback* form; the report's ref rides in `private_metadata`."""
    return {
        "type": "modal",
        "callback_id": FEEDBACK_MODAL,
        "private_metadata": report_ref,
        "title": plain("Report feedback", 24),
        "submit": plain("Send", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            section(f"*{report_ref}* {escape(title)}"),
            {
                "type": "input",
                "block_id": "feedback",
                "label": plain("What did the report tell you? Its author will read this."),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": 2000,
                },
            },
        ],
    }
