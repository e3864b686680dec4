"""README: the ladder's `pool` step posts the lead in its pool's channel with a *Claim*
button; the first click takes it, the channel's message then says who took it and the old
owner's message says where it went; anyone outside the pool, or clicking after, is told
privately why not or who has it; `/sla claim <ref>` is the button's twin. Clicks and
commands go over signed HTTP to the app served in this process; Slack is the fake."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.container import Container
from bot.kinds.lead.notices import leads_handed_off
from slaengine.clock import FixedClock
from slaengine.kinds.lead import work as leadwork
from slaengine.kinds.lead.tables import Lead
from slaengine.persistence.db import unit_of_work
from tests.kinds.lead.test_claim_store import STEPS, agreement
from tests.kinds.lead.test_ladder_store import at, ny
from tests.kinds.lead.test_store import reload, take
from tests.support.app import container as support_container
from tests.support.app import serve
from tests.support.fakeslack import FakeSlack
from tests.support.slack_requests import block_action, slash_command

SIGNING_SECRET = "in-process-signing-secret"
POOL_CHANNEL = "C0ENTLEADS"


@pytest.fixture
def c(database_url: str, engine: Engine, fake_slack: FakeSlack) -> Iterator[Container]:
    fake_slack.add_user("U0FRANK", email="frank@acme.example")
    fake_slack.add_channel(POOL_CHANNEL, "enterprise-leads")
    container = support_container(
        database_url, engine, agreement(*STEPS), FixedClock(ny(23, 9)), fake_slack,
        signing_secret=SIGNING_SECRET,
    )  # fmt: skip
    yield container
    container._pool.shutdown(wait=True)


@pytest.fixture
def served(c: Container) -> Iterator[str]:
    with serve(c) as url:
        yield url


def offered(c: Container, fake_slack: FakeSlack) -> tuple[Lead, dict[str, Any]]:
    """A lead handed to Alice at 9:00, passed to Bob at 10:00 and offered in the pool's
    channel at 11:00: the lead, and the channel's message."""
    lead = take(c.engine, c.agreement, ny(23, 9), external_id="s-1", owner="U0ALICE").lead
    with unit_of_work(c.engine) as session:
        leads_handed_off(c, session, [leadwork.get(session, lead.ref)])
    c.deliverer.deliver_due()
    at(c, ny(23, 10, 1), deliver=True)
    assert reload(c.engine, lead.id).owner_id == "U0BOB"
    at(c, ny(23, 11, 1), deliver=True)
    (post,) = fake_slack.calls("chat.postMessage", ok=True)[-1:]
    assert post.args["channel"] == "#enterprise-leads"
    return lead, {"args": post.args, "ts": post.answer["ts"]}  # type: ignore[index]


def click(served: str, fake: FakeSlack, user: str, ref: str, name: str) -> str:
    answer = block_action(
        served, SIGNING_SECRET, user_id=user, action_id="lead_claim", value=ref,
        response_url=fake.response_url(name), channel_id=POOL_CHANNEL,
    )  # fmt: skip
    assert answer.status_code == 200
    reply = fake.wait_for(f"response:{name}")[0].args
    assert reply["response_type"] == "ephemeral"
    return str(reply["text"])


def test_the_first_click_on_claim_takes_the_lead_and_the_messages_say_where_it_went(
    c: Container, served: str, fake_slack: FakeSlack
) -> None:
    lead, post = offered(c, fake_slack)
    blocks = json.dumps(post["args"]["blocks"])
    assert '"action_id": "lead_claim"' in blocks and "Up for grabs" in blocks
    (bobs,) = [m for m in fake_slack.calls("chat.postMessage", ok=True)
               if m.args["channel"] == "U0BOB"]  # fmt: skip

    refused = click(served, fake_slack, "U0DAVE", lead.ref, "dave")
    assert "Only a sales rep of the 'enterprise' pool can claim" in refused
    assert reload(c.engine, lead.id).owner_id == "U0BOB"

    taken = click(served, fake_slack, "U0FRANK", lead.ref, "frank")
    assert taken == f":raising_hand: {lead.ref} is yours now: claimed from the pool's channel."
    assert reload(c.engine, lead.id).owner_id == "U0FRANK"
    late = click(served, fake_slack, "U0ALICE", lead.ref, "alice")
    assert "<@U0FRANK> has it" in late

    c.deliverer.deliver_due()
    updates = {str(u.args["ts"]): u.args for u in fake_slack.calls("chat.update", ok=True)}
    in_channel = updates[str(post["ts"])]
    assert "was claimed by <@U0FRANK>" in str(in_channel["text"])
    assert "lead_claim" not in json.dumps(in_channel["blocks"])
    to_bob = updates[str(bobs.answer["ts"])]  # type: ignore[index]
    assert "was passed to <@U0FRANK>: claimed from its pool's channel" in str(to_bob["text"])
    to_frank = fake_slack.messages_to("U0FRANK")
    assert len(to_frank) == 1 and "Passed to you from <@U0BOB>" in str(to_frank[0]["blocks"])
    assert fake_slack.violations == []


def test_sla_claim_is_the_buttons_twin(c: Container, served: str, fake_slack: FakeSlack) -> None:
    lead, _ = offered(c, fake_slack)

    def sla(text: str, user: str, name: str) -> str:
        ack = slash_command(
            served, SIGNING_SECRET, text=text, user_id=user,
            response_url=fake_slack.response_url(name), trigger_id=f"T.{name}",
        )  # fmt: skip
        assert ack.status_code == 200
        return str(fake_slack.wait_for(f"response:{name}")[0].args["text"])

    assert "Usage: `/sla claim <lead>`" in sla("claim", "U0ALICE", "empty")
    assert sla(f"claim {lead.ref}", "U0ALICE", "first") == (
        f":raising_hand: {lead.ref} is yours now: claimed from the pool's channel."
    )
    assert reload(c.engine, lead.id).owner_id == "U0ALICE"
    assert "<@U0ALICE> has it" in sla(f"claim {lead.ref}", "U0FRANK", "second")
