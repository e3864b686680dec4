"""Content requests in slabot: a piece sales asks marketing for, by a working day."""

from __future__ import annotations

from bot.kinds.request import actions, commands, demo, summary
from bot.kinds.request.ui import RequestUI
from bot.plugin import Plugin
from slaengine.kinds.request.agreement import SECTIONS
from slaengine.kinds.request.rules import REQUESTS

PLUGIN = Plugin(
    sections=SECTIONS,
    name="request",
    kinds=(REQUESTS,),
    uis=(RequestUI(),),
    verbs={"request": commands.request, "done request": commands.deliver},
    changes_own=frozenset({"done request"}),
    listen=(actions.register,),
    usage=(
        ("request <title> by <date>", "ask marketing for a piece by a working day (sales)"),
        ("done request <ref> [link]", "deliver a requested piece; the requester gets the link"),
    ),
    naming="a content request by its ref (`R-1042`)",
    windows=summary.windows,
    demo=demo.scenes,
)
