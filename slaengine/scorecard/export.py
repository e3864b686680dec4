"""The scorecard's stable JSON form (see `slaengine/reference/scorecard.schema.json`)."""

from __future__ import annotations

from typing import Any

from slaengine.scorecard.compute import Scorecard


def as_json(card: Scorecard) -> dict[str, Any]:
    """The stable JSON form (see `slaengine/reference/scorecard.schema.json`)."""
    leads = card.leads
    return {
        "week": card.week.key,
        "from": card.week.first.isoformat(),
        "to": card.week.last.isoformat(),
        "leads": {
            "handed_off": leads.handed_off,
            "weekly_goal": card.weekly_goal,
            "by_status": leads.by_status,
            "due": leads.due,
            "within_sla": leads.within_sla,
            "within_sla_share": leads.within_sla_share,
            "first_touched": leads.first_touched,
            "median_first_response_minutes": leads.median_first_response_minutes,
            "decided": leads.decided,
            "accepted": leads.accepted,
            "acceptance_rate": leads.acceptance_rate,
            "top_rejection_reasons": [
                {"reason": reason, "count": count} for reason, count in leads.top_rejection_reasons
            ],
        },
        "marketing": {
            "content": [
                {
                    "source": c.source,
                    "title": c.title,
                    "period": c.period,
                    "done": c.done,
                    "target": c.target,
                }
                for c in card.content
            ],
            **{label.replace(" ", "_"): t.json() for label, t in card.marketing.items()},
        },
        "sales": {
            **{label.replace(" ", "_"): t.json() for label, t in card.sales.items()},
            "content_used": {"uses": card.uses, "users": card.users},
        },
        "people": [
            {
                "user": p.user,
                "team": p.team,
                "rank": p.rank,
                "items": p.items,
                "met": p.met,
                "missed": p.missed,
                "within_sla_share": p.within_sla_share,
                "median_response_minutes": p.median_response_minutes,
                "overdue": p.overdue,
                "pauses": p.pauses,
                "paused_minutes": p.paused_minutes,
            }
            for p in card.people
        ],
        "trends": {
            "weeks": card.weeks,
            **{
                h.name: {"side": h.side, "values": h.values, "trend": h.trend, "line": h.line}
                for h in card.headlines
            },
        },
        "flags": [
            {"figure": f.figure, "value": f.value, "threshold": f.threshold, "message": f.message}
            for f in card.flags
        ],
    }
