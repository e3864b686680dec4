"""The training kind's table of the agreement: `[training]`, who announces sessions, who
attends, and how much notice and reminding they get."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slaengine.agreement.config import DurationField, Model, Section, teams_named


class TrainingSettings(Model):
    owner: str
    attendees: str
    notice_before_launch: DurationField
    remind_before: DurationField


def _teams(data: Mapping[str, Any]) -> list[str]:
    return teams_named(data, "training", "owner", "attendees")


TRAINING_TABLE: Section[TrainingSettings | None] = Section(
    "training", TrainingSettings | None, None, cross=_teams
)
SECTIONS = (TRAINING_TABLE,)
