"""A fake Slack Socket Mode endpoint for tests: a WebSocket server on loopback.

``FakeSocketMode`` listens on 127.0.0.1 (random free port) in a background thread.  Hand
its ``url`` out through the fake Web API (``fake_slack.socket_mode_url = socket_mode.url``):
an app that calls ``apps.connections.open`` then connects here.  Like Slack, the server
greets each connection with a ``hello``, pushes envelopes (``slash_command``, ``send``) to
the connected app, and records every message the app sends back (its acks).

    with FakeSocketMode() as socket_mode:
        fake_slack.socket_mode_url = socket_mode.url
        ...  # start the app with SLACK_APP_TOKEN=xapp-... and SLACK_API_URL=fake_slack.url
        socket_mode.wait_for_connection()
        envelope_id = socket_mode.slash_command("help", response_url=fake_slack.response_url())
        ack = socket_mode.wait_for_ack(envelope_id)
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from tests.support.slack_requests import API_APP_ID, TEAM_DOMAIN, TEAM_ID, VERIFICATION_TOKEN

__all__ = ["FakeSocketMode"]

# Kept inside a tuple so freezegun cannot freeze it: deadlines must use real time.
_REAL_CLOCK = (time.monotonic,)


class FakeSocketMode:
    """Slack's Socket Mode WebSocket on ``ws://127.0.0.1:<port>/link/?ticket=...``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._open: list[ServerConnection] = []
        self.connections = 0  # WebSocket handshakes completed, ever
        self.received: list[dict[str, Any]] = []  # what the app sent, oldest first
        self.refused_paths: list[str] = []  # handshakes without this server's ticket
        self.ticket = uuid.uuid4().hex
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSocketMode:
        if self._server is not None:
            return self
        server = serve(self._session, "127.0.0.1", 0, process_request=self._check_ticket)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name=f"FakeSocketMode:{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
        with self._lock:
            still_open = list(self._open)
        for connection in still_open:
            connection.close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSocketMode is not started")
        return int(self._server.socket.getsockname()[1])

    @property
    def url(self) -> str:
        """The URL ``apps.connections.open`` answers with (Slack's shape, plain ws://)."""
        return f"ws://127.0.0.1:{self.port}/link/?ticket={self.ticket}&app_id={API_APP_ID}"

    # ------------------------------------------------------------------ server side

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        if parts.path == "/link/" and parse_qs(parts.query).get("ticket") == [self.ticket]:
            return None
        with self._changed:
            self.refused_paths.append(request.path)
            self._changed.notify_all()
        return connection.respond(HTTPStatus.UNAUTHORIZED, "unknown ticket\n")

    def _session(self, connection: ServerConnection) -> None:
        with self._changed:
            self._open.append(connection)
            self.connections += 1
            count = len(self._open)
            self._changed.notify_all()
        try:
            connection.send(json.dumps(self._hello(count)))
            for raw in connection:
                message = json.loads(raw)
                with self._changed:
                    self.received.append(message)
                    self._changed.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                self._open.remove(connection)
                self._changed.notify_all()

    @staticmethod
    def _hello(num_connections: int) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": num_connections,
            "debug_info": {
                "host": "applink-fake",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": API_APP_ID},
        }

    # ------------------------------------------------------------------ test side

    def send(self, envelope: dict[str, Any]) -> None:
        """Push ``envelope`` to the app over its newest open connection."""
        with self._lock:
            if not self._open:
                raise AssertionError("no app is connected to the fake Socket Mode server")
            connection = self._open[-1]
        connection.send(json.dumps(envelope))

    def slash_command(
        self,
        text: str,
        *,
        response_url: str,
        user_id: str = "U0ALICE",
        command: str = "/sla",
        channel_id: str = "C0SALESMKT",
        trigger_id: str = "T.123",
    ) -> str:
        """Send a ``slash_commands`` envelope as Slack does; returns its envelope_id."""
        envelope_id = str(uuid.uuid4())
        self.send(
            {
                "envelope_id": envelope_id,
                "payload": {
                    "token": VERIFICATION_TOKEN,
                    "team_id": TEAM_ID,
                    "team_domain": TEAM_DOMAIN,
                    "channel_id": channel_id,
                    "channel_name": "sales-marketing",
                    "user_id": user_id,
                    "user_name": user_id.removeprefix("U0").lower(),
                    "command": command,
                    "text": text,
                    "api_app_id": API_APP_ID,
                    "is_enterprise_install": "false",
                    "response_url": response_url,
                    "trigger_id": trigger_id,
                },
                "type": "slash_commands",
                "accepts_response_payload": True,
            }
        )
        return envelope_id

    def _wait(self, what: str, ready: Callable[[], Any], timeout: float) -> Any:
        deadline = _REAL_CLOCK[0]() + timeout
        with self._changed:
            while not (found := ready()):
                left = deadline - _REAL_CLOCK[0]()
                if left <= 0:
                    raise AssertionError(
                        f"waited {timeout}s for {what}; connections: {self.connections}, "
                        f"refused: {self.refused_paths}, received: {self.received}"
                    )
                self._changed.wait(left)
            return found

    def wait_for_connection(self, timeout: float = 15.0) -> None:
        """Block until an app holds an open connection."""
        self._wait("an app to connect", lambda: bool(self._open), timeout)

    def wait_for_ack(self, envelope_id: str, timeout: float = 15.0) -> dict[str, Any]:
        """Block until the app has answered envelope ``envelope_id``; return that message."""

        def ack() -> dict[str, Any] | None:
            return next((m for m in self.received if m.get("envelope_id") == envelope_id), None)

        found: dict[str, Any] = self._wait(f"the ack of envelope {envelope_id}", ack, timeout)
        return found
