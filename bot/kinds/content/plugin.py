"""Marketing's content in slabot: deliverables and campaign launches counted per period, and
content requests from sales."""

from __future__ import annotations

from bot.kinds.content import actions, commands, demo, summary
from bot.kinds.content.ui import CampaignUI, DeliverableUI, RequestUI
from bot.plugin import Plugin
from slaengine.kinds.content.rules import CAMPAIGNS, DELIVERABLES
from slaengine.kinds.request.rules import REQUESTS

PLUGIN = Plugin(
    name="content",
    kinds=(DELIVERABLES, CAMPAIGNS, REQUESTS),
    uis=(DeliverableUI(), CampaignUI(), RequestUI()),
    verbs={"done": commands.done, "request": commands.request, "campaign": commands.campaign},
    changes_own=frozenset({"done", "campaign"}),
    listen=(actions.register,),
    usage=(
        (
            "done <deliverable> <title> [link]",
            "log a piece of content (marketing), e.g. `done blog …`",
        ),
        ("request <title> by <date>", "ask marketing for a piece by a working day (sales)"),
        ("done request <ref> [link]", "deliver a requested piece; the requester gets the link"),
        ("campaign <title> [link]", "log a campaign launch (marketing); counted per quarter"),
    ),
    naming="a content request by its ref (`R-1042`)",
    windows=summary.windows,
    demo=demo.scenes,
)
