"""The people the agreement names by e-mail address, looked up through the directory
(`users.lookupByEmail` on the fake Slack, cached in the database) when the container is
built and by each pass while any is unknown: what every kind then reads is Slack IDs, an
address no Slack user has is named by its key, and Slack failing stops nothing."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from bot.container import Container, make_client
from bot.jobs.sweep import sweep
from bot.settings import Settings
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from tests.conftest import LEADS_ONLY
from tests.support.agreement import parse_agreement
from tests.support.app import container
from tests.support.fakeslack import FakeSlack

#: Tuesday 1 December 2026, 10:00 in New York
DEC_1 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
UNKNOWN = "teams.marketing.contact: no Slack user has the e-mail address 'carla@acme.example'"


def written(contact: str) -> Agreement:
    """The reference agreement (leads only) with marketing's contact and sales' manager
    written as e-mail addresses."""
    return parse_agreement(
        LEADS_ONLY.replace('contact = "U0CAROL"', f'contact = "{contact}"').replace(
            'manager = "U0DAVE"', 'manager = "dave@acme.example"'
        )
    )


@pytest.fixture
def built() -> Iterator[list[Container]]:
    """Containers built by `build(...)` on one database, as processes started one after
    another would be; each shut down after the test."""
    made: list[Container] = []
    yield made
    for c in made:
        c._pool.shutdown(wait=True)


def start(
    made: list[Container], database_url: str, engine: Engine, fake: FakeSlack, contact: str
) -> Container:
    c = container(
        database_url, engine, written(contact), FixedClock(DEC_1), fake, slack_directory=True
    )
    c.background_delivery = False
    made.append(c)
    return c


def test_the_agreements_people_are_named_by_the_slack_ids_of_their_addresses(
    built: list[Container], database_url: str, engine: Engine, fake_slack: FakeSlack
) -> None:
    c = start(built, database_url, engine, fake_slack, "carol@acme.example")
    assert (c.agreement.marketing.contact, c.agreement.sales.manager) == ("U0CAROL", "U0DAVE")
    assert c.agreement.is_manager("U0DAVE")


def test_each_address_is_looked_up_in_slack_once_not_again_by_later_passes_nor_a_restart(
    built: list[Container], database_url: str, engine: Engine, fake_slack: FakeSlack
) -> None:
    c = start(built, database_url, engine, fake_slack, "carol@acme.example")
    sweep(c, deliver=False)
    sweep(c, deliver=False)
    again = start(built, database_url, engine, fake_slack, "carol@acme.example")
    sweep(again, deliver=False)
    assert again.agreement.marketing.contact == "U0CAROL"
    assert sorted(call.args["email"] for call in fake_slack.calls("users.lookupByEmail")) == [
        "carol@acme.example",
        "dave@acme.example",
    ]


def test_an_address_no_slack_user_has_is_named_by_its_key_once_and_kept_as_written(
    built: list[Container],
    database_url: str,
    engine: Engine,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.container")
    c = start(built, database_url, engine, fake_slack, "carla@acme.example")
    sweep(c, deliver=False)
    sweep(c, deliver=False)
    told = [r.getMessage() for r in caplog.records if r.name == "bot.container"]
    assert told == [f"./sla.toml: {UNKNOWN}"]
    assert (c.agreement.marketing.contact, c.agreement.sales.manager) == (
        "carla@acme.example",
        "U0DAVE",
    )


def test_an_address_unknown_at_first_is_looked_up_again_by_each_pass_until_slack_knows_it(
    built: list[Container], database_url: str, engine: Engine, fake_slack: FakeSlack
) -> None:
    c = start(built, database_url, engine, fake_slack, "carla@acme.example")
    sweep(c, deliver=False)
    assert c.agreement.marketing.contact == "carla@acme.example"
    fake_slack.add_user("U0CARLA", email="carla@acme.example")
    sweep(c, deliver=False)
    assert c.agreement.marketing.contact == "U0CARLA"
    asked = fake_slack.count("users.lookupByEmail")
    sweep(c, deliver=False)
    assert fake_slack.count("users.lookupByEmail") == asked
    emails = [call.args["email"] for call in fake_slack.calls("users.lookupByEmail")]
    assert emails.count("dave@acme.example") == 1


def test_when_slack_refuses_the_look_up_the_pass_still_runs_and_the_next_one_looks_again(
    built: list[Container],
    database_url: str,
    engine: Engine,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.container")
    fake_slack.fail_next("users.lookupByEmail", status=200, error="missing_scope", times=2)
    c = start(built, database_url, engine, fake_slack, "carol@acme.example")
    report = sweep(c, deliver=False)
    assert report.opened == 0  # the leads-only agreement opens nothing by itself
    assert c.agreement.marketing.contact == "carol@acme.example"
    told = " ".join(r.getMessage() for r in caplog.records)
    assert "could not be looked up in Slack yet (missing_scope)" in told
    sweep(c, deliver=False)
    assert c.agreement.marketing.contact == "U0CAROL"


def test_when_slack_cannot_be_reached_the_addresses_stay_as_written_until_a_later_look_up(
    built: list[Container],
    database_url: str,
    engine: Engine,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.container")
    nowhere = make_client(
        Settings(bot_token="xoxb-test", api_url="http://127.0.0.1:9/api/"),  # nothing listens
        delivery=True,  # no retries of a lost connection
    )
    c = container(
        database_url,
        engine,
        written("carol@acme.example"),
        FixedClock(DEC_1),
        fake_slack,
        client=nowhere,
        slack_directory=True,
    )
    built.append(c)
    assert c.know_people() == ()  # as a pass does first
    assert c.agreement.marketing.contact == "carol@acme.example"
    told = [r.getMessage() for r in caplog.records if r.name == "bot.container"]
    assert len(told) == 2  # when built, and again
    assert "could not be looked up in Slack yet (<urlopen error" in told[0]
