"""`slabot plan <revenue> [--json]`, in-process, on an SQLite database with the reference
agreement."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.entrypoints.cli import main
from slaengine.agreement.config import reference_agreement_path
from slaengine.persistence.db import make_engine, unit_of_work
from tests.conftest import LEADS_ONLY
from tests.support.plan import stored_lead


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SLABOT_CLOCK_FILE", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'plan.db'}")
    monkeypatch.setenv("SLA_CONFIG", str(reference_agreement_path()))
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def store_leads(workdir: Path, ages_in_days: list[float]) -> None:
    """Leads handed over that many days before the wall clock (the CLI reads it)."""
    engine = make_engine(f"sqlite:///{workdir / 'plan.db'}")
    now = datetime.now(UTC)
    try:
        with unit_of_work(engine) as session:
            for n, age in enumerate(ages_in_days):
                at = now - timedelta(days=age)
                stored_lead(session, f"p-{n}", at, closed_at=at, outcome="met")
    finally:
        engine.dispose()


def test_plan_240000_prints_the_deals_opportunities_and_leads_a_month(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "plan", "240000")
    assert code == 0, err
    assert "A monthly revenue goal of $240,000 needs, each month:" in out
    assert "10 closed deals" in out
    assert "40 opportunities" in out
    assert "200 handed-over leads" in out
    assert "Marketing's goal is 500 leads a month" in out


def test_plan_json_counts_the_leads_handed_over_in_the_last_90_days(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "db", "upgrade")[0] == 0
    store_leads(workdir, [1, 30, 89.9, 90.1, 200])  # three inside the last 90 days
    code, out, err = run(capsys, "plan", "$240k", "--json")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["revenue"] == 240000
    assert (answer["deals"], answer["opportunities"], answer["leads"]) == (10, 40, 200)
    assert answer["monthly_goal"] == 500
    assert answer["last_90_days"] == 3
    assert answer["last_90_days_monthly"] == 1.0
    assert answer["gap"] == {"monthly_goal": -300, "last_90_days_monthly": 199.0}
    assert answer["rates"] == {
        "average_deal": 24000,
        "lead_to_opportunity": 0.2,
        "opportunity_to_close": 0.25,
    }
    assert answer["sales_cycle_days"] == 45.0


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("lots", "'lots' is not an amount"),
        ("0", "'0': the revenue goal must be above zero"),
        ("-240000", "'-240000': the revenue goal must be above zero"),
    ],
)
def test_plan_with_bad_revenue_exits_1_naming_it(
    workdir: Path, capsys: pytest.CaptureFixture[str], written: str, says: str
) -> None:
    code, out, err = run(capsys, "plan", written)
    assert code == 1
    assert says in err
    assert out == ""


def test_plan_under_an_agreement_without_a_funnel_exits_1_naming_the_section(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = workdir / "sla.toml"
    path.write_text(LEADS_ONLY.split("[funnel]")[0], encoding="utf-8")
    monkeypatch.setenv("SLA_CONFIG", str(path))
    code, _, err = run(capsys, "plan", "240000")
    assert code == 1
    assert "no [funnel] section" in err
