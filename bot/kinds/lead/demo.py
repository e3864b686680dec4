"""Leads in `slabot demo`: the CRM hands leads over on Monday (one a campaign lead, one sent
twice, one refused), reps touch, accept and reject them, a window lapses and escalates, Bob
goes away, and a lead arrives on the eve of Thanksgiving."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from bot.blocks.render import inline
from bot.kinds.lead.usecases import go_away, reject_lead, take_handoff
from slaengine.engine.errors import Refusal
from slaengine.kinds.lead import work as leadwork
from slaengine.kinds.lead.intake import IntakeError, parse_handoff
from slaengine.persistence.db import unit_of_work

if TYPE_CHECKING:  # the demo plays the scenes on its stage
    from bot.demo.stage import Demo
    from bot.plugin import Scene


def handoff(demo: Demo, **fields: Any) -> str | None:
    """The CRM's webhook hands a lead over: what it answers, then what is delivered."""
    try:
        result = take_handoff(demo.c, parse_handoff(fields), source="webhook")
        ref = result.lead.ref
        lead_view = leadwork.view(result.lead, demo.c.agreement, demo.clock.now())
    except IntakeError as error:
        demo.out.write(f"  webhook answers {error.status}: {error}\n")
        return None
    if not result.created:
        demo.out.write(f"  webhook answers 200: already handed over as {ref}; nothing new\n")
        return ref
    due = lead_view.due_at.astimezone(demo.zone) if lead_view.due_at else None
    demo.out.write(
        f"  webhook answers 201: {ref} -> @{lead_view.owner_id}, "
        f"{lead_view.status.label}, due {due:%a %d %b %H:%M}\n"
    )
    demo.deliver()
    return ref


def act(demo: Demo, verb: str, **kwargs: Any) -> None:
    """A rep's verb on a lead (`touch`, `accept`, `reject`)."""
    try:
        if verb == "reject":
            outcome = reject_lead(demo.c, **kwargs)
        else:
            with unit_of_work(demo.c.engine) as session:
                outcome = getattr(leadwork, verb)(
                    session, demo.c.agreement, now=demo.clock.now(), **kwargs
                )
    except Refusal as refusal:
        demo.out.write(f"  bot answers privately: {inline(str(refusal))}\n")
        return
    demo.out.write(f"  bot answers privately: {inline(outcome.message)}\n")
    demo.deliver()


def scenes() -> list[Scene]:
    refs: dict[str, str | None] = {}

    def dana(demo: Demo) -> None:
        demo.say("Marketing's CRM hands over Dana Scully (good fit, interested)")
        refs["dana"] = handoff(
            demo,
            external_id="crm-1001",
            name="Dana Scully",
            company="Acme Corp",
            email="dana@acme.example",
            fit="good",
            interest="high",
        )

    def fox(demo: Demo) -> None:
        demo.say("A good-fit, less-interested lead arrives")
        refs["fox"] = handoff(
            demo,
            external_id="crm-1002",
            name="Fox Mulder",
            company="Globex",
            fit="good",
            interest="low",
        )

    def walter(demo: Demo) -> None:
        demo.say("A campaign lead (bad fit, interested) arrives: its 48h calendar window is sooner")
        lead = dict(
            external_id="crm-1003",
            name="Walter Skinner",
            company="Initech",
            fit="bad",
            interest="high",
            campaign="Q4 webinar",
        )
        handoff(demo, **lead)
        demo.say("The CRM retries and sends the same lead again")
        handoff(demo, **lead)
        demo.say("A bad-fit, not-interested lead is refused at intake")
        handoff(
            demo,
            external_id="crm-1004",
            name="Nobody",
            company="Nowhere",
            fit="bad",
            interest="low",
        )

    def spender(demo: Demo) -> None:
        demo.say("Another hot lead arrives and goes to Bob")
        handoff(
            demo,
            external_id="crm-1006",
            name="Jeffrey Spender",
            company="Morley",
            fit="good",
            interest="high",
        )

    def first_touch(demo: Demo) -> None:
        demo.say("Alice logs her first touch on Dana: `/sla touch " + (refs["dana"] or "") + "`")
        act(demo, "touch", name=refs["dana"], actor="U0ALICE", key="demo-1")
        demo.say("Erin (marketing) tries to accept Alice's lead")
        act(demo, "accept", name=refs["dana"], actor="U0ERIN", key="accept")

    def warning(demo: Demo) -> None:
        demo.say("The scheduler's pass: Bob's lead enters its warning window")
        demo.deliver()

    def breach(demo: Demo) -> None:
        demo.say("The pass after the window lapsed: the breach is escalated")
        demo.deliver()

    def digest(demo: Demo) -> None:
        demo.say("Tuesday morning: the start-of-day digest")
        demo.deliver()

    def away(demo: Demo) -> None:
        demo.say("Bob goes away for the rest of the week: `/sla away today 2026-11-27`")
        go_away(
            demo.c,
            user_id="U0BOB",
            starts_on=demo.clock.now().astimezone(demo.zone).date(),
            ends_on=date(2026, 11, 27),
        )
        demo.deliver()

    def accept(demo: Demo) -> None:
        demo.say("Alice accepts Dana: `/sla accept " + (refs["dana"] or "") + "`")
        act(demo, "accept", name=refs["dana"], actor="U0ALICE", key="accept")

    def thanksgiving_eve(demo: Demo) -> None:
        demo.say("Late Wednesday a hot lead arrives: Thanksgiving is skipped")
        handoff(
            demo,
            external_id="crm-1005",
            name="Monica Reyes",
            company="Umbrella",
            fit="good",
            interest="high",
        )

    def reject(demo: Demo) -> None:
        demo.say(
            "Alice rejects Fox: `/sla reject " + (refs["fox"] or "") + " no budget until 2028`"
        )
        act(demo, "reject", name=refs["fox"], actor="U0ALICE", reason="no budget until 2028")

    def mine(demo: Demo) -> None:
        demo.say("Alice types `/sla mine`")
        demo.mine("U0ALICE")

    return [
        ((0, 9, 10), dana),
        ((0, 9, 40), fox),
        ((0, 10, 5), walter),
        ((0, 10, 30), spender),
        ((0, 11, 0), first_touch),
        ((0, 13, 30), warning),
        ((0, 14, 31), breach),
        ((1, 9, 0), digest),
        ((1, 10, 0), away),
        ((1, 14, 0), accept),
        ((2, 16, 30), thanksgiving_eve),
        ((4, 9, 30), reject),
        ((4, 15, 0), mine),
    ]
