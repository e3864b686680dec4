"""The `slabot` command, run in-process: config init and check, CSV import, status, db
upgrade, demo; and as a process where what it prints is the point."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.entrypoints.cli import main
from slaengine.agreement.config import reference_agreement_path
from slaengine.kinds.lead.tables import Lead
from slaengine.persistence.db import make_engine
from tests.support.fakeslack import FakeSlack


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack) -> Path:
    """A working directory with an SQLite database and the reference agreement, Slack faked."""
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLABOT_WEBHOOK_SECRET", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SLA_CONFIG", str(reference_agreement_path()))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli")
    monkeypatch.setenv("SLACK_API_URL", fake_slack.url)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def leads_in(workdir: Path) -> list[Lead]:
    engine = make_engine(f"sqlite:///{workdir / 'cli.db'}")
    try:
        with Session(engine) as session:
            return list(session.exec(select(Lead).order_by(Lead.id)).all())
    finally:
        engine.dispose()


def write_csv(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ------------------------------------------------------------------ config check


def test_config_check_accepts_the_reference_agreement(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "config", "check", str(reference_agreement_path()))
    assert code == 0, err
    assert "OK" in out
    assert "Acme Sales & Marketing SLA" in out


def test_config_check_reads_sla_config_when_no_file_is_given(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "config", "check")
    assert code == 0
    assert str(reference_agreement_path()) in out


BROKEN = {
    # (text in the reference file, replacement, dotted key the report must name)
    "unknown key": ("monthly_goal = 500", 'monthly_goal = 500\ncolour = "blue"', "leads.colour"),
    "bad duration": (
        'good_fit_interested = "4h"',
        'good_fit_interested = "4x"',
        "leads.response.good_fit_interested",
    ),
    "bad timezone": (
        'timezone = "America/New_York"',
        'timezone = "Mars/Olympus_Mons"',
        "agreement.timezone",
    ),
    "unknown weekday": (
        'days = ["mon", "tue", "wed", "thu", "fri"]',
        'days = ["mon", "tue", "funday", "thu", "fri"]',
        "business_hours.days.2",
    ),
    "overlapping hours": (
        'hours = ["09:00-17:00"]',
        'hours = ["09:00-13:00", "12:00-17:00"]',
        "business_hours.hours",
    ),
    "member neither id nor e-mail": (
        'members = ["U0ALICE", "U0BOB"]',
        'members = ["U0ALICE", "bob"]',
        "teams.sales.members.1",
    ),
}


def broken_file(directory: Path, cases: list[str]) -> Path:
    text = reference_agreement_path().read_text(encoding="utf-8")
    for case in cases:
        old, new, _ = BROKEN[case]
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = directory / "broken.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_config_check_refuses_one_bad_key_naming_it(
    case: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "config", "check", str(broken_file(workdir, [case])))
    assert code == 1
    assert BROKEN[case][2] + ":" in err
    assert "Traceback" not in out + err


def test_config_check_names_every_bad_key_in_one_run(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "config", "check", str(broken_file(workdir, sorted(BROKEN))))
    assert code == 1
    assert "Traceback" not in out + err
    assert f"{len(BROKEN)} problem(s)" in err
    for _, _, key in BROKEN.values():
        assert f"  {key}:" in err, f"{key} not named in:\n{err}"
    assert "unknown key" in err
    assert "'funday'" in err
    assert "'bob'" in err
    assert "'4x'" in err
    assert "Mars/Olympus_Mons" in err


def test_config_check_names_cross_key_problems_together_with_field_problems(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = broken_file(workdir, ["bad timezone"])
    text = path.read_text(encoding="utf-8")
    blog = 'key = "blog"\ntitle = "Blog post"\nowner = "marketing"'
    assert blog in text
    path.write_text(text.replace(blog, blog.replace('"marketing"', '"marketting"')), "utf-8")
    code, _, err = run(capsys, "config", "check", str(path))
    assert code == 1
    assert "  agreement.timezone:" in err
    assert "  deliverables.0.owner:" in err


def test_config_check_names_a_deliverable_owner_that_is_not_a_team(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = reference_agreement_path().read_text(encoding="utf-8")
    blog = 'key = "blog"\ntitle = "Blog post"\nowner = "marketing"'
    path = workdir / "owner.toml"
    path.write_text(text.replace(blog, blog.replace('"marketing"', '"marketting"')), "utf-8")
    code, _, err = run(capsys, "config", "check", str(path))
    assert code == 1
    assert "  deliverables.0.owner: 'marketting' is not a team" in err


def test_config_check_reports_toml_syntax_errors_without_a_traceback(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = workdir / "syntax.toml"
    path.write_text('[agreement\nname = "x"\n', encoding="utf-8")
    code, out, err = run(capsys, "config", "check", str(path))
    assert code == 1
    assert "not valid TOML" in err
    assert "Traceback" not in out + err


def test_config_check_reports_a_missing_file(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = workdir / "nope.toml"
    code, _, err = run(capsys, "config", "check", str(missing))
    assert code == 1
    assert f"the agreement file {missing} was not found" in err
    assert f"`slabot config init {missing}`" in err
    assert len(err.splitlines()) == 1


def test_config_check_without_a_file_says_sla_toml_was_not_found_and_how_to_create_it(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLA_CONFIG")
    code, out, err = run(capsys, "config", "check")
    assert code == 1
    assert "sla.toml was not found" in err
    assert "`slabot config init`" in err
    assert "SLA_CONFIG" in err
    assert "Traceback" not in out + err


def people_file(directory: Path, *replacements: tuple[str, str]) -> Path:
    """The reference agreement with some of its people written as e-mail addresses."""
    text = reference_agreement_path().read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = directory / "people.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_config_check_online_finds_each_person_named_by_e_mail_in_slack(
    workdir: Path, capsys: pytest.CaptureFixture[str], fake_slack: FakeSlack
) -> None:
    path = people_file(
        workdir,
        ('contact = "U0CAROL"', 'contact = "carol@acme.example"'),
        ('members = ["U0ALICE", "U0BOB"]', 'members = ["U0ALICE", "Bob@Acme.example"]'),
    )
    code, out, err = run(capsys, "config", "check", "--online", str(path))
    assert code == 0, err
    assert (
        out.splitlines()[0]
        == f"{path}: OK (Acme Sales & Marketing SLA); 2 e-mail address(es), each a Slack user"
    )
    assert sorted(c.args["email"] for c in fake_slack.calls("users.lookupByEmail")) == [
        "bob@acme.example",
        "carol@acme.example",
    ]
    assert not (workdir / "cli.db").exists()


def test_config_check_online_names_the_key_of_an_address_no_slack_user_has(
    workdir: Path, capsys: pytest.CaptureFixture[str], fake_slack: FakeSlack
) -> None:
    path = people_file(
        workdir,
        ('contact = "U0CAROL"', 'contact = "carla@acme.example"'),
        ('manager = "U0DAVE"', 'manager = "dave@acme.example"'),
    )
    code, out, err = run(capsys, "config", "check", str(path))
    assert (code, out.splitlines()[0], err) == (0, f"{path}: OK (Acme Sales & Marketing SLA)", "")
    assert fake_slack.calls() == []  # only --online asks Slack
    code, out, err = run(capsys, "config", "check", "--online", str(path))
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        f"{path}: 1 problem(s)",
        "  teams.marketing.contact: no Slack user has the e-mail address 'carla@acme.example'",
    ]
    assert not (workdir / "cli.db").exists()


def test_config_check_online_without_a_bot_token_says_so_and_asks_nothing(
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    fake_slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    path = people_file(workdir, ('contact = "U0CAROL"', 'contact = "carol@acme.example"'))
    code, _, err = run(capsys, "config", "check", "--online", str(path))
    assert code == 2
    assert err == "error: --online needs SLACK_BOT_TOKEN, a bot token (xoxb-...)\n"
    assert fake_slack.calls() == []


def test_config_check_online_says_why_when_slack_refuses_the_look_up(
    workdir: Path, capsys: pytest.CaptureFixture[str], fake_slack: FakeSlack
) -> None:
    fake_slack.fail_next("users.lookupByEmail", status=200, error="missing_scope")
    path = people_file(workdir, ('contact = "U0CAROL"', 'contact = "carol@acme.example"'))
    code, out, err = run(capsys, "config", "check", "--online", str(path))
    assert (code, out) == (2, "")
    assert err == "error: Slack refused to look people up by e-mail: missing_scope\n"


def test_config_check_online_says_why_when_slack_cannot_be_reached(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")  # nothing listens there
    path = people_file(workdir, ('contact = "U0CAROL"', 'contact = "carol@acme.example"'))
    code, out, err = run(capsys, "config", "check", "--online", str(path))
    assert code == 2
    assert err.startswith("error: cannot reach Slack at http://127.0.0.1:9/api/")
    assert "Traceback" not in out + err


# ------------------------------------------------------------------ config init


def test_config_init_writes_the_commented_reference_agreement_to_sla_toml(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(capsys, "config", "init")
    assert code == 0, err
    written = workdir / "sla.toml"
    assert written.read_bytes() == reference_agreement_path().read_bytes()
    assert "wrote sla.toml" in out
    assert "`slabot config check`" in out
    monkeypatch.delenv("SLA_CONFIG")
    code, out, err = run(capsys, "config", "check")
    assert code == 0, err
    assert "OK" in out


def test_config_init_writes_to_the_file_it_is_given(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = workdir / "acme.toml"
    code, out, err = run(capsys, "config", "init", str(target))
    assert code == 0, err
    assert target.read_bytes() == reference_agreement_path().read_bytes()
    assert f"`slabot config check {target}`" in out
    assert f"SLA_CONFIG={target}" in out
    assert not (workdir / "sla.toml").exists()


@pytest.mark.parametrize("argv", [[], ["acme.toml"]], ids=["sla.toml", "a named file"])
def test_config_init_refuses_to_overwrite_an_existing_file_and_leaves_it_unchanged(
    argv: list[str], workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = workdir / (argv[0] if argv else "sla.toml")
    existing.write_text("# our own agreement\n", encoding="utf-8")
    code, out, err = run(capsys, "config", "init", *argv)
    assert code == 1
    assert f"{existing.name} already exists" in err
    assert out == ""
    assert existing.read_text(encoding="utf-8") == "# our own agreement\n"


def test_config_init_into_a_missing_directory_says_why_without_a_traceback(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "config", "init", str(workdir / "nowhere" / "sla.toml"))
    assert code == 1
    assert "cannot write" in err
    assert "Traceback" not in out + err


# ------------------------------------------------------------------ import leads

HEADER = "external_id,name,company,email,fit,interest,campaign,owner"


def test_import_leads_reports_each_row_and_stores_the_good_ones(
    workdir: Path, capsys: pytest.CaptureFixture[str], fake_slack: FakeSlack
) -> None:
    csv = write_csv(
        workdir / "leads.csv",
        HEADER,
        "crm-1,Dana Scully,Acme Corp,dana@acme.example,good,high,,",
        "crm-2,Fox Mulder,Globex,,good,low,Q4 webinar,bob@acme.example",
        "crm-1,Dana Scully,Acme Corp,dana@acme.example,good,high,,",
        "crm-3,Nobody,Nowhere,,medium,high,,",
        "crm-4,Walter Skinner,Initech,,bad,low,,",
    )
    code, out, err = run(capsys, "import", "leads", str(csv))
    assert code == 1, err
    lines = out.splitlines()
    assert lines[0].startswith("line 2: imported: crm-1 as L-1001")
    assert lines[1].startswith("line 3: imported: crm-2 as L-1002, owner U0BOB")
    assert lines[2] == "line 4: duplicate: crm-1 is already L-1001"
    assert lines[3].startswith("line 5: refused: fit: ")
    assert "medium" in lines[3]
    assert lines[4].startswith("line 6: refused: fit: ")
    assert "2 imported, 1 duplicate, 2 refused" in out
    stored = leads_in(workdir)
    assert [(lead.external_id, lead.owner_id, lead.source) for lead in stored] == [
        ("crm-1", "U0ALICE", "csv"),
        ("crm-2", "U0BOB", "csv"),
    ]
    assert stored[1].campaign == "Q4 webinar"
    assert "2 rep(s) are owed a DM listing their new leads" in out


def test_the_import_returns_without_posting_and_a_later_sweep_delivers_one_dm_a_rep(
    workdir: Path, capsys: pytest.CaptureFixture[str], fake_slack: FakeSlack
) -> None:
    rows = [f"crm-{n},Lead {n},Acme,,good,high,,{('U0ALICE', 'U0BOB')[n % 2]}" for n in range(8)]
    csv = write_csv(workdir / "leads.csv", HEADER, *rows)
    code, out, err = run(capsys, "import", "leads", str(csv))
    assert code == 0, err
    assert "8 imported, 0 duplicate, 0 refused" in out
    assert "`slabot run`" in out and "`slabot sweep`" in out
    assert fake_slack.calls("chat.postMessage") == []  # stored and owed, nothing posted

    code, out, err = run(capsys, "sweep")
    assert code == 0, err
    stored = leads_in(workdir)
    for owner in ("U0ALICE", "U0BOB"):
        (dm,) = fake_slack.messages_to(owner)
        theirs = [lead.ref for lead in stored if lead.owner_id == owner]
        assert len(theirs) == 4
        assert all(dm["text"].count(ref) == 1 for ref in theirs), dm["text"]
    assert fake_slack.violations == []
    run(capsys, "sweep")
    # delivered once to each rep (on the wall clock, marketing's own items may warn too)
    assert [len(fake_slack.messages_to(rep)) for rep in ("U0ALICE", "U0BOB")] == [1, 1]


def test_import_leads_of_only_good_rows_exits_zero(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = write_csv(workdir / "ok.csv", "external_id,fit,interest", "a,good,high", "b,bad,high")
    code, out, _ = run(capsys, "import", "leads", str(csv))
    assert code == 0
    assert "2 imported, 0 duplicate, 0 refused" in out
    assert len(leads_in(workdir)) == 2


def test_import_leads_refuses_a_row_with_more_values_than_columns(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = write_csv(workdir / "wide.csv", "external_id,fit,interest", "a,good,high,extra")
    code, out, _ = run(capsys, "import", "leads", str(csv))
    assert code == 1
    assert "line 2: refused: more values than columns" in out
    assert leads_in(workdir) == []


def test_import_leads_with_an_unknown_column_imports_nothing(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = write_csv(
        workdir / "odd.csv",
        "external_id,fit,interest,favourite_colour",
        "crm-1,good,high,blue",
    )
    code, out, err = run(capsys, "import", "leads", str(csv))
    assert code == 1
    assert "favourite_colour" in err
    assert "imported" not in out
    assert leads_in(workdir) == []


def test_import_leads_without_a_required_column_imports_nothing(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = write_csv(workdir / "short.csv", "external_id,fit", "crm-1,good")
    code, _, err = run(capsys, "import", "leads", str(csv))
    assert code == 1
    assert "interest" in err
    assert leads_in(workdir) == []


def test_import_leads_of_a_missing_file_says_so(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "import", "leads", str(workdir / "nope.csv"))
    assert code == 1
    assert "cannot be read" in err
    assert "Traceback" not in err


# ------------------------------------------------------------------ status


def seed(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = write_csv(
        workdir / "seed.csv",
        "external_id,name,company,fit,interest",
        "crm-1,Dana Scully,Acme Corp,good,high",
        "crm-2,Fox Mulder,Globex,good,low",
        "crm-3,Walter Skinner,Initech,bad,high",
    )
    code, _, _ = run(capsys, "import", "leads", str(csv))
    assert code == 0


def status_json(capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict[str, Any]]:
    code, out, err = run(capsys, "status", "--json", *extra)
    assert code == 0, err
    rows = json.loads(out)
    assert isinstance(rows, list)
    return rows


def test_status_json_prints_every_lead_with_the_contract_fields(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(workdir, capsys)
    rows = status_json(capsys)
    assert [row["ref"] for row in rows] == ["L-1001", "L-1002", "L-1003"]
    for row in rows:
        for key in ("ref", "kind", "owner", "due_at", "state", "external_id", "name", "company"):
            assert key in row, key
        assert row["kind"] == "lead"
        assert row["state"] in ("on_track", "at_risk", "overdue")
        assert datetime.fromisoformat(row["due_at"]).utcoffset() is not None
    assert [row["owner"] for row in rows] == ["U0ALICE", "U0BOB", "U0ALICE"]
    assert rows[0]["external_id"] == "crm-1"
    assert rows[0]["name"] == "Dana Scully"
    assert rows[0]["company"] == "Acme Corp"


def test_status_user_shows_only_that_owners_items(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(workdir, capsys)
    rows = status_json(capsys, "--user", "U0BOB")
    assert [(row["ref"], row["owner"]) for row in rows] == [("L-1002", "U0BOB")]


def test_status_of_an_empty_database_is_an_empty_array(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert status_json(capsys) == []
    code, out, _ = run(capsys, "status")
    assert code == 0
    assert "nothing open" in out


def test_status_as_text_lists_one_line_per_item(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(workdir, capsys)
    code, out, _ = run(capsys, "status")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("L-1001")
    assert "Dana Scully (Acme Corp)" in lines[0]


# ------------------------------------------------------------------ db upgrade, demo


def test_db_upgrade_succeeds_twice(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, out, err = run(capsys, "db", "upgrade")
    assert first == 0, err
    assert "up to date" in out
    second, out, err = run(capsys, "db", "upgrade")
    assert second == 0, err
    assert "up to date" in out
    assert leads_in(workdir) == []  # the schema exists


def test_db_upgrade_prints_one_line_naming_the_migrations_and_no_alembic_chatter(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}

    def upgrade() -> list[str]:
        done = subprocess.run(
            [sys.executable, "-m", "bot.entrypoints.cli", "db", "upgrade"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return (done.stdout + done.stderr).splitlines()

    first = upgrade()
    assert len(first) == 1, first
    assert "is up to date: applied 0001, " in first[0]
    second = upgrade()
    assert second == [f"database at sqlite:///{tmp_path / 'fresh.db'} is up to date"]
    for line in first + second:
        assert "INFO" not in line
        assert "alembic" not in line
        assert "Context impl" not in line


def test_demo_prints_what_the_bot_would_post_and_exits_zero(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "demo")
    assert code == 0, err
    assert "L-1001" in out
    assert "DM to @U0ALICE" in out
    assert "Thanksgiving" in out
    assert "webhook answers 422" in out
    assert "Traceback" not in out + err
    assert not (workdir / "cli.db").exists()  # the demo never touches the real database


def test_the_demo_delivers_unpaced_so_it_never_sleeps_between_posts(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    import bot.delivery.pacer

    pauses: list[float] = []
    paused = SimpleNamespace(time=time.time, sleep=pauses.append)
    monkeypatch.setattr(bot.delivery.pacer, "time", paused)
    code, out, err = run(capsys, "demo")
    assert code == 0, err
    assert "messages posted" in out
    assert pauses == []


def test_the_demos_container_has_pacing_off_and_a_served_containers_has_it_on(
    tmp_path: Path,
) -> None:
    from bot.container import build
    from bot.demo.stage import Demo
    from bot.plugins import PLUGINS
    from bot.settings import Settings

    demo = Demo(io.StringIO(), tmp_path, PLUGINS)
    try:
        assert demo.c.deliverer.pacer.interval == 0
    finally:
        demo.c.close()
    served = build(
        Settings(database_url=f"sqlite:///{tmp_path / 'served.db'}"), agreement=demo.c.agreement
    , plugins=PLUGINS)
    try:
        assert served.deliverer.pacer.interval == 1.0
    finally:
        served.close()


def test_status_lists_a_lead_closed_recently_with_its_outcome_and_no_due_instant(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC

    from slaengine.agreement.config import load_agreement
    from slaengine.kinds.lead import work as leadwork
    from slaengine.persistence.db import unit_of_work

    seed(workdir, capsys)
    engine = make_engine(f"sqlite:///{workdir / 'cli.db'}")
    try:
        with unit_of_work(engine) as session:
            leadwork.reject(
                session,
                load_agreement(reference_agreement_path()),
                name="L-1001",
                actor="U0ALICE",
                now=datetime.now(UTC),
                key="reject",
                reason="no budget",
            )
    finally:
        engine.dispose()
    rows = {row["ref"]: row for row in status_json(capsys)}
    assert set(rows) == {"L-1001", "L-1002", "L-1003"}
    assert rows["L-1001"]["state"] in ("met", "missed")
    assert rows["L-1001"]["due_at"] is None
    assert rows["L-1002"]["due_at"] is not None


def test_a_dotenv_file_in_the_working_directory_is_read(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL")
    (workdir / ".env").write_text(f"DATABASE_URL=sqlite:///{workdir / 'dotenv.db'}\n", "utf-8")
    code, out, err = run(capsys, "db", "upgrade")
    assert code == 0, err
    assert "dotenv.db" in out
    assert (workdir / "dotenv.db").exists()
    assert not (workdir / "slabot.db").exists()
