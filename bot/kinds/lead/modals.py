"""Modals: hand a lead over, give a reason for a rejection."""

from __future__ import annotations

from typing import Any

from bot.blocks import Block, escape, plain

HANDOFF = "handoff_modal"
REJECT = "reject_modal"


def _input(
    block_id: str,
    label: str,
    element: dict[str, Any],
    optional: bool = False,
    hint: str | None = None,
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _text(action_id: str, placeholder: str = "", multiline: bool = False) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": multiline,
    }
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return element


def _choice(action_id: str, options: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "type": "radio_buttons",
        "action_id": action_id,
        "options": [{"text": plain(label, 75), "value": value} for value, label in options],
    }


def handoff_modal() -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": HANDOFF,
        "title": plain("Hand a lead to sales", 24),
        "submit": plain("Hand off", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            _input("name", "Name", _text("value", "Dana Scully")),
            _input("company", "Company", _text("value", "Acme Corp"), optional=True),
            _input("email", "E-mail", _text("value", "dana@acme.example"), optional=True),
            _input("fit", "Fit", _choice("value", [("good", "Good fit"), ("bad", "Bad fit")])),
            _input(
                "interest",
                "Interest",
                _choice("value", [("high", "Interested"), ("low", "Less interested")]),
            ),
            _input("campaign", "Campaign", _text("value"), optional=True),
            _input(
                "owner",
                "Owner",
                {"type": "users_select", "action_id": "value"},
                optional=True,
                hint="Leave empty to route round robin.",
            ),
            _input(
                "external_id",
                "CRM ID",
                _text("value"),
                optional=True,
                hint="The lead's ID in your CRM; a repeated ID is not handed over twice.",
            ),
        ],
    }


def reject_modal(ref: str, title: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": REJECT,
        "private_metadata": ref,
        "title": plain("Reject lead", 24),
        "submit": plain("Reject", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{ref}* {escape(title)}"}},
            _input(
                "reason",
                "Why? Marketing's contact will read this.",
                _text("value", "No budget until next fiscal year", multiline=True),
            ),
        ],
    }




REASSIGN = "reassign_modal"


def reassign_modal(ref: str, title: str, owner: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": REASSIGN,
        "private_metadata": ref,
        "title": plain("Reassign lead", 24),
        "submit": plain("Reassign", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*{ref}* {escape(title)} · now <@{owner}>'s"},
            },
            _input("owner", "New owner", {"type": "users_select", "action_id": "value"}),
        ],
    }
