"""`slabot demo`: a simulated week on a throwaway database, printed as the bot would post it."""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta
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
from bot.jobs import scorecard
from bot.jobs.sweep import sweep
from bot.kinds.content import ui as content
from bot.kinds.lead.usecases import go_away, reject_lead, take_handoff
from bot.kinds.report.demo import report_week
from bot.kinds.training.demo import training_week
from bot.plugins import PLUGINS
from bot.settings import Settings
from migrations.runner import upgrade
from slaengine.agreement.config import load_agreement, reference_agreement_path
from slaengine.clock import FixedClock
from slaengine.engine import item as engine_item
from slaengine.engine.errors import Refusal
from slaengine.engine.item import State
from slaengine.kinds.lead import work as leadwork
from slaengine.kinds.lead.intake import IntakeError, parse_handoff
from slaengine.persistence import items as item_repo
from slaengine.persistence.db import unit_of_work
from slaengine.scorecard.weeks import parse_week


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
    def __init__(self, out: TextIO, workdir: Path) -> None:
        agreement = load_agreement(reference_agreement_path())
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
            plugins=PLUGINS,
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

    def handoff(self, **fields: Any) -> str | None:
        try:
            result = take_handoff(self.c, parse_handoff(fields), source="webhook")
            ref = result.lead.ref
            lead_view = leadwork.view(result.lead, self.c.agreement, self.clock.now())
        except IntakeError as error:
            self.out.write(f"  webhook answers {error.status}: {error}\n")
            return None
        if not result.created:
            self.out.write(f"  webhook answers 200: already handed over as {ref}; nothing new\n")
            return ref
        due = lead_view.due_at.astimezone(self.zone) if lead_view.due_at else None
        self.out.write(
            f"  webhook answers 201: {ref} -> @{lead_view.owner_id}, "
            f"{lead_view.status.label}, due {due:%a %d %b %H:%M}\n"
        )
        self.deliver()
        return ref

    def act(self, verb: str, **kwargs: Any) -> None:
        try:
            if verb == "reject":
                outcome = reject_lead(self.c, **kwargs)
            else:
                with unit_of_work(self.c.engine) as session:
                    outcome = getattr(leadwork, verb)(
                        session, self.c.agreement, now=self.clock.now(), **kwargs
                    )
        except Refusal as refusal:
            self.out.write(f"  bot answers privately: {inline(str(refusal))}\n")
            return
        self.out.write(f"  bot answers privately: {inline(outcome.message)}\n")
        self.deliver()

    def content(self, step: Any) -> None:
        """A content verb (`bot.kinds.content.ui`): its private
        answer, then what it owes is delivered."""
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

    def run(self) -> None:
        a = self.c.agreement
        self.out.write(
            f"slabot demo: a simulated week under '{a.agreement.name}'\n"
            f"Business hours Mon-Fri 09:00-17:00 {self.zone.key}; Thursday 26 Nov is "
            "Thanksgiving. Messages below are what the bot would post in Slack.\n"
        )
        self.at(0, 9, 10)
        self.say("Marketing's CRM hands over Dana Scully (good fit, interested)")
        dana = self.handoff(
            external_id="crm-1001",
            name="Dana Scully",
            company="Acme Corp",
            email="dana@acme.example",
            fit="good",
            interest="high",
        )
        self.at(0, 9, 40)
        self.say("A good-fit, less-interested lead arrives")
        fox = self.handoff(
            external_id="crm-1002", name="Fox Mulder", company="Globex", fit="good", interest="low"
        )
        self.at(0, 10, 5)
        self.say("A campaign lead (bad fit, interested) arrives: its 48h calendar window is sooner")
        walter = dict(
            external_id="crm-1003",
            name="Walter Skinner",
            company="Initech",
            fit="bad",
            interest="high",
            campaign="Q4 webinar",
        )
        self.handoff(**walter)
        self.say("The CRM retries and sends the same lead again")
        self.handoff(**walter)
        self.say("A bad-fit, not-interested lead is refused at intake")
        self.handoff(
            external_id="crm-1004", name="Nobody", company="Nowhere", fit="bad", interest="low"
        )
        self.at(0, 10, 30)
        self.say("Another hot lead arrives and goes to Bob")
        self.handoff(
            external_id="crm-1006",
            name="Jeffrey Spender",
            company="Morley",
            fit="good",
            interest="high",
        )
        self.at(0, 11, 0)
        self.say("Alice logs her first touch on Dana: `/sla touch " + (dana or "") + "`")
        self.act("touch", name=dana, actor="U0ALICE", key="demo-1")
        self.say("Erin (marketing) tries to accept Alice's lead")
        self.act("accept", name=dana, actor="U0ERIN", key="accept")
        self.at(0, 11, 15)
        self.say(
            "Erin logs a blog post: `/sla done blog Answer every lead within the hour "
            "https://acme.example/blog/hour`"
        )
        post = content.log_deliverable(
            self.c,
            key="blog",
            words="Answer every lead within the hour https://acme.example/blog/hour",
            actor="U0ERIN",
            request="demo-blog-1",
        )
        self.out.write(f"  bot answers privately: {post.message}\n")
        self.deliver()
        piece = post.piece.id if post.piece and post.piece.id else 0
        self.say("Alice clicks *Used it* on the post in the channel")
        self.content(lambda: content.use_piece(self.c, piece_id=piece, user="U0ALICE"))
        self.at(0, 11, 30)
        self.say("Alice asks marketing for a piece: `/sla request ROI one-pager by 2026-11-26`")
        self.content(
            lambda: content.request_content(
                self.c, text="ROI one-pager by 2026-11-26", actor="U0ALICE", request="d1"
            )
        )
        self.say("She asks for Monday instead: `/sla request ROI one-pager by 2026-11-30`")
        request = content.request_content(
            self.c, text="ROI one-pager by 2026-11-30", actor="U0ALICE", request="d2"
        )
        self.out.write(f"  bot answers privately: {request.item.ref} requested, due Mon 30 Nov\n")
        self.deliver()
        self.at(0, 12, 0)
        self.say("Carol logs a campaign launch: `/sla campaign Winter webinar`")
        self.content(
            lambda: (
                content.log_campaign(
                    self.c, words="Winter webinar", actor="U0CAROL", request="demo-k1"
                ).message
            )
        )
        self.at(0, 13, 30)
        self.say("The scheduler's pass: Bob's lead enters its warning window")
        self.deliver()
        self.at(0, 14, 31)
        self.say("The pass after the window lapsed: the breach is escalated")
        self.deliver()
        self.at(1, 9, 0)
        self.say("Tuesday morning: the start-of-day digest")
        self.deliver()
        self.at(1, 10, 0)
        self.say("Bob goes away for the rest of the week: `/sla away today 2026-11-27`")
        go_away(
            self.c,
            user_id="U0BOB",
            starts_on=self.clock.now().astimezone(self.zone).date(),
            ends_on=date(2026, 11, 27),
        )
        self.deliver()
        self.at(1, 14, 0)
        self.say("Alice accepts Dana: `/sla accept " + (dana or "") + "`")
        self.act("accept", name=dana, actor="U0ALICE", key="accept")
        self.at(2, 16, 30)
        self.say("Late Wednesday a hot lead arrives: Thanksgiving is skipped")
        self.handoff(
            external_id="crm-1005",
            name="Monica Reyes",
            company="Umbrella",
            fit="good",
            interest="high",
        )
        self.at(3, 10, 0)
        self.say(
            f"Erin delivers the one-pager: `/sla done request {request.item.ref} "
            "https://acme.example/roi`"
        )
        self.content(
            lambda: content.deliver_request(
                self.c, ref=request.item.ref, link="https://acme.example/roi", actor="U0ERIN"
            )
        )
        self.at(3, 11, 0)
        self.say("Erin logs a case study: `/sla done case-study Globex cut response time 80%`")
        self.content(
            lambda: (
                content.log_deliverable(
                    self.c,
                    key="case-study",
                    words="Globex cut response time 80%",
                    actor="U0ERIN",
                    request="demo-case-1",
                ).message
            )
        )
        self.at(4, 9, 30)
        self.say("Alice rejects Fox: `/sla reject " + (fox or "") + " no budget until 2028`")
        self.act("reject", name=fox, actor="U0ALICE", reason="no budget until 2028")
        self.at(4, 15, 0)
        self.say("Alice types `/sla mine`")
        self.mine("U0ALICE")
        self.say("Carol types `/sla mine`: marketing's cycles and requests")
        self.mine("U0CAROL")
        report_week(self)
        training_week(self)
        with Session(self.c.engine) as session:
            items = item_repo.recent(session, self.clock.now() - timedelta(days=30))
            states = [
                engine_item.state_of(item, self.clock.now())
                for item in items
                if item.kind == "lead"
            ]
            others = len(items) - len(states)
        met = sum(s is State.MET for s in states)
        self.out.write(
            f"\nEnd of the week: {len(states)} leads handed over, {met} closed within "
            f"their windows; {others} other items (content, reports, training); "
            f"{self.slack.count} messages posted.\n"
        )
        self.say("The week's scorecard, as `slabot scorecard --week 2026-W48` prints it")
        self.out.write(scorecard.text(scorecard.build(self.c, parse_week("2026-W48"))))


def run_demo(out: TextIO) -> None:
    with tempfile.TemporaryDirectory(prefix="slabot-demo-") as workdir:
        demo = Demo(out, Path(workdir))
        try:
            demo.run()
        finally:
            demo.c.close()
