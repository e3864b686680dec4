"""The weekly report in Slack, served in this process over signed HTTP against the fake
Slack: `/sla report` posts it in the scorecard channel with a *Give feedback* button,
`/sla feedback` and the button's form reply in its thread and tell its author, `/sla mine`
lists both kinds, and the reminders are drawn by their kinds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.container import Container, build, make_client
from bot.delivery.pacer import Pacer
from bot.directory import StaticDirectory
from bot.jobs.sweep import sweep
from bot.kinds.report.blocks import FEEDBACK_MODAL, GIVE_FEEDBACK
from bot.plugins import PLUGINS
from bot.settings import Settings
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.kinds.report.tables import Report
from slaengine.persistence.tables import Item
from tests.conftest import NEW_YORK
from tests.support.app import serve
from tests.support.fakeslack import DEFAULT_CHANNEL_ID, FakeSlack
from tests.support.slack_requests import block_action, slash_command, view_submission

SECRET = "reports-signing-secret"
LINK = "https://acme.example/reports/w49"


def ny(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def c(
    database_url: str,
    reports_agreement: Agreement,
    fake_slack: FakeSlack,
    engine: Engine,
) -> Iterator[Container]:
    settings = Settings(
        bot_token="xoxb-test",
        signing_secret=SECRET,
        api_url=fake_slack.url,
        database_url=database_url,
    )
    built = build(
        settings,
        agreement=reports_agreement,
        clock=FixedClock(ny(12, 1, 10)),  # Tuesday of 2026-W49
        client=make_client(settings),
        directory=StaticDirectory(),
        engine=engine,
        plugins=PLUGINS,
    )
    built.deliverer.pacer = Pacer(interval=0)
    yield built
    built._pool.shutdown(wait=True)


@pytest.fixture
def served(c: Container) -> Iterator[str]:
    with serve(c) as url:
        yield url


def sla(served: str, fake: FakeSlack, text: str, user: str, name: str) -> str:
    answer = slash_command(
        served, SECRET, text=text, user_id=user, response_url=fake.response_url(name),
        trigger_id=f"T.{name}",
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    return str(fake.wait_for(f"response:{name}")[0].args["text"])


def channel_posts(fake: FakeSlack, n: int) -> list[dict[str, Any]]:
    calls = fake.wait_for(
        "chat.postMessage", n, predicate=lambda call: call.answer is not None
        and call.answer.get("channel") == DEFAULT_CHANNEL_ID,
    )  # fmt: skip
    return [call.args | {"ts": call.answer["ts"]} for call in calls if call.answer]


def dms(fake: FakeSlack, user: str, n: int) -> list[dict[str, Any]]:
    calls = fake.wait_for(
        "chat.postMessage", n, predicate=lambda call: call.answer is not None
        and call.answer.get("channel") == f"D{user}",
    )  # fmt: skip
    return [call.args for call in calls]


def post_report(served: str, fake: FakeSlack) -> tuple[str, dict[str, Any]]:
    answer = sla(served, fake, f"report {LINK} Leads up 12%; MQLs flat", "U0ERIN", "post")
    (post,) = channel_posts(fake, 1)
    return answer, post


def test_a_report_is_posted_in_the_channel_with_its_summary_author_and_feedback_button(
    c: Container, served: str, fake_slack: FakeSlack
) -> None:
    answer, post = post_report(served, fake_slack)
    with Session(c.engine) as session:
        item = session.exec(select(Item).where(Item.kind == "report")).one()
        ref = item.ref
    assert answer.startswith(f":bar_chart: {ref} posted in time;")
    blocks = json.dumps(post["blocks"])
    assert LINK in blocks and "Leads up 12%; MQLs flat" in blocks and "<@U0ERIN>" in blocks
    assert "Weekly marketing performance report" in blocks
    button = post["blocks"][-1]["elements"][0]
    assert (button["action_id"], button["value"], button["text"]["text"]) == (
        GIVE_FEEDBACK,
        ref,
        "Give feedback",
    )
    assert fake_slack.violations == []


def test_a_report_from_outside_marketing_or_without_a_link_is_refused_and_nothing_is_posted(
    c: Container, served: str, fake_slack: FakeSlack
) -> None:
    assert "marketing team's to post" in sla(served, fake_slack, f"report {LINK}", "U0ALICE", "a")
    assert "http:// or https://" in sla(served, fake_slack, "report acme.example/r", "U0ERIN", "b")
    assert fake_slack.count("chat.postMessage") == 0
    with Session(c.engine) as session:
        assert session.exec(select(Report)).all() == []


def test_a_second_report_the_same_week_is_refused_privately(
    c: Container, served: str, fake_slack: FakeSlack
) -> None:
    post_report(served, fake_slack)
    answer = sla(served, fake_slack, "report https://acme.example/again", "U0CAROL", "again")
    assert "already posted by <@U0ERIN>" in answer and LINK in answer
    assert len(channel_posts(fake_slack, 1)) == 1


def test_feedback_by_command_replies_in_the_reports_thread_and_tells_its_author(
    c: Container, served: str, fake_slack: FakeSlack
) -> None:
    _answer, post = post_report(served, fake_slack)
    ref = post["blocks"][-1]["elements"][0]["value"]
    answer = sla(served, fake_slack, f"feedback {ref} Great, more on MQLs please", "U0ALICE", "f")
    assert answer == f":white_check_mark: Feedback on {ref} recorded."
    _post, reply = channel_posts(fake_slack, 2)
    assert reply["thread_ts"] == post["ts"]
    assert reply["channel"] == DEFAULT_CHANNEL_ID
    assert "<@U0ALICE>" in json.dumps(reply["blocks"])
    assert "Great, more on MQLs please" in json.dumps(reply["blocks"])
    (dm,) = dms(fake_slack, "U0ERIN", 1)
    assert "Great, more on MQLs please" in json.dumps(dm["blocks"]) and ref in dm["text"]
    assert "from the sales team" in sla(served, fake_slack, f"feedback {ref} Me", "U0CAROL", "m")
    assert "No report is called 'W-9'" in sla(served, fake_slack, "feedback W-9 x", "U0BOB", "u")
    assert fake_slack.violations == []


def test_the_feedback_button_opens_a_form_whose_submission_replies_in_the_thread(
    c: Container, served: str, fake_slack: FakeSlack
) -> None:
    _answer, post = post_report(served, fake_slack)
    ref = post["blocks"][-1]["elements"][0]["value"]
    clicked = block_action(
        served, SECRET, user_id="U0DAVE", action_id=GIVE_FEEDBACK, value=ref,
        trigger_id="T.form", message={"ts": post["ts"], "text": "", "type": "message"},
    )  # fmt: skip
    assert clicked.status_code == 200
    (opened,) = fake_slack.wait_for("views.open")
    assert opened.args["trigger_id"] == "T.form"
    view = opened.args["view"]
    assert (view["callback_id"], view["private_metadata"]) == (FEEDBACK_MODAL, ref)

    empty = view_submission(
        served, SECRET, user_id="U0DAVE", callback_id=FEEDBACK_MODAL, private_metadata=ref,
        state_values={"feedback": {"value": {"type": "plain_text_input", "value": " "}}},
    )  # fmt: skip
    assert empty.json()["response_action"] == "errors"
    sent = view_submission(
        served, SECRET, user_id="U0DAVE", callback_id=FEEDBACK_MODAL, private_metadata=ref,
        view_id="V0FORM",
        state_values={"feedback": {"value": {"type": "plain_text_input", "value": "Solid."}}},
    )  # fmt: skip
    assert sent.status_code == 200
    _post, reply = channel_posts(fake_slack, 2)
    assert reply["thread_ts"] == post["ts"] and "Solid." in reply["text"]
    (confirmation,) = dms(fake_slack, "U0DAVE", 1)
    assert "is closed" in confirmation["text"]
    dms(fake_slack, "U0ERIN", 1)
    with Session(c.engine) as session:
        answer = session.exec(select(Item).where(Item.kind == "report_feedback")).one()
        assert (answer.is_open, answer.outcome) == (False, "met")


def test_the_feedback_button_is_refused_to_someone_outside_sales_and_opens_no_form(
    c: Container, served: str, fake_slack: FakeSlack
) -> None:
    _answer, post = post_report(served, fake_slack)
    ref = post["blocks"][-1]["elements"][0]["value"]
    block_action(
        served, SECRET, user_id="U0ERIN", action_id=GIVE_FEEDBACK, value=ref,
        response_url=fake_slack.response_url("no"),
    )  # fmt: skip
    (refused,) = fake_slack.wait_for("response:no")
    assert "from the sales team" in refused.args["text"]
    assert fake_slack.count("views.open") == 0


def test_mine_lists_the_weeks_report_and_the_feedback_owed_each_with_how_to_act(
    c: Container, served: str, fake_slack: FakeSlack
) -> None:
    sweep(c)  # opens the week's report
    sla(served, fake_slack, "mine", "U0CAROL", "mine-1")
    (carol,) = fake_slack.wait_for("response:mine-1")
    listed = json.dumps(carol.args["blocks"])
    due = int(ny(12, 4, 17).timestamp())
    assert "Weekly marketing performance report" in listed
    assert f"<!date^{due}^" in listed and "/sla report <link> [summary]" in listed
    post_report(served, fake_slack)
    sla(served, fake_slack, "mine", "U0DAVE", "mine-2")
    (dave,) = fake_slack.wait_for("response:mine-2")
    listed = json.dumps(dave.args["blocks"])
    assert "Feedback on" in listed and LINK in listed
    assert GIVE_FEEDBACK in listed
    feedback_due = int(ny(12, 8, 10).timestamp())
    assert f"<!date^{feedback_due}^" in listed
    assert fake_slack.violations == []


def test_the_reports_warning_breach_and_escalation_are_drawn_by_its_kind(
    c: Container, fake_slack: FakeSlack
) -> None:
    assert isinstance(c.clock, FixedClock)
    sweep(c)
    c.clock.set(ny(12, 4, 9))
    sweep(c)
    (warning,) = fake_slack.messages_to("U0CAROL")
    shown = json.dumps(warning["blocks"])
    assert ":hourglass_flowing_sand:" in shown and "/sla report" in shown
    assert f"<!date^{int(ny(12, 4, 17).timestamp())}^" in shown
    c.clock.set(ny(12, 4, 17, 1))
    sweep(c)
    updated = fake_slack.last("chat.update").args
    assert "*Breached*" in json.dumps(updated["blocks"])
    (escalation,) = fake_slack.messages_to("#sales-marketing")
    assert ":rotating_light:" in json.dumps(escalation["blocks"])
    with Session(c.engine) as session:
        item = session.exec(select(Item).where(Item.kind == "report")).one()
        assert (item.is_open, item.outcome) == (False, "missed")
    assert fake_slack.violations == []
