"""Lead handoffs in slabot: marketing hands a lead to sales, sales responds, then accepts or
rejects it."""

from __future__ import annotations

from bot.kinds.lead import actions, commands, views
from bot.kinds.lead.drawing import LeadUI
from bot.kinds.lead.jobs import HANDED_ON, hand_on_from_absent
from bot.plugin import Plugin
from slaengine.kinds.lead.work import OBLIGATIONS

PLUGIN = Plugin(
    name="lead",
    kinds=(OBLIGATIONS,),
    uis=(LeadUI(),),
    verbs={
        "handoff": commands.handoff,
        "touch": commands.touch,
        "accept": commands.accept,
        "reject": commands.reject,
        "away": commands.away,
    },
    changes_own=frozenset({"touch", "accept", "reject", "away"}),
    listen=(actions.register, views.register),
    usage=(
        ("handoff", "hand a lead to sales (opens a form)"),
        ("touch <lead>", "log a contact attempt; the first one stops the response clock"),
        ("accept <lead>", "accept a lead"),
        ("reject <lead> <reason>", "reject a lead; marketing's contact is told why"),
        ("away <from> <to>", "mark yourself away (dates like 2026-12-01); your open leads pass on"),
    ),
    naming="a lead is named by its ref (e.g. `L-1042`) or its external ID",
    jobs=((HANDED_ON, hand_on_from_absent),),
    titles={
        "recycle": "Leads back with marketing",
        "assigned": "Handed to you",
        "reassigned": "Passed to you",
    },
)
