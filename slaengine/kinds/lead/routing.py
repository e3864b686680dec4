"""Round robin: the next member after the last one chosen, skipping whoever is away."""

from __future__ import annotations

from collections.abc import Collection, Sequence


def next_in_rotation(members: Sequence[str], last: str | None, away: Collection[str]) -> str | None:
    """The member after `last` in `members` order who is not away; None if all are away."""
    if not members:
        return None
    start = members.index(last) + 1 if last in members else 0
    for offset in range(len(members)):
        candidate = members[(start + offset) % len(members)]
        if candidate not in away:
            return candidate
    return None
