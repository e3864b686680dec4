"""Content requests as people read them in App Home."""

from __future__ import annotations

from slaengine.agreement.config import Agreement


def windows(agreement: Agreement, team: str | None) -> list[str]:
    """The request window App Home shows `team` (every team's when None), and to sales how
    to ask."""
    requests = agreement.content_requests
    if requests is None:
        return []
    lines: list[str] = []
    if team is None or requests.owner == team:
        lines.append("*Content requests*: delivered by the working day asked")
    if team == "sales":
        lines.append("*You may ask marketing*: `/sla request <title> by <date>`")
    return lines
