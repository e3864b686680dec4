"""Marketing's content through a running `slabot run` on a chosen clock (SLABOT_CLOCK_FILE),
driven with signed requests: March 2026 in New York (across the spring DST change) into
April (a month end and a quarter end)."""

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

import pytest

from bot.clock import set_clock_file
from slaengine.agreement.config import reference_agreement_path
from tests.scenarios.conftest import SIGNING_SECRET, RunningBot, bot_env, launch, stop
from tests.scenarios.test_time_driven import wait_for_passes, wait_until
from tests.support.fakeslack import FakeSlack
from tests.support.slack_requests import block_action, slash_command
from tests.support.tally import arrivals

#: Friday 6 March 2026, 10:00 EST: before the DST change of Sunday 8 March
MARCH_6 = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
#: the quarter mark of March's business time: Monday 9 March, 13:00 EDT
MARCH_9_1300 = datetime(2026, 3, 9, 17, 0, tzinfo=UTC)
#: March's last business closing: Tuesday 31 March, 17:00 EDT
MARCH_DUE = datetime(2026, 3, 31, 21, 0, tzinfo=UTC)
#: Wednesday 1 April 2026, 10:00 EDT
APRIL_1 = datetime(2026, 4, 1, 14, 0, tzinfo=UTC)
CHANNEL = "#sales-marketing"
#: content items (cycles, campaigns, requests); the weekly report is another scenario's
ANY_REF = re.compile(r"\*([CKR]-\d+)\*")


