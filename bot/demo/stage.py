"""The stage of `slabot demo`: a throwaway database, a simulated clock, and a Slack that
prints every message instead of posting it. Each kind brings its own scenes (`Plugin.demo`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO, cast
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlmodel import Session

from bot.blocks.render import blocks_to_text, inline
from bot.container import Container, build
from bot.delivery.pacer import Pacer
from bot.directory import StaticDirectory
from bot.items import ui as kinds
from bot.jobs.sweep import sweep
from bot.plugin import Plugin, sections_of
from bot.settings import Settings
from migrations.runner import upgrade
from slaengine.agreement.config import load_agreement, reference_agreement_path
from slaengine.clock import FixedClock
from slaengine.engine.errors import Refusal


class PrintingSlack:
    """Stands in for Slack's Web API: every message is printed instead of posted."""

    def __init__(self, out: TextIO, clock: FixedClock, zone: ZoneInfo) -> None:
        self.out, self.clock, self.zone = out, clock, zone
        self.count = 0

    def chat_postMessage(
        self, *, channel: str, text: str, blocks: Any = None, thread_ts: Any = None, **_: Any
    ) -> dict[str, Any]:
        self.count += 1
        when = self.clock.now().astimezone(self.zone)
        where = f"DM to @{channel}" if channel.startswith("U") else f"post in {channel}"
        where += f", in the thread of message {thread_ts}" if thread_ts else ""
        body = blocks_to_text(blocks, text)
        indented = "\n".join(f"    {line}" for line in body.splitlines())
        self.out.write(f"  -> {where} ({when:%a %H:%M})\n{indented}\n")
        return {"ok": True, "channel": channel, "ts": f"{self.count}.000100"}

    def chat_update(
        self, *, channel: str, ts: str, text: str, blocks: Any = None, **_: Any
    ) -> dict[str, Any]:
        when = self.clock.now().astimezone(self.zone)
        body = blocks_to_text(blocks, text)
        indented = "\n".join(f"    {line}" for line in body.splitlines())
        self.out.write(f"  -> updates its earlier DM to @{channel} ({when:%a %H:%M})\n{indented}\n")
        return {"ok": True, "channel": channel, "ts": ts}

    def files_upload_v2(self, *, file_uploads: list[dict[str, Any]], **_: Any) -> dict[str, Any]:
        names = ", ".join(f"{f['filename']} ({len(f['content']) // 1024} KB)" for f in file_uploads)
        self.out.write(f"  -> attaches {names} in the post's thread\n")
        return {"ok": True, "files": []}

    def users_info(self, *, user: str, **_: Any) -> dict[str, Any]:
        return {"ok": True, "user": {"id": user, "tz": self.zone.key, "real_name": user}}


class Demo:
    """The stage every kind's scenes play on: a throwaway database, a simulated clock and a
    Slack that prints."""

    def __init__(self, out: TextIO, workdir: Path, plugins: Sequence[Plugin]) -> None:
        agreement = load_agreement(reference_agreement_path(), sections_of(plugins))
        self.zone = agreement.zone
        self.clock = FixedClock(datetime(2026, 11, 23, 8, 0, tzinfo=self.zone))
        self.out = out
        self.slack = PrintingSlack(out, self.clock, self.zone)
        url = f"sqlite:///{workdir / 'demo.db'}"
        upgrade(url)
        self.c: Container = build(
            Settings(database_url=url, webhook_secret="demo"),
            agreement=agreement,
            clock=self.clock,
            client=cast(WebClient, self.slack),
            directory=StaticDirectory(),
            # nothing is posted to Slack, so nothing needs pacing: at Slack's one post a
            # second per channel the simulated week would spend seconds asleep
            pacer=Pacer(interval=0),
            plugins=plugins,
        )
        self.c.background_delivery = False

    def at(self, day: int, hour: int, minute: int = 0) -> None:
        """Move the simulated clock to a day of the week of 23 Nov 2026 (0 = Monday)."""
        when = datetime(2026, 11, 23 + day, hour, minute, tzinfo=self.zone)
        self.clock.set(when)

    def say(self, text: str) -> None:
        now = self.clock.now().astimezone(self.zone)
        self.out.write(f"\n[{now:%a %d %b %H:%M %Z}] {text}\n")

    def deliver(self) -> None:
        """What the scheduler would do now: one sweep pass, which also delivers."""
        sweep(self.c)

    def answer(self, step: Callable[[], object]) -> None:
        """A verb: its private answer (or refusal), then what it owes is delivered."""
        try:
            answer = step()
        except Refusal as refusal:
            self.out.write(f"  bot answers privately: {inline(str(refusal))}\n")
            return
        self.out.write(f"  bot answers privately: {inline(str(answer))}\n")
        self.deliver()

    def mine(self, user: str) -> None:
        with Session(self.c.engine) as session:
            now = self.clock.now()
            _page, blocks = kinds.mine(session, self.c.agreement, user, now, uis=self.c.uis)
        text = blocks_to_text(blocks)
        self.out.write("\n".join(f"    {line}" for line in text.splitlines()) + "\n")
