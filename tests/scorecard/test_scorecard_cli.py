"""`slabot scorecard`, run in-process on a chosen clock: printed, `--json` (valid against the
schema in the repository), `--csv`, `--week`, `--post` (once), and a malformed week."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bot.clock import set_clock_file
from bot.entrypoints.cli import main
from slaengine.agreement.config import reference_agreement_path
from tests.conftest import NEW_YORK, ROOT
from tests.support.fakeslack import FakeSlack

SCHEMA = ROOT / "slaengine" / "reference" / "scorecard.schema.json"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack) -> Path:
    """An SQLite database holding three leads handed over in 2026-W48, the clock at Monday
    30 November 09:30 in New York, Slack faked."""
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLABOT_WEBHOOK_SECRET", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SLA_CONFIG", str(reference_agreement_path()))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli")
    monkeypatch.setenv("SLACK_API_URL", fake_slack.url)
    clock = tmp_path / "clock"
    set_clock_file(clock, datetime(2026, 11, 24, 9, 0, tzinfo=NEW_YORK))
    monkeypatch.setenv("SLABOT_CLOCK_FILE", str(clock))
    (tmp_path / "leads.csv").write_text(
        "external_id,fit,interest,owner,handed_off_at\n"
        "a,good,high,U0ALICE,2026-11-23T15:00:00Z\n"
        "b,good,low,U0BOB,2026-11-24T14:00:00Z\n"
        "c,bad,high,U0ALICE,2026-11-24T14:00:00Z\n",
        encoding="utf-8",
    )
    assert main(["import", "leads", "leads.csv"]) == 0
    set_clock_file(clock, datetime(2026, 11, 30, 9, 30, tzinfo=NEW_YORK))
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_is_the_week_just_ended_by_default_and_valid_against_the_documented_schema(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "scorecard", "--json")
    assert code == 0
    data: dict[str, Any] = json.loads(out)
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(data)
    assert data["week"] == "2026-W48"
    assert data["leads"]["handed_off"] == 3
    assert data["leads"]["by_status"] == {
        "bad_fit_interested": 1,
        "good_fit_interested": 1,
        "good_fit_less_interested": 1,
    }
    assert {p["user"] for p in data["people"]} >= {"U0ALICE", "U0BOB"}


def test_the_schema_refuses_output_missing_a_required_figure() -> None:
    schema = json.loads(SCHEMA.read_text())
    with pytest.raises(jsonschema.ValidationError, match="within_sla_share"):
        jsonschema.validate(
            {"week": "2026-W48", "leads": {"handed_off": 1}, "people": []},
            schema["properties"]["leads"],
        )


def test_week_picks_any_week_and_csv_prints_the_per_person_table(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "scorecard", "--week", "2026-W47", "--json")
    assert code == 0
    assert json.loads(out)["week"] == "2026-W47"
    assert json.loads(out)["leads"]["handed_off"] == 0
    code, out, _ = run(capsys, "scorecard", "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["week"] for r in rows} == {"2026-W48"}
    assert {"U0ALICE", "U0BOB", "U0CAROL", "U0ERIN"} <= {r["user"] for r in rows}


def test_the_printed_scorecard_reads_as_text_with_both_sides_and_the_trend(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "scorecard")
    assert code == 0
    assert out.startswith("Scorecard 2026-W48 (Mon 23 Nov - Sun 29 Nov)")
    for part in ("Marketing", "Sales", "Trend", "People", "Leads handed over: 3"):
        assert part in out


@pytest.mark.parametrize("week", ["2026-W99", "48", "next"])
def test_a_malformed_week_exits_1_naming_the_expected_format(
    workdir: Path, capsys: pytest.CaptureFixture[str], week: str
) -> None:
    code, out, err = run(capsys, "scorecard", "--week", week)
    assert code == 1
    assert out == ""
    assert "YYYY-Www" in err and "2026-W48" in err


def test_post_posts_the_week_once_with_its_chart(
    workdir: Path, capsys: pytest.CaptureFixture[str], fake_slack: FakeSlack
) -> None:
    assert run(capsys, "scorecard", "--post")[0] == 0
    code, _, err = run(capsys, "scorecard", "--post")
    assert code == 0
    assert "was posted to #sales-marketing before" in err
    posts = [
        m
        for m in fake_slack.messages_to("#sales-marketing")
        if str(m.get("text", "")).startswith("Scorecard 2026-W48")
    ]
    assert len(posts) == 1
    assert [f["filename"] for f in fake_slack.uploads()] == ["scorecard-2026-W48.png"]


def test_the_leads_handed_over_are_set_against_the_weeks_share_of_the_monthly_goal_in_whole_leads(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 500 a month: 7 days of November's 30 are 116.67 leads, said as 117
    code, out, _ = run(capsys, "scorecard")
    assert code == 0
    assert "Leads handed over: 3 of 117 (the week's share of 500 a month)" in out
    code, out, _ = run(capsys, "scorecard", "--json")
    assert json.loads(out)["leads"]["weekly_goal"] == 117
    # W49 (30 November - 6 December): 500/30 + 6 x 500/31 = 113.44, said as 113
    code, out, _ = run(capsys, "scorecard", "--week", "2026-W49")
    assert "Leads handed over: 0 of 113 (the week's share of 500 a month)" in out
