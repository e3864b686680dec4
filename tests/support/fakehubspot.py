"""A fake HubSpot CRM API for tests, strict where HubSpot is (and a little stricter).

``FakeHubSpot`` runs a real HTTP server on 127.0.0.1 (a free port) in a background thread;
point ``HUBSPOT_API_URL`` (or ``HubSpot(host=...)``) at ``fake.url``. It answers, in the
shapes of HubSpot's published CRM v3 reference:

- ``POST /crm/v3/objects/contacts/batch/read``: up to 100 ids; 200 with ``results``, or 207
  with ``errors`` (category ``OBJECT_NOT_FOUND``) naming the ids it does not know;
- ``GET /crm/v3/owners/{ownerId}`` and ``GET /crm/v3/owners`` (paged by ``after``);
- ``POST /crm/v3/objects/contacts/batch/update``: up to 100 ``{id, properties}``; 200 with
  the contacts as updated, 207 with ``errors`` (``OBJECT_NOT_FOUND``) for ids it does not
  know, 400 ``VALIDATION_ERROR`` (``PROPERTY_DOESNT_EXIST``, ``READ_ONLY_VALUE``) when a
  property does not exist or cannot be written, nothing written then;
- ``GET /crm/v3/properties/contacts``: every contact property with its type and whether it
  can be written (``modificationMetadata.readOnlyValue``);
- ``POST /crm/v3/objects/{calls|emails|meetings}/batch/read``: engagements (their
  ``hubspot_owner_id`` and ``hs_timestamp`` only), 207 naming the ids it does not know;
- ``POST /crm/v4/associations/{calls|emails|meetings}/contacts/batch/read``: each
  engagement's contacts (association type ids as HubSpot's reference lists them), 207 with
  an error for an engagement with no contact.

Strict: an unknown path is 404, a wrong method 405, a missing or wrong bearer token 401
(``INVALID_AUTHENTICATION``), more than 100 ids or an unknown property 400
(``VALIDATION_ERROR``; HubSpot itself leaves an unknown property out of a read: the fake
refuses it so that a mapping naming a property that does not exist fails loudly). It
records every call (``fake.calls``, ``fake.reads()``) and can be made to fail
(``fake.fail_next(n, 429)``) or go down (``fake.down = True``: every call answers 503).

    with FakeHubSpot(token="pat-test") as fake:
        fake.add_contact("101", email="dana@acme.example", lifecyclestage="marketingqualifiedlead")
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["STANDARD_PROPERTIES", "FakeHubSpot", "HubSpotCall"]

#: contact properties every HubSpot account has (the fake knows these and those added)
STANDARD_PROPERTIES = frozenset(
    {
        "hs_object_id",
        "createdate",
        "lastmodifieddate",
        "firstname",
        "lastname",
        "email",
        "company",
        "jobtitle",
        "phone",
        "lifecyclestage",
        "hs_lead_status",
        "hubspot_owner_id",
        "hs_analytics_source",
        "hs_analytics_source_data_1",
        "notes_last_contacted",
        "hs_last_sales_activity_timestamp",
    }
)
#: standard properties HubSpot computes itself: a write to one is refused
READ_ONLY = frozenset({"hs_object_id", "createdate", "lastmodifieddate"})
BATCH_LIMIT = 100
#: engagement types the fake holds, with their properties and the association type id of
#: each to a contact (HubSpot-defined)
ENGAGEMENT_PROPERTIES = frozenset({"hs_object_id", "hubspot_owner_id", "hs_timestamp"})
TO_CONTACT = {"calls": 194, "emails": 198, "meetings": 200}
STAMP = "2026-11-23T15:00:00.000Z"


_ENGAGEMENT_PATH = re.compile(
    r"^/crm/v3/objects/(?P<kind>[a-z_]+)/batch/read$"
    r"|^/crm/v4/associations/(?P<from>[a-z_]+)/contacts/batch/read$"
)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class HubSpotCall:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int
    at: float = field(default_factory=time.time)


class _Reply(Exception):
    def __init__(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self.status, self.payload, self.headers = status, payload, headers or {}


def _error(status: int, category: str, message: str, **extra: Any) -> _Reply:
    payload = {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": category,
        **extra,
    }
    return _Reply(status, payload)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeHubSpot

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any = None
        try:
            try:
                body = json.loads(raw) if raw else None
            except json.JSONDecodeError:
                raise _error(400, "VALIDATION_ERROR", "Invalid input JSON") from None
            reply = self.fake._answer(
                method, parts.path, parse_qs(parts.query), body, self.headers.get("Authorization")
            )
        except _Reply as answer:
            reply = answer
        self.fake._record(
            HubSpotCall(method, parts.path, parse_qs(parts.query), body, reply.status)
        )
        data = json.dumps(reply.payload).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class FakeHubSpot:
    def __init__(self, token: str = "pat-test") -> None:
        self.token = token
        self.properties: set[str] = set(STANDARD_PROPERTIES)
        #: each property's (type, read-only), for the properties API and batch updates
        self.definitions: dict[str, tuple[str, bool]] = {
            name: ("string", name in READ_ONLY) for name in STANDARD_PROPERTIES
        }
        self.retry_after = "1"
        self.contacts: dict[str, dict[str, str | None]] = {}
        self.owners: dict[str, dict[str, Any]] = {}
        #: (kind, id) -> the engagement's properties and its contacts
        self.engagements: dict[tuple[str, str], tuple[dict[str, str | None], list[str]]] = {}
        self.calls: list[HubSpotCall] = []
        self.down = False
        self._faults: list[int] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeHubSpot:
        handler = type("FakeHubSpotHandler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeHubSpot:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # ------------------------------------------------------------------ set-up

    def define_property(self, name: str, type: str = "string", read_only: bool = False) -> None:
        self.properties.add(name)
        self.definitions[name] = (type, read_only)

    def add_contact(self, contact_id: str, **properties: str | None) -> None:
        unknown = set(properties) - self.properties
        assert not unknown, f"define these properties first: {unknown}"
        self.contacts[contact_id] = {"hs_object_id": contact_id, **properties}

    def add_owner(self, owner_id: str, email: str, first: str = "", last: str = "") -> None:
        self.owners[owner_id] = {
            "id": owner_id,
            "email": email,
            "type": "PERSON",
            "firstName": first,
            "lastName": last,
            "userId": int(owner_id) + 1_000_000 if owner_id.isdigit() else None,
            "userIdIncludingInactive": None,
            "createdAt": STAMP,
            "updatedAt": STAMP,
            "archived": False,
            "teams": [],
        }

    def add_engagement(
        self,
        kind: str,
        engagement_id: str,
        *,
        contacts: list[str],
        owner: str | None = None,
        timestamp_ms: int | None = None,
    ) -> None:
        """A call, e-mail or meeting with `contacts`, logged by `owner` at `timestamp_ms`."""
        assert kind in TO_CONTACT, f"the fake holds calls, emails and meetings, not {kind}"
        unknown = [c for c in contacts if c not in self.contacts]
        assert not unknown, f"add these contacts first: {unknown}"
        properties: dict[str, str | None] = {
            "hs_object_id": engagement_id,
            "hubspot_owner_id": owner,
            "hs_timestamp": None if timestamp_ms is None else _iso(timestamp_ms),
        }
        self.engagements[(kind, engagement_id)] = (properties, list(contacts))

    def fail_next(self, count: int, status: int = 429, retry_after: str = "1") -> None:
        """The next `count` calls answer `status` (429: HubSpot's rate limit, with
        `Retry-After: retry_after`; 5xx)."""
        with self._lock:
            self._faults += [status] * count
            self.retry_after = retry_after

    # ------------------------------------------------------------------ what happened

    def _record(self, call: HubSpotCall) -> None:
        with self._lock:
            self.calls.append(call)

    def reads(self) -> list[HubSpotCall]:
        """The contact batch reads HubSpot answered 2xx."""
        return [
            c
            for c in self.calls
            if c.path == "/crm/v3/objects/contacts/batch/read" and c.status < 300
        ]

    def updates(self) -> list[HubSpotCall]:
        """The contact batch updates HubSpot answered 2xx."""
        return [
            c
            for c in self.calls
            if c.path == "/crm/v3/objects/contacts/batch/update" and c.status < 300
        ]
    def engagement_calls(self) -> list[HubSpotCall]:
        """The reads of engagements and of their associations."""
        return [
            c for c in self.calls
            if c.path.startswith(("/crm/v4/associations/", "/crm/v3/objects/"))
            and c.path.removeprefix("/crm/v3/objects") != "/contacts/batch/read"
        ]  # fmt: skip

    def owner_calls(self) -> list[HubSpotCall]:
        return [c for c in self.calls if c.path.startswith("/crm/v3/owners")]

    # ------------------------------------------------------------------ answers

    def _answer(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, auth: str | None
    ) -> _Reply:
        routes = {
            "/crm/v3/objects/contacts/batch/read": ("POST", self._batch_read),
            "/crm/v3/objects/contacts/batch/update": ("POST", self._batch_update),
            "/crm/v3/properties/contacts": ("GET", self._property_list),
            "/crm/v3/owners": ("GET", self._owners),
            "/crm/v3/owners/": ("GET", self._owner),
        }
        key = path if path in routes else "/crm/v3/owners/" if path.startswith(
            "/crm/v3/owners/"
        ) else None  # fmt: skip
        engagement = _ENGAGEMENT_PATH.match(path)
        if key is None and engagement is not None:
            kind, api = engagement.group("kind") or engagement.group("from"), engagement.group(0)
            if kind not in TO_CONTACT:
                raise _Reply(404, {"status": "error", "message": f"Unable to route {path}"})
            key = path
            reader = self._associations if api.startswith("/crm/v4") else self._engagement_read
            routes[path] = ("POST", lambda p, q, b: reader(kind, q, b))
        if key is None:
            raise _Reply(404, {"status": "error", "message": f"Unable to route {path}"})
        allowed, answer = routes[key]
        if method != allowed:
            raise _Reply(405, {"status": "error", "message": f"{method} is not allowed"})
        if auth != f"Bearer {self.token}":
            raise _error(
                401,
                "INVALID_AUTHENTICATION",
                "Authentication credentials not found. This API supports OAuth 2.0 "
                "authentication and you can find more details at "
                "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
            )
        if self.down:
            raise _error(503, "SERVICE_UNAVAILABLE", "Service Unavailable")
        with self._lock:
            fault = self._faults.pop(0) if self._faults else None
        if fault == 429:
            raise _Reply(
                429,
                {
                    "status": "error",
                    "message": "You have reached your secondly limit.",
                    "errorType": "RATE_LIMIT",
                    "correlationId": str(uuid.uuid4()),
                    "policyName": "SECONDLY",
                },
                {"Retry-After": self.retry_after},
            )
        if fault is not None:
            raise _error(fault, "INTERNAL_ERROR", "internal error")
        return answer(path, query, body)

    def _batch_read(self, path: str, query: dict[str, list[str]], body: Any) -> _Reply:
        if not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
            raise _error(400, "VALIDATION_ERROR", "Invalid input JSON: inputs is required")
        inputs = body["inputs"]
        if len(inputs) > BATCH_LIMIT:
            raise _error(
                400,
                "VALIDATION_ERROR",
                f"Too many inputs: {len(inputs)}; the limit is {BATCH_LIMIT}",
            )
        if body.get("idProperty") not in (None, "hs_object_id"):
            raise _error(400, "VALIDATION_ERROR", "the fake reads by hs_object_id only")
        wanted = body.get("properties") or []
        unknown = [p for p in wanted if p not in self.properties]
        if unknown:
            raise _error(
                400,
                "VALIDATION_ERROR",
                f"Property values were not valid: unknown properties {unknown}",
                errors=[{"message": f"{p} is not a property", "code": "INVALID_PROPERTY"}
                        for p in unknown],
            )  # fmt: skip
        results, missing = [], []
        for entry in inputs:
            contact_id = str(entry.get("id")) if isinstance(entry, dict) else ""
            contact = self.contacts.get(contact_id)
            if contact is None:
                missing.append(contact_id)
                continue
            shown = {p: contact.get(p) for p in ["hs_object_id", *wanted]}
            results.append(
                {
                    "id": contact_id,
                    "properties": shown,
                    "createdAt": STAMP,
                    "updatedAt": STAMP,
                    "archived": False,
                }
            )
        answer: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": STAMP,
            "completedAt": STAMP,
        }
        if not missing:
            return _Reply(200, answer)
        answer["numErrors"] = 1
        answer["errors"] = [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": "Could not get some CONTACT objects, they may be deleted or not "
                "exist. Check that ids are valid.",
                "context": {"ids": missing},
                "links": {},
                "errors": [],
            }
        ]
        return _Reply(207, answer)

    def _batch_update(self, path: str, query: dict[str, list[str]], body: Any) -> _Reply:
        if not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
            raise _error(400, "VALIDATION_ERROR", "Invalid input JSON: inputs is required")
        inputs = body["inputs"]
        if len(inputs) > BATCH_LIMIT:
            raise _error(
                400,
                "VALIDATION_ERROR",
                f"Too many inputs: {len(inputs)}; the limit is {BATCH_LIMIT}",
            )
        ids = [str(entry.get("id")) for entry in inputs if isinstance(entry, dict)]
        if len(ids) != len(inputs) or len(set(ids)) != len(ids):
            raise _error(400, "VALIDATION_ERROR", "Duplicate IDs found in batch input")
        invalid = []
        for entry in inputs:
            for name, value in (entry.get("properties") or {}).items():
                if name not in self.properties:
                    invalid.append(
                        {"isValid": False, "message": f'Property "{name}" does not exist',
                         "error": "PROPERTY_DOESNT_EXIST", "name": name}
                    )  # fmt: skip
                elif self.definitions.get(name, ("string", False))[1]:
                    invalid.append(
                        {"isValid": False, "message": f"{name} is a read only property; its "
                         "value cannot be set.", "error": "READ_ONLY_VALUE", "name": name}
                    )  # fmt: skip
                elif value is not None and not isinstance(value, str):
                    invalid.append(
                        {"isValid": False, "message": f"{name} takes a string value",
                         "error": "INVALID_STRING", "name": name}
                    )  # fmt: skip
        if invalid:
            raise _error(
                400,
                "VALIDATION_ERROR",
                f"Property values were not valid: {json.dumps(invalid)}",
                errors=[{"message": i["message"], "code": i["error"],
                         "context": {"propertyName": [i["name"]]}} for i in invalid],
            )  # fmt: skip
        results, missing = [], []
        for entry in inputs:
            contact = self.contacts.get(str(entry["id"]))
            if contact is None:
                missing.append(str(entry["id"]))
                continue
            contact.update(entry.get("properties") or {})
            results.append(
                {"id": str(entry["id"]), "properties": dict(contact), "createdAt": STAMP,
                 "updatedAt": STAMP, "archived": False}
            )  # fmt: skip
        answer: dict[str, Any] = {
            "status": "COMPLETE", "results": results, "startedAt": STAMP, "completedAt": STAMP,
        }  # fmt: skip
        if not missing:
            return _Reply(200, answer)
        answer["numErrors"] = 1
        answer["errors"] = [
            {"status": "error", "category": "OBJECT_NOT_FOUND",
             "message": "Could not get some CONTACT objects, they may be deleted or not exist.",
             "context": {"ids": missing}, "links": {}, "errors": []}
        ]  # fmt: skip
        return _Reply(207, answer)

    def _property_list(self, path: str, query: dict[str, list[str]], body: Any) -> _Reply:
        field_types = {"datetime": "date", "number": "number", "bool": "booleancheckbox",
                       "enumeration": "select", "string": "text"}  # fmt: skip
        results = [
            {
                "name": name,
                "label": name.replace("_", " ").title(),
                "type": kind,
                "fieldType": field_types.get(kind, "text"),
                "description": "",
                "groupName": "contactinformation",
                "options": [],
                "displayOrder": -1,
                "calculated": False,
                "externalOptions": False,
                "hasUniqueValue": name == "hs_object_id",
                "hidden": False,
                "hubspotDefined": name in STANDARD_PROPERTIES,
                "modificationMetadata": {
                    "archivable": name not in STANDARD_PROPERTIES,
                    "readOnlyDefinition": name in STANDARD_PROPERTIES,
                    "readOnlyValue": read_only,
                },
                "formField": True,
                "createdAt": STAMP,
                "updatedAt": STAMP,
                "archived": False,
            }
            for name in sorted(self.properties)
            for kind, read_only in [self.definitions.get(name, ("string", False))]
        ]
        return _Reply(200, {"results": results})

    def _inputs(self, body: Any) -> list[str]:
        if not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
            raise _error(400, "VALIDATION_ERROR", "Invalid input JSON: inputs is required")
        inputs = body["inputs"]
        if len(inputs) > BATCH_LIMIT:
            raise _error(
                400,
                "VALIDATION_ERROR",
                f"Too many inputs: {len(inputs)}; the limit is {BATCH_LIMIT}",
            )
        if not all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in inputs):
            raise _error(400, "VALIDATION_ERROR", "each input must be an object with a string id")
        return [str(i["id"]) for i in inputs]

    def _engagement_read(self, kind: str, query: dict[str, list[str]], body: Any) -> _Reply:
        ids = self._inputs(body)
        wanted = (body.get("properties") or []) if isinstance(body, dict) else []
        unknown = [p for p in wanted if p not in ENGAGEMENT_PROPERTIES]
        if unknown:
            raise _error(400, "VALIDATION_ERROR", f"unknown properties {unknown} of {kind}")
        results, missing = [], []
        for engagement_id in ids:
            held = self.engagements.get((kind, engagement_id))
            if held is None:
                missing.append(engagement_id)
                continue
            shown = {p: held[0].get(p) for p in ["hs_object_id", *wanted]}
            results.append({"id": engagement_id, "properties": shown, "createdAt": STAMP,
                            "updatedAt": STAMP, "archived": False})  # fmt: skip
        answer: dict[str, Any] = {"status": "COMPLETE", "results": results,
                                  "startedAt": STAMP, "completedAt": STAMP}  # fmt: skip
        if not missing:
            return _Reply(200, answer)
        answer["numErrors"] = 1
        answer["errors"] = [{"status": "error", "category": "OBJECT_NOT_FOUND",
                             "message": f"Could not get some {kind.upper()} objects",
                             "context": {"ids": missing}, "links": {}, "errors": []}]  # fmt: skip
        return _Reply(207, answer)

    def _associations(self, kind: str, query: dict[str, list[str]], body: Any) -> _Reply:
        ids = self._inputs(body)
        results, lonely = [], []
        for engagement_id in ids:
            held = self.engagements.get((kind, engagement_id))
            if held is None or not held[1]:
                lonely.append(engagement_id)
                continue
            to = [
                {"toObjectId": int(contact), "associationTypes": [
                    {"category": "HUBSPOT_DEFINED", "typeId": TO_CONTACT[kind], "label": None}
                ]}
                for contact in held[1]
            ]  # fmt: skip
            results.append({"from": {"id": engagement_id}, "to": to})
        answer: dict[str, Any] = {"status": "COMPLETE", "results": results,
                                  "startedAt": STAMP, "completedAt": STAMP}  # fmt: skip
        if not lonely:
            return _Reply(200, answer)
        answer["numErrors"] = len(lonely)
        answer["errors"] = [
            {"status": "error", "category": "VALIDATION_ERROR", "subCategory":
             "crm.associations.NO_ASSOCIATIONS_FOUND",
             "message": f"No contacts is associated with {kind[:-1]} {i}.",
             "context": {"fromObjectId": [i]}, "links": {}, "errors": []}
            for i in lonely
        ]  # fmt: skip
        return _Reply(207, answer)

    def _owner(self, path: str, query: dict[str, list[str]], body: Any) -> _Reply:
        owner_id = path.removeprefix("/crm/v3/owners/")
        if query.get("idProperty", ["id"]) != ["id"]:
            raise _error(400, "VALIDATION_ERROR", "the fake looks owners up by id only")
        owner = self.owners.get(owner_id)
        if owner is None:
            raise _error(404, "OBJECT_NOT_FOUND", f"No owner found with id {owner_id}")
        return _Reply(200, owner)

    def _owners(self, path: str, query: dict[str, list[str]], body: Any) -> _Reply:
        limit = int(query.get("limit", ["100"])[0])
        after = int(query.get("after", ["0"])[0])
        owners = list(self.owners.values())
        page = owners[after : after + limit]
        answer: dict[str, Any] = {"results": page}
        if after + limit < len(owners):
            answer["paging"] = {"next": {"after": str(after + limit)}}
        return _Reply(200, answer)
