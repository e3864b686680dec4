"""The agreement over time from the command line: the version a process starts under is
recorded at the instant of its clock; `slabot agreement history` and `diff`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.clock import set_clock_file
from bot.entrypoints.cli import main
from slaengine.agreement.versions import content_of, fingerprint
from slaengine.persistence.db import make_engine
from slaengine.persistence.tables import AgreementVersion, Item
from tests.conftest import LEADS_ONLY
from tests.support.fakeslack import FakeSlack

T = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack) -> Path:
    """A working directory with an SQLite database, the agreement in `sla.toml`, a clock file
    at `T`, Slack faked."""
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLABOT_WEBHOOK_SECRET", "PORT"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "sla.toml").write_text(LEADS_ONLY)
    set_clock_file(tmp_path / "clock", T)
    monkeypatch.setenv("SLABOT_CLOCK_FILE", str(tmp_path / "clock"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SLA_CONFIG", str(tmp_path / "sla.toml"))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli")
    monkeypatch.setenv("SLACK_API_URL", fake_slack.url)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def versions_in(workdir: Path) -> list[AgreementVersion]:
    engine = make_engine(f"sqlite:///{workdir / 'cli.db'}")
    try:
        with Session(engine) as session:
            return list(session.exec(select(AgreementVersion).order_by(AgreementVersion.id)))
    finally:
        engine.dispose()


def items_in(workdir: Path) -> list[Item]:
    engine = make_engine(f"sqlite:///{workdir / 'cli.db'}")
    try:
        with Session(engine) as session:
            return list(session.exec(select(Item).order_by(Item.id)))
    finally:
        engine.dispose()


def test_a_sweep_records_the_version_it_starts_under_at_its_clocks_instant_once(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "sweep")[0] == 0
    set_clock_file(workdir / "clock", T.replace(day=24))
    assert run(capsys, "sweep")[0] == 0
    (version,) = versions_in(workdir)
    assert version.hash == fingerprint(content_of(LEADS_ONLY))
    assert version.content == content_of(LEADS_ONLY)
    assert version.source == str(workdir / "sla.toml")
    assert abs((version.in_force_at - T).total_seconds()) < 60


def test_a_command_that_only_reads_records_no_version(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "status", "--json")[0] == 0
    assert versions_in(workdir) == []


def test_imported_leads_carry_the_version_they_opened_under_and_status_json_shows_it(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = workdir / "leads.csv"
    csv.write_text(
        "external_id,name,company,email,fit,interest,campaign,owner\n"
        "crm-1,Dana Scully,Acme Corp,dana@acme.example,good,high,,\n"
    )
    assert run(capsys, "import", "leads", str(csv))[0] == 0
    (version,) = versions_in(workdir)
    (item,) = items_in(workdir)
    assert (item.opened_under, item.window_from) == (version.id, version.id)
    code, out, _ = run(capsys, "status", "--json")
    assert code == 0
    (row,) = json.loads(out)
    assert (row["opened_under"], row["window_from"]) == (version.hash, version.hash)
