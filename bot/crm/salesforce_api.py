"""Writing SLA outcomes to Salesforce Leads with `simple-salesforce`: a PATCH of one Lead's
fields, the composite API's sObject Collections for several (up to 200 per call), and the
Lead's describe for `slabot crm check`.

The app signs in with the OAuth 2.0 client credentials flow of a connected app
(`SALESFORCE_CLIENT_ID`, `SALESFORCE_CLIENT_SECRET`) against the org's own My Domain,
`SALESFORCE_INSTANCE_URL`: `POST <instance>/services/oauth2/token`, as Salesforce documents
that flow. The token is asked for here rather than through simple-salesforce's own login,
which builds the token URL as `https://<domain>.salesforce.com` and so cannot name a My Domain
on another host (a sandbox's `*.sandbox.my.salesforce.com`, or a test's local server); the
token and instance it answers are then handed to simple-salesforce."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceError

from bot.crm.writers import CrmBusy, CrmField, CrmRefused, retry_after
from slaengine.crm import salesforce

#: the most records one sObject Collections call updates
BATCH = 200
TIMEOUT = 15
API_VERSION = "59.0"
#: the Salesforce errors that say "later": the org's API limit, a lock, the server
LATER = {"REQUEST_LIMIT_EXCEEDED", "UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE"}


class SalesforceWriter:
    source = salesforce.SOURCE
    batch = BATCH

    def __init__(
        self,
        instance_url: str,
        client_id: str,
        client_secret: str,
        session: requests.Session | None = None,
    ) -> None:
        self.instance_url = instance_url.rstrip("/")
        self.client_id, self.client_secret = client_id, client_secret
        self.session = session or requests.Session()
        self.session.hooks["response"].append(self._saw)
        self._retry_after: float | None = None
        self._sf: Salesforce | None = None

    def _saw(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Remember the last answer's `Retry-After` (simple-salesforce's errors drop the
        headers)."""
        self._retry_after = retry_after(response.headers.get("Retry-After"))

    def _client(self) -> Salesforce:
        if self._sf is not None:
            return self._sf
        url = f"{self.instance_url}/services/oauth2/token"
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        try:
            answer = self.session.post(url, data=form, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise CrmBusy(f"Salesforce could not be reached: {exc}"[:300]) from exc
        if answer.status_code != 200:
            reason = f"Salesforce refused the client credentials ({answer.status_code})"
            with contextlib.suppress(ValueError):
                reason += f": {answer.json().get('error_description', '')}"
            raise CrmBusy(reason[:500], self._retry_after)
        token = answer.json()
        self._sf = Salesforce(
            instance_url=str(token.get("instance_url") or self.instance_url),
            session_id=str(token["access_token"]),
            session=self.session,
            version=API_VERSION,
        )
        return self._sf

    def _call(self, what: str, call: Any) -> Any:
        """`call(client)`, signing in again once when the session expired; failures as
        `CrmBusy` (later) or `CrmRefused` (never as it is)."""
        for attempt in (1, 2):
            try:
                return call(self._client())
            except SalesforceError as exc:
                if exc.status == 401 and attempt == 1:
                    self._sf = None
                    continue
                raise self._failure(exc, what) from exc
            except requests.RequestException as exc:
                raise CrmBusy(f"Salesforce could not be reached: {exc}"[:300]) from exc
        raise AssertionError("unreachable")

    def _failure(self, exc: SalesforceError, what: str) -> Exception:
        content: list[Any] = exc.content if isinstance(exc.content, list) else []
        codes = {str(e.get("errorCode")) for e in content if isinstance(e, dict)}
        reason = f"Salesforce answered {exc.status} to the {what}: {_message(exc.content)}"[:500]
        if exc.status == 429 or exc.status >= 500 or exc.status == 401 or codes & LATER:
            return CrmBusy(reason, self._retry_after)
        return CrmRefused(reason)

    def write(self, records: Mapping[str, Mapping[str, Any]]) -> dict[str, str | None]:
        assert len(records) <= BATCH
        if len(records) == 1:
            [(record_id, fields)] = records.items()
            self._call("Lead update", lambda sf: sf.Lead.update(record_id, dict(fields)))
            return {record_id: None}
        body = {
            "allOrNone": False,
            "records": [
                {"attributes": {"type": "Lead"}, "id": record_id, **fields}
                for record_id, fields in records.items()
            ],
        }
        answer = self._call(
            "sObject Collections update",
            lambda sf: sf.restful("composite/sobjects", method="PATCH", json=body),
        )
        results: dict[str, str | None] = {}
        for record_id, result in zip(records, answer, strict=True):
            ok = isinstance(result, dict) and result.get("success")
            errors = result.get("errors", []) if isinstance(result, dict) else []
            results[record_id] = (
                None if ok else f"Salesforce refused Lead {record_id}: " + (_message(errors))
            )
        return results

    def fields(self) -> dict[str, CrmField]:
        described = self._call("Lead describe", lambda sf: sf.Lead.describe())
        return {
            str(f["name"]): CrmField(str(f["name"]), str(f["type"]), bool(f.get("updateable")))
            for f in described.get("fields", [])
        }


def _message(content: Any) -> str:
    if isinstance(content, list):
        return "; ".join(
            f"{e.get('errorCode') or e.get('statusCode')}: {e.get('message')}"
            for e in content
            if isinstance(e, dict)
        )
    return str(content)[:300]
