"""Lead handoffs in slabot: marketing hands a lead to sales, sales responds, then accepts or
rejects it."""

from __future__ import annotations

from bot.kinds.lead import actions, cli, commands, demo, ledger, plan, summary, views, webhook
from bot.kinds.lead.drawing import LeadUI
from bot.kinds.lead.jobs import HANDED_ON, RESUMED, hand_on_from_absent, resume_ended_pauses
from bot.plugin import Plugin
from slaengine.kinds.lead import store as lead_repo
from slaengine.kinds.lead.agreement import SECTIONS
from slaengine.kinds.lead.figures import SOURCES
from slaengine.kinds.lead.work import OBLIGATIONS

PLUGIN = Plugin(
    sections=SECTIONS,
    figures=SOURCES,
    name="lead",
    kinds=(OBLIGATIONS,),
    uis=(LeadUI(),),
    verbs={
        "handoff": commands.handoff,
        "touch": commands.touch,
        "accept": commands.accept,
        "reject": commands.reject,
        "away": commands.away,
        "pause": commands.pause,
        "resume": commands.resume,
        "claim": commands.claim,
        "plan": plan.plan,
        "routing": ledger.routing,
        "rotation": ledger.rotation_verb,
    },
    changes_own=frozenset(
        {"touch", "accept", "reject", "away", "pause", "resume", "claim", "rotation"}
    ),
    listen=(actions.register, views.register),
    usage=(
        ("handoff", "hand a lead to sales (opens a form)"),
        ("touch <lead>", "log a contact attempt; the first one stops the response clock"),
        ("accept <lead>", "accept a lead"),
        ("reject <lead> <reason>", "reject a lead; marketing's contact is told why"),
        (
            "pause <lead> <reason> [until YYYY-MM-DD]",
            "stop a lead's clock for a reason the agreement lists, until the start of "
            "business that day (at most `[leads.pause] max`)",
        ),
        ("resume <lead>", "restart a paused lead's clock; its window gets the paused time back"),
        ("claim <lead>", "take a lead offered in your pool's channel (its *Claim* button)"),
        ("away <from> <to>", "mark yourself away (dates like 2026-12-01); your open leads pass on"),
        ("plan <revenue>", "the leads a month a monthly revenue goal needs, e.g. `plan $240k`"),
        ("routing", "who gets leads: each pool's reps, their leads and why one was skipped"),
        ("rotation in|out [@rep]", "put yourself (or, as manager, a rep) in or out of rotation"),
    ),
    naming="a lead is named by its ref (e.g. `L-1042`) or its external ID",
    jobs=((HANDED_ON, hand_on_from_absent), (RESUMED, resume_ended_pauses)),
    titles={
        "recycle": "Leads back with marketing",
        "assigned": "Handed to you",
        "reassigned": "Passed to you",
    },
    windows=summary.windows,
    shown=summary.shown,
    checked=summary.checked,
    responses=lead_repo.first_responses,
    routes=(webhook.route,),
    cli={"import leads": cli.import_file, "plan": cli.plan, "forget": cli.forget},
    demo=demo.scenes,
)
