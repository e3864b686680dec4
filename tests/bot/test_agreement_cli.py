"""The agreement over time from the command line: the version a process starts under is
recorded at the instant of its clock; `slabot agreement history` and `diff`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
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


def change(workdir: Path, old: str, new: str) -> None:
    """Edit the agreement file: `old` (which must be in it) becomes `new`."""
    path = workdir / "sla.toml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


GOOD_FIT = 'good_fit_interested = "4h"'


def two_versions(workdir: Path, capsys: pytest.CaptureFixture[str]) -> list[AgreementVersion]:
    """A sweep under the agreement, then another a day later under a shorter window."""
    assert run(capsys, "sweep")[0] == 0
    change(workdir, GOOD_FIT, 'good_fit_interested = "2h"')
    set_clock_file(workdir / "clock", T.replace(day=24))
    assert run(capsys, "sweep")[0] == 0
    return versions_in(workdir)


def test_history_lists_each_version_oldest_first_with_its_hash_instant_and_file(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = two_versions(workdir, capsys)
    code, out, _ = run(capsys, "agreement", "history")
    assert code == 0
    lines = out.splitlines()
    assert [line.split("  ")[0] for line in lines] == [first.hash, second.hash]
    assert lines[0].split("  ")[1:] == [first.in_force_at.isoformat(), str(workdir / "sla.toml")]
    code, out, _ = run(capsys, "agreement", "history", "--json")
    assert code == 0
    assert [(r["hash"], r["in_force_at"], r["file"]) for r in json.loads(out)] == [
        (v.hash, v.in_force_at.isoformat(), v.source) for v in (first, second)
    ]


def test_history_of_a_database_with_no_version_says_so(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "agreement", "history")
    assert code == 0 and "no agreement version recorded yet" in out
    assert json.loads(run(capsys, "agreement", "history", "--json")[1]) == []


def test_diff_with_no_version_named_compares_the_two_latest_in_words(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    two_versions(workdir, capsys)
    code, out, _ = run(capsys, "agreement", "diff")
    assert code == 0
    assert out.splitlines() == ["leads.response.good_fit_interested: 4h -> 2h"]


def test_diff_of_two_named_versions_goes_from_the_first_to_the_second(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = two_versions(workdir, capsys)
    code, out, _ = run(capsys, "agreement", "diff", second.hash[:8], first.hash[:8])
    assert code == 0
    assert out.splitlines() == ["leads.response.good_fit_interested: 2h -> 4h"]


def test_diff_of_one_version_compares_it_with_the_agreement_file(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, _ = two_versions(workdir, capsys)
    change(workdir, "max_attempts = 6", "max_attempts = 3")
    code, out, _ = run(capsys, "agreement", "diff", first.hash[:10])
    assert code == 0
    assert out.splitlines() == [
        "leads.max_attempts: 6 -> 3",
        "leads.response.good_fit_interested: 4h -> 2h",
    ]


def test_diff_of_a_version_against_a_file_with_only_comments_changed_has_no_differences(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "sweep")[0] == 0
    (version,) = versions_in(workdir)
    change(workdir, GOOD_FIT, GOOD_FIT + "  # a new comment")
    code, out, _ = run(capsys, "agreement", "diff", version.hash[:6])
    assert (code, out) == (0, "no differences\n")


def test_diff_of_an_unknown_or_ambiguous_prefix_exits_2_saying_which(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = two_versions(workdir, capsys)
    unknown = next(c for c in "0123456789abcdef" if c not in (first.hash[0], second.hash[0]))
    code, out, err = run(capsys, "agreement", "diff", unknown)
    assert (code, out) == (2, "")
    assert f"no agreement version's hash starts with '{unknown}'" in err
    code, _, err = run(capsys, "agreement", "diff", "", first.hash[:4])
    assert code == 2 and "is not a hash prefix" in err
    code, _, err = run(capsys, "agreement", "diff", "zz")
    assert code == 2 and "'zz' is not a hash prefix" in err


def test_diff_names_a_prefix_two_versions_share_as_ambiguous(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Versions are recorded until two hashes share a first digit (at most 17 tries)."""
    assert run(capsys, "sweep")[0] == 0
    for attempts in range(1, 17):
        change(workdir, f"max_attempts = {attempts + 5}", f"max_attempts = {attempts + 6}")
        assert run(capsys, "sweep")[0] == 0
        firsts = [v.hash[0] for v in versions_in(workdir)]
        shared = next((c for c in firsts if firsts.count(c) > 1), None)
        if shared:
            break
    assert shared is not None
    code, out, err = run(capsys, "agreement", "diff", shared)
    assert (code, out) == (2, "")
    assert f"'{shared}' names 2 versions" in err and "give more of the hash" in err


