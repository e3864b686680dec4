"""A bare Bolt app served as `slabot run` serves Slack (Starlette on uvicorn): `/sla` acks
and answers through `response_url` with one line, and does nothing else. The baseline of
`bench_mine_http`. Run: `python -m bench.bare_slash_app PORT SIGNING_SECRET API_URL`."""

from __future__ import annotations

import sys

import uvicorn
from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk import WebClient
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def main() -> None:
    port, secret, api_url = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    app = App(
        signing_secret=secret,
        client=WebClient(token="xoxb-bench", base_url=api_url),
        token_verification_enabled=False,
    )

    @app.command("/sla")
    def sla(ack: Ack, respond: Respond) -> None:
        ack()
        respond(response_type="ephemeral", text="You have 0 open SLA items.")

    async def events(request: Request) -> Response:
        body = await request.body()
        answer = await run_in_threadpool(app.dispatch, to_bolt_request(request, body))
        return to_starlette_response(answer)

    async def healthz(request: Request) -> Response:
        return Response("ok")

    web = Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )
    uvicorn.run(web, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
