"""What the kinds bring to the weekly scorecard beyond their items' tallies: the lead figures
of the headline and its monthly goal, the cycles of content owed, and how content was used.
The composition root gathers them from the plugin list (`Sources.combine`); the scorecard
never reads a kind's tables itself."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from sqlmodel import Session

from slaengine.agreement.config import Agreement
from slaengine.periods import Period
from slaengine.scorecard.rows import CycleRow, LeadCounts, Touch

#: (session, edges): the leads of each week of `edges`, counted, and their first touches
LeadsOf = Callable[[Session, Sequence[datetime]], tuple[list[LeadCounts], list[Touch]]]
#: the agreement's monthly goal in leads (0: none)
GoalOf = Callable[[Agreement], int]
#: (session, agreement, week, end): each content cycle holding the week, to date
CyclesOf = Callable[[Session, Agreement, Period, datetime], list[CycleRow]]
#: (session, start, end): content "used it" records in [start, end), and by how many people
UsesOf = Callable[[Session, datetime, datetime], tuple[int, int]]


@dataclass(frozen=True)
class Sources:
    """Each part is given by at most one kind; a part nobody gives counts nothing."""

    leads: LeadsOf | None = None
    goal: GoalOf | None = None
    cycles: CyclesOf | None = None
    uses: UsesOf | None = None

    @classmethod
    def combine(cls, parts: Iterable[Sources]) -> Sources:
        given: dict[str, object] = {}
        for part in parts:
            for f in fields(cls):
                value = getattr(part, f.name)
                if value is None:
                    continue
                if f.name in given:
                    raise ValueError(f"two kinds give the scorecard its {f.name}")
                given[f.name] = value
        return cls(**given)  # type: ignore[arg-type]

    def lead_counts(
        self, session: Session, edges: Sequence[datetime]
    ) -> tuple[list[LeadCounts], list[Touch]]:
        if self.leads is None:
            return [LeadCounts() for _ in edges[:-1]], []
        return self.leads(session, edges)

    def monthly_goal(self, agreement: Agreement) -> int:
        return self.goal(agreement) if self.goal else 0

    def content(
        self, session: Session, agreement: Agreement, week: Period, end: datetime
    ) -> list[CycleRow]:
        return self.cycles(session, agreement, week, end) if self.cycles else []

    def used(self, session: Session, start: datetime, end: datetime) -> tuple[int, int]:
        return self.uses(session, start, end) if self.uses else (0, 0)
