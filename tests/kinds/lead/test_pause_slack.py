"""README: `/sla pause <lead> <reason> [until YYYY-MM-DD]` and `/sla resume <lead>`, through
the app served in this process (so the clock is the test's) against the fake Slack: each
answer is private, a refusal says why, and `/sla mine` shows a paused lead as paused, with
its reason and until when."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.container import Container
from slaengine.clock import FixedClock
from tests.conftest import LEADS_ONLY
from tests.support.agreement import parse_agreement
from tests.support.app import container as support_container
from tests.support.app import handoff, ny, serve
from tests.support.fakeslack import FakeSlack
from tests.support.slack_requests import slash_command

SIGNING_SECRET = "in-process-signing-secret"
PAUSE = '\n[leads.pause]\nreasons = ["customer travelling", "legal review"]\nmax = "2d"\n'


@pytest.fixture
def c(database_url: str, fake_slack: FakeSlack, engine: Engine) -> Iterator[Container]:
    container = support_container(
        database_url, engine, parse_agreement(LEADS_ONLY + PAUSE), FixedClock(ny(23, 10)),
        fake_slack, signing_secret=SIGNING_SECRET,
    )  # fmt: skip
    container.background_delivery = False
    yield container
    container._pool.shutdown(wait=True)


class Talk:
    def __init__(self, served: str, fake: FakeSlack) -> None:
        self.served, self.fake, self.n = served, fake, 0

    def sla(self, text: str, user: str = "U0ALICE") -> dict[str, Any]:
        self.n += 1
        name = f"cmd{self.n}"
        ack = slash_command(
            self.served, SIGNING_SECRET, text=text, user_id=user,
            response_url=self.fake.response_url(name), trigger_id=f"T.{name}",
        )  # fmt: skip
        assert ack.status_code == 200
        return dict(self.fake.wait_for(f"response:{name}")[0].args)


@pytest.fixture
def talk(c: Container, fake_slack: FakeSlack) -> Iterator[Talk]:
    with serve(c) as url:
        yield Talk(url, fake_slack)


def test_the_owner_pauses_a_lead_sees_it_paused_in_mine_and_resumes_it(
    c: Container, talk: Talk
) -> None:
    ref = handoff(c, "slack-1").ref  # handed over Monday 10:00: first touch due 14:00
    answer = talk.sla(f"pause {ref} Legal review until 2026-11-24")
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith(f":double_vertical_bar: {ref} paused (legal review) until ")
    mine = json.dumps(talk.sla("mine")["blocks"])
    assert ":double_vertical_bar: paused (legal review) until <!date^" in mine
    assert "Tue 24 Nov 2026 09:00 EST" in mine
    assert isinstance(c.clock, FixedClock)
    c.clock.set(ny(23, 16))
    answer = talk.sla(f"resume {ref}")
    # paused 10:00 to 16:00: six business hours; due 14:00 moves to Tuesday 12:00
    assert answer["text"] == f":arrow_forward: {ref} resumed: now due Tue 24 Nov 12:00."
    assert "paused (" not in json.dumps(talk.sla("mine")["blocks"])


@pytest.mark.parametrize(
    ("text", "user", "why"),
    [
        ("pause {ref} legal review", "U0BOB", "only they, the sales manager or an admin"),
        ("pause {ref} lunch", "U0ALICE",
         "'lunch' is not a reason the agreement allows a pause for: `customer travelling`, "
         "`legal review`."),
        ("pause {ref} legal review until 2026-12-01", "U0ALICE", "longer than the agreement"),
        ("pause {ref} legal review until tomorrow", "U0ALICE", "write it as YYYY-MM-DD"),
        ("resume {ref}", "U0ALICE", "is not paused"),
        ("pause", "U0ALICE", "Which lead? Usage: `/sla pause <lead> <reason> [until YYYY-MM-DD]`"),
    ],
)
def test_a_refused_pause_or_resume_is_answered_privately_saying_why(
    c: Container, talk: Talk, text: str, user: str, why: str
) -> None:
    ref = handoff(c, "slack-no").ref
    answer = talk.sla(text.format(ref=ref), user=user)
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith(":no_entry: ") and why in answer["text"]
    assert "paused (" not in json.dumps(talk.sla("mine")["blocks"])


def test_help_lists_pause_and_resume(talk: Talk) -> None:
    text = talk.sla("help")["text"]
    assert "pause <lead> <reason> [until YYYY-MM-DD]" in text
    assert "resume <lead>" in text
