"""The weekly report and its feedback through a running `slabot run` on a chosen clock
(SLABOT_CLOCK_FILE), driven with signed requests: Christmas week 2026 in New York (Thursday
24 December off, Friday 25 a holiday) into the week of New Year's Day."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import set_clock_file
from slaengine.agreement.config import reference_agreement_path
from tests.scenarios.conftest import RunningBot, bot_env, launch, stop
from tests.scenarios.test_content_over_time import sla
from tests.scenarios.test_time_driven import wait_for_passes, wait_until
from tests.support.fakeslack import DEFAULT_CHANNEL_ID, FakeSlack
from tests.support.tally import arrivals

#: Monday 21 December 2026, 10:00 EST
DEC_21 = datetime(2026, 12, 21, 15, 0, tzinfo=UTC)
#: the week's report is due Wednesday 23 December, 17:00 EST (24 and 25 are days off)
DEC_23_DUE = datetime(2026, 12, 23, 22, 0, tzinfo=UTC)
#: New Year's week: due Thursday 31 December, 17:00 EST (Friday 1 January is a holiday)
DEC_31_DUE = datetime(2026, 12, 31, 22, 0, tzinfo=UTC)
REPORT_REF = re.compile(r"\*([WF]-\d+)\*")
CHANNEL = "#sales-marketing"
LINK = "https://acme.example/reports/2026-w52"


def status(bot: RunningBot, tmp_path: Path, clock_file: Path) -> list[dict[str, Any]]:
    """`slabot status --json` (a separate process on the same clock): the report kinds."""
    env = {
        **os.environ,
        "DATABASE_URL": bot.database_url,
        "SLA_CONFIG": str(reference_agreement_path()),
        "SLABOT_CLOCK_FILE": str(clock_file),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.entrypoints.cli", "status", "--json"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return [r for r in rows if r["kind"] in ("report", "report_feedback")]


def week(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
    (found,) = [r for r in rows if r["kind"] == "report" and r["week"] == key]
    return found


def opened(bot: RunningBot, tmp_path: Path, clock_file: Path, key: str) -> dict[str, Any]:
    """The week's report once a sweep pass on the clock file's time has opened it."""
    found: list[dict[str, Any]] = []

    def is_open() -> bool:
        rows = status(bot, tmp_path, clock_file)
        found[:] = [r for r in rows if r["kind"] == "report" and r["week"] == key]
        return bool(found)

    wait_until(f"the report for {key}", is_open)
    (report,) = found
    return report


def test_a_holiday_weeks_report_is_opened_warned_posted_and_answered_in_its_thread(
    fake_slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    clock_file = tmp_path / "clock"
    set_clock_file(clock_file, DEC_21)
    env = bot_env(
        fake_slack,
        database_url,
        SLA_CONFIG=str(reference_agreement_path()),
        SLABOT_CLOCK_FILE=str(clock_file),
        SLABOT_SWEEP_SECONDS="1",
        SLABOT_DELIVER_SECONDS="1",
    )
    bot = launch(env, tmp_path)
    try:
        wait_for_passes(bot, 2)
        w52 = week(status(bot, tmp_path, clock_file), "2026-W52")
        ref = w52["ref"]
        assert ref.startswith("W-") and (w52["owner"], w52["state"]) == ("U0CAROL", "on_track")
        assert datetime.fromisoformat(w52["due_at"]) == DEC_23_DUE
        assert (w52["link"], w52["posted_by"]) == (None, None)

        # warned at the opening of the day it is due, once
        set_clock_file(clock_file, datetime(2026, 12, 23, 14, 0, 30, tzinfo=UTC))
        warned = Counter({("U0CAROL", "warn", ref): 1})
        wait_until("the warning", lambda: arrivals(fake_slack, REPORT_REF) == warned)

        # refused privately, changing nothing; then posted in time by marketing
        set_clock_file(clock_file, datetime(2026, 12, 23, 20, 0, tzinfo=UTC))
        assert "marketing team's" in sla(bot, fake_slack, f"report {LINK}", "U0ALICE", "r0")
        answer = sla(bot, fake_slack, f"report {LINK} Pipeline up 8%", "U0ERIN", "r1")
        assert answer.startswith(f":bar_chart: {ref} posted in time;")
        assert "<@U0DAVE> owes feedback (F-" in answer
        wait_until(
            "the report's post",
            lambda: any(
                LINK in str(m.get("blocks")) for m in fake_slack.messages_to(DEFAULT_CHANNEL_ID)
            ),
        )
        (post,) = [
            c for c in fake_slack.calls("chat.postMessage", ok=True)
            if LINK in str(c.args.get("blocks")) and c.answer and "thread_ts" not in c.args
        ]  # fmt: skip
        assert post.answer is not None
        button = post.args["blocks"][-1]["elements"][0]
        assert (button["text"]["text"], button["value"]) == ("Give feedback", ref)

        # after Christmas, the sales contact answers: in the post's thread, and to its author
        set_clock_file(clock_file, datetime(2026, 12, 29, 15, 0, tzinfo=UTC))
        assert "sales team" in sla(bot, fake_slack, f"feedback {ref} Me too", "U0CAROL", "f0")
        answer = sla(bot, fake_slack, f"feedback {ref} Clear, thanks", "U0DAVE", "f1")
        assert answer.startswith(f":white_check_mark: Feedback on {ref} recorded in time;")
        wait_until(
            "the reply in the thread",
            lambda: any(c.args.get("thread_ts") for c in fake_slack.calls("chat.postMessage")),
        )
        (reply,) = [c for c in fake_slack.calls("chat.postMessage") if c.args.get("thread_ts")]
        assert reply.args["thread_ts"] == post.answer["ts"]
        assert reply.args["channel"] == post.answer["channel"]
        assert "Clear, thanks" in reply.args["text"]
        wait_until(
            "the author's DM",
            lambda: any("Clear, thanks" in m["text"] for m in fake_slack.messages_to("U0ERIN")),
        )

        # New Year's week opened by itself; it is due Thursday, warned that morning, and
        # with nothing posted it is breached, escalated to the channel and missed
        w53 = opened(bot, tmp_path, clock_file, "2026-W53")
        assert datetime.fromisoformat(w53["due_at"]) == DEC_31_DUE
        set_clock_file(clock_file, datetime(2026, 12, 31, 14, 0, 30, tzinfo=UTC))
        warned[("U0CAROL", "warn", w53["ref"])] += 1
        wait_until("the second warning", lambda: arrivals(fake_slack, REPORT_REF) == warned)
        set_clock_file(clock_file, DEC_31_DUE.replace(second=30))
        owed = warned + Counter(
            {("U0CAROL", "breach", w53["ref"]): 1, (CHANNEL, "escalate", w53["ref"]): 1}
        )
        wait_until("the breach", lambda: arrivals(fake_slack, REPORT_REF) == owed)
        wait_for_passes(bot, 2)
        rows = status(bot, tmp_path, clock_file)
    finally:
        stop(bot)
    assert arrivals(fake_slack, REPORT_REF) == owed
    w52, w53 = week(rows, "2026-W52"), week(rows, "2026-W53")
    assert (w52["state"], w52["link"], w52["summary"], w52["posted_by"]) == (
        "met",
        LINK,
        "Pipeline up 8%",
        "U0ERIN",
    )
    assert (w53["state"], w53["link"]) == ("missed", None)
    (answered,) = [r for r in rows if r["kind"] == "report_feedback"]
    assert (answered["state"], answered["owner"], answered["report"]) == ("met", "U0DAVE", ref)
    assert [f["by"] for f in answered["feedback"]] == ["U0DAVE"]
    assert fake_slack.violations == []
    assert "sweep pass failed" not in bot.log()


#: Wednesday 25 November 2026, 10:00 EST: the day before Thanksgiving
NOV_25 = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
#: five business days on, skipping Thanksgiving and the weekend: Thursday 3 December, 10:00
FEEDBACK_DUE = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


def test_feedback_on_a_report_posted_before_thanksgiving_is_due_five_working_days_later(
    fake_slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    clock_file = tmp_path / "clock"
    set_clock_file(clock_file, NOV_25)
    env = bot_env(
        fake_slack,
        database_url,
        SLA_CONFIG=str(reference_agreement_path()),
        SLABOT_CLOCK_FILE=str(clock_file),
        SLABOT_SWEEP_SECONDS="1",
        SLABOT_DELIVER_SECONDS="1",
    )
    bot = launch(env, tmp_path)
    try:
        wait_for_passes(bot, 2)
        ref = week(status(bot, tmp_path, clock_file), "2026-W48")["ref"]
        answer = sla(bot, fake_slack, f"report {LINK} Thanksgiving edition", "U0ERIN", "r1")
        assert answer.startswith(f":bar_chart: {ref} posted in time;")
        (feedback,) = [
            r for r in status(bot, tmp_path, clock_file) if r["kind"] == "report_feedback"
        ]
        # time runs on from the clock file: posted a few seconds after 10:00
        late = datetime.fromisoformat(feedback["due_at"]) - FEEDBACK_DUE
        assert timedelta(0) <= late < timedelta(minutes=1), late
        assert (feedback["owner"], feedback["state"]) == ("U0DAVE", "on_track")

        # warned a working day before (Wednesday 2 December, 10:00), answered that afternoon
        set_clock_file(clock_file, datetime(2026, 12, 2, 15, 0, 30, tzinfo=UTC))
        warned = Counter({("U0DAVE", "warn", feedback["ref"]): 1})
        wait_until("the feedback's warning", lambda: arrivals(fake_slack, REPORT_REF) == warned)
        set_clock_file(clock_file, datetime(2026, 12, 2, 21, 0, tzinfo=UTC))
        answer = sla(bot, fake_slack, f"feedback {ref} Good; more on MQLs", "U0DAVE", "f1")
        assert answer.startswith(f":white_check_mark: Feedback on {ref} recorded in time;")
        rows = status(bot, tmp_path, clock_file)
    finally:
        stop(bot)
    (answered,) = [r for r in rows if r["kind"] == "report_feedback"]
    assert answered["state"] == "met"
    assert "sweep pass failed" not in bot.log()
