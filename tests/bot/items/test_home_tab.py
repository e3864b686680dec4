"""App Home through the app served in this process (signed requests, the test's clock)
against the fake Slack, which checks every published view as Slack would."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.container import Container
from bot.jobs import scorecard
from bot.kinds.request import ui as requests
from slaengine.agreement.config import Agreement, reference_agreement_path
from slaengine.clock import FixedClock
from slaengine.engine import services
from slaengine.kinds.lead import work as leadwork
from slaengine.persistence.db import unit_of_work
from slaengine.scorecard.export import as_json
from slaengine.scorecard.weeks import parse_week
from tests.support.agreement import parse_agreement
from tests.support.app import container as support_container
from tests.support.app import handoff, ny, serve
from tests.support.fakeslack import FakeSlack
from tests.support.kinds import KINDS
from tests.support.plan import stored_lead
from tests.support.slack_requests import block_action, event, slash_command, view_submission

SIGNING_SECRET = "in-process-signing-secret"


@pytest.fixture
def c(
    database_url: str,
    agreement: Agreement,
    clock: FixedClock,
    fake_slack: FakeSlack,
    engine: Engine,
) -> Iterator[Container]:
    container = support_container(
        database_url,
        engine,
        agreement,
        clock,
        fake_slack,
        signing_secret=SIGNING_SECRET,
    )
    yield container
    container._pool.shutdown(wait=True)


@pytest.fixture
def served(c: Container) -> Iterator[str]:
    with serve(c) as url:
        yield url


def open_home(served: str, fake: FakeSlack, user: str, n: int = 1) -> dict[str, Any]:
    answer = event(
        served,
        SIGNING_SECRET,
        {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"},
    )
    assert answer.status_code == 200
    published = fake.wait_for(
        "views.publish", n, predicate=lambda call: call.args["user_id"] == user
    )[-1]
    assert published.ok, published.answer
    view: dict[str, Any] = published.args["view"]
    return view


def text_of(view: dict[str, Any]) -> str:
    return str(view["blocks"])


def action_ids(view: dict[str, Any]) -> set[str]:
    return {
        element["action_id"]
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


def test_opening_the_home_tab_publishes_the_reps_own_items_weeks_team_and_agreement(
    c: Container, served: str, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "home-1", owner="U0ALICE")
    view = open_home(served, fake_slack, "U0ALICE")
    text = text_of(view)
    assert view["type"] == "home"
    assert lead.ref in text
    assert {"lead_touch", "lead_accept", "lead_reject"} <= action_ids(view)
    assert "Your last 4 weeks" in text
    # Monday 23 November 2026: the lead is due by 13:00 today
    assert "`2026-W48` (this week) · 1 due · 0 met · 0 missed" in text
    assert "`2026-W45` · 0 due" in text
    assert "Sales this week" in text
    assert "Acme Sales & Marketing SLA" in text
    assert "accept or reject within 2d" in text
    assert "Scorecard every mon 09:00 (America/New_York) in #sales-marketing" in text
    assert "Who is behind" not in text  # a rep does not oversee
    assert fake_slack.violations == []


def test_the_sales_manager_also_sees_the_overdue_count_and_the_worst_offenders(
    c: Container, served: str, fake_slack: FakeSlack, clock: FixedClock
) -> None:
    text = reference_agreement_path().read_text(encoding="utf-8")
    c.agreement = parse_agreement(text.replace('admins = ["U0DAVE", "U0CAROL"]', "admins = []"))
    assert c.agreement.may_oversee("U0DAVE") and not c.agreement.is_admin("U0DAVE")
    handoff(c, "late-1", owner="U0BOB")
    handoff(c, "late-2", owner="U0BOB")
    handoff(c, "late-3", owner="U0ALICE")
    handoff(c, "theirs", owner="U0CAROL")  # marketing's: not the sales manager's to oversee
    clock.advance(timedelta(days=1))  # a 4h window: all overdue
    view = open_home(served, fake_slack, "U0DAVE")
    text = text_of(view)
    assert "*3* overdue across sales" in text
    assert "U0CAROL>:" not in text
    assert text.index("<@U0BOB>: 2 overdue") < text.index("<@U0ALICE>: 1 overdue")
    assert "lead_touch" not in action_ids(view)  # not every item: only their own


def test_an_admin_sees_who_is_behind_across_every_team(
    c: Container, served: str, fake_slack: FakeSlack, clock: FixedClock
) -> None:
    handoff(c, "late-1", owner="U0BOB")
    handoff(c, "theirs", owner="U0ERIN")
    clock.advance(timedelta(days=1))
    text = text_of(open_home(served, fake_slack, "U0DAVE"))
    assert "*2* overdue across every team" in text
    assert "<@U0BOB>: 1 overdue" in text and "<@U0ERIN>: 1 overdue" in text


def test_five_hundred_items_of_several_kinds_stay_within_100_blocks_with_see_all(
    c: Container, served: str, fake_slack: FakeSlack, clock: FixedClock
) -> None:
    now = clock.now()
    with unit_of_work(c.engine) as session:
        opened = services.open_due(session, c.agreement, now, KINDS)  # cycles owned by Carol
        for n in range(500 - opened - 6):
            due = now + timedelta(hours=n - 40)  # 40 overdue, the rest due later
            stored_lead(session, f"many-{n}", now - timedelta(hours=1), owner="U0CAROL", due_at=due)
    for n in range(6):
        requests.request_content(
            c, text=f"Piece {n} by 2026-12-15", actor="U0ALICE", request=f"req-{n}"
        )
    view = open_home(served, fake_slack, "U0CAROL")  # marketing's contact, and an admin
    assert len(view["blocks"]) <= 100
    text = text_of(view)
    assert "See all: `/sla mine`" in text
    assert "500 open · 40 overdue" in text
    assert "Who is behind" in text and "overdue across every team" in text
    assert "Your last 4 weeks" in text
    assert "Blog post 4 a month" in text
    assert "lead_touch" in action_ids(view)
    assert fake_slack.violations == []


def test_contacted_clicked_on_the_home_tab_republishes_it_with_the_lead_moved_on(
    c: Container, served: str, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "click-1", owner="U0ALICE")
    before = open_home(served, fake_slack, "U0ALICE")
    assert f"{lead.ref}|0" in text_of(before)
    block_action(
        served,
        SIGNING_SECRET,
        user_id="U0ALICE",
        action_id="lead_touch",
        value=f"{lead.ref}|0",
        view={"id": "VHOME", "type": "home"},
    )
    after = fake_slack.wait_for("views.publish", 2)[-1].args["view"]
    assert f"{lead.ref}|1" in text_of(after)
    assert "Your last 4 weeks" in text_of(after)
    assert fake_slack.violations == []


def test_a_rejection_submitted_from_the_home_tabs_form_republishes_it_without_the_lead(
    c: Container, served: str, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "reject-1", owner="U0ALICE")
    assert lead.ref in text_of(open_home(served, fake_slack, "U0ALICE"))
    answer = view_submission(
        served,
        SIGNING_SECRET,
        user_id="U0ALICE",
        callback_id="reject_modal",
        state_values={"reason": {"reason": {"type": "plain_text_input", "value": "No budget"}}},
        private_metadata=lead.ref,
    )
    assert answer.status_code == 200
    after = fake_slack.wait_for("views.publish", 2)[-1].args["view"]
    assert lead.ref not in text_of(after)
    assert "Nothing open" in text_of(after)


def test_a_lead_touched_with_the_slash_command_republishes_the_reps_home_tab(
    c: Container, served: str, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "slash-1", owner="U0ALICE")
    answer = slash_command(
        served,
        SIGNING_SECRET,
        text=f"touch {lead.ref}",
        user_id="U0ALICE",
        response_url=fake_slack.response_url("touch"),
    )
    assert answer.status_code == 200
    assert "first touch" in fake_slack.wait_for("response:touch")[0].args["text"].lower()
    published = fake_slack.wait_for("views.publish")[0]
    assert published.args["user_id"] == "U0ALICE"
    assert f"{lead.ref}|1" in text_of(published.args["view"])


def test_a_refused_slash_command_does_not_republish_the_home_tab(
    c: Container, served: str, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "slash-2", owner="U0ALICE")
    slash_command(
        served,
        SIGNING_SECRET,
        text=f"touch {lead.ref}",
        user_id="U0BOB",  # not Bob's lead
        response_url=fake_slack.response_url("refused"),
    )
    assert ":no_entry:" in fake_slack.wait_for("response:refused")[0].args["text"]
    sla_mine = slash_command(
        served,
        SIGNING_SECRET,
        text="mine",
        user_id="U0BOB",
        response_url=fake_slack.response_url("mine"),
    )
    assert sla_mine.status_code == 200
    fake_slack.wait_for("response:mine")
    assert fake_slack.count("views.publish") == 0


def _act(c: Container, verb: str, ref: str, actor: str, **kw: str) -> None:
    with unit_of_work(c.engine) as session:
        getattr(leadwork, verb)(
            session, c.agreement, name=ref, actor=actor, now=c.clock.now(), key=f"{verb}:{ref}",
            **kw,
        )  # fmt: skip


def test_the_scorecards_headline_its_table_and_app_home_agree_on_a_week(
    c: Container, served: str, fake_slack: FakeSlack, clock: FixedClock
) -> None:
    """2026-W48 (Mon 23 - Sun 29 November), each lead due 4 business hours after its handoff:
    one met, four missed (untouched, touched late, passed on late, touched the next week)."""
    clock.set(ny(23, 9))
    met = handoff(c, "met", owner="U0ALICE").ref
    handoff(c, "untouched", owner="U0ALICE")  # open, due Mon 13:00
    clock.set(ny(23, 10))
    _act(c, "touch", met, "U0ALICE")
    clock.set(ny(24, 9))
    late = handoff(c, "late", owner="U0BOB").ref  # due Tue 13:00
    _act(c, "accept", met, "U0ALICE")
    clock.set(ny(24, 15))
    _act(c, "touch", late, "U0BOB")  # late; open in its accept window since
    clock.set(ny(25, 9))
    passed = handoff(c, "passed", owner="U0BOB").ref  # due Wed 13:00
    clock.set(ny(25, 14))
    with unit_of_work(c.engine) as session:
        leadwork.reassign(
            session, c.agreement, name=passed, actor="U0DAVE", to="U0ALICE", now=clock.now()
        )
    clock.set(ny(25, 15))
    _act(c, "touch", passed, "U0ALICE")
    clock.set(ny(27, 9))
    friday = handoff(c, "friday", owner="U0ALICE").ref  # due Fri 13:00
    clock.set(ny(27, 10))
    _act(c, "reject", passed, "U0ALICE", reason="no budget")
    clock.set(ny(30, 10))  # Monday of 2026-W49
    _act(c, "touch", friday, "U0ALICE")
    _act(c, "accept", friday, "U0ALICE")
    clock.set(ny(30, 12))
    card = as_json(scorecard.build(c, parse_week("2026-W48")))
    leads = card["leads"]
    assert (leads["due"], leads["within_sla"]) == (5, 1)
    table = {p["user"]: (p["items"], p["met"], p["missed"]) for p in card["people"]}
    assert table["U0ALICE"] == (3, 1, 2)  # met; untouched; Friday's, touched on Monday
    assert table["U0BOB"] == (2, 0, 2)  # touched late; passed on after its window lapsed
    assert sum(missed for _, _, missed in table.values()) == leads["due"] - leads["within_sla"]
    for user in ("U0ALICE", "U0BOB"):
        items, met_, missed = table[user]
        line = f"`2026-W48` · {items} due · {met_} met · {missed} missed"
        assert line in text_of(open_home(served, fake_slack, user)), user
