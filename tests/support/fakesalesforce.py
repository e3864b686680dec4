"""A fake Salesforce for tests, strict where Salesforce is, over HTTPS as Salesforce is
(simple-salesforce speaks only HTTPS).

``FakeSalesforce`` runs a real HTTPS server on 127.0.0.1 (a free port) with a certificate of
a throwaway authority (``trustme``): ``fake.ca_file`` is that authority, for
``REQUESTS_CA_BUNDLE`` or a ``requests.Session``'s ``verify``. Point
``SALESFORCE_INSTANCE_URL`` at ``fake.url``. It answers, in the shapes of Salesforce's
published REST API reference:

- ``POST /services/oauth2/token``: the OAuth 2.0 client credentials flow (form fields
  ``grant_type=client_credentials``, ``client_id``, ``client_secret``, or the client in
  HTTP Basic); 400 ``invalid_client`` for a wrong one;
- ``GET /services/data/vXX.X/sobjects/Lead/describe``: the Lead's fields, each with its
  ``type`` and ``updateable``;
- ``PATCH /services/data/vXX.X/sobjects/Lead/{id}``: 204; 400 ``INVALID_FIELD`` for a field
  the Lead does not have, ``INVALID_FIELD_FOR_INSERT_UPDATE`` for one that cannot be
  written; 404 ``NOT_FOUND`` for an unknown Lead;
- ``PATCH /services/data/vXX.X/composite/sobjects``: sObject Collections, up to 200 records,
  each answered ``{"id", "success", "errors"}`` in order.

Strict: an unknown path 404, a wrong method 405 (``METHOD_NOT_ALLOWED``), a missing or wrong
bearer 401 (``INVALID_SESSION_ID``). It records every call (``fake.calls``) and can be made
to fail (``fake.fail_next(n, 503)``, with ``Retry-After`` when asked).
"""

from __future__ import annotations

import base64
import json
import os
import re
import ssl
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import trustme

__all__ = ["LEAD_FIELDS", "FakeSalesforce", "SalesforceCall"]

#: standard Lead fields (name -> (type, updateable)) the fake knows, and those added
LEAD_FIELDS: dict[str, tuple[str, bool]] = {
    "Id": ("id", False),
    "FirstName": ("string", True),
    "LastName": ("string", True),
    "Company": ("string", True),
    "Email": ("email", True),
    "Status": ("picklist", True),
    "Rating": ("picklist", True),
    "OwnerId": ("reference", True),
    "LastActivityDate": ("date", False),
    "CreatedDate": ("datetime", False),
    "SystemModstamp": ("datetime", False),
}
COLLECTION_LIMIT = 200
_DATA = re.compile(r"^/services/data/v\d+\.\d$")


@dataclass
class SalesforceCall:
    method: str
    path: str
    body: Any
    status: int
    at: float = field(default_factory=time.time)


