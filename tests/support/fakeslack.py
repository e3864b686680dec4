"""A fake Slack Web API server for tests.

``FakeSlack`` runs a real HTTP server on 127.0.0.1 (random free port) in a background
thread.  Point ``slack_sdk.WebClient(base_url=fake.url)`` (or env ``SLACK_API_URL``) at it.

It records every call, answers the handful of Web API methods slabot uses with realistic
payloads, enforces the Block Kit limits real Slack enforces (recording each breach in
``fake.violations``), records posts to response URLs, and can inject 429/500 faults.

    with FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.url)
        client.chat_postMessage(channel="U1", text="hi")
        assert fake.messages_to("U1")[0]["text"] == "hi"
        assert fake.violations == []
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import json
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

__all__ = ["Call", "FakeSlack", "block_errors"]

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T1"
TEAM_DOMAIN = "acme"
APP_ID = "A0SLABOT"
DEFAULT_CHANNEL_ID = "C0SALESMKT"
DEFAULT_CHANNEL_NAME = "sales-marketing"

# Form-encoded values under these keys are JSON documents (slack_sdk / Slack convention).
JSON_KEYS = frozenset(
    {
        "blocks",
        "attachments",
        "view",
        "metadata",
        "unfurls",
        "user_auth_blocks",
        "options",
        "option_groups",
        "files",
    }
)

# Limits real Slack enforces (https://api.slack.com/reference/block-kit).
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT_OBJECT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ID = 255
MAX_ACTIONS_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_MESSAGE_TEXT = 40000
MAX_VIEW_TITLE = 24
MAX_PRIVATE_METADATA = 3000
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150

KNOWN_BLOCK_TYPES = frozenset(
    {
        "actions",
        "call",
        "context",
        "context_actions",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
    }
)
TEXT_OBJECT_TYPES = frozenset({"plain_text", "mrkdwn"})

# Kept inside a tuple so freezegun (which rewrites module attributes that are time
# functions) cannot freeze it: wait_for() timeouts must use real time.
_REAL_CLOCK = (time.monotonic,)


@dataclass
class Call:
    """One request the fake received.

    ``method`` is the Web API method ("chat.postMessage") or "response:<name>" for a
    response-URL post; ``args`` is the decoded body (JSON-string values such as ``blocks``
    decoded into Python objects); ``at`` is ``time.time()`` at arrival.  ``ok``/``error``
    describe the fake's answer; ``status`` is the HTTP status it answered with, ``answer``
    the Web API payload it sent back.
    """

    method: str
    args: dict[str, Any]
    at: float
    ok: bool = True
    error: str | None = None
    status: int = 200
    answer: dict[str, Any] | None = None


# --------------------------------------------------------------------------- block checks


def _ptr(path: str) -> str:
    return f"[json-pointer:{path}]"


def _text_errors(obj: Any, path: str, *, max_len: int, plain_only: bool = False) -> list[str]:
    """Errors of one text object ({"type": "plain_text"|"mrkdwn", "text": ...})."""
    if not isinstance(obj, dict):
        return [f"must be a text object {_ptr(path)}"]
    errors: list[str] = []
    kind = obj.get("type")
    if kind not in TEXT_OBJECT_TYPES:
        errors.append(f"unknown text object type {kind!r} {_ptr(path + '/type')}")
    elif plain_only and kind != "plain_text":
        errors.append(f"must be plain_text, got {kind!r} {_ptr(path + '/type')}")
    text = obj.get("text")
    if not isinstance(text, str):
        errors.append(f"text must be a string {_ptr(path + '/text')}")
    elif not text:
        errors.append(f"must be more than 0 characters {_ptr(path + '/text')}")
    elif len(text) > max_len:
        errors.append(
            f"must be at most {max_len} characters, got {len(text)} {_ptr(path + '/text')}"
        )
    return errors


def _id_errors(obj: dict[str, Any], key: str, path: str) -> list[str]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, str):
        return [f"{key} must be a string {_ptr(path + '/' + key)}"]
    if len(value) > MAX_ID:
        return [
            f"{key} must be at most {MAX_ID} characters, got {len(value)} {_ptr(path + '/' + key)}"
        ]
    return []


def _element_errors(el: Any, path: str) -> list[str]:
    """Errors of an interactive/display element (button, select, image, ...)."""
    if not isinstance(el, dict):
        return [f"element must be an object {_ptr(path)}"]
    errors = _id_errors(el, "action_id", path)
    kind = el.get("type")
    if not isinstance(kind, str) or not kind:
        errors.append(f"element is missing a type {_ptr(path + '/type')}")
    if kind == "button":
        errors += _text_errors(
            el.get("text"), path + "/text", max_len=MAX_BUTTON_TEXT, plain_only=True
        )
        value = el.get("value")
        if isinstance(value, str) and len(value) > MAX_BUTTON_VALUE:
            errors.append(
                f"must be at most {MAX_BUTTON_VALUE} characters, got {len(value)} "
                f"{_ptr(path + '/value')}"
            )
    elif kind in TEXT_OBJECT_TYPES:
        errors += _text_errors(el, path, max_len=MAX_TEXT_OBJECT)
    options = el.get("options")
    if isinstance(options, list):
        if len(options) > MAX_OPTIONS:
            errors.append(
                f"must have at most {MAX_OPTIONS} options, got {len(options)} "
                f"{_ptr(path + '/options')}"
            )
        for i, opt in enumerate(options):
            opath = f"{path}/options/{i}"
            if not isinstance(opt, dict):
                errors.append(f"option must be an object {_ptr(opath)}")
                continue
            errors += _text_errors(opt.get("text"), opath + "/text", max_len=MAX_OPTION_TEXT)
            value = opt.get("value")
            if isinstance(value, str) and len(value) > MAX_OPTION_VALUE:
                errors.append(
                    f"must be at most {MAX_OPTION_VALUE} characters, got {len(value)} "
                    f"{_ptr(opath + '/value')}"
                )
    placeholder = el.get("placeholder")
    if placeholder is not None:
        errors += _text_errors(placeholder, path + "/placeholder", max_len=150, plain_only=True)
    return errors


def _block_errors(block: Any, path: str) -> list[str]:
    if not isinstance(block, dict):
        return [f"block must be an object {_ptr(path)}"]
    kind = block.get("type")
    if kind not in KNOWN_BLOCK_TYPES:
        return [f"unknown block type {kind!r} {_ptr(path + '/type')}"]
    errors = _id_errors(block, "block_id", path)
    if kind == "section":
        text, fields = block.get("text"), block.get("fields")
        if text is None and not fields:
            errors.append(f"section needs text or fields {_ptr(path)}")
        if text is not None:
            errors += _text_errors(text, path + "/text", max_len=MAX_TEXT_OBJECT)
        if fields is not None:
            if not isinstance(fields, list):
                errors.append(f"fields must be an array {_ptr(path + '/fields')}")
            else:
                if len(fields) > MAX_FIELDS:
                    errors.append(
                        f"must have at most {MAX_FIELDS} fields, got {len(fields)} "
                        f"{_ptr(path + '/fields')}"
                    )
                for i, f in enumerate(fields):
                    errors += _text_errors(f, f"{path}/fields/{i}", max_len=MAX_FIELD_TEXT)
        if block.get("accessory") is not None:
            errors += _element_errors(block["accessory"], path + "/accessory")
    elif kind == "header":
        errors += _text_errors(
            block.get("text"), path + "/text", max_len=MAX_HEADER_TEXT, plain_only=True
        )
    elif kind in ("actions", "context", "context_actions"):
        elements = block.get("elements")
        limit = MAX_CONTEXT_ELEMENTS if kind == "context" else MAX_ACTIONS_ELEMENTS
        if not isinstance(elements, list) or not elements:
            errors.append(f"{kind} needs a non-empty elements array {_ptr(path + '/elements')}")
        else:
            if len(elements) > limit:
                errors.append(
                    f"must have at most {limit} elements, got {len(elements)} "
                    f"{_ptr(path + '/elements')}"
                )
            seen: set[str] = set()
            for i, el in enumerate(elements):
                errors += _element_errors(el, f"{path}/elements/{i}")
                action_id = el.get("action_id") if isinstance(el, dict) else None
                if isinstance(action_id, str):
                    if action_id in seen:
                        errors.append(
                            f"duplicate action_id {action_id!r} "
                            f"{_ptr(f'{path}/elements/{i}/action_id')}"
                        )
                    seen.add(action_id)
    elif kind == "input":
        errors += _text_errors(block.get("label"), path + "/label", max_len=2000, plain_only=True)
        if not isinstance(block.get("element"), dict):
            errors.append(f"input needs an element {_ptr(path + '/element')}")
        else:
            errors += _element_errors(block["element"], path + "/element")
    elif kind == "image":
        if not (block.get("image_url") or block.get("slack_file")):
            errors.append(f"image needs image_url {_ptr(path + '/image_url')}")
        alt = block.get("alt_text")
        if not isinstance(alt, str) or not alt or len(alt) > 2000:
            errors.append(f"alt_text must be 1..2000 characters {_ptr(path + '/alt_text')}")
        if block.get("title") is not None:
            errors += _text_errors(block["title"], path + "/title", max_len=2000, plain_only=True)
    elif kind == "markdown":
        text = block.get("text")
        if not isinstance(text, str) or not text or len(text) > 12000:
            errors.append(f"text must be 1..12000 characters {_ptr(path + '/text')}")
    return errors


def block_errors(
    blocks: Any, *, max_blocks: int = MAX_MESSAGE_BLOCKS, path: str = "/blocks"
) -> list[str]:
    """Human-readable list of the Block Kit rules ``blocks`` breaks (empty when valid)."""
    if not isinstance(blocks, list):
        return [f"blocks must be an array {_ptr(path)}"]
    errors: list[str] = []
    if len(blocks) > max_blocks:
        errors.append(f"must have at most {max_blocks} blocks, got {len(blocks)} {_ptr(path)}")
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        errors += _block_errors(block, f"{path}/{i}")
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if isinstance(block_id, str):
            if block_id in seen:
                errors.append(f"duplicate block_id {block_id!r} {_ptr(f'{path}/{i}/block_id')}")
            seen.add(block_id)
    return errors


def _view_errors(view: Any) -> list[str]:
    if not isinstance(view, dict):
        return [f"view must be an object {_ptr('/view')}"]
    errors: list[str] = []
    kind = view.get("type")
    if kind not in ("modal", "home"):
        errors.append(f"view type must be modal or home, got {kind!r} {_ptr('/view/type')}")
    if kind == "modal":
        errors += _text_errors(
            view.get("title"), "/view/title", max_len=MAX_VIEW_TITLE, plain_only=True
        )
        for key in ("submit", "close"):
            if view.get(key) is not None:
                errors += _text_errors(
                    view[key], f"/view/{key}", max_len=MAX_VIEW_TITLE, plain_only=True
                )
    errors += _id_errors(view, "callback_id", "/view")
    metadata = view.get("private_metadata")
    if isinstance(metadata, str) and len(metadata) > MAX_PRIVATE_METADATA:
        errors.append(
            f"must be at most {MAX_PRIVATE_METADATA} characters, got {len(metadata)} "
            f"{_ptr('/view/private_metadata')}"
        )
    errors += block_errors(view.get("blocks", []), max_blocks=MAX_VIEW_BLOCKS, path="/view/blocks")
    return errors


# --------------------------------------------------------------------------- server


class _Reply(Exception):
    """Raised inside a method handler to answer immediately with ``payload``."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload.get("error"))
        self.payload = payload


