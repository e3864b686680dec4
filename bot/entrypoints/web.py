"""HTTP: Slack's requests through Bolt, each kind's webhooks (`Plugin.routes`) and a health
check (Starlette)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.container import Container
from bot.entrypoints.health import Heartbeat


def build_web(
    container: Container, app: App | None, heartbeat: Heartbeat | None = None
) -> Starlette:
    async def slack_events(request: Request) -> Response:
        if app is None:
            return JSONResponse({"error": "Slack is served over Socket Mode"}, status_code=404)
        body = await request.body()
        bolt_request = to_bolt_request(request, body)
        bolt_response = await run_in_threadpool(app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)

    async def healthz(request: Request) -> Response:
        """200 while the database answers and the scheduler completes its passes; else 503."""

        def probe() -> dict[str, Any]:
            with container.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            answer = {"ok": True, "agreement": container.agreement.agreement.name}
            for plugin in container.plugins:
                answer.update(plugin.health(container))
            return answer

        try:
            answer = await run_in_threadpool(probe)
        except Exception as exc:
            return JSONResponse({"ok": False, "error": str(exc)[:200]}, status_code=503)
        if heartbeat is None:
            return JSONResponse(answer)
        last = heartbeat.last_pass_at
        answer["last_pass_at"] = last.isoformat() if last is not None else None
        answer["passes"], answer["failed_passes"] = heartbeat.passes, heartbeat.failures
        answer["scheduler_pid"] = heartbeat.worker_pid
        answer["scheduler_restarts"] = heartbeat.restarts
        late = heartbeat.stale_for()
        if late is not None:
            answer["ok"] = False
            answer["error"] = f"no sweep pass completed in the last {heartbeat.stale_after:.0f} s"
            return JSONResponse(answer, status_code=503)
        return JSONResponse(answer)

    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            *(route(container) for plugin in container.plugins for route in plugin.routes),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )
