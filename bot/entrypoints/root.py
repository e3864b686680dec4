"""What every entrypoint sets up the same way: logging, and the container from the
environment (the composition root is `bot.container.build`)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.container import Container


def configure_logging(*, chatty: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if chatty else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Alembic's INFO lines (plugin set-up, "Context impl", each step) are not slabot's news;
    # `_upgrade` logs one line when migrations were applied
    logging.getLogger("alembic").setLevel(logging.WARNING)


def worker_container() -> Container:
    """The scheduler process's container: built as `slabot run` built the server's, from
    the same environment, once the server has checked it and migrated the database."""
    from bot.container import build  # here, not above: `slabot --help` stays quick
    from bot.jobs.agreement import come_into_force
    from bot.plugin import sections_of
    from bot.plugins import PLUGINS
    from bot.settings import Settings
    from slaengine.agreement.versions import read_agreement

    settings = Settings.from_env()
    settings.require_slack()
    read = read_agreement(settings.sla_config, sections_of(PLUGINS))
    c = build(settings, agreement=read.agreement, plugins=PLUGINS)
    come_into_force(c, read)  # recorded by the server already: this marks the agreement
    return c
