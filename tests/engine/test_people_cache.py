"""The cache of what Slack told us of people: one row a person, whoever writes it when."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from slaengine.persistence import people
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import SlackUser

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def test_remembering_a_person_again_refreshes_the_row_and_keeps_a_known_email(
    engine: Engine,
) -> None:
    with unit_of_work(engine) as session:
        people.remember(
            session, "U0ALICE", tz="America/New_York", name="Alice", email="a@x.io", now=NOW
        )
    with unit_of_work(engine) as session:
        people.remember(session, "U0ALICE", tz="Europe/Berlin", name="Alice", email=None, now=NOW)
    with Session(engine) as session:
        (row,) = session.exec(select(SlackUser)).all()
    assert (row.user_id, row.tz, row.email) == ("U0ALICE", "Europe/Berlin", "a@x.io")


def test_workers_caching_the_same_person_at_the_same_moment_never_collide(
    engine: Engine,
) -> None:
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def cache(zone: str) -> None:
        try:
            start.wait()
            for _ in range(10):
                with unit_of_work(engine) as session:
                    people.remember(session, "U0BOB", tz=zone, name="Bob", email=None, now=NOW)
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)

    workers = [threading.Thread(target=cache, args=(f"Etc/GMT+{n}",)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    with Session(engine) as session:
        assert len(session.exec(select(SlackUser)).all()) == 1