def _fail(error: str, **extra: Any) -> _Reply:
    return _Reply({"ok": False, "error": error, **extra})


def _decode_json_values(args: dict[str, Any]) -> dict[str, Any]:
    for key in JSON_KEYS & args.keys():
        value = args[key]
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(value)
    return args


def _parse_body(content_type: str, raw: bytes) -> dict[str, Any]:
    ctype = content_type.split(";", 1)[0].strip().lower()
    if not raw:
        return {}
    if ctype == "application/json":
        data = json.loads(raw.decode("utf-8"))
        return data if isinstance(data, dict) else {"_body": data}
    if ctype == "multipart/form-data":
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
        )
        out: dict[str, Any] = {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not name:
                continue
            payload = part.get_payload(decode=True) or b""
            if part.get_filename():
                out[str(name)] = payload
            else:
                out[str(name)] = payload.decode("utf-8", "replace")
        return out
    return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeSlack/1.0"
    fake: FakeSlack  # set on the per-instance subclass

    def log_message(self, format: str, *args: Any) -> None:  # silence stderr noise
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if parts.path.startswith("/upload/"):  # a file's bytes, to a files.getUploadURLExternal URL
            status, payload = self.fake._receive_upload(parts.path[len("/upload/") :], raw)
            self._send(status, payload)
            return
        try:
            args: dict[str, Any] = dict(parse_qsl(parts.query, keep_blank_values=True))
            args.update(_parse_body(self.headers.get("Content-Type", ""), raw))
        except (ValueError, UnicodeDecodeError) as exc:
            self._send(400, {"ok": False, "error": "invalid_json", "detail": str(exc)})
            return
        _decode_json_values(args)
        path = parts.path
        if path.startswith("/api/") and len(path) > len("/api/"):
            status, headers, payload = self.fake._dispatch_api(
                path[len("/api/") :], args, self.headers.get("Authorization")
            )
        elif path.startswith("/response/") and len(path) > len("/response/"):
            status, headers, payload = self.fake._dispatch_response(path[len("/response/") :], args)
        else:
            status, headers, payload = 404, {}, {"ok": False, "error": "unknown_path"}
        self._send(status, payload, headers)

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


@dataclass
class _Fault:
    status: int
    retry_after: int
    remaining: int
    error: str | None = None


@dataclass
class _Chaos:
    rate_429: float
    rate_500: float
    retry_after: int
    methods: frozenset[str] | None
    rng: random.Random = field(repr=False, default_factory=random.Random)


class FakeSlack:
    """Fake Slack Web API + response-URL endpoint on ``http://127.0.0.1:<port>``."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._calls: list[Call] = []
        self._failed: list[Call] = []
        self.violations: list[str] = []
        self._users: dict[str, dict[str, Any]] = {}
        self._channels: dict[str, str] = {}  # id -> name
        self._messages: dict[str, dict[str, Any]] = {}  # ts -> message (with "channel")
        self._views: dict[str, dict[str, Any]] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._chaos: _Chaos | None = None
        self._ts_counter = 1_700_000_000_000_000
        self._view_counter = 0
        self._stalls: dict[str, list[float | None]] = {}
        # files.getUploadURLExternal: id -> {"filename", "length", "alt_txt", "data", ...};
        # `shared` once files.completeUploadExternal has shared them
        self.files: dict[str, dict[str, Any]] = {}
        self._file_counter = 0
        self.stalled = threading.Event()
        # the WebSocket URL apps.connections.open hands out; None: every app token is refused
        self.socket_mode_url: str | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.add_channel(DEFAULT_CHANNEL_ID, DEFAULT_CHANNEL_NAME)
        self._users[BOT_USER_ID] = self._make_user(
            BOT_USER_ID,
            email=None,
            tz="America/New_York",
            name="slabot",
            deleted=False,
            real_name="slabot",
            is_bot=True,
        )

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSlack:
        if self._server is not None:
            return self
        handler = type("FakeSlackHandler", (_Handler,), {"fake": self})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeSlack:{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return int(self._server.server_address[1])

    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """Web API base URL for ``WebClient(base_url=...)`` / ``SLACK_API_URL``."""
        return f"{self.base}/api/"

    def response_url(self, name: str = "r1") -> str:
        """A response URL; posts to it are recorded as ``Call(method="response:<name>")``."""
        return f"{self.base}/response/{name}"

    # ------------------------------------------------------------------ directory

    def add_user(
        self,
        user_id: str,
        email: str | None = None,
        tz: str = "America/New_York",
        name: str | None = None,
        deleted: bool = False,
        *,
        real_name: str | None = None,
        display_name: str | None = None,
    ) -> dict[str, Any]:
        """Register (or replace) a user for users.info / users.lookupByEmail. Their profile's
        `display_name` is `display_name` (`""`: never set, as Slack leaves it), else `name`."""
        user = self._make_user(
            user_id,
            email=email,
            tz=tz,
            name=name,
            deleted=deleted,
            real_name=real_name,
            is_bot=False,
            display_name=display_name,
        )
        with self._lock:
            self._users[user_id] = user
        return user

    def add_channel(self, channel_id: str, name: str) -> None:
        """Register a public channel (known to conversations.list and chat.postMessage)."""
        with self._lock:
            self._channels[channel_id] = name.lstrip("#")

    @staticmethod
    def _make_user(
        user_id: str,
        *,
        email: str | None,
        tz: str,
        name: str | None,
        deleted: bool,
        real_name: str | None,
        is_bot: bool,
        display_name: str | None = None,
    ) -> dict[str, Any]:
        ZoneInfo(tz)  # fail fast on a bad zone name
        if name is None:
            name = email.split("@", 1)[0] if email else user_id.lower()
        if real_name is None:
            real_name = name.replace(".", " ").replace("_", " ").title()
        if display_name is None:
            display_name = name
        profile: dict[str, Any] = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": display_name,
            "display_name_normalized": display_name,
            "team": TEAM_ID,
        }
        if email is not None:
            profile["email"] = email
        if is_bot:
            profile["bot_id"] = BOT_ID
        return {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "deleted": deleted,
            "real_name": real_name,
            "tz": tz,
            "is_bot": is_bot,
            "is_app_user": False,
            "profile": profile,
        }

    def _user_view(self, user: dict[str, Any]) -> dict[str, Any]:
        out = json.loads(json.dumps(user))
        now = datetime.now(ZoneInfo(user["tz"]))
        offset = now.utcoffset()
        out["tz_offset"] = int(offset.total_seconds()) if offset is not None else 0
        out["tz_label"] = now.tzname() or user["tz"]
        return out

    # ------------------------------------------------------------------ recorded calls

    def calls(self, method: str | None = None, *, ok: bool | None = None) -> list[Call]:
        """Recorded calls (oldest first), optionally of one method / one outcome."""
        with self._lock:
            return [
                c
                for c in self._calls
                if (method is None or c.method == method) and (ok is None or c.ok == ok)
            ]

    @property
    def failed_calls(self) -> list[Call]:
        """Calls answered with an injected 429/500 (never in :meth:`calls`)."""
        with self._lock:
            return list(self._failed)

    def last(self, method: str) -> Call:
        found = self.calls(method)
        if not found:
            raise AssertionError(f"no {method} call recorded; got {self._summary()}")
        return found[-1]

    def count(self, method: str, *, ok: bool | None = None) -> int:
        return len(self.calls(method, ok=ok))

    def responses(self, name: str | None = None) -> list[Call]:
        """Posts to response URLs (all of them, or to ``response_url(name)``)."""
        with self._lock:
            return [
                c
                for c in self._calls
                if c.method.startswith("response:")
                and (name is None or c.method == f"response:{name}")
            ]

    def messages_to(self, user_or_channel: str) -> list[dict[str, Any]]:
        """Args of successful chat.postMessage calls to a user/DM/channel.

        "U1" matches channel "U1" or "DU1" (and vice versa); a channel id matches its
        "#name" and "name" too.
        """
        wanted = self._aliases(user_or_channel)
        return [
            c.args
            for c in self.calls("chat.postMessage", ok=True)
            if str(c.args.get("channel", "")) in wanted
        ]

    def message(self, ts: str) -> dict[str, Any] | None:
        """Current state of a message the fake stored (after chat.update), or None."""
        with self._lock:
            msg = self._messages.get(ts)
            return json.loads(json.dumps(msg)) if msg is not None else None

    def wait_for(
        self,
        method: str,
        n: int = 1,
        timeout: float = 20.0,
        *,
        predicate: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Block until ``n`` successful calls of ``method`` (matching ``predicate``) exist."""
        deadline = _REAL_CLOCK[0]() + timeout

        def matching() -> list[Call]:
            return [
                c
                for c in self._calls
                if c.method == method and c.ok and (predicate is None or predicate(c))
            ]

        with self._changed:
            while len(found := matching()) < n:
                left = deadline - _REAL_CLOCK[0]()
                if left <= 0:
                    raise AssertionError(
                        f"waited {timeout}s for {n} {method} call(s), got {len(found)}; "
                        f"calls: {self._summary()}"
                    )
                self._changed.wait(left)
            return found

    def reset(self) -> None:
        """Forget recorded calls, failed calls, violations, faults and chaos (not users)."""
        with self._lock:
            self._calls.clear()
            self._failed.clear()
            self.violations.clear()
            self._faults.clear()
            self._chaos = None

    def _summary(self) -> str:
        with self._lock:
            return (
                ", ".join(f"{c.method}{'' if c.ok else '!' + str(c.error)}" for c in self._calls)
                or "(none)"
            )

    def _aliases(self, target: str) -> set[str]:
        with self._lock:
            channels = dict(self._channels)
        out = {target}
        bare = target.lstrip("#")
        if target.startswith(("U", "W")):
            out.add("D" + target)
        elif target.startswith(("DU", "DW")):
            out.add(target[1:])
        for cid, cname in channels.items():
            if bare in (cid, cname):
                out |= {cid, cname, "#" + cname}
        return out

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        *,
        error: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP ``status`` (429 or 5xx).

        With ``error`` (e.g. "cant_update_message") the answer is ``{"ok": false, "error":
        error}`` with that status (200 for Slack's own errors) instead. Either way the call
        takes no effect. ``method`` may be "response:<name>" to fail posts to a response URL.
        """
        with self._lock:
            self._faults.setdefault(method, []).append(_Fault(status, retry_after, times, error))

    def chaos(
        self,
        rate_429: float = 0.3,
        rate_500: float = 0.1,
        seed: int = 0,
        *,
        retry_after: int = 0,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Randomly fail Web API calls (all methods, or only ``methods``) with 429/500.

        Response-URL posts are left alone unless listed in ``methods``.
        """
        with self._lock:
            self._chaos = _Chaos(
                rate_429,
                rate_500,
                retry_after,
                frozenset(methods) if methods is not None else None,
                random.Random(seed),
            )

    def calm(self) -> None:
        """Stop :meth:`chaos` and drop pending :meth:`fail_next` faults."""
        with self._lock:
            self._chaos = None
            self._faults.clear()

    def _injected_fault(self, method: str) -> tuple[int, int, str | None] | None:
        with self._lock:
            queue = self._faults.get(method)
            if queue:
                fault = queue[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.pop(0)
                return fault.status, fault.retry_after, fault.error
            chaos = self._chaos
            if chaos is None:
                return None
            if chaos.methods is None:
                if method.startswith("response:"):
                    return None
            elif method not in chaos.methods:
                return None
            roll = chaos.rng.random()
            if roll < chaos.rate_429:
                return 429, chaos.retry_after, None
            if roll < chaos.rate_429 + chaos.rate_500:
                return 500, chaos.retry_after, None
            return None

    # ------------------------------------------------------------------ dispatch

    def _record(self, call: Call, *, failed: bool = False) -> None:
        with self._changed:
            (self._failed if failed else self._calls).append(call)
            self._changed.notify_all()

    def _fault_reply(
        self, method: str, args: dict[str, Any], at: float
    ) -> tuple[int, dict[str, str], dict[str, Any]] | None:
        fault = self._injected_fault(method)
        if fault is None:
            return None
        status, retry_after, named = fault
        error = named or ("ratelimited" if status == 429 else "internal_error")
        self._record(Call(method, args, at, ok=False, error=error, status=status), failed=True)
        headers = {"Retry-After": str(retry_after)} if status == 429 else {}
        return status, headers, {"ok": False, "error": error}

    def _dispatch_api(
        self, method: str, args: dict[str, Any], authorization: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        at = time.time()
        token = (authorization or "").removeprefix("Bearer ").strip()
        if not authorization or not authorization.startswith("Bearer ") or not token:
            payload: dict[str, Any] = {"ok": False, "error": "not_authed"}
        elif not token.startswith("xapp-" if method == "apps.connections.open" else "xoxb-"):
            payload = {"ok": False, "error": "invalid_auth"}
        else:
            injected = self._fault_reply(method, args, at)
            if injected is not None:
                return injected
            handler = getattr(self, "_m_" + method.replace(".", "_"), None)
            try:
                if handler is None:
                    raise _fail("unknown_method")
                payload = handler(args)
            except _Reply as reply:
                payload = reply.payload
            stall = self._take_stall(method, args) if payload.get("ok") else None
            if stall is not None:
                # the call took effect; its answer is late (a client killed now never hears it)
                self._record(Call(method, args, at, ok=True, answer=payload))
                self.stalled.set()
                time.sleep(stall)
                return 200, {}, payload
        error = None if payload.get("ok") else str(payload.get("error"))
        if error == "invalid_blocks":
            with self._lock:
                self.violations.extend(f"{method}: {e}" for e in payload.get("errors", []))
        self._record(Call(method, args, at, ok=error is None, error=error, answer=payload))
        return 200, {}, payload

    def _dispatch_response(
        self, name: str, args: dict[str, Any]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        method = f"response:{name}"
        at = time.time()
        injected = self._fault_reply(method, args, at)
        if injected is not None:
            return injected
        errors = self._message_errors(args)
        if errors:
            with self._lock:
                self.violations.extend(f"{method}: {e}" for e in errors)
            self._record(Call(method, args, at, ok=False, error="invalid_blocks", status=400))
            return 400, {}, {"ok": False, "error": "invalid_blocks", "errors": errors}
        self._record(Call(method, args, at))
        return 200, {}, {"ok": True}

    # ------------------------------------------------------------------ helpers

    def _next_ts(self) -> str:
        with self._lock:
            self._ts_counter += 100
            n = self._ts_counter
        return f"{n // 1_000_000}.{n % 1_000_000:06d}"

    def _resolve_channel(self, channel: Any) -> str:
        if not isinstance(channel, str) or not channel:
            raise _fail("channel_not_found")
        with self._lock:
            channels = dict(self._channels)
        if channel in channels:
            return channel
        bare = channel.removeprefix("#")
        for cid, cname in channels.items():
            if cname == bare:
                return cid
        if channel.startswith(("U", "W")):  # a user (W: Enterprise Grid): their DM
            with self._lock:
                known = channel in self._users
            if not known:
                raise _fail("user_not_found")
            return "D" + channel
        if channel.startswith("D"):
            with self._lock:
                known = channel[1:] in self._users
            if not known:
                raise _fail("channel_not_found")
            return channel
        raise _fail("channel_not_found")

    @staticmethod
    def _message_errors(args: dict[str, Any]) -> list[str]:
        """Limit breaches of a message body (chat.* args or a response-URL payload)."""
        errors: list[str] = []
        text = args.get("text")
        if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
            errors.append(
                f"text must be at most {MAX_MESSAGE_TEXT} characters, got {len(text)} "
                f"{_ptr('/text')}"
            )
        if args.get("blocks") is not None:
            errors += block_errors(args["blocks"])
        return errors

    def _check_message(self, args: dict[str, Any]) -> None:
        errors = self._message_errors(args)
        if errors:
            raise _Reply({"ok": False, "error": "invalid_blocks", "errors": errors})
        if not (args.get("text") or args.get("blocks") or args.get("attachments")):
            raise _fail("no_text")

    def _bot_message(self, args: dict[str, Any], ts: str) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": args.get("text", ""),
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if args.get(key) is not None:
                msg[key] = args[key]
        return msg

    # ------------------------------------------------------------------ Web API methods

    def _m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": "Acme",
            "user": "slabot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _m_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        """Socket Mode: where to connect (``socket_mode_url``); the app token is checked above."""
        with self._lock:
            url = self.socket_mode_url
        if url is None:
            raise _fail("invalid_auth")
        return {"ok": True, "url": url}

    def _m_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        filename = args.get("filename")
        if not filename:
            raise _fail("invalid_arguments")
        try:
            length = int(str(args.get("length", "")))
        except ValueError:
            raise _fail("invalid_arguments") from None
        if length <= 0:
            raise _fail("invalid_arguments")
        with self._lock:
            self._file_counter += 1
            file_id = f"F{self._file_counter:08d}"
            self.files[file_id] = {
                "id": file_id,
                "filename": str(filename),
                "length": length,
                "alt_txt": args.get("alt_txt"),
                "data": None,
                "shared": False,
            }
        return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    def _receive_upload(self, file_id: str, raw: bytes) -> tuple[int, Any]:
        """The upload POST: the bytes of a file announced by files.getUploadURLExternal, of the
        announced length, once. `fail_next("upload", 500)` makes it fail."""
        at = time.time()
        fault = self._injected_fault("upload")
        if fault is not None:
            self._record(
                Call("upload", {"file_id": file_id}, at, ok=False, status=fault[0]), failed=True
            )
            return fault[0], {"ok": False, "error": fault[2] or "upload_failed"}
        with self._lock:
            found = self.files.get(file_id)
            ok = found is not None and found["data"] is None and len(raw) == found["length"]
            if ok and found is not None:
                found["data"] = raw
        self._record(Call("upload", {"file_id": file_id, "length": len(raw)}, at, ok=ok))
        if not ok:
            return 400, {"ok": False, "error": "upload_failed"}
        return 200, {"ok": True}

    def _m_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        if not isinstance(files, list) or not files:
            raise _fail("invalid_arguments")
        channel = args.get("channel_id")
        if channel is not None:
            channel = self._resolve_channel(channel)
        thread_ts = args.get("thread_ts")
        with self._lock:
            if thread_ts is not None:
                parent = self._messages.get(str(thread_ts))
                if parent is None or parent.get("channel") != channel:
                    raise _fail("invalid_thread_ts")
            for entry in files:
                found = self.files.get(str(entry.get("id"))) if isinstance(entry, dict) else None
                if found is None or found["data"] is None or found["shared"]:
                    raise _fail("file_not_found")
            shared = []
            for entry in files:
                found = self.files[str(entry["id"])]
                found.update(
                    shared=True, title=entry.get("title"), channel=channel, thread_ts=thread_ts
                )
                shared.append(
                    {"id": found["id"], "name": found["filename"], "title": found["title"]}
                )
        return {"ok": True, "files": shared}

    def uploads(self) -> list[dict[str, Any]]:
        """Files uploaded and shared (files.completeUploadExternal), oldest first."""
        with self._lock:
            return [dict(f) for f in self.files.values() if f["shared"]]

    def _m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"))
        self._check_message(args)
        ts = self._next_ts()
        msg = self._bot_message(args, ts)
        with self._lock:
            self._messages[ts] = {**msg, "channel": channel}
        return {"ok": True, "channel": channel, "ts": ts, "message": msg}

    def _m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        self._resolve_channel(args.get("channel"))
        if not args.get("user"):
            raise _fail("user_not_in_channel")
        self._check_message(args)
        return {"ok": True, "message_ts": self._next_ts()}

    def _m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"))
        ts = args.get("ts")
        if not ts:
            raise _fail("message_not_found")
        self._check_message(args)
        msg = self._bot_message(args, str(ts))
        with self._lock:
            earlier = self._messages.get(str(ts))
            if earlier is None or earlier.get("channel") != channel:
                raise _fail("message_not_found")
            self._messages[str(ts)] = {**earlier, **msg}
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": args.get("text", ""),
            "message": msg,
        }

    def _m_chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"))
        ts = args.get("ts")
        if not ts:
            raise _fail("message_not_found")
        with self._lock:
            earlier = self._messages.get(str(ts))
            if earlier is None or earlier.get("channel") != channel:
                raise _fail("message_not_found")
            del self._messages[str(ts)]
        return {"ok": True, "channel": channel, "ts": ts}

    def _m_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("channel"):
            return {"ok": True, "channel": {"id": self._resolve_channel(args["channel"])}}
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if not users:
            raise _fail("users_list_not_supplied")
        with self._lock:
            unknown = [u for u in users if u not in self._users]
        if unknown:
            raise _fail("user_not_found")
        cid = "D" + users[0] if len(users) == 1 else "G" + "".join(users)
        return {
            "ok": True,
            "no_op": True,
            "already_open": True,
            "channel": {"id": cid, "is_im": len(users) == 1},
        }

    def _m_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        wanted = args.get("channel")
        if isinstance(wanted, str) and wanted.startswith(("U", "W", "#")):
            raise _fail("channel_not_found")  # a conversation ID, not a user or a #name
        channel = self._resolve_channel(wanted)
        limit = min(int(args.get("limit") or 100), 999)
        start = int(str(args.get("cursor") or "0").removeprefix("next:") or 0)
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        with self._lock:  # as Slack: a thread's replies are not in the history, only its parent
            found = [
                dict(m)
                for m in self._messages.values()
                if m.get("channel") == channel and m.get("thread_ts", m["ts"]) == m["ts"]
            ]
        found.sort(key=lambda m: m["ts"], reverse=True)
        return self._page(found, start, limit, with_metadata)

    def _m_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        """A thread: the message `ts` first, then its replies, oldest first."""
        channel = self._resolve_channel(args.get("channel"))
        parent = str(args.get("ts") or "")
        limit = min(int(args.get("limit") or 100), 999)
        start = int(str(args.get("cursor") or "0").removeprefix("next:") or 0)
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        with self._lock:
            head = self._messages.get(parent)
            if head is None or head.get("channel") != channel:
                raise _fail("thread_not_found")
            found = [
                dict(m)
                for m in self._messages.values()
                if m.get("channel") == channel
                and (m["ts"] == parent or m.get("thread_ts") == parent)
            ]
        found.sort(key=lambda m: m["ts"])
        return self._page(found, start, limit, with_metadata)

    @staticmethod
    def _page(
        found: list[dict[str, Any]], start: int, limit: int, with_metadata: bool
    ) -> dict[str, Any]:
        for message in found:
            message.pop("channel", None)
            if not with_metadata:
                message.pop("metadata", None)
        page = found[start : start + limit]
        more = start + limit < len(found)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": f"next:{start + limit}" if more else ""},
        }

    def stall_after(
        self,
        method: str,
        seconds: float,
        times: int = 1,
        *,
        skip: int = 0,
        channel: str | None = None,
    ) -> None:
        """Let the next `times` successful calls of `method` take effect, then answer late;
        the `skip` successful calls before them are answered at once. With `channel` (a
        user or a channel), only the calls to it count."""
        with self._lock:
            queue = self._stalls.setdefault(f"{method} {channel or ''}", [])
            queue.extend([None] * skip)
            queue.extend([seconds] * times)

    def _take_stall(self, method: str, args: dict[str, Any]) -> float | None:
        with self._lock:
            for key, queue in self._stalls.items():
                wanted, _, channel = key.partition(" ")
                if wanted != method or not queue:
                    continue
                if not channel or str(args.get("channel", "")) in self._aliases(channel):
                    return queue.pop(0)
            return None

    def _m_conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            channels = [
                {
                    "id": cid,
                    "name": cname,
                    "is_channel": True,
                    "is_group": False,
                    "is_im": False,
                    "is_private": False,
                    "is_archived": False,
                    "is_member": True,
                    "context_team_id": TEAM_ID,
                }
                for cid, cname in self._channels.items()
            ]
        return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}

    def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            user = self._users.get(str(args.get("user", "")))
        if user is None:
            raise _fail("user_not_found")
        return {"ok": True, "user": self._user_view(user)}

    def _m_users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        wanted = str(args.get("email", "")).strip().lower()
        with self._lock:
            found = [
                u
                for u in self._users.values()
                if wanted and str(u["profile"].get("email", "")).lower() == wanted
            ]
        if not found:
            raise _fail("users_not_found")
        return {"ok": True, "user": self._user_view(found[0])}

    def _store_view(self, view: Any, view_id: str | None, extra: dict[str, Any]) -> dict[str, Any]:
        errors = _view_errors(view)
        if errors:
            raise _Reply({"ok": False, "error": "invalid_blocks", "errors": errors})
        with self._lock:
            if view_id is None:
                self._view_counter += 1
                view_id = f"V{self._view_counter:08d}"
            stored = {
                "id": view_id,
                "team_id": TEAM_ID,
                "app_id": APP_ID,
                "bot_id": BOT_ID,
                "private_metadata": "",
                "callback_id": "",
                "external_id": "",
                "state": {"values": {}},
                "hash": f"{time.time():.6f}.{view_id}",
                "root_view_id": view_id,
                "previous_view_id": None,
                **view,
                **extra,
            }
            self._views[view_id] = stored
        return {"ok": True, "view": stored}

    def _m_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id") and not args.get("interactivity_pointer"):
            raise _fail("invalid_arguments")
        return self._store_view(args.get("view"), None, {})

    def _m_views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._m_views_open(args)

    def _m_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = args.get("view_id")
        external_id = args.get("external_id")
        with self._lock:
            if not view_id and external_id:
                view_id = next(
                    (v["id"] for v in self._views.values() if v.get("external_id") == external_id),
                    None,
                )
                if view_id is None:
                    raise _fail("not_found")
        if not view_id:
            raise _fail("invalid_arguments")
        return self._store_view(args.get("view"), str(view_id), {})

    def _m_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = args.get("user_id")
        if not user_id:
            raise _fail("invalid_arguments")
        with self._lock:
            existing = next(
                (
                    v["id"]
                    for v in self._views.values()
                    if v.get("type") == "home" and v.get("user_id") == user_id
                ),
                None,
            )
        return self._store_view(args.get("view"), existing, {"user_id": user_id})
