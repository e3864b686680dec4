"""The kinds of obligation slabot tracks, in one list: the only place that names them all.
Adding a kind is its two folders (`slaengine/kinds/<kind>/`, `bot/kinds/<kind>/`), one line
here and a migration. The CRM intake (`bot.crm`) is a plugin too, with no kind of its own: it
hands its leads to the lead kind."""

from __future__ import annotations

from bot.crm.plugin import PLUGIN as CRM
from bot.kinds.content.plugin import PLUGIN as CONTENT
from bot.kinds.lead.plugin import PLUGIN as LEAD
from bot.kinds.report.plugin import PLUGIN as REPORT
from bot.kinds.request.plugin import PLUGIN as REQUEST
from bot.kinds.training.plugin import PLUGIN as TRAINING
from bot.plugin import Plugin

PLUGINS: tuple[Plugin, ...] = (LEAD, CONTENT, REQUEST, REPORT, TRAINING, CRM)
