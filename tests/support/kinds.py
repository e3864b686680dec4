"""The kinds slabot ships, as the composition root builds them from the plugin list, for tests
that call the engine directly."""

from __future__ import annotations

from bot.plugins import PLUGINS
from slaengine.engine.kind import Kinds

KINDS = Kinds(kind for plugin in PLUGINS for kind in plugin.kinds)
