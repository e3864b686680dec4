"""SIGTERM to `slabot run` (a rolling deploy) while it is posting: the post in flight is
finished and recorded, what it had claimed goes back to the outbox, and the next instance
delivers it at once rather than after the two-minute lease; each message is posted once."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slaengine.persistence import outbox
from slaengine.persistence.db import make_engine, unit_of_work
from tests.scenarios.conftest import bot_env, launch
from tests.support.fakeslack import FakeSlack


def owe(database_url: str, rows: list[tuple[str, str, str | None, timedelta]]) -> None:
    """(key, target, thread_key, how long ago) for each row."""
    engine = make_engine(database_url)
    with unit_of_work(engine) as session:
        for key, target, thread_key, ago in rows:
            outbox.enqueue(
                session,
                key=key,
                target=target,
                text=f"about {key}",
                now=datetime.now(UTC) - ago,
                thread_key=thread_key,
            )
    engine.dispose()


def test_sigterm_mid_post_lets_the_next_instance_deliver_what_was_claimed_at_once(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    owe(
        database_url,
        [  # Alice's first: her invitation and the reply in its thread, then Bob's notice
            ("invite", "U0ALICE", None, timedelta(minutes=2)),
            ("reply", "U0ALICE", "invite", timedelta(minutes=2)),
            ("notice", "U0BOB", None, timedelta(minutes=1)),
        ],
    )
    fake_slack.stall_after("chat.postMessage", 3)  # Slack takes the invitation, answers late
    env = bot_env(fake_slack, database_url, SLABOT_DELIVER_SECONDS="1")  # lease: 120 s
    running = launch(env, tmp_path)
    assert fake_slack.stalled.wait(60), running.log()
    running.process.send_signal(signal.SIGTERM)
    code = running.process.wait(timeout=60)

    nxt = subprocess.run(  # the next instance, seconds later: long before any lease ran out
        [sys.executable, "-m", "bot.entrypoints.cli", "sweep"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert nxt.returncode == 0, nxt.stdout + nxt.stderr
    alice = fake_slack.messages_to("U0ALICE")
    assert sorted(str(m["text"]) for m in alice) == ["about invite", "about reply"], alice
    (reply,) = [m for m in alice if m["text"] == "about reply"]
    (invite,) = [m for m in alice if m["text"] == "about invite"]
    posted = {c.args["text"]: c.answer for c in fake_slack.calls("chat.postMessage", ok=True)}
    assert reply.get("thread_ts") == (posted["about invite"] or {}).get("ts"), (reply, invite)
    assert [m["text"] for m in fake_slack.messages_to("U0BOB")] == ["about notice"]
    assert code == 0, running.log()  # a stop, not a death by the signal
    assert "Traceback" not in running.log(), running.log()
