"""Marketing's content commitments as people read them in App Home."""

from __future__ import annotations

from slaengine.agreement.config import Agreement
from slaengine.kinds.content.agreement import DELIVERABLES_TABLE


def windows(agreement: Agreement, team: str | None) -> list[str]:
    """Marketing's content commitments App Home shows `team` (every team's when None)."""
    lines: list[str] = []
    owned = [d for d in DELIVERABLES_TABLE.of(agreement) if team is None or d.owner == team]
    if owned:
        lines.append("*Content*: " + " · ".join(f"{d.title} {d.count} a {d.per}" for d in owned))
    campaigns = agreement.campaigns
    if campaigns and campaigns.per_quarter and (team is None or campaigns.owner == team):
        lines.append(f"*Campaigns*: {campaigns.per_quarter} a quarter")
    return lines
