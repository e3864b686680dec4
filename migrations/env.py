"""Alembic environment: the target is SQLModel's metadata; batch mode for SQLite."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from alembic import context
from alembic.runtime.migration import MigrationContext, MigrationInfo
from sqlalchemy import create_engine, pool

from slaengine.persistence.metadata import load_all_tables

config = context.config
url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
#: every table: the generic ones and each kind's (found by walking `slaengine.kinds`)
target_metadata = load_all_tables()
#: `runner.upgrade` passes a list here to learn which revisions were applied
applied: list[str] | None = config.attributes.get("applied")


def record_step(
    ctx: MigrationContext, step: MigrationInfo, heads: Collection[Any], run_args: Mapping[str, Any]
) -> None:
    if applied is not None and step.is_upgrade and step.up_revision_id:
        applied.append(step.up_revision_id)


def run_offline() -> None:
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
            on_version_apply=record_step,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
