"""SLA durations as written in the agreement: ``"4h"``, ``"2d"``, ``"48h calendar"``, ``"25%"``.

Grammar: ``<number><unit>[ calendar]`` where ``number`` is a positive integer and ``unit`` is one
of ``m`` (minutes), ``h`` (hours), ``d`` (days) or ``w`` (weeks).  Without the ``calendar``
suffix a duration counts *business* time (see :class:`slaengine.calendar.BusinessCalendar`);
with it, it counts wall-clock time.  A share such as ``"25%"`` means that part of an item's
whole window and is only meaningful as a lead time (``warn_before``).

This module is pure: no clock, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, TypeAlias, cast

__all__ = ["Duration", "Share", "Unit", "parse_lead"]

Unit: TypeAlias = Literal["m", "h", "d", "w"]

_UNITS: tuple[Unit, ...] = ("m", "h", "d", "w")
_MINUTES_PER_UNIT: dict[str, int] = {"m": 1, "h": 60}

_DURATION_RE = re.compile(r"(?P<amount>[0-9]+)(?P<unit>[mhdw])(?P<calendar>[ \t]+calendar)?")
_SHARE_RE = re.compile(r"(?P<percent>[0-9]+(?:\.[0-9]+)?)[ \t]*%")

_DURATION_FORM = (
    "expected <number><m|h|d|w> with an optional ' calendar', e.g. '4h' or '48h calendar'"
)
_SHARE_FORM = "expected a percentage above 0 and at most 100, e.g. '25%'"


@dataclass(frozen=True)
class Duration:
    """A positive whole number of minutes, hours, days or weeks.

    ``calendar=False`` (the default form, ``"4h"``) counts business time;
    ``calendar=True`` (``"4h calendar"``) counts wall-clock time.
    """

    amount: int
    unit: Unit
    calendar: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise ValueError(f"duration amount must be an integer, got {self.amount!r}")
        if self.amount <= 0:
            raise ValueError(f"duration amount must be positive, got {self.amount}")
        if self.unit not in _UNITS:
            raise ValueError(f"duration unit must be one of m, h, d, w, got {self.unit!r}")

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse ``"4h"``, ``"2d"``, ``"48h calendar"`` (surrounding whitespace allowed)."""
        if not isinstance(text, str):
            raise ValueError(f"{text!r} is not a duration: {_DURATION_FORM}")
        match = _DURATION_RE.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"{text!r} is not a duration: {_DURATION_FORM}")
        amount = int(match["amount"])
        if amount <= 0:
            raise ValueError(f"{text!r} is not a duration: the number must be above 0")
        return cls(amount, cast(Unit, match["unit"]), match["calendar"] is not None)

    def fixed_minutes(self) -> int | None:
        """The length in minutes for ``m`` and ``h``; ``None`` for ``d`` and ``w``.

        Days and weeks have no fixed length: a business day is whatever the calendar's
        working hours make it, and a calendar day may have 23 or 25 hours around DST.
        """
        per_unit = _MINUTES_PER_UNIT.get(self.unit)
        return None if per_unit is None else self.amount * per_unit

    @property
    def minutes(self) -> int:
        """The length in minutes; only for ``m`` and ``h`` (raises ``ValueError`` for d/w)."""
        fixed = self.fixed_minutes()
        if fixed is None:
            raise ValueError(
                f"{self} has no fixed length in minutes (days/weeks depend on a calendar)"
            )
        return fixed

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}{' calendar' if self.calendar else ''}"


@dataclass(frozen=True)
class Share:
    """A share of an item's whole window, written ``"25%"``; ``0 < fraction <= 1``."""

    fraction: float

    def __post_init__(self) -> None:
        if isinstance(self.fraction, bool) or not isinstance(self.fraction, int | float):
            raise ValueError(f"share fraction must be a number, got {self.fraction!r}")
        if not 0 < self.fraction <= 1:
            raise ValueError(f"share fraction must be above 0 and at most 1, got {self.fraction!r}")

    @classmethod
    def parse(cls, text: str) -> Share:
        """Parse ``"25%"`` (or ``"12.5%"``) into ``Share(0.25)``."""
        if not isinstance(text, str):
            raise ValueError(f"{text!r} is not a share: {_SHARE_FORM}")
        match = _SHARE_RE.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"{text!r} is not a share: {_SHARE_FORM}")
        percent = float(match["percent"])
        if not 0 < percent <= 100:
            raise ValueError(f"{text!r} is not a share: {_SHARE_FORM}")
        return cls(percent / 100)

    def of(self, window: timedelta) -> timedelta:
        """This share of ``window`` (rounded to the microsecond by ``timedelta``)."""
        if window < timedelta(0):
            raise ValueError(f"a window cannot be negative, got {window}")
        return window * self.fraction

    def __str__(self) -> str:
        percent = f"{self.fraction * 100:.6f}".rstrip("0").rstrip(".")
        return f"{percent}%"


def parse_lead(text: str) -> Duration | Share:
    """Parse a lead time (a ``warn_before`` key): a duration (``"1h"``) or a share (``"25%"``)."""
    if isinstance(text, str) and text.strip().endswith("%"):
        return Share.parse(text)
    try:
        return Duration.parse(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a lead time: expected a duration such as '4h' or '48h calendar'"
            " (<number><m|h|d|w> with an optional ' calendar'), or a share such as '25%'"
        ) from None
