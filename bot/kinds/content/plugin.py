"""Marketing's content in slabot: deliverables and campaign launches counted per period."""

from __future__ import annotations

from bot.kinds.content import actions, commands, demo, summary
from bot.kinds.content.ui import CampaignUI, DeliverableUI
from bot.plugin import Plugin
from slaengine.kinds.content.agreement import SECTIONS
from slaengine.kinds.content.figures import SOURCES
from slaengine.kinds.content.rules import CAMPAIGNS, DELIVERABLES

PLUGIN = Plugin(
    sections=SECTIONS,
    figures=SOURCES,
    name="content",
    kinds=(DELIVERABLES, CAMPAIGNS),
    uis=(DeliverableUI(), CampaignUI()),
    verbs={"done": commands.done, "campaign": commands.campaign},
    changes_own=frozenset({"done", "campaign"}),
    listen=(actions.register,),
    usage=(
        (
            "done <deliverable> <title> [link]",
            "log a piece of content (marketing), e.g. `done blog …`",
        ),
        ("campaign <title> [link]", "log a campaign launch (marketing); counted per quarter"),
    ),
    windows=summary.windows,
    demo=demo.scenes,
)
