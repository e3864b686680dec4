"""`slabot config check` shows the ladder the agreement makes: the one `warn_before` and
`escalate` make when it has no `[[leads.ladder]]`, else a line per step in order; and it
names a ladder's problems, changing nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from slaengine.agreement.config import reference_agreement_path
from tests.bot.test_cli import run, workdir  # noqa: F401  (the fixture)

CHILI = "".join(
    f'\n[[leads.ladder]]\nafter = "{after}"\ndo = "{do}"\n'
    for after, do in (("15m", "remind"), ("45m", "manager"), ("55m", "channel"), ("1h", "reassign"))
)


def agreement_file(directory: Path, extra: str) -> Path:
    path = directory / "sla.toml"
    path.write_text(reference_agreement_path().read_text() + extra)
    return path


def test_the_old_file_shows_the_ladder_warn_before_and_escalate_make(
    workdir: Path, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    code, out, err = run(capsys, "config", "check", str(reference_agreement_path()))
    assert code == 0, err
    assert (
        "  ladder (from warn_before and escalate): remind 1h before the window lapses · "
        "at the due instant: breach notice · manager · channel\n"
    ) in out


def test_a_ladder_shows_one_line_of_steps_and_what_a_reassignment_does(
    workdir: Path, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    code, out, err = run(capsys, "config", "check", str(agreement_file(workdir, CHILI)))
    assert code == 0, err
    assert "  ladder: 15m remind · 45m manager · 55m channel · 1h reassign\n" in out
    assert (
        "  reassign: skips the lead's last 2 owner(s) and reps away, at most 2 time(s); "
        "the clock keeps running\n"
    ) in out


def test_a_step_out_of_order_and_a_pool_step_are_named(
    workdir: Path, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    bad = CHILI.replace('"55m"', '"5m"') + '\n[[leads.ladder]]\nafter = "2h"\ndo = "pool"\n'
    path = agreement_file(workdir, bad)
    before = path.read_text()
    code, out, err = run(capsys, "config", "check", str(path))
    assert code == 1 and out == ""
    assert "2 problem(s)" in err
    assert "leads.ladder.2.after: 5m comes before step 1's 45m" in err
    assert "leads.ladder.4.do: 'pool' offers the lead in its pool's channel" in err
    assert path.read_text() == before
