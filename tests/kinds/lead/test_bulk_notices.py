"""Many leads given to people at once (a CSV import, `/sla away`, an absence beginning):
each recipient gets one message naming how many leads they got and listing them, the most
urgent first, as many as one message holds ("…and N more: `/sla mine`"); one lead alone
still gets its own DM with its buttons."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.container import Container
from bot.jobs.sweep import sweep
from bot.kinds.lead.commands import away
from bot.kinds.lead.importer import HOLD, import_leads
from bot.kinds.lead.jobs import HANDED_ON
from bot.kinds.lead.usecases import take_handoff
from slaengine.agreement.config import Agreement, reference_agreement_path
from slaengine.clock import FixedClock
from slaengine.kinds.lead import work as leadwork
from slaengine.kinds.lead.intake import parse_handoff
from slaengine.kinds.lead.tables import Lead
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import OutboxMessage
from tests.support import app as support
from tests.support.agreement import load_agreement
from tests.support.fakeslack import FakeSlack

HEADER = "external_id,name,company,fit,interest,owner"
REF = re.compile(r"\*(L-\d+)\*")  # a lead as a message's blocks name it


def container(
    database_url: str, engine: Engine, agreement: Agreement, clock: FixedClock, fake: FakeSlack
) -> Container:
    c = support.container(database_url, engine, agreement, clock, fake)
    c.background_delivery = False
    return c


@pytest.fixture
def c(
    database_url: str,
    engine: Engine,
    agreement: Agreement,
    clock: FixedClock,
    fake_slack: FakeSlack,
) -> Iterator[Container]:
    made = container(database_url, engine, agreement, clock, fake_slack)
    yield made
    made._pool.shutdown(wait=True)


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def rows_for(owners: list[str], n: int, interest: str = "high") -> list[str]:
    return [f"crm-{i},Lead {i},Acme,good,{interest},{owners[i % len(owners)]}" for i in range(n)]


def refs_named(message: dict[str, Any]) -> list[str]:
    """The leads a message lists, as its sections name them (buttons not counted)."""
    texts = [b["text"]["text"] for b in message.get("blocks") or [] if b["type"] == "section"]
    return REF.findall("\n".join(texts))


def leads_of(engine: Engine) -> list[Lead]:
    with Session(engine) as session:
        return list(session.exec(select(Lead).order_by(col(Lead.id))).all())


def test_importing_30_leads_for_one_rep_owes_exactly_one_message_naming_every_ref_once(
    c: Container, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    reports = list(import_leads(c, write_csv(tmp_path / "30.csv", rows_for(["U0ALICE"], 30))))
    assert [r.outcome for r in reports] == ["imported"] * 30
    assert fake_slack.count("chat.postMessage") == 0  # owed, not yet sent

    report = c.deliverer.deliver_due()
    assert (report.sent, report.messages) == (30, 1)
    (dm,) = fake_slack.messages_to("U0ALICE")
    refs = [lead.ref for lead in leads_of(c.engine)]
    assert refs_named(dm) == refs
    assert all(dm["text"].count(f"{ref}:") == 1 for ref in refs)
    assert dm["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Handed to you · 30", "emoji": True},
    }
    # each listed lead keeps the button the rep needs first
    buttons = [b["accessory"] for b in dm["blocks"][1:]]
    assert {b["action_id"] for b in buttons} == {"lead_touch"}
    assert [b["value"] for b in buttons] == [f"{ref}|0" for ref in refs]
    assert fake_slack.violations == []


def test_importing_1000_rows_for_10_reps_gives_each_one_dm_naming_their_count_within_limits(
    c: Container, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    reps = [f"U0REP{n:02d}" for n in range(10)]
    for rep in reps:
        fake_slack.add_user(rep, email=f"{rep.lower()}@acme.example")
    path = write_csv(tmp_path / "1000.csv", rows_for(reps, 1000))
    outcomes = Counter(r.outcome for r in import_leads(c, path))
    assert outcomes == {"imported": 1000}

    report = c.deliverer.deliver_due()
    assert (report.sent, report.messages) == (1000, 10)
    posts = fake_slack.calls("chat.postMessage", ok=True)
    assert sorted(call.args["channel"] for call in posts) == reps  # one DM each
    owners = {lead.ref: lead.owner_id for lead in leads_of(c.engine)}
    for call in posts:
        listed = refs_named(call.args)
        assert len(set(listed)) == len(listed)
        assert {owners[ref] for ref in listed} == {call.args["channel"]}
        assert call.args["blocks"][0]["text"]["text"] == "Handed to you · 100"
        assert more_line(call.args) == f"…and {100 - len(listed)} more: `/sla mine`"
    assert all(len(call.args["blocks"]) <= 50 for call in posts)
    assert fake_slack.violations == []


def test_a_delivery_pass_running_during_an_import_sends_nothing_until_the_file_is_stored(
    c: Container, fake_slack: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.kinds.lead.importer.BATCH", 5)
    reports = import_leads(c, write_csv(tmp_path / "12.csv", rows_for(["U0ALICE"], 12)))
    first = [next(reports) for _ in range(5)]  # the first batch is stored
    assert len(leads_of(c.engine)) == 5 and first[-1].outcome == "imported"
    assert c.deliverer.deliver_due().sent == 0  # `slabot run`'s pass, meanwhile
    assert len(list(reports)) == 7
    assert c.deliverer.deliver_due().messages == 1
    (dm,) = fake_slack.messages_to("U0ALICE")
    assert len(refs_named(dm)) == 12


def test_the_notices_of_an_import_that_stopped_half_way_go_out_when_their_hold_ends(
    c: Container,
    fake_slack: FakeSlack,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    clock: FixedClock,
) -> None:
    monkeypatch.setattr("bot.kinds.lead.importer.BATCH", 5)
    reports = import_leads(c, write_csv(tmp_path / "12.csv", rows_for(["U0ALICE"], 12)))
    for _ in range(5):
        next(reports)
    reports.close()  # the command died
    clock.set(clock.now() + HOLD)
    assert c.deliverer.deliver_due().sent == 5
    (dm,) = fake_slack.messages_to("U0ALICE")
    assert len(refs_named(dm)) == 5


def test_a_repeated_import_owes_no_notice_twice(
    c: Container, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "again.csv", rows_for(["U0ALICE", "U0BOB"], 6))
    list(import_leads(c, path))
    again = [r.outcome for r in import_leads(c, path)]
    assert again == ["duplicate"] * 6
    with Session(c.engine) as session:
        assert len(session.exec(select(OutboxMessage)).all()) == 6
    c.deliverer.deliver_due()
    assert [len(refs_named(m)) for m in fake_slack.messages_to("U0ALICE")] == [3]
    assert [len(refs_named(m)) for m in fake_slack.messages_to("U0BOB")] == [3]


def test_a_lead_handed_over_alone_gets_a_dm_showing_it_with_its_buttons(
    c: Container, fake_slack: FakeSlack
) -> None:
    request = parse_handoff(
        {"external_id": "w-1", "name": "Dana Scully", "company": "Acme Corp", "fit": "good",
         "interest": "high", "owner": "U0ALICE"}
    )  # fmt: skip
    lead = take_handoff(c, request, source="slack", by="U0ERIN").lead
    (dm,) = fake_slack.messages_to("U0ALICE")
    assert dm["text"].startswith(f"New lead {lead.ref} from <@U0ERIN>: Dana Scully (Acme Corp)")
    header, item, buttons = dm["blocks"]
    assert header["type"] == "header"
    assert "*New lead from <@U0ERIN>*" in item["text"]["text"]
    assert [e["action_id"] for e in buttons["elements"]] == [
        "lead_touch",
        "lead_accept",
        "lead_reject",
    ]
    assert fake_slack.violations == []


def test_a_new_lead_notice_is_dropped_when_the_lead_has_another_owner_before_it_goes_out(
    c: Container, fake_slack: FakeSlack, tmp_path: Path, clock: FixedClock
) -> None:
    list(import_leads(c, write_csv(tmp_path / "two.csv", rows_for(["U0ALICE"], 2))))
    first = leads_of(c.engine)[0]
    with unit_of_work(c.engine) as session:
        leadwork.reassign(
            session, c.agreement, name=first.ref, actor="U0DAVE", to="U0BOB", now=clock.now()
        )
    report = c.deliverer.deliver_due()
    assert report.dropped == 1
    (dm,) = fake_slack.messages_to("U0ALICE")
    assert refs_named(dm) == [leads_of(c.engine)[1].ref]


# ------------------------------------------------------------------ leads passed on

MEMBERS = ("U0ALICE", "U0BOB", "U0FRAN", "U0GUS")


@pytest.fixture
def team_of_four(tmp_path: Path, fake_slack: FakeSlack) -> Agreement:
    """The reference agreement with four sales reps."""
    text = reference_agreement_path().read_text(encoding="utf-8")
    old = 'members = ["U0ALICE", "U0BOB"]'
    assert text.count(old) == 1
    path = tmp_path / "four.toml"
    path.write_text(text.replace(old, f"members = {json.dumps(list(MEMBERS))}"), "utf-8")
    for rep in MEMBERS[2:]:
        fake_slack.add_user(rep, email=f"{rep[2:].lower()}@acme.example")
    return load_agreement(path)


@pytest.fixture
def team(
    database_url: str,
    engine: Engine,
    team_of_four: Agreement,
    clock: FixedClock,
    fake_slack: FakeSlack,
) -> Iterator[Container]:
    made = container(database_url, engine, team_of_four, clock, fake_slack)
    yield made
    made._pool.shutdown(wait=True)


def passed_on(fake: FakeSlack, engine: Engine) -> dict[str, list[list[str]]]:
    """For each new owner: the refs each of their DMs lists."""
    owners = {lead.ref: lead.owner_id for lead in leads_of(engine)}
    return {
        rep: [refs_named(m) for m in fake.messages_to(rep)] for rep in sorted(set(owners.values()))
    }


def sla_away(c: Container, user: str, dates: str) -> str:
    """`/sla away <dates>` as `user`; what the bot answered."""
    answers: list[str] = []

    def respond(**answer: Any) -> None:
        answers.append(answer["text"])

    away(c, {"user_id": user}, dates, respond, None)  # type: ignore[arg-type]
    (answer,) = answers
    return answer


def test_sla_away_passing_many_leads_on_gives_each_new_owner_one_dm_listing_them(
    team: Container, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    list(import_leads(team, write_csv(tmp_path / "alice.csv", rows_for(["U0ALICE"], 30))))
    team.deliverer.deliver_due()
    fake_slack.reset()

    answer = sla_away(team, "U0ALICE", "today 2026-11-27")
    assert "passed to the next reps" in answer
    dms = passed_on(fake_slack, team.engine)
    assert set(dms) == {"U0BOB", "U0FRAN", "U0GUS"}
    assert all(len(messages) == 1 for messages in dms.values())
    assert sorted(ref for messages in dms.values() for ref in messages[0]) == sorted(
        lead.ref for lead in leads_of(team.engine)
    )
    (bob,) = fake_slack.messages_to("U0BOB")
    assert bob["blocks"][0]["text"]["text"] == "Passed to you · 10"
    assert "<@U0ALICE>" in bob["text"]
    assert fake_slack.violations == []


def test_when_an_absence_begins_the_sweep_gives_each_new_owner_one_dm_listing_their_leads(
    team: Container, fake_slack: FakeSlack, tmp_path: Path, clock: FixedClock
) -> None:
    # 24h windows: nothing is due or at risk by tomorrow morning
    rows = rows_for(["U0BOB"], 12, interest="low")
    list(import_leads(team, write_csv(tmp_path / "bob.csv", rows)))
    tomorrow = (clock.now() + timedelta(days=1)).date()
    sla_away(team, "U0BOB", f"{tomorrow} {tomorrow}")
    sweep(team)  # today: the import's notices to Bob
    assert [len(refs) for refs in passed_on(fake_slack, team.engine)["U0BOB"]] == [12]

    clock.set(clock.now() + timedelta(days=1))
    report = sweep(team)
    assert report.jobs[HANDED_ON] == 12
    dms = passed_on(fake_slack, team.engine)
    assert {rep: [len(refs) for refs in messages] for rep, messages in dms.items()} == {
        "U0ALICE": [4],
        "U0FRAN": [4],
        "U0GUS": [4],
    }
    assert fake_slack.violations == []


# ------------------------------------------------------------------ one DM a batch


def due_of(engine: Engine) -> dict[str, Any]:
    """Each lead's response due instant, by ref."""
    return {lead.ref: lead.response_due_at for lead in leads_of(engine)}