class _Reply(Exception):
    def __init__(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self.status, self.payload, self.headers = status, payload, headers or {}


def _errors(status: int, code: str, message: str, fields: list[str] | None = None) -> _Reply:
    error: dict[str, Any] = {"message": message, "errorCode": code}
    if fields is not None:
        error["fields"] = fields
    return _Reply(status, [error])


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSalesforce

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any = raw.decode("utf-8", "replace")
        try:
            if parts.path == "/services/oauth2/token":
                body = {k: v[0] for k, v in parse_qs(body).items()}
                reply = self.fake._token(method, body, self.headers.get("Authorization"))
            else:
                try:
                    body = json.loads(raw) if raw else None
                except json.JSONDecodeError:
                    raise _errors(
                        400, "JSON_PARSER_ERROR", "The request body is not JSON"
                    ) from None
                reply = self.fake._answer(
                    method, parts.path, body, self.headers.get("Authorization")
                )
        except _Reply as answer:
            reply = answer
        self.fake._record(SalesforceCall(method, parts.path, body, reply.status))
        data = b"" if reply.status == 204 else json.dumps(reply.payload).encode()
        self.send_response(reply.status)
        if reply.status != 204:
            self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class FakeSalesforce:
    def __init__(
        self,
        client_id: str = "sf-client",
        client_secret: str = "sf-secret",
        directory: Path | None = None,
    ) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.fields: dict[str, tuple[str, bool]] = dict(LEAD_FIELDS)
        self.leads: dict[str, dict[str, Any]] = {}
        self.calls: list[SalesforceCall] = []
        self.tokens: set[str] = set()
        self._faults: list[tuple[int, str | None]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._ca = trustme.CA()
        self._directory = directory
        self.ca_file = ""

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSalesforce:
        handler = type("FakeSalesforceHandler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ca.issue_cert("127.0.0.1").configure_cert(context)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        if self._directory is not None:
            path = str(self._directory / "fake-salesforce-ca.pem")
        else:
            handle, path = tempfile.mkstemp(prefix="fake-salesforce-ca-", suffix=".pem")
            os.close(handle)
        self._ca.cert_pem.write_to_path(path)
        self.ca_file = path
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSalesforce:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    # ------------------------------------------------------------------ set-up

    def define_field(self, name: str, type: str = "string", updateable: bool = True) -> None:
        self.fields[name] = (type, updateable)

    def add_lead(self, lead_id: str, **values: Any) -> None:
        unknown = set(values) - set(self.fields)
        assert not unknown, f"define these fields first: {unknown}"
        self.leads[lead_id] = {"Id": lead_id, **values}

    def fail_next(self, count: int, status: int = 503, retry_after: str | None = None) -> None:
        with self._lock:
            self._faults += [(status, retry_after)] * count

    # ------------------------------------------------------------------ what happened

    def _record(self, call: SalesforceCall) -> None:
        with self._lock:
            self.calls.append(call)

    def writes(self) -> list[SalesforceCall]:
        """The Lead updates (one or a collection) answered 2xx."""
        return [c for c in self.calls if c.method == "PATCH" and c.status < 300]

    # ------------------------------------------------------------------ answers

    def _token(self, method: str, form: dict[str, str], auth: str | None) -> _Reply:
        if method != "POST":
            raise _errors(
                405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed. Allowed are POST"
            )
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if auth and auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        if form.get("grant_type") != "client_credentials":
            raise _Reply(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant type not supported",
                },
            )
        if (client_id, secret) != (self.client_id, self.client_secret):
            raise _Reply(
                400, {"error": "invalid_client", "error_description": "invalid client credentials"}
            )
        token = f"00D000000000001!{uuid.uuid4().hex}"
        with self._lock:
            self.tokens.add(token)
        return _Reply(
            200,
            {
                "access_token": token,
                "signature": base64.b64encode(uuid.uuid4().bytes).decode(),
                "scope": "api",
                "instance_url": self.url,
                "id": f"{self.url}/id/00D000000000001/005000000000001",
                "token_type": "Bearer",
                "issued_at": str(int(time.time() * 1000)),
            },
        )

    def _answer(self, method: str, path: str, body: Any, auth: str | None) -> _Reply:
        base, _, rest = path.partition("/sobjects/Lead")
        if rest == "/describe" and _DATA.match(base):
            route: tuple[str, Any] = ("GET", lambda: self._describe())
        elif (
            _DATA.match(base)
            and rest.startswith("/")
            and rest.count("/") == 1
            and rest != "/describe"
        ):
            route = ("PATCH", lambda: self._update(rest[1:], body))
        elif path.endswith("/composite/sobjects") and _DATA.match(
            path.removesuffix("/composite/sobjects")
        ):
            route = ("PATCH", lambda: self._collection(body))
        else:
            raise _errors(404, "NOT_FOUND", "The requested resource does not exist")
        allowed, answer = route
        if method != allowed:
            raise _errors(
                405,
                "METHOD_NOT_ALLOWED",
                f"HTTP Method '{method}' not allowed. Allowed are {allowed}",
            )
        token = auth.removeprefix("Bearer ") if auth and auth.startswith("Bearer ") else None
        if token is None or token not in self.tokens:
            raise _errors(401, "INVALID_SESSION_ID", "Session expired or invalid")
        with self._lock:
            fault = self._faults.pop(0) if self._faults else None
        if fault is not None:
            status, retry_after = fault
            headers = {"Retry-After": retry_after} if retry_after else {}
            code = "REQUEST_LIMIT_EXCEEDED" if status == 403 else "SERVER_UNAVAILABLE"
            raise _Reply(status, [{"message": "try again later", "errorCode": code}], headers)
        result: _Reply = answer()
        return result

    def _describe(self) -> _Reply:
        fields = [
            {
                "name": name,
                "label": name.removesuffix("__c").replace("_", " "),
                "type": kind,
                "updateable": updateable,
                "createable": updateable,
                "custom": name.endswith("__c"),
                "nillable": name != "Id",
                "length": 255 if kind in ("string", "picklist", "email") else 0,
            }
            for name, (kind, updateable) in self.fields.items()
        ]
        return _Reply(200, {"name": "Lead", "label": "Lead", "updateable": True, "fields": fields})

    def _problems(self, values: dict[str, Any]) -> list[dict[str, Any]]:
        problems = []
        for name in values:
            if name not in self.fields:
                problems.append(
                    {"message": f"No such column '{name}' on sobject of type Lead",
                     "errorCode": "INVALID_FIELD", "fields": [name]}
                )  # fmt: skip
            elif not self.fields[name][1]:
                problems.append(
                    {"message": f"Unable to create/update fields: {name}. Please check the "
                     "security settings of this field and verify that it is read/write for "
                     "your profile or permission set.",
                     "errorCode": "INVALID_FIELD_FOR_INSERT_UPDATE", "fields": [name]}
                )  # fmt: skip
        return problems

    def _update(self, lead_id: str, body: Any) -> _Reply:
        if not isinstance(body, dict):
            raise _errors(400, "JSON_PARSER_ERROR", "The body is not a JSON object")
        problems = self._problems(body)
        if problems:
            raise _Reply(400, problems)
        lead = self.leads.get(lead_id)
        if lead is None:
            raise _errors(404, "NOT_FOUND", "The requested resource does not exist")
        lead.update(body)
        return _Reply(204, None)

    def _collection(self, body: Any) -> _Reply:
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            raise _errors(400, "JSON_PARSER_ERROR", "records is required")
        records = body["records"]
        if len(records) > COLLECTION_LIMIT:
            raise _errors(
                400,
                "EXCEEDED_ID_LIMIT",
                f"record limit reached. cannot submit more than {COLLECTION_LIMIT} records "
                "into this call",
            )
        results = []
        for record in records:
            values = {k: v for k, v in record.items() if k not in ("attributes", "id")}
            lead_id = str(record.get("id"))
            if (record.get("attributes") or {}).get("type") != "Lead":
                failed = _failed(lead_id, "INVALID_TYPE", "attributes.type must be Lead")
                results.append(failed)
                continue
            problems = self._problems(values)
            if problems:
                errors = [
                    {"statusCode": p["errorCode"], "message": p["message"], "fields": p["fields"]}
                    for p in problems
                ]
                results.append({"id": lead_id, "success": False, "errors": errors})
                continue
            lead = self.leads.get(lead_id)
            if lead is None:
                results.append(_failed(lead_id, "ENTITY_IS_DELETED", "entity is deleted"))
                continue
            lead.update(values)
            results.append({"id": lead_id, "success": True, "errors": []})
        return _Reply(200, results)


def _failed(lead_id: str, code: str, message: str) -> dict[str, Any]:
    return {
        "id": lead_id,
        "success": False,
        "errors": [{"statusCode": code, "message": message, "fields": []}],
    }
