"""HubSpot's signatures, each version, checked as HubSpot's reference says: its published
examples, a request signed by the independent signer in tests/support, and every way a
request is not HubSpot's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slaengine.crm.hubspot import sign_v1, sign_v2, signature_problem, signed_uri
from tests.support.hubspot_signing import v1_headers, v2_headers, v3_headers

SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
URI = "https://slabot.example.com/webhooks/hubspot"
BODY = b'[{"objectId":123,"subscriptionType":"contact.creation","occurredAt":1}]'


def problem(
    headers: dict[str, str], body: bytes = BODY, uris: list[str] | None = None
) -> str | None:
    return signature_problem(SECRET, "POST", uris or [URI], body, headers, NOW)


def test_the_v1_and_v2_signatures_are_those_of_hubspots_published_examples() -> None:
    example = (
        b'[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,'
        b'"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,'
        b'"changeSource":"CRM","changeFlag":"NEW","appId":54321}]'
    )
    assert sign_v1(SECRET, example) == (
        "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"
    )
    assert sign_v2(SECRET, "GET", "https://www.example.com/webhook_uri", b"") == (
        "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e"
    )


def test_a_request_signed_as_hubspot_signs_it_passes_in_each_version() -> None:
    assert problem(v3_headers(SECRET, "POST", URI, BODY, NOW_MS)) is None
    assert problem(v2_headers(SECRET, "POST", URI, BODY)) is None
    assert problem(v1_headers(SECRET, BODY)) is None


def test_header_names_are_taken_in_any_case() -> None:
    headers = {k.lower(): v for k, v in v3_headers(SECRET, "POST", URI, BODY, NOW_MS).items()}
    assert problem(headers) is None


def test_a_v3_uri_is_signed_with_the_escapes_hubspot_decodes_decoded() -> None:
    escaped = URI + "?portal=62515%2C62516&to=ops%40acme.example"
    assert signed_uri(escaped) == URI + "?portal=62515,62516&to=ops@acme.example"
    assert problem(v3_headers(SECRET, "POST", escaped, BODY, NOW_MS), uris=[escaped]) is None


def test_a_v3_signature_older_than_five_minutes_is_stale() -> None:
    old = NOW_MS - int(timedelta(minutes=5, seconds=1).total_seconds() * 1000)
    found = problem(v3_headers(SECRET, "POST", URI, BODY, old))
    assert found is not None and found.startswith("stale")
    just_in_time = NOW_MS - 299_000
    assert problem(v3_headers(SECRET, "POST", URI, BODY, just_in_time)) is None


def test_a_forged_signature_of_each_version_is_refused() -> None:
    tampered = BODY.replace(b"123", b"124")
    for headers in (
        v3_headers(SECRET, "POST", URI, BODY, NOW_MS),
        v2_headers(SECRET, "POST", URI, BODY),
        v1_headers(SECRET, BODY),
    ):
        found = problem(headers, body=tampered)
        assert found is not None and found.startswith("forged"), headers
    other = v3_headers("another-secret", "POST", URI, BODY, NOW_MS)
    assert (problem(other) or "").startswith("forged")
    elsewhere = v2_headers(SECRET, "POST", "https://evil.example/webhooks/hubspot", BODY)
    assert (problem(elsewhere) or "").startswith("forged")


def test_an_unsigned_request_or_an_unknown_version_is_refused() -> None:
    assert (problem({}) or "").startswith("unsigned")
    assert "unknown" in (problem({"X-HubSpot-Signature-Version": "v9"}) or "")
    assert "missing" in (problem({"X-HubSpot-Signature-Version": "v1"}) or "")
    no_stamp = v3_headers(SECRET, "POST", URI, BODY, NOW_MS)
    del no_stamp["X-HubSpot-Request-Timestamp"]
    assert "missing" in (problem(no_stamp) or "")