def more_line(message: dict[str, Any]) -> str:
    """The text of a message's last block, where a message too long to list says what it
    left out."""
    last = message["blocks"][-1]
    assert last["type"] == "context"
    return str(last["elements"][0]["text"])


def test_500_new_leads_for_one_rep_are_one_dm_naming_the_count_and_the_most_urgent_first(
    c: Container, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    # the less urgent (24h) first in the file, the urgent (4h) last: not the order shown
    rows = rows_for(["U0ALICE"], 400, interest="low") + [
        f"crm-u{i},Urgent {i},Acme,good,high,U0ALICE" for i in range(100)
    ]
    list(import_leads(c, write_csv(tmp_path / "500.csv", rows)))

    report = c.deliverer.deliver_due()
    assert (report.sent, report.messages) == (500, 1)
    (dm,) = fake_slack.messages_to("U0ALICE")
    assert dm["blocks"][0]["text"]["text"] == "Handed to you · 500"
    listed = refs_named(dm)
    assert 40 <= len(listed) <= 48 and len(set(listed)) == len(listed)
    assert more_line(dm) == f"…and {500 - len(listed)} more: `/sla mine`"
    due = due_of(c.engine)
    unlisted = set(due) - set(listed)
    assert max(due[ref] for ref in listed) <= min(due[ref] for ref in unlisted)
    assert all(ref.startswith("L-") for ref in listed)
    buttons = [b.get("accessory", {}).get("action_id") for b in dm["blocks"][1:-1]]
    assert buttons == ["lead_touch"] * len(listed)  # each shown lead keeps its button
    assert len(dm["blocks"]) <= 50 and len(dm["text"]) <= 3500
    assert fake_slack.violations == []
    with Session(c.engine) as session:
        sent = session.exec(select(OutboxMessage)).all()
    assert len(sent) == 500 and {(r.status, r.ts) for r in sent} == {("sent", sent[0].ts)}


def test_sla_away_handing_on_500_leads_gives_the_next_rep_one_dm_naming_the_count(
    c: Container, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    list(import_leads(c, write_csv(tmp_path / "alice.csv", rows_for(["U0ALICE"], 500))))
    c.deliverer.deliver_due()
    fake_slack.reset()

    assert "passed to the next reps" in sla_away(c, "U0ALICE", "today 2026-11-27")
    (dm,) = fake_slack.messages_to("U0BOB")  # the one other rep of the reference team
    assert dm["blocks"][0]["text"]["text"] == "Passed to you · 500"
    listed = refs_named(dm)
    assert listed and more_line(dm) == f"…and {500 - len(listed)} more: `/sla mine`"
    assert "<@U0ALICE>" in dm["text"]
    assert fake_slack.violations == []


def test_when_an_absence_begins_each_new_owner_of_many_leads_gets_one_dm_naming_the_count(
    team: Container, fake_slack: FakeSlack, tmp_path: Path, clock: FixedClock
) -> None:
    rows = rows_for(["U0BOB"], 180, interest="low")
    list(import_leads(team, write_csv(tmp_path / "bob.csv", rows)))
    tomorrow = (clock.now() + timedelta(days=1)).date()
    sla_away(team, "U0BOB", f"{tomorrow} {tomorrow}")
    sweep(team)
    fake_slack.reset()

    clock.set(clock.now() + timedelta(days=1))
    assert sweep(team).jobs[HANDED_ON] == 180
    for rep in ("U0ALICE", "U0FRAN", "U0GUS"):
        (dm,) = fake_slack.messages_to(rep)
        assert dm["blocks"][0]["text"]["text"] == "Passed to you · 60"
        assert more_line(dm) == f"…and {60 - len(refs_named(dm))} more: `/sla mine`"
    assert fake_slack.violations == []
