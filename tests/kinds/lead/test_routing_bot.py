"""Routing through the app served in this process (so the clock is the test's), against the
fake Slack: `/sla routing` for everyone, `/sla rotation in|out`, a rep dropping out of
rotation after missed response windows (the manager's DM), and the ledger in a manager's
App Home."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.container import Container
from bot.jobs.sweep import sweep
from bot.kinds.lead.importer import import_leads
from bot.listeners.events import home_view
from slaengine.agreement.config import reference_agreement_path
from slaengine.clock import FixedClock
from slaengine.kinds.lead.tables import Lead, RotationState
from tests.conftest import NEW_YORK, leads_only
from tests.support.agreement import parse_agreement
from tests.support.app import container as support_container
from tests.support.app import handoff, serve
from tests.support.fakeslack import FakeSlack
from tests.support.slack_requests import slash_command

SIGNING_SECRET = "in-process-signing-secret"
#: Monday 23 November 2026, 09:00 in New York
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=NEW_YORK)
POOLS = """
[routing]
out_after_misses = 2

[[routing.pools]]
name = "enterprise"
match = { company_size = ["1000+"] }
members = ["U0ALICE", { user = "U0BOB", weight = 2 }]
cap = 40
channel = "#enterprise-leads"

[[routing.pools]]
name = "default"
members = ["U0ALICE", "U0BOB"]
"""


def served_container(
    database_url: str, engine: Engine, fake: FakeSlack, extra: str
) -> Iterator[tuple[Container, str]]:
    text = leads_only(reference_agreement_path().read_text(encoding="utf-8")) + extra
    c = support_container(
        database_url, engine, parse_agreement(text), FixedClock(NOW), fake,
        signing_secret=SIGNING_SECRET,
    )  # fmt: skip
    c.background_delivery = False
    with serve(c) as url:
        yield c, url
    c._pool.shutdown(wait=True)


@pytest.fixture
def app(
    database_url: str, engine: Engine, fake_slack: FakeSlack
) -> Iterator[tuple[Container, str]]:
    yield from served_container(database_url, engine, fake_slack, POOLS)


class Talk:
    def __init__(self, served: str, fake: FakeSlack) -> None:
        self.served, self.fake, self.n = served, fake, 0

    def sla(self, text: str, user: str) -> str:
        self.n += 1
        name = f"cmd{self.n}"
        ack = slash_command(
            self.served, SIGNING_SECRET, text=text, user_id=user,
            response_url=self.fake.response_url(name), trigger_id=f"T.{name}",
        )  # fmt: skip
        assert ack.status_code == 200
        answer: dict[str, Any] = dict(self.fake.wait_for(f"response:{name}")[0].args)
        assert answer.get("response_type") == "ephemeral"
        return str(answer["text"])


def out_of_rotation(c: Container, user: str) -> bool:
    with Session(c.engine) as session:
        state = session.get(RotationState, user)
        return state is not None and state.out


def test_sla_routing_shows_each_pool_with_its_reps_to_anyone(
    app: tuple[Container, str], fake_slack: FakeSlack
) -> None:
    c, url = app
    for i in range(3):
        handoff(c, f"e{i}", owner="", company_size="1000+")
    handoff(c, "d0", owner="")
    answer = Talk(url, fake_slack).sla("routing", "U0ERIN")  # marketing asks too
    enterprise, default = answer.split("\n\n")[1:]
    assert enterprise.splitlines() == [
        "*enterprise* · cap 40 open leads a rep · #enterprise-leads",
        "• <@U0ALICE>: 1 this week, 1 this month · weight 1 · 2 open of 40 · in rotation · "
        "never skipped",
        "• <@U0BOB>: 2 this week, 2 this month · weight 2 · 2 open of 40 · in rotation · "
        "never skipped",
    ]
    assert default.splitlines()[0] == "*default* · no cap"
    assert "<@U0ALICE>: 1 this week, 1 this month · weight 1 · 2 open" in default


def test_a_rep_takes_themselves_out_of_rotation_and_the_ledger_says_why_they_were_skipped(
    app: tuple[Container, str], fake_slack: FakeSlack
) -> None:
    c, url = app
    talk = Talk(url, fake_slack)
    assert talk.sla("rotation out", "U0BOB") == (
        ":white_check_mark: You are out of rotation: no new leads until put back with "
        "`/sla rotation in`."
    )
    assert out_of_rotation(c, "U0BOB")
    lead = handoff(c, "e0", owner="", company_size="1000+")
    assert lead.owner_id == "U0ALICE"
    ledger = talk.sla("routing", "U0ALICE")
    assert (
        "<@U0BOB>: 0 this week, 0 this month · weight 2 · 0 open of 40 · *out of rotation*"
        in ledger
    )
    assert "last skipped: out of rotation (Mon 23 Nov 09:00)" in ledger
    assert talk.sla("rotation in", "U0BOB").startswith(":white_check_mark: You are back in")
    assert handoff(c, "e1", owner="", company_size="1000+").owner_id == "U0BOB"


def test_only_the_rep_or_their_manager_puts_a_rep_back_and_bad_input_is_refused(
    app: tuple[Container, str], fake_slack: FakeSlack
) -> None:
    c, url = app
    talk = Talk(url, fake_slack)
    talk.sla("rotation out", "U0BOB")
    refused = talk.sla("rotation in <@U0BOB|bob>", "U0ALICE")
    assert refused.startswith(":no_entry: Only <@U0BOB> or the sales manager")
    assert out_of_rotation(c, "U0BOB")
    assert "<@U0BOB> is back in rotation" in talk.sla("rotation in <@U0BOB|bob>", "U0DAVE")
    assert not out_of_rotation(c, "U0BOB")
    assert "Usage: `/sla rotation in|out [@rep]`" in talk.sla("rotation sideways", "U0BOB")
    assert "is not a sales rep" in talk.sla("rotation out <@U0ERIN>", "U0DAVE")
    assert "is not a person" in talk.sla("rotation out bob", "U0DAVE")


def test_a_rep_who_misses_two_response_windows_in_a_row_drops_out_and_the_manager_hears(
    app: tuple[Container, str], fake_slack: FakeSlack
) -> None:
    c, _ = app
    first = handoff(c, "m1", owner="U0BOB")
    second = handoff(c, "m2", owner="U0BOB")
    assert isinstance(c.clock, FixedClock)
    c.clock.set(NOW + timedelta(hours=5))  # both 4h windows lapsed at 13:00
    sweep(c)
    assert out_of_rotation(c, "U0BOB")
    (dm,) = fake_slack.messages_to("U0DAVE")  # with the breaches it escalates
    assert dm["text"].splitlines()[-1] == (
        f":warning: <@U0BOB> missed 2 response windows in a row (the last on {second.ref}) "
        "and is out of rotation: no new leads until they or you put them back "
        "(`/sla rotation in` with a mention of them)."
    )
    assert first.ref != second.ref
    assert handoff(c, "next", owner="").owner_id == "U0ALICE"
    sweep(c)  # nothing owed twice
    assert len([m for m in fake_slack.messages_to("U0DAVE") if "rotation" in str(m)]) == 1


def test_a_response_in_time_starts_the_count_of_misses_again(
    app: tuple[Container, str], fake_slack: FakeSlack
) -> None:
    c, url = app
    assert isinstance(c.clock, FixedClock)
    handoff(c, "m1", owner="U0BOB")
    c.clock.set(NOW + timedelta(hours=4, minutes=5))
    sweep(c)  # m1's window lapsed at 13:00: one miss
    met = handoff(c, "m2", owner="U0BOB")
    assert "inside its response window" in Talk(url, fake_slack).sla(f"touch {met.ref}", "U0BOB")
    handoff(c, "m3", owner="U0BOB")
    c.clock.set(NOW + timedelta(days=1, hours=2))
    sweep(c)  # m3's lapsed on Tuesday morning: one miss since the answer in time
    assert not out_of_rotation(c, "U0BOB")


def test_without_out_after_misses_nobody_drops_out(
    database_url: str, engine: Engine, fake_slack: FakeSlack
) -> None:
    for c, _ in served_container(database_url, engine, fake_slack, ""):
        for i in range(4):
            handoff(c, f"m{i}", owner="U0BOB")
        assert isinstance(c.clock, FixedClock)
        c.clock.set(NOW + timedelta(hours=5))
        sweep(c)
        assert not out_of_rotation(c, "U0BOB")


def test_a_manager_sees_the_ledger_in_app_home_and_a_rep_does_not(
    app: tuple[Container, str],
) -> None:
    c, _ = app
    handoff(c, "e0", owner="", company_size="1000+")
    managers = str(home_view(c, "U0DAVE"))
    assert "*enterprise* · cap 40 open leads a rep" in managers
    assert "<@U0BOB>: 1 this week" in managers
    assert "*enterprise*" not in str(home_view(c, "U0ALICE"))


def test_a_csv_import_routes_by_its_company_size_column(
    app: tuple[Container, str], tmp_path: Path
) -> None:
    c, _ = app
    path = tmp_path / "leads.csv"
    path.write_text(
        "external_id,fit,interest,company_size,country,region\n"
        "big,good,high,1000+,DE,EMEA\nsmall,good,high,10-50,,\n",
        encoding="utf-8",
    )
    reports = list(import_leads(c, path))
    assert [r.outcome for r in reports] == ["imported", "imported"]
    with Session(c.engine) as session:
        leads = {lead.external_id: lead for lead in session.exec(select(Lead)).all()}
    assert (leads["big"].pool, leads["big"].country, leads["big"].region) == (
        "enterprise",
        "DE",
        "EMEA",
    )
    assert leads["small"].pool == "default"
