"""The agreement as `slabot` reads it: every table of the kinds it ships checked at once
(`slaengine.agreement.config` alone checks a kind's table when that kind first reads it)."""

from __future__ import annotations

from pathlib import Path

from bot.plugin import sections_of
from bot.plugins import PLUGINS
from slaengine.agreement import config
from slaengine.agreement.config import Agreement

SHIPPED = sections_of(PLUGINS)


def parse_agreement(text: str, source: str = "<agreement>") -> Agreement:
    return config.parse_agreement(text, source, SHIPPED)


def load_agreement(path: str | Path) -> Agreement:
    return config.load_agreement(path, SHIPPED)
