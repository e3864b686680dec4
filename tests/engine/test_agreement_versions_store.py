"""Recording the agreement's versions: once however many processes start under one at the
same time, oldest first, found by a hash prefix."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from slaengine.persistence import versions as version_repo
from slaengine.persistence.db import make_engine, unit_of_work
from slaengine.persistence.tables import AgreementVersion

T = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def _record(engine: Engine, hash: str, at: datetime = T) -> version_repo.Recorded:
    with unit_of_work(engine) as session:
        return version_repo.record(
            session, hash=hash, content=f'{{"v":"{hash}"}}', source="sla.toml", now=at
        )


def test_three_processes_starting_under_one_agreement_at_once_record_it_once(
    database_url: str,
) -> None:
    start = threading.Barrier(3)
    results: list[version_repo.Recorded] = []
    errors: list[BaseException] = []

    def a_process() -> None:
        engine = make_engine(database_url)  # each its own connections, as a process has
        try:
            start.wait()
            results.append(_record(engine, "ab" * 32))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            engine.dispose()

    processes = [threading.Thread(target=a_process) for _ in range(3)]
    for each in processes:
        each.start()
    for each in processes:
        each.join()
    assert errors == []
    assert sorted(r.new for r in results) == [False, False, True]
    assert len({r.version.id for r in results}) == 1
    engine = make_engine(database_url)
    with Session(engine) as session:
        (row,) = session.exec(select(AgreementVersion)).all()
        assert (row.hash, row.source, row.in_force_at) == ("ab" * 32, "sla.toml", T)
    engine.dispose()


def test_a_new_version_names_the_one_in_force_before_it(engine: Engine) -> None:
    first = _record(engine, "a" * 64)
    assert first.new and first.previous is None
    second = _record(engine, "b" * 64, T + timedelta(days=1))
    assert second.new and second.previous is not None
    assert second.previous.hash == "a" * 64
    again = _record(engine, "a" * 64, T + timedelta(days=2))
    assert not again.new and again.version.id == first.version.id
    with Session(engine) as session:
        assert [v.hash[0] for v in version_repo.history(session)] == ["a", "b"]
        assert version_repo.latest(session).hash == "b" * 64  # type: ignore[union-attr]


def test_a_version_is_found_by_a_prefix_of_its_hash(engine: Engine) -> None:
    _record(engine, "abc1" + "0" * 60)
    _record(engine, "abd2" + "0" * 60, T + timedelta(hours=1))
    with Session(engine) as session:
        assert version_repo.by_prefix(session, "ABC").hash.startswith("abc1")
        with pytest.raises(version_repo.UnknownVersion, match="names 2 versions"):
            version_repo.by_prefix(session, "ab")
        with pytest.raises(version_repo.UnknownVersion, match="starts with 'ff'"):
            version_repo.by_prefix(session, "ff")
        with pytest.raises(version_repo.UnknownVersion, match="not a hash prefix"):
            version_repo.by_prefix(session, "x%")
