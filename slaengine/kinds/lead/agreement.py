"""The lead kind's tables of the agreement: `[leads]` (its windows, warnings, escalations and
attempts) and `[funnel]` (what `slabot plan` works back from)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, field_validator

from slaengine.agreement.config import (
    DurationField,
    LeadField,
    Model,
    Rate,
    Section,
    table,
)
from slaengine.durations import Share


class ResponseWindows(Model):
    good_fit_interested: DurationField
    good_fit_less_interested: DurationField
    bad_fit_interested: DurationField


class PauseConfig(Model):
    """`[leads.pause]`: the reasons a lead's clock may be stopped for (`/sla pause`), and the
    longest a pause may last before the lead resumes by itself."""

    reasons: tuple[str, ...]
    max: DurationField

    @field_validator("reasons")
    @classmethod
    def _listed_once_each(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("list at least one reason a lead may be paused for")
        seen: set[str] = set()
        for reason in value:
            key = pause_key(reason)
            if not key:
                raise ValueError("a reason cannot be empty")
            if key in seen:
                raise ValueError(f"the reason {reason!r} is listed twice")
            seen.add(key)
        return tuple(" ".join(reason.split()) for reason in value)


def pause_key(reason: str) -> str:
    """How a pause reason is compared: case and spacing aside."""
    return " ".join(reason.split()).casefold()


class LeadsConfig(Model):
    routing: Literal["round_robin", "manager"] = "round_robin"
    warn_before: LeadField = Share(0.25)
    escalate: tuple[Literal["manager", "channel", "contact"], ...] = ("manager", "channel")
    accept_within: DurationField
    max_attempts: int = Field(default=6, ge=1, le=100)
    recycle_after: DurationField
    monthly_goal: int = Field(default=0, ge=0)
    #: which touches stop a lead's clock: logged in Slack (`/sla touch`, the button), found
    #: in the CRM's activity, or either
    touch_from: Literal["slack", "crm", "either"] = "either"
    response: ResponseWindows
    pause: PauseConfig | None = None


class Funnel(Model):
    average_deal: float = Field(gt=0)
    lead_to_opportunity: Rate
    opportunity_to_close: Rate
    sales_cycle: DurationField | None = None


def _manager_to_escalate_to(data: Mapping[str, Any]) -> list[str]:
    escalate = table(data, "leads").get("escalate")
    sales = table(data, "teams").get("sales")
    if (
        isinstance(escalate, list)
        and "manager" in escalate
        and isinstance(sales, dict)
        and not sales.get("manager")
    ):
        return ["teams.sales.manager: leads.escalate names 'manager' but none is set"]
    return []


LEADS_TABLE: Section[LeadsConfig] = Section("leads", LeadsConfig, cross=_manager_to_escalate_to)
FUNNEL_TABLE: Section[Funnel | None] = Section("funnel", Funnel | None, None)
SECTIONS = (LEADS_TABLE, FUNNEL_TABLE)
