"""The weekly report and its feedback in the engine and the store, on SQLite and PostgreSQL:
opened once per week, posted met or late, feedback closing only for the contact, and
refusals that change nothing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from slaengine.agreement.config import Agreement
from slaengine.engine import services
from slaengine.engine.errors import Refusal
from slaengine.kinds.report import rules as reports
from slaengine.kinds.report.tables import Report, ReportFeedback
from slaengine.persistence import items as item_repo
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Item
from tests.conftest import LEADS_ONLY
from tests.kinds.report.conftest import REPORTS
from tests.support.agreement import parse_agreement
from tests.support.kinds import KINDS

#: Tuesday 1 December 2026, 10:00 in New York (ISO week 2026-W49)
DEC_1 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
#: Friday 4 December 2026, 17:00 in New York: the report's due instant
DEC_4_DUE = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)
LINK = "https://acme.example/reports/w49"


def of_kind(session: Session, kind: str) -> list[Item]:
    return list(session.exec(select(Item).where(Item.kind == kind).order_by(Item.id)).all())


def post(
    engine: Engine, agreement: Agreement, words: str = LINK, *, actor: str = "U0ERIN",
    now: datetime = DEC_1,
) -> reports.Posted:  # fmt: skip
    with unit_of_work(engine) as session:
        return reports.post_report(session, agreement, words=words, actor=actor, now=now)


def feedback(
    engine: Engine, agreement: Agreement, ref: str, text: str, *, actor: str,
    now: datetime = DEC_1, key: str = "k",
) -> reports.Given:  # fmt: skip
    with unit_of_work(engine) as session:
        return reports.give_feedback(
            session, agreement, ref=ref, text=text, actor=actor, now=now, key=key
        )


def test_each_weeks_report_is_opened_once_even_by_passes_running_at_once(
    engine: Engine, agreement: Agreement
) -> None:
    start = threading.Barrier(3)

    def a_pass() -> None:
        start.wait()
        with unit_of_work(engine) as session:
            services.open_due(session, agreement, DEC_1, KINDS)

    passes = [threading.Thread(target=a_pass) for _ in range(3)]
    for each in passes:
        each.start()
    for each in passes:
        each.join()
    with unit_of_work(engine) as session:
        services.open_due(session, agreement, DEC_1 + timedelta(hours=3), KINDS)
    with Session(engine) as session:
        (item,) = of_kind(session, "report")
        assert (item.natural_key, item.owner_id, item.team, item.title) == (
            "report:2026-W49",
            "U0CAROL",
            "marketing",
            "Weekly marketing performance report · 2026-W49",
        )
        assert item.ref.startswith("W-")
        assert item.due_at == DEC_4_DUE
        assert item_repo.timers_of(session, item.id or 0) == [item.warn_at]
    with unit_of_work(engine) as session:
        services.open_due(session, agreement, DEC_1 + timedelta(days=7), KINDS)
    with Session(engine) as session:
        keys = [item.natural_key for item in of_kind(session, "report")]
        assert keys == ["report:2026-W49", "report:2026-W50"]


def test_the_reports_warning_and_breach_notify_the_owner_escalate_and_close_it_as_missed(
    engine: Engine, agreement: Agreement
) -> None:
    with unit_of_work(engine) as session:
        services.open_due(session, agreement, DEC_1, KINDS)
    with unit_of_work(engine) as session:
        (item,) = of_kind(session, "report")
        assert item.warn_at == datetime(2026, 12, 4, 14, 0, tzinfo=UTC)  # Friday 09:00
        warned = services.advance(session, agreement, item, DEC_1, item.warn_at, kinds=KINDS)
        assert [(o["topic"], o["target"]) for o in warned.owed] == [("warn", "U0CAROL")]
        assert warned.next_at == DEC_4_DUE
        after = DEC_4_DUE + timedelta(seconds=30)
        breached = services.advance(session, agreement, item, DEC_4_DUE, after, kinds=KINDS)
        assert (item.is_open, item.outcome) == (False, "missed")
    # marketing has no manager: the ladder is the channel
    assert [(o["topic"], o["target"]) for o in breached.owed] == [
        ("breach", "U0CAROL"),
        ("escalate", "#sales-marketing"),
    ]
    assert breached.next_at is None


def test_a_report_posted_in_time_is_met_and_opens_the_sales_contacts_feedback_window(
    engine: Engine, agreement: Agreement
) -> None:
    posted = post(engine, agreement, f"{LINK} Leads up 12%,   MQLs flat")
    assert posted.in_time
    assert posted.message.startswith(f"{posted.report_item.ref} posted in time;")
    with Session(engine) as session:
        (item,) = of_kind(session, "report")
        assert (item.is_open, item.outcome, item.closed_at) == (False, "met", DEC_1)
        assert item_repo.timers_of(session, item.id or 0) == []
        report = session.get(Report, item.id)
        assert report is not None
        assert (report.link, report.summary, report.posted_by) == (
            LINK,
            "Leads up 12%, MQLs flat",
            "U0ERIN",
        )
        assert report.post_key == f"report:{item.id}:post"
        (answer,) = of_kind(session, "report_feedback")
        assert answer.ref.startswith("F-")
        assert (answer.parent_id, answer.owner_id, answer.team, answer.is_open) == (
            item.id,
            "U0DAVE",
            "sales",
            True,
        )
        assert answer.due_at == datetime(2026, 12, 8, 15, 0, tzinfo=UTC)  # 5 business days
        assert answer.warn_at == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
        assert item_repo.timers_of(session, answer.id or 0) == [answer.warn_at]
        described = reports.REPORTS.describe(session, [item])[item.id or 0]
        assert described == {
            "week": "2026-W49",
            "link": LINK,
            "summary": "Leads up 12%, MQLs flat",
            "posted_by": "U0ERIN",
            "posted_at": DEC_1.isoformat(),
        }


def test_a_report_posted_after_its_due_instant_is_missed_and_says_it_was_late(
    engine: Engine, agreement: Agreement
) -> None:
    posted = post(engine, agreement, now=DEC_4_DUE + timedelta(minutes=1))
    assert not posted.in_time
    assert posted.message == (
        f"{posted.report_item.ref} posted late: it was due before; "
        f"<@U0DAVE> owes feedback ({posted.feedback_item.ref})."
    )
    with Session(engine) as session:
        (item,) = of_kind(session, "report")
        assert (item.is_open, item.outcome) == (False, "missed")
        assert len(of_kind(session, "report_feedback")) == 1


def test_a_report_posted_after_the_breach_closed_it_is_still_posted_and_opens_feedback(
    engine: Engine, agreement: Agreement
) -> None:
    with unit_of_work(engine) as session:
        services.open_due(session, agreement, DEC_1, KINDS)
    after = DEC_4_DUE + timedelta(seconds=30)
    with unit_of_work(engine) as session:
        (item,) = of_kind(session, "report")
        services.advance(session, agreement, item, DEC_4_DUE, after, kinds=KINDS)
    later = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)  # Saturday
    posted = post(engine, agreement, now=later)
    assert "late" in posted.message
    with Session(engine) as session:
        (item,) = of_kind(session, "report")
        assert (item.outcome, item.closed_at) == ("missed", after)
        assert session.get(Report, item.id) is not None
        (answer,) = of_kind(session, "report_feedback")
        assert answer.start_at == later


def test_a_second_report_the_same_week_is_refused_naming_the_first_and_changes_nothing(
    engine: Engine, agreement: Agreement
) -> None:
    first = post(engine, agreement)
    with pytest.raises(Refusal, match=f"{first.report_item.ref}.*already posted.*{LINK}"):
        post(engine, agreement, "https://acme.example/other", actor="U0CAROL")
    with Session(engine) as session:
        assert [r.link for r in session.exec(select(Report)).all()] == [LINK]
        assert len(of_kind(session, "report_feedback")) == 1


@pytest.mark.parametrize(
    ("words", "actor", "complaint"),
    [
        (LINK, "U0ALICE", "the marketing team's to post"),
        ("ftp://acme.example/r", "U0ERIN", "http:// or https://"),
        ("acme.example/r Summary", "U0ERIN", "http:// or https://"),
        ("", "U0ERIN", "Which link?"),
        (f"{LINK} {'x' * 2001}", "U0ERIN", "at most 2000"),
    ],
)
def test_a_bad_report_is_refused_and_changes_nothing(
    engine: Engine, agreement: Agreement, words: str, actor: str, complaint: str
) -> None:
    with pytest.raises(Refusal, match=complaint):
        post(engine, agreement, words, actor=actor)
    with Session(engine) as session:
        assert of_kind(session, "report") == []
        assert session.exec(select(Report)).all() == []


def test_feedback_from_a_rep_is_recorded_but_only_the_contacts_closes_the_window(
    engine: Engine, agreement: Agreement
) -> None:
    posted = post(engine, agreement)
    ref = posted.report_item.ref
    by_rep = feedback(engine, agreement, ref, "Useful, thanks", actor="U0ALICE", key="a")
    assert (by_rep.closed, by_rep.message) == (False, f"Feedback on {ref} recorded.")
    with Session(engine) as session:
        (answer,) = of_kind(session, "report_feedback")
        assert answer.is_open
    at = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    by_contact = feedback(
        engine, agreement, posted.feedback_item.ref, "More on MQLs", actor="U0DAVE", now=at
    )
    assert by_contact.closed
    assert by_contact.message == (
        f"Feedback on {ref} recorded in time; {posted.feedback_item.ref} is closed."
    )
    with Session(engine) as session:
        (answer,) = of_kind(session, "report_feedback")
        assert (answer.is_open, answer.outcome, answer.closed_at) == (False, "met", at)
        assert item_repo.timers_of(session, answer.id or 0) == []
        given = [(f.given_by, f.text, f.report_id) for f in session.exec(select(ReportFeedback))]
        assert given == [
            ("U0ALICE", "Useful, thanks", posted.report_item.id),
            ("U0DAVE", "More on MQLs", posted.report_item.id),
        ]
        shown = reports.FEEDBACK.describe(session, [answer])[answer.id or 0]
        assert shown["report"] == ref and shown["link"] == LINK
        assert [f["by"] for f in shown["feedback"]] == ["U0ALICE", "U0DAVE"]


def test_the_contacts_feedback_after_the_due_instant_closes_the_window_as_missed(
    engine: Engine, agreement: Agreement
) -> None:
    posted = post(engine, agreement)
    late = datetime(2026, 12, 8, 15, 1, tzinfo=UTC)
    given = feedback(engine, agreement, posted.report_item.ref, "Sorry", actor="U0DAVE", now=late)
    assert given.closed
    assert given.message == (
        f"Feedback on {posted.report_item.ref} recorded late; {posted.feedback_item.ref} is closed."
    )
    with Session(engine) as session:
        (answer,) = of_kind(session, "report_feedback")
        assert answer.outcome == "missed"


def test_the_same_feedback_request_twice_is_recorded_once(
    engine: Engine, agreement: Agreement
) -> None:
    ref = post(engine, agreement).report_item.ref
    feedback(engine, agreement, ref, "Once", actor="U0BOB", key="same")
    again = feedback(engine, agreement, ref, "Once", actor="U0BOB", key="same")
    assert again.feedback is None and again.closed is False
    assert again.message == "That feedback was already given."
    assert (again.report_item.ref, again.report.link, again.feedback_item.kind) == (
        ref,
        LINK,
        "report_feedback",
    )
    with Session(engine) as session:
        assert len(session.exec(select(ReportFeedback)).all()) == 1


def test_the_same_words_from_two_people_are_each_recorded(
    engine: Engine, agreement: Agreement
) -> None:
    ref = post(engine, agreement).report_item.ref
    feedback(engine, agreement, ref, "Agreed", actor="U0ALICE", key="alice")
    second = feedback(engine, agreement, ref, "Agreed", actor="U0BOB", key="bob")
    assert second.feedback is not None
    with Session(engine) as session:
        given = [(f.given_by, f.text) for f in session.exec(select(ReportFeedback))]
        assert given == [("U0ALICE", "Agreed"), ("U0BOB", "Agreed")]


def test_a_report_and_its_feedback_at_their_due_instants_are_in_time(
    engine: Engine, agreement: Agreement
) -> None:
    posted = post(engine, agreement, now=DEC_4_DUE)
    assert posted.in_time and posted.report_item.outcome == "met"
    due = posted.feedback_item.due_at
    assert due is not None
    given = feedback(engine, agreement, posted.report_item.ref, "Ok", actor="U0DAVE", now=due)
    assert given.closed and given.feedback_item.outcome == "met"


def test_a_summary_and_feedback_of_exactly_2000_characters_are_taken(
    engine: Engine, agreement: Agreement
) -> None:
    posted = post(engine, agreement, f"{LINK} {'s' * 2000}")
    assert len(posted.report.summary) == 2000
    given = feedback(engine, agreement, posted.report_item.ref, "f" * 2000, actor="U0DAVE")
    assert given.feedback is not None and len(given.feedback.text) == 2000


def test_the_feedback_given_is_shown_by_whom_what_and_when_and_none_before(
    engine: Engine, agreement: Agreement
) -> None:
    posted = post(engine, agreement)
    with Session(engine) as session:
        (answer,) = of_kind(session, "report_feedback")
        assert reports.FEEDBACK.describe(session, [answer])[answer.id or 0]["feedback"] == []
    at = DEC_1 + timedelta(hours=1)
    feedback(engine, agreement, posted.report_item.ref, "Thanks", actor="U0ALICE", now=at)
    with Session(engine) as session:
        (answer,) = of_kind(session, "report_feedback")
        shown = reports.FEEDBACK.describe(session, [answer])[answer.id or 0]
        assert shown["feedback"] == [{"by": "U0ALICE", "text": "Thanks", "at": at.isoformat()}]


def test_feedback_not_given_in_time_is_escalated_to_the_sales_manager_then_the_channel(
    engine: Engine, agreement: Agreement
) -> None:
    post(engine, agreement)
    with unit_of_work(engine) as session:
        (answer,) = of_kind(session, "report_feedback")
        assert answer.due_at is not None
        after = answer.due_at + timedelta(minutes=1)
        step = services.advance(session, agreement, answer, answer.due_at, after, kinds=KINDS)
    assert [(o["topic"], o["target"]) for o in step.owed] == [
        ("breach", "U0DAVE"),
        ("escalate", "U0DAVE"),
        ("escalate", "#sales-marketing"),
    ]


def test_a_missed_report_is_escalated_to_marketings_manager_when_it_has_one(
    engine: Engine,
) -> None:
    text = LEADS_ONLY.replace('contact = "U0CAROL"', 'contact = "U0CAROL"\nmanager = "U0ERIN"', 1)
    managed = parse_agreement(text + REPORTS)
    assert managed.teams["marketing"].manager == "U0ERIN"
    with unit_of_work(engine) as session:
        services.open_due(session, managed, DEC_1, KINDS)
    with unit_of_work(engine) as session:
        (item,) = of_kind(session, "report")
        after = DEC_4_DUE + timedelta(minutes=1)
        step = services.advance(session, managed, item, DEC_4_DUE, after, kinds=KINDS)
    assert [(o["topic"], o["target"]) for o in step.owed] == [
        ("breach", "U0CAROL"),
        ("escalate", "U0ERIN"),
        ("escalate", "#sales-marketing"),
    ]


@pytest.mark.parametrize(
    ("ref", "text", "actor", "complaint"),
    [
        ("{report}", "Nice", "U0ERIN", "from the sales team; you are not in it"),
        ("W-99999", "Nice", "U0DAVE", "No report is called 'W-99999'"),
        ("L-{id}", "Nice", "U0DAVE", "No report is called 'L-"),
        ("{report}", "   ", "U0DAVE", "What is your feedback?"),
        ("", "", "U0DAVE", "Which report?"),
        ("{report}", "x" * 2001, "U0DAVE", "at most 2000"),
    ],
)
def test_bad_feedback_is_refused_and_changes_nothing(
    engine: Engine, agreement: Agreement, ref: str, text: str, actor: str, complaint: str
) -> None:
    posted = post(engine, agreement)
    name = ref.format(report=posted.report_item.ref, id=1000 + (posted.report_item.id or 0))
    with pytest.raises(Refusal, match=complaint):
        feedback(engine, agreement, name, text, actor=actor)
    with Session(engine) as session:
        assert session.exec(select(ReportFeedback)).all() == []
        (answer,) = of_kind(session, "report_feedback")
        assert answer.is_open


def test_feedback_on_a_week_whose_report_was_not_posted_is_refused(
    engine: Engine, agreement: Agreement
) -> None:
    with unit_of_work(engine) as session:
        services.open_due(session, agreement, DEC_1, KINDS)
        (item,) = of_kind(session, "report")
        ref = item.ref
    with pytest.raises(Refusal, match=f"{ref} has not been posted yet"):
        feedback(engine, agreement, ref, "Where is it?", actor="U0DAVE")


def test_a_very_long_report_title_is_cut_to_what_an_item_holds(engine: Engine) -> None:
    long = parse_agreement(LEADS_ONLY + REPORTS.replace("Weekly marketing", "W" * 600))
    with unit_of_work(engine) as session:
        services.open_due(session, long, DEC_1, KINDS)
        posted = reports.post_report(session, long, words=LINK, actor="U0ERIN", now=DEC_1)
    assert len(posted.report_item.title) == 500
    assert posted.report_item.title.endswith("W · 2026-W49")
    assert len(posted.feedback_item.title) == 500