def status(bot: RunningBot, tmp_path: Path, clock_file: Path) -> dict[str, dict[str, Any]]:
    """`slabot status --json` (a separate process on the same clock), by natural period:
    `<kind>:<source>:<period>` for cycles, the ref for anything else."""
    env = {
        **os.environ,
        "DATABASE_URL": bot.database_url,
        "SLA_CONFIG": str(reference_agreement_path()),
        "SLABOT_CLOCK_FILE": str(clock_file),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.entrypoints.cli", "status", "--json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return {
        f"{r['kind']}:{r['source']}:{r['period']}" if "period" in r else r["ref"]: r for r in rows
    }


def sla(bot: RunningBot, fake: FakeSlack, text: str, user: str, name: str) -> str:
    ack = slash_command(
        bot.base_url,
        SIGNING_SECRET,
        text=text,
        user_id=user,
        response_url=fake.response_url(name),
        trigger_id=f"T.{name}",
    )
    assert ack.status_code == 200, ack.text
    return str(fake.wait_for(f"response:{name}")[0].args["text"])


def click(bot: RunningBot, fake: FakeSlack, user: str, action: str, value: str, name: str) -> str:
    ack = block_action(
        bot.base_url,
        SIGNING_SECRET,
        user_id=user,
        action_id=action,
        value=value,
        response_url=fake.response_url(name),
    )
    assert ack.status_code == 200, ack.text
    return str(fake.wait_for(f"response:{name}")[0].args["text"])


def announced(fake: FakeSlack) -> list[dict[str, Any]]:
    return [
        c.args
        for c in fake.calls("chat.postMessage", ok=True)
        if c.args.get("channel") == CHANNEL and "New " in str(c.args.get("text"))
    ]


@pytest.fixture
def clock_file(tmp_path: Path) -> Path:
    path = tmp_path / "clock"
    set_clock_file(path, MARCH_6)
    return path


def test_content_and_campaign_cycles_open_warn_once_breach_escalate_and_reopen_by_themselves(
    fake_slack: FakeSlack, database_url: str, tmp_path: Path, clock_file: Path
) -> None:
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
        march = status(bot, tmp_path, clock_file)
        blog = march["deliverable:blog:2026-03"]
        paper = march["deliverable:whitepaper:2026-03"]
        study = march["deliverable:case-study:2026-03"]
        assert (blog["count"], blog["target"], blog["owner"], blog["state"]) == (
            0,
            4,
            "U0CAROL",
            "on_track",
        )
        assert datetime.fromisoformat(blog["due_at"]) == MARCH_DUE  # 17:00 EDT, after the change
        refs = {blog["ref"]: "blog", paper["ref"]: "whitepaper", study["ref"]: "case-study"}
        assert all(ref.startswith("C-") for ref in refs)
        quarter = march["campaigns:campaigns:2026-Q1"]
        assert (quarter["count"], quarter["target"], quarter["ref"][:2]) == (0, 3, "K-")
        assert datetime.fromisoformat(quarter["due_at"]) == MARCH_DUE  # the quarter's end too

        # bad input is answered privately and changes nothing
        answer = sla(bot, fake_slack, "done podcast Episode 1", "U0ERIN", "unknown")
        assert "blog, whitepaper, case-study" in answer
        assert "marketing team" in sla(bot, fake_slack, "done blog Mine", "U0ALICE", "outsider")
        assert "http:// or https://" in sla(
            bot, fake_slack, "done blog Post http://", "U0ERIN", "badlink"
        )
        assert "at most 150" in sla(bot, fake_slack, "done blog " + "x" * 151, "U0ERIN", "long")

        # a piece logged is counted and announced with its *Used it* button
        answer = sla(bot, fake_slack, "done blog Ten ways https://acme.example/ten", "U0ERIN", "b1")
        assert f"{blog['ref']} Logged: 1/4 for 2026-03." in answer
        wait_until("the announcement", lambda: len(announced(fake_slack)) == 1)
        (post,) = announced(fake_slack)
        button = post["blocks"][1]["elements"][0]
        assert (button["text"]["text"], button["action_id"]) == ("Used it", "content_used")
        assert "Noted" in click(bot, fake_slack, "U0ALICE", "content_used", button["value"], "u1")
        assert "already" in click(bot, fake_slack, "U0ALICE", "content_used", button["value"], "u2")
        assert "Only the sales team" in click(
            bot, fake_slack, "U0CAROL", "content_used", button["value"], "u3"
        )
        for n in range(2):  # the white papers are met: no warning, no breach
            sla(bot, fake_slack, f"done whitepaper Paper {n}", "U0ERIN", f"w{n}")

        # a campaign launch is counted in the quarter's cycle, which is behind its pace
        assert "marketing team" in sla(bot, fake_slack, "campaign Mine", "U0ALICE", "k0")
        answer = sla(
            bot, fake_slack, "campaign Spring webinar https://acme.example/s", "U0CAROL", "k1"
        )
        assert f"{quarter['ref']} Logged: 1/3 for 2026-Q1." in answer
        warned = Counter({("U0CAROL", "warn", quarter["ref"]): 1})
        wait_until("the quarter's warning", lambda: arrivals(fake_slack, ANY_REF) == warned)
        wait_for_passes(bot, 2)
        assert arrivals(fake_slack, ANY_REF) == warned, "nothing else before the pace falls behind"

        # the pace falls behind at the quarter mark, after the DST change: warned once
        set_clock_file(clock_file, MARCH_9_1300 + timedelta(seconds=30))
        warned += Counter(
            {("U0CAROL", "warn", blog["ref"]): 1, ("U0CAROL", "warn", study["ref"]): 1}
        )
        wait_until("the warnings", lambda: arrivals(fake_slack, ANY_REF) == warned)
        # a second piece moves the blog's warning later; when it comes, nobody is told again
        sla(bot, fake_slack, "done blog Second post", "U0ERIN", "b2")
        set_clock_file(clock_file, datetime(2026, 3, 20, 18, 0, tzinfo=UTC))
        wait_for_passes(bot, 3)
        assert arrivals(fake_slack, ANY_REF) == warned

        # the period ends with pieces missing: breached, escalated to the channel, missed
        set_clock_file(clock_file, MARCH_DUE + timedelta(seconds=30))
        owed = warned + Counter(
            {
                ("U0CAROL", "breach", blog["ref"]): 1,
                ("U0CAROL", "breach", study["ref"]): 1,
                ("U0CAROL", "breach", quarter["ref"]): 1,
                (CHANNEL, "escalate", blog["ref"]): 1,
                (CHANNEL, "escalate", study["ref"]): 1,
                (CHANNEL, "escalate", quarter["ref"]): 1,
            }
        )
        wait_until("the breaches", lambda: arrivals(fake_slack, ANY_REF) == owed)

        # April: the process opens the new month's cycles by itself
        set_clock_file(clock_file, APRIL_1)
        wait_for_passes(bot, 3)
        april = status(bot, tmp_path, clock_file)
    finally:
        stop(bot)
    assert arrivals(fake_slack, ANY_REF) == owed
    closed = {
        key: (april[key]["state"], april[key]["count"])
        for key in (
            "deliverable:blog:2026-03",
            "deliverable:whitepaper:2026-03",
            "deliverable:case-study:2026-03",
        )
    }
    assert closed == {
        "deliverable:blog:2026-03": ("missed", 2),
        "deliverable:whitepaper:2026-03": ("met", 2),
        "deliverable:case-study:2026-03": ("missed", 0),
    }
    q1, q2 = april["campaigns:campaigns:2026-Q1"], april["campaigns:campaigns:2026-Q2"]
    assert (q1["state"], q1["count"], q1["target"]) == ("missed", 1, 3)
    assert (q2["state"], q2["count"], q2["target"]) == ("on_track", 0, 3)
    assert datetime.fromisoformat(q2["due_at"]) == datetime(2026, 6, 30, 21, 0, tzinfo=UTC)
    new = april["deliverable:blog:2026-04"]
    assert (new["state"], new["count"], new["target"]) == ("on_track", 0, 4)
    assert datetime.fromisoformat(new["due_at"]) == datetime(2026, 4, 30, 21, 0, tzinfo=UTC)
    assert fake_slack.violations == []
    assert "sweep pass failed" not in bot.log()


#: Monday 30 November 2026, 10:00 EST
NOV_30 = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
REQUEST_REF = re.compile(r"\*(R-\d+)\*")


def test_a_content_request_delivered_in_time_is_met_and_one_delivered_late_is_missed(
    fake_slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    clock_file = tmp_path / "clock"
    set_clock_file(clock_file, NOV_30)
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
        answer = sla(bot, fake_slack, "request Deck by 2026-12-05", "U0ALICE", "sat")
        assert "not a working day; the next working day is 2026-12-07" in answer
        answer = sla(bot, fake_slack, "request Deck by 2026-11-27", "U0ALICE", "past")
        assert "in the past; the next working day is 2026-11-30" in answer
        assert "not a date" in sla(bot, fake_slack, "request Deck by friday", "U0ALICE", "word")
        assert "sales team" in sla(bot, fake_slack, "request Deck by 2026-12-02", "U0ERIN", "mk")

        answer = sla(bot, fake_slack, "request ROI one-pager by 2026-12-02", "U0ALICE", "a")
        early = answer.split()[1]
        assert early.startswith("R-") and "<@U0CAROL> owes it" in answer
        late = sla(bot, fake_slack, "request Case deck by 2026-12-01", "U0BOB", "b").split()[1]
        # the late one's notice goes out with its warning (owed at once: less than 2 business
        # days ahead) in one message, which names it once, by the warning
        wait_until(
            "the owner's notices",
            lambda: (
                {early, late}
                <= {
                    ref
                    for message in fake_slack.messages_to("U0CAROL")
                    for ref in REQUEST_REF.findall(str(message.get("blocks")))
                }
            ),
        )
        assert all(
            str(message.get("blocks")).count(f"*{late}*") <= 1
            for message in fake_slack.messages_to("U0CAROL")
        )

        answer = sla(
            bot, fake_slack, f"done request {early} https://acme.example/roi", "U0ERIN", "d1"
        )
        assert f"{early} delivered in time" in answer
        wait_until(
            "the requester's link",
            lambda: any(
                "https://acme.example/roi" in str(c.args.get("blocks"))
                for c in fake_slack.calls("chat.postMessage", ok=True)
            ),
        )
        assert "marketing team's" in sla(bot, fake_slack, f"done request {late}", "U0BOB", "d2")

        # the late one: warned at once (less than 2 business days ahead), then breached
        wait_until(
            "the warning",
            lambda: arrivals(fake_slack, REQUEST_REF)[("U0CAROL", "warn", late)] == 1,
        )
        set_clock_file(clock_file, datetime(2026, 12, 1, 22, 0, 30, tzinfo=UTC))
        owed = Counter(
            {
                ("U0CAROL", "warn", late): 1,
                ("U0CAROL", "breach", late): 1,
                (CHANNEL, "escalate", late): 1,
            }
        )
        wait_until("the breach", lambda: arrivals(fake_slack, REQUEST_REF) == owed)
        answer = sla(bot, fake_slack, f"done request {late}", "U0CAROL", "d3")
        assert f"{late} delivered late" in answer
        wait_for_passes(bot, 2)
        rows = status(bot, tmp_path, clock_file)
    finally:
        stop(bot)
    assert arrivals(fake_slack, REQUEST_REF) == owed
    met, missed = rows[early], rows[late]
    assert (met["kind"], met["state"], met["requester"], met["link"]) == (
        "content_request",
        "met",
        "U0ALICE",
        "https://acme.example/roi",
    )
    assert (missed["state"], missed["requester"], missed["link"]) == ("missed", "U0BOB", None)
    assert fake_slack.violations == []
