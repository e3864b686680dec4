"""Drive the running app over real HTTP exactly as Slack would: signed requests.

Every helper signs the raw body with the app's signing secret (Slack's v0 scheme) and
posts it with httpx; they return the ``httpx.Response`` so tests can check the ack.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx

__all__ = [
    "block_action",
    "event",
    "post_signed",
    "sign",
    "signed_webhook",
    "slash_command",
    "view_submission",
    "webhook_signature",
]

TEAM_ID = "T1"
TEAM_DOMAIN = "acme"
API_APP_ID = "A0SLABOT"
VERIFICATION_TOKEN = "legacy-verification-token"
BOT_USER_ID = "UBOT"
CHANNEL_NAMES = {"C0SALESMKT": "sales-marketing"}
TIMEOUT = 10.0

_seq = itertools.count(1)


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Slack request-signing headers for ``body`` (``v0=`` HMAC-SHA256 of ``v0:ts:body``)."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    base = b"v0:" + str(ts).encode() + b":" + body
    digest = hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


def post_signed(
    url: str, secret: str, body: bytes, content_type: str, *, timestamp: int | None = None
) -> httpx.Response:
    """POST ``body`` to ``url`` with Slack signature headers and ``content_type``."""
    headers = {"Content-Type": content_type, **sign(secret, body, timestamp)}
    return httpx.post(url, content=body, headers=headers, timeout=TIMEOUT)


def _events_url(base_url: str) -> str:
    return base_url.rstrip("/") + "/slack/events"


def _user_name(user_id: str) -> str:
    name = user_id[2:] if user_id.startswith("U0") else user_id.removeprefix("U")
    return (name or user_id).lower()


def _channel_name(channel_id: str) -> str:
    if channel_id in CHANNEL_NAMES:
        return CHANNEL_NAMES[channel_id]
    if channel_id.startswith("D"):
        return "directmessage"
    return channel_id.lower()


def _action_ts() -> str:
    return f"{time.time():.6f}"


def _post_payload(base_url: str, secret: str, payload: dict[str, Any]) -> httpx.Response:
    body = urlencode({"payload": json.dumps(payload)}).encode("utf-8")
    return post_signed(_events_url(base_url), secret, body, "application/x-www-form-urlencoded")


def slash_command(
    base_url: str,
    secret: str,
    *,
    text: str,
    user_id: str = "U0ALICE",
    command: str = "/sla",
    response_url: str,
    trigger_id: str = "T.123",
    team_id: str = TEAM_ID,
    channel_id: str = "C0SALESMKT",
    user_name: str | None = None,
) -> httpx.Response:
    """POST a slash command to ``{base_url}/slack/events`` as Slack sends it."""
    form = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": _channel_name(channel_id),
        "user_id": user_id,
        "user_name": user_name or _user_name(user_id),
        "command": command,
        "text": text,
        "api_app_id": API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    body = urlencode(form).encode("utf-8")
    return post_signed(_events_url(base_url), secret, body, "application/x-www-form-urlencoded")


def block_action(
    base_url: str,
    secret: str,
    *,
    user_id: str,
    action_id: str,
    value: str,
    block_id: str = "b",
    response_url: str | None = None,
    message: dict[str, Any] | None = None,
    trigger_id: str = "T.123",
    container: dict[str, Any] | None = None,
    channel_id: str = "C0SALESMKT",
    view: dict[str, Any] | None = None,
    state_values: dict[str, Any] | None = None,
) -> httpx.Response:
    """POST a ``block_actions`` payload for a button click (``payload=<json>`` form).

    Without ``container`` the click comes from ``message`` (a minimal bot message is made
    up when ``message`` is None) in ``channel_id``; pass ``view`` (and a view container)
    for clicks in a modal or the Home tab.
    """
    if view is None and message is None:
        message = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": "BBOT",
            "app_id": API_APP_ID,
            "team": TEAM_ID,
            "text": "",
            "ts": "1700000000.000001",
            "blocks": [],
        }
    if container is None:
        if view is not None:
            container = {"type": "view", "view_id": view.get("id", "V0FAKE")}
        else:
            assert message is not None
            container = {
                "type": "message",
                "message_ts": message.get("ts"),
                "channel_id": channel_id,
                "is_ephemeral": False,
            }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {
            "id": user_id,
            "username": _user_name(user_id),
            "name": _user_name(user_id),
            "team_id": TEAM_ID,
        },
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": container,
        "trigger_id": trigger_id,
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": state_values or {}},
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "type": "button",
                "text": {"type": "plain_text", "text": value, "emoji": True},
                "action_ts": _action_ts(),
            }
        ],
    }
    if view is not None:
        payload["view"] = view
    else:
        payload["channel"] = {"id": channel_id, "name": _channel_name(channel_id)}
        payload["message"] = message
    if response_url is not None:
        payload["response_url"] = response_url
    return _post_payload(base_url, secret, payload)


def view_submission(
    base_url: str,
    secret: str,
    *,
    user_id: str,
    callback_id: str,
    state_values: dict[str, Any],
    private_metadata: str = "",
    view_id: str = "V0FAKE",
    blocks: list[dict[str, Any]] | None = None,
    trigger_id: str = "T.123",
) -> httpx.Response:
    """POST a ``view_submission`` payload (``state_values`` is ``view.state.values``)."""
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": {
            "id": user_id,
            "username": _user_name(user_id),
            "name": _user_name(user_id),
            "team_id": TEAM_ID,
        },
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": "modal",
            "blocks": blocks or [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": state_values},
            "hash": f"{time.time():.6f}.fakehash",
            "title": {"type": "plain_text", "text": "SLA", "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": API_APP_ID,
            "external_id": "",
            "app_installed_team_id": TEAM_ID,
            "bot_id": "BBOT",
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _post_payload(base_url, secret, payload)


def event(base_url: str, secret: str, event: dict[str, Any]) -> httpx.Response:
    """POST an Events API ``event_callback`` envelope wrapping ``event``."""
    n = next(_seq)
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{n:010d}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-fake-{n}",
    }
    body = json.dumps(envelope).encode("utf-8")
    return post_signed(_events_url(base_url), secret, body, "application/json")


def webhook_signature(secret: str, body: bytes) -> str:
    """Value of ``X-Slabot-Signature`` for ``body``: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signed_webhook(base_url: str, secret: str, body: bytes | dict[str, Any]) -> httpx.Response:
    """POST ``body`` (raw bytes, or a dict sent as JSON) to ``{base_url}/webhooks/handoff``."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "X-Slabot-Signature": webhook_signature(secret, raw),
    }
    return httpx.post(
        base_url.rstrip("/") + "/webhooks/handoff", content=raw, headers=headers, timeout=TIMEOUT
    )
