"""The report's and its feedback's blocks within Slack's limits, and the help naming both
verbs."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.blocks.help import help_blocks, help_text
from bot.kinds.report import blocks
from bot.listeners.commands import help_lines
from bot.plugins import PLUGINS
from slaengine.engine.item import State
from tests.support.fakeslack import _view_errors, block_errors

ZONE = ZoneInfo("America/New_York")
DUE = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)
REPORT = blocks.ReportView("W-1001", "Weekly report · 2026-W49", "U0CAROL", State.AT_RISK, DUE)
FEEDBACK = blocks.FeedbackView(
    "F-1002", "Feedback on …", "U0DAVE", State.OVERDUE, DUE, "W-1001", "Weekly report",
    "https://acme.example/r",
)  # fmt: skip


def test_every_report_and_feedback_message_is_valid_block_kit_with_times_for_each_reader() -> None:
    drawn = [
        blocks.report_listed(REPORT, ZONE),
        blocks.feedback_listed(FEEDBACK, ZONE),
        *(blocks.report_reminder(REPORT, t, ZONE)[1] for t in ("warn", "breach", "escalate")),
        *(blocks.feedback_reminder(FEEDBACK, t, ZONE)[1] for t in ("warn", "breach", "escalate")),
        blocks.report_posted(
            ref="W-1001", title="Weekly", link="https://acme.example/r", summary="x" * 2000,
            by="U0ERIN", in_time=False,
        )[1],
        blocks.feedback_reply(by="U0ALICE", text="a <b> & c\nline two")[1],
    ]  # fmt: skip
    for each in drawn:
        assert block_errors(each) == []
    stamp = f"<!date^{int(DUE.timestamp())}^"
    assert stamp in str(drawn[0]) and stamp in str(drawn[1])
    assert "Fri 04 Dec 2026 17:00 EST" in str(drawn[0])  # the fallback, in the zone


def test_feedback_is_quoted_escaped_line_by_line() -> None:
    _text, drawn = blocks.feedback_reply(by="U0ALICE", text="a <b> & c\nline two")
    assert drawn[0]["text"]["text"].endswith("\n> a &lt;b&gt; &amp; c\n> line two")


def test_the_feedback_form_is_a_valid_modal_carrying_the_reports_ref() -> None:
    view = blocks.feedback_modal("W-1001", "Weekly report · 2026-W49")
    assert _view_errors(view) == []
    assert (view["callback_id"], view["private_metadata"]) == (blocks.FEEDBACK_MODAL, "W-1001")


def test_help_names_the_report_and_feedback_verbs() -> None:
    shown = str(help_blocks(help_lines(PLUGINS)))
    assert "/sla report <link> [summary]" in shown
    assert "/sla feedback <report> <text>" in shown
    assert "/sla feedback <report> <text>" in help_text(help_lines(PLUGINS))