def test_diff_with_fewer_than_two_versions_and_none_named_says_there_is_nothing_to_compare(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "sweep")[0] == 0
    code, out, err = run(capsys, "agreement", "diff")
    assert (code, out) == (2, "")
    assert "1 agreement version(s) recorded: nothing to compare" in err


def import_one_lead(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A good fit, interested lead handed over at `T` (Monday 10:00 in New York): due at
    14:00 under the reference agreement's 4h."""
    csv = workdir / "leads.csv"
    csv.write_text(
        "external_id,name,company,email,fit,interest,campaign,owner\n"
        "crm-1,Dana Scully,Acme Corp,,good,high,,U0ALICE\n"
    )
    assert run(capsys, "import", "leads", str(csv))[0] == 0


def announcements(fake_slack: FakeSlack) -> list[str]:
    return [
        str(m["text"])
        for m in fake_slack.messages_to("#sales-marketing")
        if "The agreement changed" in str(m.get("text", ""))
    ]


def test_a_new_version_moves_open_items_and_is_announced_once_in_the_scorecard_channel(
    workdir: Path, capsys: pytest.CaptureFixture[str], fake_slack: FakeSlack
) -> None:
    import_one_lead(workdir, capsys)
    (before,) = items_in(workdir)
    assert before.due_at is not None and before.due_at - before.start_at == timedelta(hours=4)
    change(workdir, GOOD_FIT, 'good_fit_interested = "2h"')
    set_clock_file(workdir / "clock", T.replace(minute=30))
    assert run(capsys, "sweep")[0] == 0
    assert run(capsys, "sweep")[0] == 0  # a second process under the same version
    first, second = versions_in(workdir)
    (after,) = items_in(workdir)
    assert after.due_at is not None and after.due_at - after.start_at == timedelta(hours=2)
    assert (after.opened_under, after.window_from) == (first.id, second.id)
    (text,) = announcements(fake_slack)
    assert f"version `{second.hash[:12]}` (was `{first.hash[:12]}`)" in text
    assert "`leads.response.good_fit_interested: 4h -&gt; 2h`" in text
    assert "1 due earlier, 0 later, 0 unchanged" in text


def test_on_change_keep_leaves_open_items_as_they_were_and_says_so(
    workdir: Path, capsys: pytest.CaptureFixture[str], fake_slack: FakeSlack
) -> None:
    import_one_lead(workdir, capsys)
    (before,) = items_in(workdir)
    change(workdir, GOOD_FIT, 'good_fit_interested = "2h"')
    change(workdir, "[agreement]\n", '[agreement]\non_change = "keep"\n')
    assert run(capsys, "sweep")[0] == 0
    first, _ = versions_in(workdir)
    (after,) = items_in(workdir)
    assert (after.due_at, after.warn_at) == (before.due_at, before.warn_at)
    assert after.window_from == first.id
    (text,) = announcements(fake_slack)
    assert 'Open items keep the windows they had (`on_change = "keep"`)' in text


def test_the_first_version_recorded_is_no_change_and_is_not_announced(
    workdir: Path, capsys: pytest.CaptureFixture[str], fake_slack: FakeSlack
) -> None:
    assert run(capsys, "sweep")[0] == 0
    assert announcements(fake_slack) == []
