"""Tests of the test infrastructure: the fake Slack server and the signed-request helpers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import HTTPServer
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from tests.support import slack_requests
from tests.support.fakeslack import FakeSlack, block_errors

SECRET = "test-signing-secret"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        for user in ("U0ALICE", "U0BOB", "U123", "W0GRID"):
            server.add_user(user)
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.url)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_a_posted_message_is_recorded_with_its_blocks(fake: FakeSlack, client: WebClient):
    blocks = [section("*Lead* handed off"), {"type": "divider"}]
    resp = client.chat_postMessage(channel="U0ALICE", text="Lead handed off", blocks=blocks)

    assert resp["ok"] is True
    assert resp["channel"] == "DU0ALICE"
    assert resp["message"]["blocks"] == blocks
    call = fake.last("chat.postMessage")
    assert call.args["blocks"] == blocks
    assert call.args["text"] == "Lead handed off"
    assert fake.messages_to("U0ALICE") == [call.args]
    assert fake.messages_to("DU0ALICE") == [call.args]
    assert fake.violations == []


def test_message_timestamps_are_unique_and_increasing(client: WebClient):
    stamps = [client.chat_postMessage(channel="C0SALESMKT", text=str(i))["ts"] for i in range(3)]
    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == 3
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


def test_a_form_encoded_call_has_its_json_values_decoded(fake: FakeSlack):
    blocks = [section("hello")]
    resp = httpx.post(
        fake.url + "chat.postMessage",
        data={"channel": "#sales-marketing", "text": "hi", "blocks": json.dumps(blocks)},
        headers={"Authorization": "Bearer xoxb-test"},
    )
    assert resp.json()["ok"] is True
    assert resp.json()["channel"] == "C0SALESMKT"
    assert fake.last("chat.postMessage").args["blocks"] == blocks
    assert fake.messages_to("C0SALESMKT") == fake.messages_to("#sales-marketing")


def test_a_call_without_a_bot_token_is_not_authed(fake: FakeSlack):
    resp = httpx.post(fake.url + "auth.test")
    assert resp.json() == {"ok": False, "error": "not_authed"}


def test_auth_test_answers_as_the_bot(client: WebClient):
    resp = client.auth_test()
    assert (resp["user_id"], resp["bot_id"], resp["team_id"]) == ("UBOT", "BBOT", "T1")


def test_an_unknown_channel_is_not_found(fake: FakeSlack, client: WebClient):
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="#nowhere", text="hi")
    assert err.value.response["error"] == "channel_not_found"
    assert fake.messages_to("#nowhere") == []


def test_fifty_one_blocks_are_refused_as_invalid_blocks(fake: FakeSlack, client: WebClient):
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(
            channel="C0SALESMKT", text="x", blocks=[section(f"line {i}") for i in range(51)]
        )
    assert err.value.response["error"] == "invalid_blocks"
    assert len(fake.violations) == 1
    assert "at most 50 blocks" in fake.violations[0]
    assert fake.messages_to("C0SALESMKT") == []


def test_fifty_blocks_are_accepted(fake: FakeSlack, client: WebClient):
    client.chat_postMessage(
        channel="C0SALESMKT", text="x", blocks=[section(f"line {i}") for i in range(50)]
    )
    assert fake.violations == []


def test_a_3001_character_section_text_is_refused(fake: FakeSlack, client: WebClient):
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C0SALESMKT", text="x", blocks=[section("a" * 3001)])
    assert err.value.response["error"] == "invalid_blocks"
    assert "3001" in fake.violations[0]
    assert "/blocks/0/text/text" in fake.violations[0]


def test_eleven_fields_are_refused(fake: FakeSlack, client: WebClient):
    fields = [{"type": "mrkdwn", "text": f"f{i}"} for i in range(11)]
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(
            channel="C0SALESMKT", text="x", blocks=[{"type": "section", "fields": fields}]
        )
    assert err.value.response["error"] == "invalid_blocks"
    assert any("at most 10 fields" in v for v in fake.violations)


def test_other_block_kit_limits_are_enforced():
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": "b" * 76},
        "action_id": "a" * 256,
    }
    errors = block_errors(
        [
            {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}},
            {"type": "actions", "elements": [button]},
            {
                "type": "actions",
                "block_id": "x" * 256,
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": str(i)},
                        "action_id": f"a{i}",
                    }
                    for i in range(26)
                ],
            },
            {"type": "sparkle"},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "c" * 3001}]},
        ]
    )
    joined = "\n".join(errors)
    for needle in (
        "/blocks/0/text/text",
        "/blocks/1/elements/0/text/text",
        "/blocks/1/elements/0/action_id",
        "/blocks/2/block_id",
        "at most 25 elements",
        "unknown block type 'sparkle'",
        "/blocks/4/elements/0/text",
    ):
        assert needle in joined, needle


def test_a_message_text_over_40000_characters_is_refused(fake: FakeSlack, client: WebClient):
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0SALESMKT", text="t" * 40001)
    assert "40000" in fake.violations[0]


def test_a_modal_allows_100_blocks_and_returns_a_view_id(fake: FakeSlack, client: WebClient):
    view = {
        "type": "modal",
        "callback_id": "handoff",
        "title": {"type": "plain_text", "text": "Hand off"},
        "blocks": [section(str(i)) for i in range(100)],
    }
    resp = client.views_open(trigger_id="T.123", view=view)
    assert resp["view"]["id"].startswith("V")
    updated = client.views_update(view_id=resp["view"]["id"], view=view)
    assert updated["view"]["id"] == resp["view"]["id"]
    assert client.views_publish(user_id="U0ALICE", view={"type": "home", "blocks": []})["ok"]
    with pytest.raises(SlackApiError):
        client.views_open(trigger_id="T.123", view={**view, "blocks": view["blocks"] * 2})
    assert len(fake.violations) == 1


def test_users_lookup_by_email_finds_a_registered_user_and_refuses_an_unknown_one(
    fake: FakeSlack, client: WebClient
):
    fake.add_user("U0ALICE", email="alice@example.com", tz="Europe/Berlin")
    user = client.users_lookupByEmail(email="alice@example.com")["user"]
    assert user["id"] == "U0ALICE"
    assert user["tz"] == "Europe/Berlin"
    assert user["tz_offset"] in (3600, 7200)
    assert user["profile"]["email"] == "alice@example.com"
    with pytest.raises(SlackApiError) as err:
        client.users_lookupByEmail(email="nobody@example.com")
    assert err.value.response["error"] == "users_not_found"


def test_users_info_answers_from_the_directory(fake: FakeSlack, client: WebClient):
    fake.add_user("U0BOB", email="bob@example.com", name="bob", deleted=True)
    user = client.users_info(user="U0BOB")["user"]
    assert (user["name"], user["deleted"], user["tz"]) == ("bob", True, "America/New_York")
    assert user["tz_offset"] in (-18000, -14400)
    with pytest.raises(SlackApiError) as err:
        client.users_info(user="U0NOBODY")
    assert err.value.response["error"] == "user_not_found"


def test_users_info_answers_the_profile_names_in_slacks_shape(fake: FakeSlack, client: WebClient):
    fake.add_user("U0ALICE", name="alice", real_name="Alice Liddell", display_name="Alice L.")
    fake.add_user("U0BOB", name="bob", real_name="Bob Stone", display_name="")
    alice = client.users_info(user="U0ALICE")["user"]
    assert (alice["name"], alice["real_name"]) == ("alice", "Alice Liddell")
    assert alice["profile"]["display_name"] == alice["profile"]["display_name_normalized"]
    assert (alice["profile"]["display_name"], alice["profile"]["real_name"]) == (
        "Alice L.",
        "Alice Liddell",
    )
    bob = client.users_info(user="U0BOB")["user"]  # never set a display name
    assert (bob["profile"]["display_name"], bob["profile"]["real_name"]) == ("", "Bob Stone")


def test_chat_update_changes_a_posted_message_and_refuses_one_that_is_gone(
    fake: FakeSlack, client: WebClient
):
    posted = client.chat_postMessage(channel="U0ALICE", text="before")
    client.chat_update(channel=posted["channel"], ts=posted["ts"], text="after")
    assert (fake.message(posted["ts"]) or {})["text"] == "after"
    client.chat_delete(channel=posted["channel"], ts=posted["ts"])
    with pytest.raises(SlackApiError) as gone:
        client.chat_update(channel=posted["channel"], ts=posted["ts"], text="again")
    assert gone.value.response["error"] == "message_not_found"
    with pytest.raises(SlackApiError) as unknown:
        client.chat_update(channel=posted["channel"], ts="1.000001", text="never posted")
    assert unknown.value.response["error"] == "message_not_found"


def test_conversations_open_and_list(fake: FakeSlack, client: WebClient):
    assert client.conversations_open(users="U123")["channel"]["id"] == "DU123"
    fake.add_channel("C0OTHER", "other")
    names = {c["id"]: c["name"] for c in client.conversations_list()["channels"]}
    assert names == {"C0SALESMKT": "sales-marketing", "C0OTHER": "other"}


def test_a_429_from_fail_next_is_retried_and_the_message_recorded_once(
    fake: FakeSlack, client: WebClient
):
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    fake.fail_next("chat.postMessage", status=429, retry_after=0)

    resp = client.chat_postMessage(channel="U0ALICE", text="retry me")

    assert resp["ok"] is True
    assert fake.count("chat.postMessage") == 1
    assert len(fake.messages_to("U0ALICE")) == 1
    assert [(c.method, c.status) for c in fake.failed_calls] == [("chat.postMessage", 429)]


def test_a_500_without_a_retry_handler_surfaces_as_an_error(fake: FakeSlack, client: WebClient):
    fake.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="U0ALICE", text="lost")
    assert fake.count("chat.postMessage") == 0
    assert len(fake.failed_calls) == 1


def test_fail_next_with_an_error_answers_slacks_error_and_changes_nothing(
    fake: FakeSlack, client: WebClient
):
    posted = client.chat_postMessage(channel="U0ALICE", text="before")
    fake.fail_next("chat.update", status=200, error="cant_update_message")
    with pytest.raises(SlackApiError) as refused:
        client.chat_update(channel=posted["channel"], ts=posted["ts"], text="after")
    assert refused.value.response["error"] == "cant_update_message"
    assert (fake.message(posted["ts"]) or {})["text"] == "before"
    assert [(c.method, c.error) for c in fake.failed_calls] == [
        ("chat.update", "cant_update_message")
    ]


def test_conversations_history_takes_a_conversation_id_not_a_user_or_a_channel_name(
    fake: FakeSlack, client: WebClient
):
    client.chat_postMessage(channel="W0GRID", text="to an Enterprise Grid user")
    dm = client.conversations_open(users="W0GRID")["channel"]["id"]
    assert [m["text"] for m in client.conversations_history(channel=dm)["messages"]] == [
        "to an Enterprise Grid user"
    ]
    assert len(fake.messages_to("W0GRID")) == 1
    for wrong in ("W0GRID", "U0ALICE", "#sales-marketing"):
        with pytest.raises(SlackApiError) as refused:
            client.conversations_history(channel=wrong)
        assert refused.value.response["error"] == "channel_not_found"


def test_chaos_is_reproducible_for_a_seed(fake: FakeSlack):
    def outcomes() -> list[int]:
        fake.reset()
        fake.chaos(rate_429=0.3, rate_500=0.1, seed=7)
        with httpx.Client(headers={"Authorization": "Bearer xoxb-t"}) as http:
            return [http.post(fake.url + "auth.test").status_code for _ in range(30)]

    first = outcomes()
    assert first == outcomes()
    assert {200, 429} <= set(first)
    assert fake.count("auth.test") + len(fake.failed_calls) == 30


def test_a_response_url_post_is_recorded(fake: FakeSlack):
    url = fake.response_url("r1")
    resp = WebhookClient(url).send(
        text="Done", blocks=[section("Done")], response_type="ephemeral", replace_original=False
    )
    assert resp.status_code == 200
    [call] = fake.responses("r1")
    assert call.method == "response:r1"
    assert call.args["text"] == "Done"
    assert call.args["blocks"] == [section("Done")]
    assert fake.responses("other") == []


def test_wait_for_returns_once_a_call_arrives(fake: FakeSlack, client: WebClient):
    timer = threading.Timer(0.1, client.chat_postMessage, kwargs={"channel": "U123", "text": "x"})
    timer.start()
    [call] = fake.wait_for("chat.postMessage", timeout=5)
    assert call.args["channel"] == "U123"
    timer.join()


def test_wait_for_times_out_in_real_time_even_when_the_clock_is_frozen(fake: FakeSlack):
    from freezegun import freeze_time

    with freeze_time("2025-03-03 09:00:00"), pytest.raises(AssertionError, match="waited"):
        fake.wait_for("chat.postMessage", timeout=0.2)


def test_signature_helper_output_verifies_with_slack_sdk():
    body = b"token=x&text=%2Fsla+status"
    headers = slack_requests.sign(SECRET, body)
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    assert verifier.is_valid_request(body, headers)
    assert not SignatureVerifier("other-secret").is_valid_request(body, headers)
    stale = slack_requests.sign(SECRET, body, timestamp=int(time.time()) - 3600)
    assert not verifier.is_valid_request(body, stale)


def test_webhook_signature_is_hmac_sha256_of_the_raw_body():
    import hashlib
    import hmac

    body = b'{"lead": 1}'
    expected = hmac.new(b"hook-secret", body, hashlib.sha256).hexdigest()
    assert slack_requests.webhook_signature("hook-secret", body) == f"sha256={expected}"


@pytest.fixture
def bolt_app(fake: FakeSlack) -> Iterator[tuple[str, list[str]]]:
    """A tiny Bolt app (served over HTTP) that uses the fake as its Slack."""
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    seen: list[str] = []
    app = App(
        token="xoxb-test",
        signing_secret=SECRET,
        client=WebClient(token="xoxb-test", base_url=fake.url),
    )

    @app.command("/sla")
    def on_command(ack: Any, respond: Any, command: dict[str, Any]) -> None:
        ack()
        seen.append(f"command:{command['user_id']}:{command['text']}")
        respond(text=f"you said {command['text']}")

    @app.action("claim")
    def on_claim(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        seen.append(f"action:{body['user']['id']}:{body['actions'][0]['value']}")
        respond(text="claimed", replace_original=True)

    @app.view("handoff")
    def on_view(ack: Any, view: dict[str, Any], body: dict[str, Any]) -> None:
        ack()
        seen.append(f"view:{body['user']['id']}:{view['private_metadata']}")

    @app.event("app_home_opened")
    def on_home(event: dict[str, Any], client: WebClient) -> None:
        seen.append(f"event:{event['user']}")
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": []})

    from wsgiref.simple_server import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server: HTTPServer = make_server("127.0.0.1", 0, SlackRequestHandler(app), handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_request_helpers_are_accepted_by_a_bolt_app(
    fake: FakeSlack, bolt_app: tuple[str, list[str]]
):
    base, seen = bolt_app
    r = slack_requests.slash_command(
        base, SECRET, text="status", response_url=fake.response_url("r1")
    )
    assert r.status_code == 200
    fake.wait_for("response:r1")
    assert fake.responses("r1")[0].args["text"] == "you said status"

    r = slack_requests.block_action(
        base,
        SECRET,
        user_id="U0BOB",
        action_id="claim",
        value="lead-7",
        response_url=fake.response_url("r2"),
    )
    assert r.status_code == 200
    fake.wait_for("response:r2")

    r = slack_requests.view_submission(
        base,
        SECRET,
        user_id="U0BOB",
        callback_id="handoff",
        state_values={},
        private_metadata="lead-7",
    )
    assert r.status_code == 200

    r = slack_requests.event(
        base,
        SECRET,
        {"type": "app_home_opened", "user": "U0BOB", "channel": "DU0BOB", "tab": "home"},
    )
    assert r.status_code == 200
    fake.wait_for("views.publish")

    bad = slack_requests.slash_command(
        base, "wrong-secret", text="x", response_url=fake.response_url("r3")
    )
    assert bad.status_code == 401
    assert seen == [
        "command:U0ALICE:status",
        "action:U0BOB:lead-7",
        "view:U0BOB:lead-7",
        "event:U0BOB",
    ]
    assert fake.violations == []


def test_a_method_the_fake_does_not_know_fails_as_slack_does(client: WebClient):
    with pytest.raises(SlackApiError) as caught:
        client.api_call("reactions.add", json={"channel": "C0SALESMKT", "name": "tada"})
    assert caught.value.response["error"] == "unknown_method"


def test_a_dm_to_a_user_slack_does_not_know_fails_with_user_not_found(client: WebClient):
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="U0NOBODY", text="hello?")
    assert caught.value.response["error"] == "user_not_found"
    with pytest.raises(SlackApiError) as opened:
        client.conversations_open(users="U0NOBODY")
    assert opened.value.response["error"] == "user_not_found"


def test_updating_or_deleting_a_message_that_was_never_posted_fails_with_message_not_found(
    client: WebClient,
):
    posted = client.chat_postMessage(channel="U0ALICE", text="first")
    with pytest.raises(SlackApiError) as caught:
        client.chat_update(channel="U0ALICE", ts="1700000000.999999", text="changed")
    assert caught.value.response["error"] == "message_not_found"
    with pytest.raises(SlackApiError) as elsewhere:
        client.chat_update(channel="C0SALESMKT", ts=posted["ts"], text="changed")
    assert elsewhere.value.response["error"] == "message_not_found"
    with pytest.raises(SlackApiError) as deleted:
        client.chat_delete(channel="U0ALICE", ts="1700000000.999999")
    assert deleted.value.response["error"] == "message_not_found"
    assert client.chat_update(channel="U0ALICE", ts=posted["ts"], text="changed")["ok"]


def test_history_is_read_page_by_page_newest_first_with_a_cursor(client: WebClient):
    stamps = [client.chat_postMessage(channel="U0ALICE", text=str(n))["ts"] for n in range(5)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = client.conversations_history(channel="DU0ALICE", limit=2, cursor=cursor)
        pages += 1
        seen += [m["ts"] for m in page["messages"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not page["has_more"]:
            assert cursor == ""
            break
    assert pages == 3
    assert seen == list(reversed(stamps))


def test_a_call_can_be_stalled_after_earlier_ones_were_answered_at_once(
    fake: FakeSlack, client: WebClient
):
    fake.stall_after("chat.postMessage", 0.5, skip=2)
    for n in range(2):
        client.chat_postMessage(channel="U0ALICE", text=str(n))
    assert not fake.stalled.is_set()
    client.chat_postMessage(channel="U0ALICE", text="late")
    assert fake.stalled.is_set()


def test_a_threads_replies_are_listed_with_their_parent_and_left_out_of_the_history(
    fake_slack: FakeSlack,
) -> None:
    client = WebClient(token="xoxb-test", base_url=fake_slack.url)
    parent = client.chat_postMessage(channel="#sales-marketing", text="the report")["ts"]
    reply = client.chat_postMessage(channel="#sales-marketing", text="feedback", thread_ts=parent)
    client.chat_postMessage(channel="#sales-marketing", text="another post")
    channel = str(reply["channel"])
    history = client.conversations_history(channel=channel)["messages"]
    assert [m["text"] for m in history] == ["another post", "the report"]
    thread = client.conversations_replies(channel=channel, ts=parent)["messages"]
    assert [m["text"] for m in thread] == ["the report", "feedback"]
    with pytest.raises(SlackApiError) as refused:
        client.conversations_replies(channel=channel, ts="1.000000")
    assert refused.value.response["error"] == "thread_not_found"


# ------------------------------------------------------------------ files (files_upload_v2)


def test_files_upload_v2_uploads_to_the_fakes_own_port_and_shares_into_a_thread(
    fake: FakeSlack, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel="#sales-marketing", text="parent")
    done = client.files_upload_v2(
        file_uploads=[
            {"content": b"\x89PNG chart", "filename": "a.png", "title": "A"},
            {"content": "x,y\n1,2\n", "filename": "b.csv", "title": "B"},
        ],
        channel=posted["channel"],
        thread_ts=posted["ts"],
    )
    assert [f["name"] for f in done["files"]] == ["a.png", "b.csv"]
    url = fake.calls("files.getUploadURLExternal")[0].answer or {}
    assert str(url["upload_url"]).startswith(fake.base + "/upload/")
    shared = fake.uploads()
    assert [f["data"] for f in shared] == [b"\x89PNG chart", b"x,y\n1,2\n"]
    assert {f["thread_ts"] for f in shared} == {posted["ts"]}


def test_the_fake_refuses_an_upload_of_another_length_and_sharing_a_file_never_uploaded(
    fake: FakeSlack, client: WebClient
) -> None:
    announced = client.files_getUploadURLExternal(filename="a.png", length=10)
    answer = httpx.post(str(announced["upload_url"]), content=b"short")
    assert answer.status_code == 400
    with pytest.raises(SlackApiError, match="file_not_found"):
        client.files_completeUploadExternal(files=[{"id": announced["file_id"]}])
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        client.files_getUploadURLExternal(filename="a.png", length=0)
    assert fake.uploads() == []


def test_sharing_into_a_thread_that_does_not_exist_is_refused(
    fake: FakeSlack, client: WebClient
) -> None:
    announced = client.files_getUploadURLExternal(filename="a.txt", length=2)
    assert httpx.post(str(announced["upload_url"]), content=b"hi").status_code == 200
    with pytest.raises(SlackApiError, match="invalid_thread_ts"):
        client.files_completeUploadExternal(
            files=[{"id": announced["file_id"]}], channel_id="C0SALESMKT", thread_ts="1.000"
        )
