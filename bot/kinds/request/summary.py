"""Content requests as people read them in App Home."""

from __future__ import annotations

from slaengine.agreement.config import Agreement
from slaengine.kinds.request.agreement import CONTENT_REQUESTS_TABLE


def windows(agreement: Agreement, team: str | None) -> list[str]:
    """The request window App Home shows `team` (every team's when None), and to sales how
    to ask."""
    requests = CONTENT_REQUESTS_TABLE.of(agreement)
    if requests is None:
        return []
    lines: list[str] = []
    if team is None or requests.owner == team:
        lines.append("*Content requests*: delivered by the working day asked")
    if team == "sales":
        lines.append("*You may ask marketing*: `/sla request <title> by <date>`")
    return lines
