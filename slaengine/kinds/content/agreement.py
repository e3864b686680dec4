"""The content kind's table of the agreement: `[[deliverables]]`, the pieces marketing owes
each week, month or quarter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, field_validator

from slaengine.agreement.config import Agreement, EscalationStep, Model, Section, unknown_teams


class Deliverable(Model):
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9\-_]*$", max_length=40)
    title: str = Field(min_length=1, max_length=150)
    owner: str
    count: int = Field(ge=1, le=1000)
    per: Literal["week", "month", "quarter"]
    escalate: tuple[EscalationStep, ...] | None = None  # None: `[content].escalate`

    @field_validator("key")
    @classmethod
    def _not_a_verb(cls, value: str) -> str:
        if value == "request":
            raise ValueError("'request' is taken by `/sla done request <ref>`; choose another key")
        return value


def _owners_and_keys(data: Mapping[str, Any]) -> list[str]:
    deliverables = data.get("deliverables")
    if not isinstance(deliverables, list):
        return []
    problems = unknown_teams(
        data,
        [
            (f"deliverables.{i}.owner", d.get("owner"))
            for i, d in enumerate(deliverables)
            if isinstance(d, dict) and "owner" in d
        ],
    )
    keys = [d.get("key") for d in deliverables if isinstance(d, dict)]
    return problems + [
        f"deliverables: the key {key!r} is used twice"
        for key in sorted({k for k in keys if isinstance(k, str) and keys.count(k) > 1})
    ]


DELIVERABLES_TABLE: Section[tuple[Deliverable, ...]] = Section(
    "deliverables", tuple[Deliverable, ...], (), cross=_owners_and_keys
)
SECTIONS = (DELIVERABLES_TABLE,)


def deliverable(agreement: Agreement, key: str) -> Deliverable | None:
    return next((d for d in DELIVERABLES_TABLE.of(agreement) if d.key == key), None)
