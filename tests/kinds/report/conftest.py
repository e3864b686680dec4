"""The reference agreement with its weekly report but without its other recurring content,
so that tests about the report see only its messages."""

from __future__ import annotations

import pytest

from slaengine.agreement.config import Agreement
from tests.conftest import LEADS_ONLY
from tests.support.agreement import parse_agreement

REPORTS = """
[reports]
title = "Weekly marketing performance report"
owner = "marketing"
due = "fri 17:00"
feedback_by = "sales"
feedback_within = "5d"
"""


@pytest.fixture(scope="session")
def reports_agreement() -> Agreement:
    agreement = parse_agreement(LEADS_ONLY + REPORTS)
    assert agreement.reports is not None and not agreement.deliverables
    return agreement
