"""What the engine asks of a kind of obligation (`Kind`), and the kinds a process tracks
(`Kinds`), given to it by the composition root: the engine never names a kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NamedTuple, Protocol

from sqlmodel import Session

from slaengine.agreement.config import Agreement
from slaengine.engine.lives import Replay
from slaengine.engine.owed import Owed
from slaengine.engine.thresholds import Instants
from slaengine.persistence.tables import PREFIXES, Item


class Kind(Protocol):
    """What the engine asks of a kind of obligation."""

    name: str
    prefix: str  # the letter its refs start with (`L-1042`)

    @property
    def scored(self) -> Scored | None:
        """How the weekly scorecard tallies its items (None: it does not)."""

    def openings(self, agreement: Agreement, now: datetime) -> list[Item]:
        """Items of this kind that should exist at `now` (a period's cycle, a week's report),
        unsaved; each pass opens those not open yet, once, by natural key."""

    def opened(self, session: Session, agreement: Agreement, item: Item) -> None:
        """An item from `openings` was just stored: add the kind's own details."""

    def ladder(self, agreement: Agreement, item: Item) -> list[str]:
        """Who hears of a breach besides the owner, in order (people, channels)."""

    def warns(self, agreement: Agreement, item: Item) -> bool:
        """Whether the owner is warned at the item's warning instant (a kind whose own timed
        steps remind them may say no)."""

    def steps(self, session: Session, agreement: Agreement, item: Item) -> list[TimedStep]:
        """The item's own timed steps besides its thresholds (a lead's ladder), in order: each
        is taken once, at its instant, by the sweep (`step`); its name is its identity among
        the item's steps (a step whose name was taken is not taken again)."""

    def step(
        self, session: Session, agreement: Agreement, item: Item, name: str, now: datetime
    ) -> list[Owed]:
        """Take the timed step `name` of `item` (from `steps`), once: what it does and owes."""

    def breached(
        self, session: Session, agreement: Agreement, item: Item, now: datetime
    ) -> list[Owed]:
        """The item's window lapsed (after its breach notice and escalations were owed):
        what else that means for the kind (a period's cycle closes as missed, say)."""

    def lapse(
        self, session: Session, agreement: Agreement, item: Item, now: datetime
    ) -> list[Owed]:
        """The item's lapse instant came: close it as the kind says, and owe what it owes."""

    def describe(self, session: Session, items: Sequence[Item]) -> dict[int, dict[str, Any]]:
        """What `slabot status` shows of these items beyond what every item has, by id:
        plain JSON values."""

    def rewindow(
        self, session: Session, agreement: Agreement, item: Item, now: datetime
    ) -> Instants | None:
        """A new agreement came into force while `item` is open: its current window's
        instants (warn, due, lapse) under `agreement`, recomputed from the item's own start,
        those crossed by `now` as they were (`thresholds.settle`); the kind's own details
        brought in line (a lead's windows ahead of it too). None: the kind leaves its items'
        windows as they are. The engine sets the item's instants and timers."""

    def replay(
        self, session: Session, since: datetime, until: datetime, now: datetime
    ) -> Replay | None:
        """This kind's items opened (handed over, begun) in [since, until), read once with
        every stored instant a replay needs (as they stand at `now`), to be lived again under
        a proposed agreement (`slabot replay`). None: the kind is not replayed; its items
        count as they went."""


class TimedStep(NamedTuple):
    """One of an item's own timed steps (`Kind.steps`): at which instant, under which name."""

    at: datetime
    name: str


@dataclass(frozen=True)
class Scored:
    """How a kind's items count in the weekly scorecard: on which side of the agreement,
    under which label, and whether its items may close as excused (neither met nor missed)."""

    side: Literal["marketing", "sales"]
    label: str
    excusable: bool = False


@dataclass(frozen=True)
class ResponseRow:
    """What the figures need of a lead: when it was handed over and first touched (what a
    plugin's `responses` gives `slaengine.scorecard.standing`)."""

    owner_id: str
    handed_off_at: datetime
    first_touch_at: datetime | None


class KindBase:
    """A kind's defaults, for what it does not say: it opens nothing by itself, adds no
    details, escalates to nobody but the owner, owes nothing more at a breach or a lapse, and
    shows nothing more in `slabot status`, leaves its items' windows as they are when the
    agreement changes, warns the owner at the warning instant, has no timed steps of its
    own, and is not replayed."""

    name: str
    prefix: str
    scored: Scored | None = None

    def openings(self, agreement: Agreement, now: datetime) -> list[Item]:
        return []

    def opened(self, session: Session, agreement: Agreement, item: Item) -> None:
        return None

    def ladder(self, agreement: Agreement, item: Item) -> list[str]:
        return []

    def warns(self, agreement: Agreement, item: Item) -> bool:
        return True

    def steps(self, session: Session, agreement: Agreement, item: Item) -> list[TimedStep]:
        return []

    def step(
        self, session: Session, agreement: Agreement, item: Item, name: str, now: datetime
    ) -> list[Owed]:
        return []

    def breached(
        self, session: Session, agreement: Agreement, item: Item, now: datetime
    ) -> list[Owed]:
        return []

    def lapse(
        self, session: Session, agreement: Agreement, item: Item, now: datetime
    ) -> list[Owed]:
        return []

    def describe(self, session: Session, items: Sequence[Item]) -> dict[int, dict[str, Any]]:
        return {}

    def rewindow(
        self, session: Session, agreement: Agreement, item: Item, now: datetime
    ) -> Instants | None:
        return None

    def replay(
        self, session: Session, since: datetime, until: datetime, now: datetime
    ) -> Replay | None:
        return None


class Kinds:
    """The kinds a process tracks, by name, from the plugin list. Each kind's ref letter is
    declared here too, so a ref names its kind (`L-1042`); two kinds may not share a name or
    a letter."""

    def __init__(self, kinds: Iterable[Kind]) -> None:
        self._by_name: dict[str, Kind] = {}
        letters: dict[str, str] = {}
        for kind in kinds:
            if kind.name in self._by_name:
                raise ValueError(f"two kinds are named {kind.name!r}")
            taken = letters.get(kind.prefix.upper())
            if taken is not None:
                raise ValueError(
                    f"kinds {taken!r} and {kind.name!r} share the ref letter {kind.prefix!r}"
                )
            letters[kind.prefix.upper()] = kind.name
            self._by_name[kind.name] = kind
        for kind in self._by_name.values():
            known = PREFIXES.setdefault(kind.name, kind.prefix)
            if known != kind.prefix:
                raise ValueError(f"kind {kind.name!r} has the ref letter {known!r} already")

    def __getitem__(self, name: str) -> Kind:
        return self._by_name[name]

    def __iter__(self) -> Iterator[Kind]:
        return iter(self._by_name.values())

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def names(self) -> list[str]:
        return list(self._by_name)

    def scored(self) -> dict[str, Scored]:
        """The kinds the scorecard tallies, by name, in the plugin list's order."""
        return {name: kind.scored for name, kind in self._by_name.items() if kind.scored}
