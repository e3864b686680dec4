"""A kind slabot does not ship (`chore.py`, under tests/) is plugged in through the plugin
list alone, with no edit to any generic module: it is in `/sla help`, `/sla mine`, App Home
and `slabot status`, a real sweep warns and breaches it through delivery, and the scorecard
counts its miss."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.container import Container
from bot.items.status import status_rows
from bot.jobs import scorecard
from bot.jobs.sweep import sweep
from bot.plugins import PLUGINS
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.scorecard.export import as_json
from slaengine.scorecard.weeks import parse_week
from tests.kinds.toy.chore import PLUGIN as CHORES
from tests.support.app import container as support_container
from tests.support.app import serve
from tests.support.fakeslack import FakeSlack
from tests.support.slack_requests import event, slash_command

SIGNING_SECRET = "toy-kind-signing-secret"
REP = "U0ALICE"


@pytest.fixture
def c(
    database_url: str,
    leads_agreement: Agreement,
    clock: FixedClock,
    fake_slack: FakeSlack,
    engine: Engine,
) -> Iterator[Container]:
    container = support_container(
        database_url,
        engine,
        leads_agreement,
        clock,
        fake_slack,
        signing_secret=SIGNING_SECRET,
        plugins=(*PLUGINS, CHORES),
    )
    yield container
    container._pool.shutdown(wait=True)


@pytest.fixture
def served(c: Container) -> Iterator[str]:
    with serve(c) as url:
        yield url


def sla(served: str, fake: FakeSlack, text: str, tag: str) -> str:
    answer = slash_command(
        served, SIGNING_SECRET, text=text, user_id=REP, response_url=fake.response_url(tag)
    )
    assert answer.status_code == 200
    return str(fake.wait_for(f"response:{tag}")[0].args)


def test_a_kind_from_the_plugin_list_alone_is_helped_listed_homed_swept_and_scored(
    c: Container, served: str, fake_slack: FakeSlack, clock: FixedClock
) -> None:
    assert "/sla chore <title>" in sla(served, fake_slack, "help", "help")
    assert "a chore by its ref" in sla(served, fake_slack, "help", "help2")

    taken = sla(served, fake_slack, "chore water the plants", "chore")
    ref = taken.split("'text': '")[1].split(" ")[0]
    assert ref.startswith("Z-") and "is yours" in taken

    assert f"*{ref}* water the plants" in sla(served, fake_slack, "mine", "mine")
    home = fake_slack.wait_for("views.publish", predicate=lambda call: call.args["user_id"] == REP)
    assert f"*{ref}* water the plants" in str(home[-1].args["view"]["blocks"])
    event(
        served,
        SIGNING_SECRET,
        {"type": "app_home_opened", "user": REP, "channel": f"D{REP}", "tab": "home"},
    )
    opened = fake_slack.wait_for(
        "views.publish", 2, predicate=lambda call: call.args["user_id"] == REP
    )
    assert f"*{ref}* water the plants" in str(opened[-1].args["view"]["blocks"])

    (row,) = [r for r in status_rows(c) if r["ref"] == ref]
    assert (row["kind"], row["state"], row["chore"]) == ("chore", "on_track", True)

    clock.advance(timedelta(hours=1, minutes=1))
    report = sweep(c)
    assert report.warnings == 1
    assert [m["text"] for m in fake_slack.messages_to(REP)] == [
        f"Chore {ref} water the plants: warn"
    ]

    clock.advance(timedelta(hours=1))
    report = sweep(c)
    assert (report.breaches, report.escalations) == (1, 1)
    channel = c.agreement.agreement.scorecard_channel
    assert f"Chore {ref} water the plants: escalate" in [
        m["text"] for m in fake_slack.messages_to(channel)
    ]
    (row,) = [r for r in status_rows(c) if r["ref"] == ref]
    assert row["state"] == "missed"

    year, week, _ = clock.now().astimezone(c.agreement.zone).isocalendar()
    card = as_json(scorecard.build(c, parse_week(f"{year}-W{week:02d}")))
    (person,) = [p for p in card["people"] if p["user"] == REP]
    assert person["missed"] == 1
    assert card["sales"]["chores"] == {"met": 0, "missed": 1, "excused": 0, "rate": 0.0}
