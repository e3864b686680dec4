"""Block Kit builders stay within Slack's limits, however many items there are."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.blocks import slack_date
from bot.blocks.agreement import agreement_blocks
from bot.blocks.help import help_blocks
from bot.delivery.compose import chunks, compose
from bot.items import digest
from bot.items.mine import MAX_LISTED, mine
from bot.kinds.lead import blocks as lead_blocks
from bot.kinds.lead import reminders
from bot.kinds.lead.modals import handoff_modal, reassign_modal, reject_modal
from bot.listeners.commands import help_lines
from bot.plugins import PLUGINS
from slaengine.agreement.config import Agreement
from slaengine.engine.item import ItemsPage, State
from slaengine.kinds.lead.rules import MarketingStatus, Stage
from slaengine.kinds.lead.work import LeadView
from slaengine.persistence.tables import Item, OutboxMessage
from tests.conftest import NEW_YORK
from tests.support.fakeslack import block_errors

DUE = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def lead(n: int, state: State = State.AT_RISK, company: str = "Acme") -> LeadView:
    return LeadView(
        id=n,
        ref=f"L-{1000 + n}",
        external_id=f"crm-{n}",
        name=f"Person {n} " + "x" * 60,
        company=company,
        status=MarketingStatus.GOOD_FIT_INTERESTED,
        campaign="Q4 webinar",
        owner_id="U0ALICE",
        stage=Stage.NEW,
        state=state,
        due_at=DUE + timedelta(minutes=n),
        handed_off_at=DUE - timedelta(hours=4),
        attempts=0,
        max_attempts=6,
    )


def test_a_slack_date_shows_in_the_viewers_zone_with_a_fallback_in_the_agreements() -> None:
    assert slack_date(DUE, NEW_YORK) == (
        "<!date^1795456800^{date_short_pretty} at {time}|Mon 23 Nov 2026 13:00 EST>"
    )


def page_of(leads: list[LeadView], count: int) -> tuple[ItemsPage, dict[int, list[Any]]]:
    """`/sla mine`'s page of these leads' items, and each as the lead kind lists it."""
    items = [
        Item(
            id=v.id,
            kind="lead",
            natural_key=f"lead:{v.external_id}",
            team="sales",
            owner_id=v.owner_id,
            title=v.title,
            clock="response",
            start_at=v.handed_off_at,
            due_at=v.due_at,
            warn_at=v.due_at,
            created_at=DUE,
            updated_at=DUE,
        )
        for v in leads
    ]
    shown = {v.id: lead_blocks.listed_in_mine(v, NEW_YORK) for v in leads}
    return ItemsPage(items, count, 0, count), shown


@pytest.mark.parametrize("count", [0, 1, 20, 21, 500])
def test_sla_mine_fits_in_one_message_whatever_the_number_of_items(count: int) -> None:
    page, shown = page_of([lead(n) for n in range(min(count, MAX_LISTED))], count)
    blocks = mine(page, shown)
    assert block_errors(blocks) == []
    if count > MAX_LISTED:
        assert f"{count - MAX_LISTED} more" in str(blocks[-1])


def test_each_listed_lead_has_contacted_accept_and_reject_buttons() -> None:
    blocks = mine(*page_of([lead(1)], 1))
    actions = [b for b in blocks if b["type"] == "actions"]
    assert [e["action_id"] for e in actions[0]["elements"]] == [
        "lead_touch",
        "lead_accept",
        "lead_reject",
    ]
    assert actions[0]["elements"][0]["value"] == "L-1001|0"


def test_a_digest_names_the_most_urgent_items_and_counts_the_rest() -> None:
    items = [lead(n, State.OVERDUE if n % 3 else State.AT_RISK) for n in range(25)]
    text, blocks = digest.digest(items, 300, 100, NEW_YORK)
    assert text == "Good morning: 300 overdue and 100 at-risk SLA items"
    assert block_errors(blocks) == []
    assert all(str(blocks).count(f"*{item.ref}*") == 1 for item in items)
    assert "…and 375 more." in str(blocks[-1])


@pytest.mark.parametrize("builder", [reminders.warning, reminders.breach, reminders.escalation])
def test_reminder_items_are_valid_blocks(builder: Any) -> None:
    text, blocks = builder(lead(1), "response", NEW_YORK)
    assert "L-1001" in text
    assert block_errors(blocks) == []


def test_a_composed_message_lists_each_row_under_one_header() -> None:
    rows = []
    for n in range(3):
        text, blocks = reminders.warning(lead(n), "response", NEW_YORK)
        rows.append(
            OutboxMessage(
                key=f"k{n}",
                target="U0ALICE",
                text=text,
                topic="warn",
                blocks=json.dumps(blocks),
                not_before=DUE,
                created_at=DUE,
            )
        )
    text, blocks = compose(rows)
    assert blocks is not None and blocks[0]["type"] == "header"
    assert "3" in blocks[0]["text"]["text"]
    assert block_errors(blocks) == []
    assert all(f"L-{1000 + n}" in text for n in range(3))


@pytest.mark.parametrize("item", [lead_blocks.new_lead_item, lead_blocks.reassigned_item])
def test_leads_listed_together_stay_within_slacks_limits_however_long_their_names(
    item: Any,
) -> None:
    long = replace(lead(0), name="&" * 200, company="<b>" * 66, campaign="_" * 200)
    rows = []
    for n in range(120):
        text, blocks = item(replace(long, id=n, ref=f"L-{1000 + n}"), NEW_YORK, "U0ERIN")
        assert len(blocks) == 1
        rows.append(
            OutboxMessage(
                key=f"k{n}",
                target="U0ALICE",
                text=text,
                topic="assigned",
                blocks=json.dumps(blocks),
                not_before=DUE,
                created_at=DUE,
            )
        )
    messages = [compose(group) for group in chunks(rows)]
    assert all(blocks is not None and block_errors(blocks) == [] for _, blocks in messages)
    assert sum(len(blocks or []) - 1 for _, blocks in messages) == 120


def test_help_and_the_agreement_render_as_valid_blocks(agreement: Agreement) -> None:
    assert block_errors(help_blocks(help_lines(PLUGINS), "I don't know `/sla frobnicate`.")) == []
    rendered = agreement_blocks(agreement, [b for p in PLUGINS for b in p.shown(agreement)])
    assert block_errors(rendered) == []
    assert "Good fit, interested: *4h*" in str(rendered)


def test_the_modals_are_valid_views() -> None:
    for view in (
        handoff_modal(),
        reject_modal("L-1001", "Dana"),
        reassign_modal("L-1001", "Dana", "U0ALICE"),
    ):
        assert block_errors(view["blocks"], max_blocks=100) == []
        assert len(view["title"]["text"]) <= 24
