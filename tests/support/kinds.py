"""The kinds slabot ships, as the composition root builds them from the plugin list, for tests
that call the engine directly."""

from __future__ import annotations

from bot.plugins import PLUGINS
from slaengine.engine.kind import Kinds
from slaengine.scorecard.sources import Sources

KINDS = Kinds(kind for plugin in PLUGINS for kind in plugin.kinds)
#: what they bring to the scorecard beyond their items' tallies
SOURCES = Sources.combine(plugin.figures for plugin in PLUGINS)
