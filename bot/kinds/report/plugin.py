"""The weekly report in slabot: marketing posts it in the channel, sales answers it in its
thread."""

from __future__ import annotations

from bot.kinds.report import actions, commands, demo, views
from bot.kinds.report.ui import FeedbackUI, ReportUI
from bot.plugin import Plugin
from slaengine.kinds.report.agreement import SECTIONS
from slaengine.kinds.report.rules import FEEDBACK, REPORTS

PLUGIN = Plugin(
    sections=SECTIONS,
    name="report",
    kinds=(REPORTS, FEEDBACK),
    uis=(ReportUI(), FeedbackUI()),
    verbs={"report": commands.report, "feedback": commands.feedback},
    listen=(actions.register, views.register),
    usage=(
        ("report <link> [summary]", "post the weekly report in the channel (marketing)"),
        ("feedback <report> <text>", "answer a posted report, e.g. `feedback W-1042 …` (sales)"),
    ),
    demo=demo.scenes,
)
