"""`slabot replay PROPOSED.toml [--from] [--to] [--json]` from the command line: a proposal
that shortens the first response window, replayed over leads worked in November, shows the
breaches, alerts and shares it would have made beside what happened; the JSON holds the
promised keys; a bad proposal, a bad date and an empty range are each said plainly."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.clock import set_clock_file
from bot.directory import StaticDirectory
from slaengine.kinds.lead import work as leadwork
from slaengine.kinds.lead.intake import hand_off, parse_handoff
from slaengine.persistence.db import make_engine, unit_of_work
from tests.bot.test_agreement_cli import run, workdir  # noqa: F401  (a fixture)
from tests.conftest import LEADS_ONLY, NEW_YORK
from tests.support.agreement import parse_agreement

NOVEMBER = ["--from", "2026-11-01", "--to", "2026-11-30"]


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NEW_YORK)


def seed(workdir: Path) -> None:  # noqa: F811
    """Three leads handed over on Monday 23 November: touched after 1h30, after 3h, never."""
    agreement = parse_agreement(LEADS_ONLY)
    engine = make_engine(f"sqlite:///{workdir / 'cli.db'}")
    try:
        for name, owner, touched in (
            ("a", "U0ALICE", ny(23, 10, 30)),
            ("b", "U0BOB", ny(23, 12)),
            ("c", "U0BOB", None),
        ):
            with unit_of_work(engine) as session:
                fields = {"external_id": name, "fit": "good", "interest": "high", "owner": owner}
                lead = hand_off(
                    parse_handoff(fields), session=session, agreement=agreement,
                    directory=StaticDirectory(), now=ny(23, 9), source="webhook",
                ).lead  # fmt: skip
                ref = lead.ref
            if touched is not None:
                with unit_of_work(engine) as session:
                    leadwork.touch(
                        session, agreement, name=ref, actor=owner, now=touched, key=f"t-{name}"
                    )
    finally:
        engine.dispose()


@pytest.fixture
def worked(workdir: Path, capsys: pytest.CaptureFixture[str]) -> Path:  # noqa: F811
    assert run(capsys, "sweep")[0] == 0
    seed(workdir)
    set_clock_file(workdir / "clock", datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
    assert run(capsys, "sweep")[0] == 0  # c's breach, escalated
    proposal = LEADS_ONLY.replace('good_fit_interested = "4h"', 'good_fit_interested = "2h"')
    assert proposal != LEADS_ONLY
    (workdir / "proposed.toml").write_text(proposal)
    return workdir


def test_the_json_holds_both_sides_with_the_promised_keys(
    worked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "replay", "proposed.toml", *NOVEMBER, "--json")
    assert code == 0
    result = json.loads(out)
    assert (result["from"], result["to"]) == ("2026-11-01", "2026-11-30")
    assert result["replayed"] == ["lead"] and result["items"] == 3
    assert "does not route again" in result["owners"]
    actual, proposed = result["actual"], result["proposed"]
    for side in (actual, proposed):
        assert set(side) >= {"leads", "breaches", "alerts", "people"}
        assert set(side["leads"]) >= {"within_sla_share", "median_first_response_minutes"}
        for person in side["people"]:
            assert set(person) >= {"user", "met", "missed", "alerts"}
    # 4h: a and b in time, c missed; 2h: only a in time
    assert actual["leads"]["within_sla_share"] == pytest.approx(2 / 3)
    assert proposed["leads"]["within_sla_share"] == pytest.approx(1 / 3)
    assert actual["leads"]["median_first_response_minutes"] == 135  # of 90 and 180
    # c's response window, a's and b's accept windows (never decided); and b's response
    # window under 2h
    assert (actual["breaches"], proposed["breaches"]) == (3, 4)
    bob = {p["user"]: p for p in proposed["people"]}["U0BOB"]
    assert (bob["met"], bob["missed"]) == (0, 2)
    # each breach is escalated to the manager (and the channel), b's response too under 2h
    dave = {p["user"]: p for p in proposed["people"]}["U0DAVE"]
    assert dave["alerts"] == 4 and dave["alerts_by_week"] == {"2026-W48": 4}
    assert {p["user"]: p for p in actual["people"]}["U0DAVE"]["alerts"] == 3
    assert any("review.min_within_sla_rate" in flag for flag in proposed["flags"])


def test_the_text_sets_both_sides_side_by_side_and_says_owners_stay(
    worked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "replay", "proposed.toml", *NOVEMBER)
    assert code == 0
    assert "Owners stay as they were" in out
    line = next(x for x in out.splitlines() if x.startswith("Leads first-touched"))
    assert line.split()[-2:] == ["67%", "33%"]
    assert "Review flags (proposed):" in out and "U0BOB" in out


def test_left_out_the_range_is_the_last_full_quarter_and_an_empty_one_says_so(
    worked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "replay", "proposed.toml")
    assert code == 0
    assert out == "No items were opened from 2026-07-01 to 2026-09-30: nothing to replay.\n"
    code, out, _ = run(capsys, "replay", "proposed.toml", "--json")
    result = json.loads(out)
    assert (result["items"], result["from"]) == (0, "2026-07-01")
    assert "no items" in result["message"]


def test_a_proposal_that_fails_config_check_is_refused_with_its_problems(
    worked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = LEADS_ONLY.replace('accept_within = "2d"', 'accept_within = "soon"')
    (worked / "bad.toml").write_text(bad)
    code, out, err = run(capsys, "replay", "bad.toml", *NOVEMBER)
    assert (code, out) == (1, "")
    assert "fails `config check`" in err and "leads.accept_within" in err
    code, _, err = run(capsys, "replay", "missing.toml")
    assert code == 1 and "missing.toml" in err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--from", "2026-13-01"], "--from: '2026-13-01' is not a date: expected YYYY-MM-DD"),
        (["--to", "1 Dec"], "--to: '1 Dec' is not a date: expected YYYY-MM-DD"),
        (["--from", "2026-11-30", "--to", "2026-11-01"], "--to 2026-11-01 is before --from"),
    ],
)
def test_a_date_that_does_not_parse_gets_the_expected_format(
    worked: Path, capsys: pytest.CaptureFixture[str], args: list[str], said: str
) -> None:
    code, out, err = run(capsys, "replay", "proposed.toml", *args)
    assert (code, out) == (1, "")
    assert said in err


def test_the_database_is_not_changed_by_a_replay(
    worked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def dump() -> list[tuple[object, ...]]:
        engine = make_engine(f"sqlite:///{worked / 'cli.db'}")
        try:
            with Session(engine) as session:
                raw = session.connection().connection
                return list(raw.iterdump())  # type: ignore[attr-defined]
        finally:
            engine.dispose()

    before = dump()
    assert run(capsys, "replay", "proposed.toml", *NOVEMBER)[0] == 0
    assert dump() == before
