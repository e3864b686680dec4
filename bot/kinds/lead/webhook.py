"""The signed handoff webhook: `POST /webhooks/handoff`."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.container import Container
from bot.kinds.lead.usecases import take_handoff
from slaengine.kinds.lead.intake import IntakeError, parse_handoff
from slaengine.kinds.lead.work import view

SIGNATURE_HEADER = "X-Slabot-Signature"


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def lead_json(c: Container, lead: Any) -> dict[str, Any]:
    v = view(lead, c.agreement, c.clock.now())
    return {
        "ref": v.ref,
        "external_id": v.external_id,
        "name": v.name,
        "company": v.company,
        "owner": v.owner_id,
        "marketing_status": v.status.value,
        "campaign": v.campaign,
        "stage": v.stage.value,
        "state": v.state.value,
        "handed_off_at": v.handed_off_at.isoformat(),
        "due_at": v.due_at.isoformat() if v.due_at else None,
        "accept_due_at": lead.accept_due_at.isoformat(),
        "pool": lead.pool,
    }


def handle(c: Container, body: bytes, signature: str | None) -> tuple[int, dict[str, Any]]:
    """Answer a webhook call: (HTTP status, JSON body). Nothing changes unless it is 201."""
    if not signature_ok(c.settings.webhook_secret, body, signature):
        return 401, {"error": f"missing or wrong {SIGNATURE_HEADER}"}
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return 400, {"error": f"the body is not JSON: {exc}"}
    try:
        result = take_handoff(c, parse_handoff(data), source="webhook")
    except IntakeError as error:
        return error.status, {"error": str(error), "field": error.field or None}
    return (201 if result.created else 200), {"lead": lead_json(c, result.lead)}


def route(container: Container) -> Route:
    """`POST /webhooks/handoff`, served by `slabot run`."""

    async def handoff(request: Request) -> Response:
        body = await request.body()
        signature = request.headers.get(SIGNATURE_HEADER)
        status, payload = await run_in_threadpool(handle, container, body, signature)
        return JSONResponse(payload, status_code=status)

    return Route("/webhooks/handoff", handoff, methods=["POST"])
