"""The fake HubSpot is strict as HubSpot is, and answers the official client in its shapes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.crm.hubspot_api import HubSpotApi, HubSpotUnavailable
from tests.support.fakehubspot import FakeHubSpot

TOKEN = "pat-test"
READ = "/crm/v3/objects/contacts/batch/read"


@pytest.fixture
def fake() -> Iterator[FakeHubSpot]:
    with FakeHubSpot(token=TOKEN) as fake:
        fake.add_contact("1", email="a@acme.example", firstname="Ann")
        fake.add_owner("7", "owner@acme.example")
        yield fake


def post(fake: FakeHubSpot, path: str, body: object, token: str | None = TOKEN) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(f"{fake.url}{path}", json=body, headers=headers)


def test_the_official_client_reads_contacts_and_owners_from_it(fake: FakeHubSpot) -> None:
    api = HubSpotApi(TOKEN, fake.url)
    found = api.contacts(["1", "2"], ["email", "firstname"])  # 2 is unknown: a 207
    assert found == {"1": {"hs_object_id": "1", "email": "a@acme.example", "firstname": "Ann"}}
    assert api.owner_email("7") == "owner@acme.example"
    assert api.owner_email("8") is None
    assert [c.status for c in fake.calls] == [207, 200, 404]


def test_an_unknown_path_or_a_wrong_method_is_an_error(fake: FakeHubSpot) -> None:
    assert post(fake, "/crm/v3/objects/contacts/batch/nope", {}).status_code == 404
    headers = {"Authorization": f"Bearer {TOKEN}"}
    assert httpx.get(f"{fake.url}{READ}", headers=headers).status_code == 405


def test_a_missing_or_wrong_token_is_401_as_hubspot_answers(fake: FakeHubSpot) -> None:
    for token in (None, "pat-wrong"):
        answer = post(fake, READ, {"inputs": [{"id": "1"}], "properties": []}, token)
        assert answer.status_code == 401
        assert answer.json()["category"] == "INVALID_AUTHENTICATION"
    with pytest.raises(HubSpotUnavailable, match="401"):
        HubSpotApi("pat-wrong", fake.url).contacts(["1"], ["email"])


def test_an_unknown_property_or_more_than_100_ids_is_a_validation_error(
    fake: FakeHubSpot,
) -> None:
    unknown = post(fake, READ, {"inputs": [{"id": "1"}], "properties": ["fit_grade"]})
    assert unknown.status_code == 400
    assert unknown.json()["category"] == "VALIDATION_ERROR"
    many = post(fake, READ, {"inputs": [{"id": str(n)} for n in range(101)], "properties": []})
    assert many.status_code == 400


def test_it_can_be_rate_limited_or_down(fake: FakeHubSpot) -> None:
    fake.fail_next(1, 429)
    limited = post(fake, READ, {"inputs": [{"id": "1"}], "properties": []})
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "1")
    assert limited.json()["errorType"] == "RATE_LIMIT"
    fake.down = True
    assert post(fake, READ, {"inputs": [{"id": "1"}], "properties": []}).status_code == 503
