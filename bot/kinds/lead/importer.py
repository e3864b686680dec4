"""`slabot import leads FILE.csv`: the webhook's fields as columns, one report line a row."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.container import Container
from bot.kinds.lead.usecases import take_handoffs
from slaengine.kinds.lead.intake import Handoff, HandoffRequest, IntakeError, parse_handoff
from slaengine.persistence import outbox
from slaengine.persistence.db import unit_of_work

COLUMNS = {
    "external_id",
    "name",
    "company",
    "email",
    "fit",
    "interest",
    "campaign",
    "owner",
    "handed_off_at",
    "country",
    "region",
    "company_size",
}


class ImportFileError(Exception):
    """The file as a whole is unusable; nothing was imported."""


@dataclass(frozen=True)
class RowReport:
    line: int
    outcome: str  # imported | duplicate | refused
    message: str
    owner: str | None = None  # of an imported lead

    def __str__(self) -> str:
        return f"line {self.line}: {self.outcome}: {self.message}"


#: rows stored in one transaction: few commits, and the database's write lock held briefly
BATCH = 200
#: how long a batch's notices wait for the rest of the file, at most: a delivery pass
#: running meanwhile (`slabot run`) would otherwise send each owner the leads stored so far
HOLD = timedelta(minutes=2)


def import_leads(c: Container, path: Path) -> Iterator[RowReport]:
    """Store the file's leads, `BATCH` rows a transaction, and owe each owner a notice of
    each new lead; report each row, in order, once its batch is stored. Nothing is
    delivered here: the notices wait in the outbox (see `take_handoffs`), held until the
    whole file is stored, so that one delivery pass lists all of an owner's new leads."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot be read: {exc.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in reader.fieldnames or []]
        if not header:
            raise ImportFileError(
                f"{path}: empty file; expected a header row with external_id, fit, interest"
            )
        unknown = [h for h in header if h not in COLUMNS]
        if unknown:
            raise ImportFileError(
                f"{path}: unknown column(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(COLUMNS))}"
            )
        missing = [h for h in ("external_id", "fit", "interest") if h not in header]
        if missing:
            raise ImportFileError(f"{path}: missing column(s) {', '.join(missing)}")
        held: list[str] = []
        batch: list[tuple[int, HandoffRequest | RowReport]] = []
        for raw in reader:
            batch.append((reader.line_num, _parsed(reader.line_num, raw)))
            if len(batch) == BATCH:
                yield from _stored(c, batch, held)
                batch = []
        yield from _stored(c, batch, held)
    with unit_of_work(c.engine) as session:
        outbox.release(session, held, c.clock.now())


def _parsed(line: int, raw: dict[str | None, Any]) -> HandoffRequest | RowReport:
    """The row's handoff, or its refusal."""
    if None in raw:
        return RowReport(line, "refused", "more values than columns")
    row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
    try:
        return parse_handoff(row)
    except IntakeError as error:
        return RowReport(line, "refused", str(error))


def _stored(
    c: Container, batch: list[tuple[int, HandoffRequest | RowReport]], held: list[str]
) -> Iterator[RowReport]:
    """Store a batch's handoffs; report its rows. The keys of the notices it owes (held
    back) are added to `held`."""
    requests = [parsed for _, parsed in batch if isinstance(parsed, HandoffRequest)]
    taken: list[Handoff | IntakeError] = []
    if requests:
        hold = c.clock.now() + HOLD
        taken, owed = take_handoffs(c, requests, source="csv", hold_until=hold)
        held += owed
    results = iter(taken)
    for line, parsed in batch:
        if isinstance(parsed, RowReport):
            yield parsed
            continue
        result = next(results)
        if isinstance(result, IntakeError):
            yield RowReport(line, "refused", str(result))
            continue
        ref, owner = result.lead.ref, result.lead.owner_id
        if result.created:
            yield RowReport(
                line, "imported", f"{parsed.external_id} as {ref}, owner {owner}", owner
            )
        else:
            yield RowReport(line, "duplicate", f"{parsed.external_id} is already {ref}")
