"""`slabot status` counts each CRM's events waiting and records refused as leads, after the
items; with `--json` the array stays as it is and the counts go to stderr."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.entrypoints.cli import main
from migrations.runner import upgrade
from slaengine.agreement.config import reference_agreement_path
from slaengine.crm import store
from slaengine.crm.tables import REFUSED
from slaengine.persistence.db import make_engine, unit_of_work
from tests.support.fakeslack import FakeSlack


def test_status_counts_crm_events_waiting_and_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_slack: FakeSlack,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli")
    monkeypatch.setenv("SLACK_API_URL", fake_slack.url)
    monkeypatch.setenv("SLA_CONFIG", str(reference_agreement_path()))
    upgrade(url)
    engine = make_engine(url)
    now = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    incoming = [
        store.Incoming(f"k{n}", "contact.creation", str(n), now, {"objectId": n}) for n in range(3)
    ]
    with unit_of_work(engine) as session:
        assert store.store(session, "hubspot", incoming, now) == 3
        first = store.pending(session, "hubspot", 1)
        store.settle(session, {e.id: (REFUSED, "company: …", None) for e in first if e.id}, now)
    engine.dispose()

    assert main(["status"]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[-1] == "crm hubspot: 2 event(s) waiting, 1 refused as leads"
    assert main(["status", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == []
    assert "crm hubspot: 2 event(s) waiting, 1 refused as leads" in err
