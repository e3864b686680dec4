"""The request kind's table of the agreement: `[content_requests]`, who answers sales'
requests for content and when they are warned."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slaengine.agreement.config import LeadField, Model, Section, teams_named
from slaengine.durations import Share


class ContentRequests(Model):
    owner: str
    warn_before: LeadField = Share(0.25)


def _owner(data: Mapping[str, Any]) -> list[str]:
    return teams_named(data, "content_requests", "owner")


CONTENT_REQUESTS_TABLE: Section[ContentRequests | None] = Section(
    "content_requests", ContentRequests | None, None, cross=_owner
)
SECTIONS = (CONTENT_REQUESTS_TABLE,)
