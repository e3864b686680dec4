"""`slabot forget <external_id|email>` as an admin runs it: the contact's name, company,
e-mail and the free text written about them leave every table (messages already drawn
included), while the lead stays, anonymous, and the counts still add up."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from slaengine.agreement.config import reference_agreement_path
from slaengine.kinds.lead import work as leadwork
from slaengine.persistence.db import make_engine, unit_of_work
from tests.bot.test_cli import leads_in, run, workdir, write_csv  # noqa: F401 (a fixture)
from tests.support.agreement import load_agreement
from tests.support.fakeslack import FakeSlack

HEADER = "external_id,name,company,email,fit,interest,campaign,owner"
#: what must go: the contact's name and company (with characters Slack and JSON escape), their
#: e-mail, and a rejection reason naming them
ERASED = [
    "Zoë",
    "O'Brien",
    "Initech & Sons",
    "zoe.obrien@initech.example",
    "their CFO froze the budget",
]


def every_row(url: str) -> list[str]:
    """Every row of every table, as text (JSON columns as stored, and decoded)."""
    engine = make_engine(url)
    try:
        found: list[str] = []
        with engine.connect() as db:
            for table in sa.inspect(db).get_table_names():
                for row in db.execute(sa.text(f'SELECT * FROM "{table}"')):
                    text = " | ".join(str(v) for v in row)
                    found.append(f"{table}: {text}")
                    for value in row:
                        if isinstance(value, str) and value.startswith(("[", "{")):
                            with contextlib.suppress(ValueError):
                                found.append(f"{table}: {json.loads(value)}")
        return found
    finally:
        engine.dispose()


def statuses(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    code, out, err = run(capsys, "status", "--json")
    assert code == 0, err
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


@pytest.fixture
def seeded(workdir: Path, capsys: pytest.CaptureFixture[str], fake_slack: FakeSlack) -> str:  # noqa: F811
    """Two leads handed over, their DMs drawn and sent, one rejected with a reason naming
    the contact."""
    csv = write_csv(
        workdir / "leads.csv",
        HEADER,
        "crm-7,Zoë O'Brien,Initech & Sons,zoe.obrien@initech.example,good,high,,U0ALICE",
        "crm-8,Fox Mulder,Globex,fox@globex.example,good,high,,U0ALICE",
    )
    assert run(capsys, "import", "leads", str(csv))[0] == 0
    assert run(capsys, "sweep")[0] == 0
    (dm,) = fake_slack.messages_to("U0ALICE")
    assert "O'Brien" in dm["text"] or "O&#39;Brien" in dm["text"] or "Zo" in str(dm["blocks"])
    url = f"sqlite:///{workdir / 'cli.db'}"
    engine = make_engine(url)
    try:
        with unit_of_work(engine) as session:
            leadwork.reject(
                session,
                load_agreement(reference_agreement_path()),
                name="crm-7",
                actor="U0ALICE",
                now=datetime.now(UTC),
                key="reject",
                reason="their CFO froze the budget",
            )
    finally:
        engine.dispose()
    return url


def test_forgetting_a_contact_by_e_mail_leaves_none_of_their_details_in_any_table(
    seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = statuses(capsys)
    assert any(s in row for row in every_row(seeded) for s in ERASED)  # they were there

    code, out, err = run(capsys, "forget", "ZOE.OBrien@initech.example")
    assert code == 0, err
    assert out.startswith("forgot ZOE.OBrien@initech.example: L-1001 kept anonymous")

    rows = every_row(seeded)
    left = [(s, row) for row in rows for s in ERASED if s.lower() in row.lower()]
    assert left == []
    escaped = [r for r in rows if "Zo\\u00eb" in r or "Initech &amp; Sons" in r]
    assert escaped == []
    assert any("Fox Mulder" in row for row in rows)  # the other lead is untouched
    after = statuses(capsys)
    assert [(r["ref"], r["state"]) for r in after] == [(r["ref"], r["state"]) for r in before]
    (forgotten,) = [r for r in after if r["ref"] == "L-1001"]
    assert (forgotten["name"], forgotten["company"]) == ("", "")
    assert forgotten["external_id"] == "crm-7"


def test_forgetting_by_external_id_does_the_same(
    seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "forget", "crm-7")[0] == 0
    assert [s for row in every_row(seeded) for s in ERASED if s in row] == []


def test_forgetting_someone_no_lead_names_says_so_and_changes_nothing(
    seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = every_row(seeded)
    code, out, err = run(capsys, "forget", "nobody@nowhere.example")
    assert code == 1 and out == ""
    assert err == "error: No lead has the external ID or e-mail address 'nobody@nowhere.example'.\n"
    assert every_row(seeded) == before


def test_a_forgotten_leads_item_keeps_counting_as_it_did(
    seeded: str,
    capsys: pytest.CaptureFixture[str],
    workdir: Path,  # noqa: F811
) -> None:
    assert run(capsys, "forget", "crm-7")[0] == 0
    (lead, _) = leads_in(workdir)
    assert (lead.stage, lead.reject_reason, lead.item.title) == (
        "rejected",
        "(erased)",
        "Lead L-1001",
    )
    with Session(make_engine(seeded)) as session:
        actions = (
            session.execute(
                sa.text("SELECT action FROM item_events WHERE item_id = :i ORDER BY id"),
                {"i": lead.id},
            )
            .scalars()
            .all()
        )
    assert actions[-1] == "erase" and "reject" in actions
