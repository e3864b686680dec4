"""Apply the Alembic migrations from code (`slabot db upgrade`, `run`, `sweep`, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).parent


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> list[str]:
    """Apply the migrations up to `revision`; returns the revisions applied, oldest first
    (empty when the schema was already there). Alembic's own INFO lines are the caller's
    logging to keep or silence (`slabot` keeps them out)."""
    config = alembic_config(url)
    applied: list[str] = []
    config.attributes["applied"] = applied
    command.upgrade(config, revision)
    return applied


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
