"""`slabot demo` shows a training: the invitation, an RSVP, the reminder, a check-in, the
start prompt and the recording."""

from __future__ import annotations

import io

from bot.demo.week import run_demo


def test_the_demo_walks_through_a_training_with_rsvps_and_a_check_in() -> None:
    out = io.StringIO()
    run_demo(out)
    text = out.getvalue()
    part = text[text.index("Erin announces a training") :]
    for line in (
        "this one starts 4 days 14 hours too late",
        "[Going] [Can't make it]",
        "Noted: you are going to T-",
        ":alarm_clock: *Reminder*: training",
        "Check-in for T-",
        "Checked in to T-",
        ":arrow_forward: *It's starting*",
        "here is its recording",
    ):
        assert line in part, line
    assert part.index("Noted: you are going") < part.index("Checked in to")
