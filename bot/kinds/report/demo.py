"""The weekly report in `slabot demo`: marketing posts it on Friday, sales answers it in its
thread, and the sales contact's answer closes the feedback window."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.kinds.report import ui as reports
from slaengine.kinds.report.rules import Posted

if TYPE_CHECKING:  # the demo calls this with itself
    from bot.demo.stage import Demo
    from bot.plugin import Scene

LINK = "https://acme.example/reports/2026-w48"


def report_week(demo: Demo) -> None:
    c = demo.c
    demo.at(4, 15, 30)
    demo.say(f"Erin posts the weekly report: `/sla report {LINK} Leads up 12%, MQLs flat`")
    posted: list[Posted] = []

    def post() -> str:
        posted.append(
            reports.post_report(c, words=f"{LINK} Leads up 12%, MQLs flat", actor="U0ERIN")
        )
        return posted[0].message

    demo.answer(post)
    if not posted:
        return
    ref = posted[0].report_item.ref
    demo.at(4, 16, 0)
    demo.say(f"Alice answers it: `/sla feedback {ref} Useful; more on MQLs next week, please`")
    demo.answer(
        lambda: reports.give_feedback(
            c, ref=ref, text="Useful; more on MQLs next week, please", actor="U0ALICE",
            request="demo-feedback-1",
        )
    )  # fmt: skip
    demo.at(4, 16, 10)
    demo.say("Dave, the sales contact, clicks *Give feedback* and sends the form")
    demo.answer(
        lambda: reports.give_feedback(
            c, ref=ref, text="Clear. Can we see MQLs by campaign?", actor="U0DAVE",
            request="demo-feedback-2",
        )
    )  # fmt: skip


def scenes() -> list[Scene]:
    return [((4, 15, 30), report_week)]
