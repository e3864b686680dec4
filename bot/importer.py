"""`slabot import leads FILE.csv`: the webhook's fields as columns, one report line a row."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.container import Container
from bot.usecases import take_handoff
from slaengine.handoffs import IntakeError, parse_handoff

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
}


class ImportFileError(Exception):
    """The file as a whole is unusable; nothing was imported."""


@dataclass(frozen=True)
class RowReport:
    line: int
    outcome: str  # imported | duplicate | refused
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.outcome}: {self.message}"


def import_leads(c: Container, path: Path) -> Iterator[RowReport]:
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
        for raw in reader:
            line = reader.line_num
            row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
            if None in raw:
                yield RowReport(line, "refused", "more values than columns")
                continue
            try:
                request = parse_handoff(row)
                result = take_handoff(c, request, source="csv")
                ref, owner = result.lead.ref, result.lead.owner_id
            except IntakeError as error:
                yield RowReport(line, "refused", str(error))
                continue
            if result.created:
                yield RowReport(line, "imported", f"{request.external_id} as {ref}, owner {owner}")
            else:
                yield RowReport(line, "duplicate", f"{request.external_id} is already {ref}")
