"""The report kind's table of the agreement: `[reports]`, the weekly report, when it is due,
and who gives feedback on it within how long."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from slaengine.agreement.config import DurationField, Model, Section, Weekly, teams_named


class Reports(Model):
    title: str = Field(min_length=1)
    owner: str
    due: Weekly
    feedback_by: str
    feedback_within: DurationField


def _teams(data: Mapping[str, Any]) -> list[str]:
    return teams_named(data, "reports", "owner", "feedback_by")


REPORTS_TABLE: Section[Reports | None] = Section("reports", Reports | None, None, cross=_teams)
SECTIONS = (REPORTS_TABLE,)
