"""The CRMs' webhooks, served by `slabot run`: `POST /webhooks/hubspot` and
`POST /webhooks/salesforce/<token>`. Each checks the request, stores its events (once each,
however often they are sent) and only then answers; the events are worked off into leads by
the next sweep (`bot.crm.work`), never in the request."""

from __future__ import annotations

import hmac
import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.container import Container
from slaengine.crm import hubspot, salesforce
from slaengine.crm import store as crm_store
from slaengine.persistence.db import unit_of_work

log = logging.getLogger(__name__)

#: a body larger than this is refused unread (HubSpot sends at most 100 events a request,
#: Salesforce 100 notifications)
MAX_BODY = 5 * 1024 * 1024


def _too_large(request: Request) -> bool:
    length = request.headers.get("content-length", "")
    return length.isdigit() and int(length) > MAX_BODY


def _uris(request: Request) -> list[str]:
    """The full URI HubSpot signed: as this server sees it, and with https, as HubSpot sent
    it to a proxy in front that ends TLS (the Host header kept)."""
    seen = str(request.url)
    https = str(request.url.replace(scheme="https"))
    return list(dict.fromkeys([seen, https]))


def handle_hubspot(
    c: Container, method: str, uris: list[str], body: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    """Answer a HubSpot webhook call: (HTTP status, JSON body). Nothing is stored unless
    it is 200."""
    secret = c.settings.hubspot_client_secret
    if not secret:
        return 404, {"error": "HubSpot is not connected here (HUBSPOT_CLIENT_SECRET is unset)"}
    problem = hubspot.signature_problem(secret, method, uris, body, headers, c.clock.now())
    if problem is not None:
        return 401, {"error": problem}
    try:
        events = hubspot.parse_events(body)
    except hubspot.BodyError as error:
        return 400, {"error": str(error)}
    incoming = [
        crm_store.Incoming(
            dedupe_key=e.dedupe_key,
            subscription=e.subscription,
            object_id=e.object_id,
            occurred_at=e.occurred_at,
            payload=e.raw,
            property_name=e.property_name,
            property_value=e.property_value,
        )
        for e in events
    ]
    with unit_of_work(c.engine) as session:
        new = crm_store.store(session, hubspot.SOURCE, incoming, c.clock.now())
    return 200, {"events": len(events), "stored": new}


def hubspot_route(c: Container) -> Route:
    async def endpoint(request: Request) -> Response:
        if _too_large(request):
            return JSONResponse({"error": f"the body is over {MAX_BODY} bytes"}, 413)
        body = await request.body()
        headers = dict(request.headers)
        status, payload = await run_in_threadpool(
            handle_hubspot, c, request.method, _uris(request), body, headers
        )
        return JSONResponse(payload, status_code=status)

    return Route("/webhooks/hubspot", endpoint, methods=["POST"])


def handle_salesforce(c: Container, token: str, body: bytes) -> tuple[int, str]:
    """Answer a Salesforce Outbound Message: (HTTP status, SOAP body). Nothing is stored
    unless it is 200, which acknowledges the notifications."""
    expected = c.settings.salesforce_outbound_token
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        return 404, salesforce.fault("not found")
    try:
        notifications = salesforce.parse_message(body)
    except salesforce.MessageError as error:
        return 400, salesforce.fault(str(error))
    now = c.clock.now()
    incoming = [
        crm_store.Incoming(
            dedupe_key=n.id,
            subscription=n.sobject,
            object_id=n.lead_id[:64],
            occurred_at=now,
            payload=salesforce.payload(n),
        )
        for n in notifications
    ]
    with unit_of_work(c.engine) as session:
        crm_store.store(session, salesforce.SOURCE, incoming, now)
    return 200, salesforce.ACK


def salesforce_route(c: Container) -> Route:
    async def endpoint(request: Request) -> Response:
        if _too_large(request):
            return Response(salesforce.fault("the body is too large"), 413, media_type="text/xml")
        body = await request.body()
        token = str(request.path_params["token"])
        status, answer = await run_in_threadpool(handle_salesforce, c, token, body)
        return Response(answer, status_code=status, media_type="text/xml")

    return Route("/webhooks/salesforce/{token}", endpoint, methods=["POST"])
