"""Training through the app served in this process (so the clock is the test's), against
the fake Slack: the invitations with their buttons, RSVP and *Check in* clicks, the reminder
and the start prompt, `/sla mine`, `/sla attend` and the recording."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.container import Container
from bot.items.status import status_rows
from bot.jobs.sweep import sweep
from slaengine.agreement.config import Agreement, reference_agreement_path
from slaengine.clock import FixedClock
from tests.support.agreement import parse_agreement
from tests.support.app import container as support_container
from tests.support.app import serve
from tests.support.fakeslack import FakeSlack
from tests.support.slack_requests import block_action, slash_command

SIGNING_SECRET = "in-process-signing-secret"
CHANNEL = "#sales-marketing"
#: Monday 30 November 2026, 10:00 EST
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
#: Tuesday 8 December 2026, 14:00 EST, for 90 minutes
STARTS = datetime(2026, 12, 8, 19, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(minutes=90)
ANNOUNCE = "training Product X deep dive on 2026-12-08 14:00 for 2026-12-16 90m"


@pytest.fixture
def c(database_url: str, fake_slack: FakeSlack, engine: Engine) -> Iterator[Container]:
    fake_slack.add_user("U0FRED", email="fred@acme.example")
    text = reference_agreement_path().read_text(encoding="utf-8")
    agreement: Agreement = parse_agreement(
        text.replace('["U0ALICE", "U0BOB"]', '["U0ALICE", "U0BOB", "U0FRED"]')
    )
    container = support_container(
        database_url,
        engine,
        agreement,
        FixedClock(NOW),
        fake_slack,
        signing_secret=SIGNING_SECRET,
    )
    container.background_delivery = False  # delivered before the command answers
    yield container
    container._pool.shutdown(wait=True)


@pytest.fixture
def served(c: Container) -> Iterator[str]:
    with serve(c) as url:
        yield url


class Talk:
    def __init__(self, served: str, fake: FakeSlack) -> None:
        self.served, self.fake, self.n = served, fake, 0

    def _answer(self, name: str) -> dict[str, Any]:
        return dict(self.fake.wait_for(f"response:{name}")[0].args)

    def sla(self, text: str, user: str) -> dict[str, Any]:
        self.n += 1
        name = f"cmd{self.n}"
        ack = slash_command(
            self.served, SIGNING_SECRET, text=text, user_id=user,
            response_url=self.fake.response_url(name), trigger_id=f"T.{name}",
        )  # fmt: skip
        assert ack.status_code == 200
        return self._answer(name)

    def click(self, user: str, action: str, value: str) -> str:
        self.n += 1
        name = f"click{self.n}"
        ack = block_action(
            self.served, SIGNING_SECRET, user_id=user, action_id=action, value=value,
            response_url=self.fake.response_url(name),
        )  # fmt: skip
        assert ack.status_code == 200
        return str(self._answer(name)["text"])


def about(fake: FakeSlack, method: str, ref: str) -> list[dict[str, Any]]:
    """What was sent by `method` about training `ref` (content cycles warn meanwhile too)."""
    return [call.args for call in fake.calls(method, ok=True) if ref in str(call.args)]


def buttons(message: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (e["text"]["text"], e["action_id"], e["value"])
        for block in message.get("blocks") or []
        if block["type"] == "actions"
        for e in block["elements"]
    ]


def test_an_announced_training_invites_each_rep_and_the_channel_with_rsvp_buttons(
    c: Container, served: str, fake_slack: FakeSlack
) -> None:
    talk = Talk(served, fake_slack)
    refused = talk.sla(ANNOUNCE, "U0ALICE")["text"]
    assert "announced by the marketing team" in refused
    late = talk.sla("training X on 2026-12-14 14:00 for 2026-12-16", "U0ERIN")["text"]
    assert "5 days 14 hours too late" in late
    assert "YYYY-MM-DD HH:MM" in talk.sla("training X on monday for 2026-12-16", "U0ERIN")["text"]
    assert fake_slack.calls("chat.postMessage") == []

    answer = talk.sla(ANNOUNCE, "U0ERIN")["text"]
    ref = answer.split()[1]
    assert ref.startswith("T-") and "3 attendees and #sales-marketing are invited" in answer
    rsvp = [("Going", "training_going", ref), ("Can't make it", "training_declined", ref)]
    for target in ("U0ALICE", "U0BOB", "U0FRED"):
        (invite,) = fake_slack.messages_to(target)
        assert buttons(invite) == rsvp
        assert "Product X deep dive" in str(invite["blocks"])
        assert f"<!date^{int(STARTS.timestamp())}^" in str(invite["blocks"])
    posts = [m for m in fake_slack.messages_to(CHANNEL) if "Training" in str(m["blocks"])]
    assert [buttons(p) for p in posts] == [rsvp]
    assert fake_slack.messages_to("U0CAROL") == fake_slack.messages_to("U0DAVE") == []
    assert fake_slack.violations == []


def test_rsvps_reminders_the_start_prompt_check_ins_and_the_recording(
    c: Container, served: str, fake_slack: FakeSlack
) -> None:
    assert isinstance(c.clock, FixedClock)
    clock: FixedClock = c.clock
    talk = Talk(served, fake_slack)
    ref = talk.sla(ANNOUNCE, "U0ERIN")["text"].split()[1]
    assert "Noted: you are going" in talk.click("U0ALICE", "training_going", ref)
    assert "not on the attendee list" in talk.click("U0CAROL", "training_going", ref)
    assert "not able to make it" in talk.click("U0FRED", "training_declined", ref)
    assert "Noted: you are going" in talk.click("U0FRED", "training_going", ref)  # changed

    # /sla mine: the attendance with its RSVP buttons, no check-in yet
    mine = talk.sla("mine", "U0BOB")
    assert "you have not answered yet" in str(mine["blocks"])
    assert [b[1] for b in buttons(mine)] == ["training_going", "training_declined"]

    # a day before: only Bob, who has not answered, is reminded
    fake_slack.reset()
    clock.set(STARTS - timedelta(days=1))
    sweep(c)
    sent = about(fake_slack, "chat.postMessage", ref)
    assert [m["channel"] for m in sent] == ["U0BOB"]
    (reminder,) = sent
    assert "Reminder" in reminder["text"]
    assert [b[1] for b in buttons(reminder)] == [
        "training_going", "training_declined", "training_check_in"
    ]  # fmt: skip

    # check-in opens 15 minutes before the start
    clock.set(STARTS - timedelta(minutes=16))
    assert "opens 15 minutes before it starts" in talk.click("U0ALICE", "training_check_in", ref)
    clock.set(STARTS - timedelta(minutes=10))
    assert "Checked in" in talk.sla(f"attend {ref}", "U0ALICE")["text"]
    mine = talk.sla("mine", "U0FRED")
    assert [b[1] for b in buttons(mine)] == [
        "training_going", "training_declined", "training_check_in"
    ]  # fmt: skip

    # the start: a prompt to those not checked in, Bob's in place of his reminder
    fake_slack.reset()
    clock.set(STARTS + timedelta(seconds=1))
    sweep(c)
    posted = {m["channel"]: m for m in about(fake_slack, "chat.postMessage", ref)}
    (updated,) = about(fake_slack, "chat.update", ref)
    assert set(posted) == {"U0FRED"} and "U0BOB" in updated["channel"]
    assert "It's starting" in str(updated["blocks"])
    assert buttons(posted["U0FRED"]) == [("Check in", "training_check_in", ref)]
    assert "RSVPs for" in talk.click("U0BOB", "training_going", ref)
    assert "Checked in" in talk.click("U0FRED", "training_check_in", ref)

    # the end: attended, absent; the recording goes to Bob alone, once
    clock.set(ENDS)
    sweep(c)
    rows = {r["owner"]: r for r in status_rows(c) if r["kind"] == "training_attendance"}
    assert {u: (r["state"], r["attendance"]) for u, r in rows.items()} == {
        "U0ALICE": ("met", "attended"),
        "U0BOB": ("missed", "absent"),
        "U0FRED": ("met", "attended"),
    }
    (session_row,) = [r for r in status_rows(c) if r["kind"] == "training"]
    assert (session_row["state"], session_row["going"], session_row["attended"]) == ("met", 2, 2)
    fake_slack.reset()
    link = "https://acme.example/rec"
    assert "http:// or https://" in talk.sla(f"training {ref} recording rec", "U0ERIN")["text"]
    assert "<@U0BOB>" in talk.sla(f"training {ref} recording {link}", "U0ERIN")["text"]
    assert "already has" in talk.sla(f"training {ref} recording {link}", "U0ERIN")["text"]
    sent = about(fake_slack, "chat.postMessage", ref)
    assert [m["channel"] for m in sent] == ["U0BOB"] and link in str(sent[0]["blocks"])
    assert fake_slack.violations == []
