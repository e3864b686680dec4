"""items: one table of obligations of every kind, with one clock each; leads keep their
details under their item's id, so `L-1042` in messages already sent, button values and
owed outbox rows still name the same lead

Revision ID: 0008
Revises: 0007

Stop every process before upgrading: the leads table loses the columns its item now holds.
Downgrading keeps the leads and drops items of every other kind.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOVED = ("owner_id", "is_open", "due_at", "warn_at", "recycle_at", "closed_at",
         "created_at", "updated_at")  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("natural_key", sa.String(length=300), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("team", sa.String(length=40), nullable=False),
        sa.Column("owner_id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("clock", sa.String(length=16), nullable=True),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("warn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lapse_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=8), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["items.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("natural_key"),
    )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_items_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(
            "ix_items_owner_open", ["owner_id", "is_open", "due_at", "warn_at"], unique=False
        )
    title = (
        "CASE WHEN company <> '' THEN COALESCE(NULLIF(name, ''), external_id) || ' (' || "
        "company || ')' ELSE COALESCE(NULLIF(name, ''), external_id) END"
    )
    outcome = (
        "CASE WHEN is_open THEN NULL "
        "WHEN stage = 'recycled' OR decided_at IS NULL THEN 'missed' "
        "WHEN COALESCE(first_touch_at, decided_at) <= response_due_at "
        "AND decided_at <= accept_due_at THEN 'met' ELSE 'missed' END"
    )
    op.execute(
        "INSERT INTO items (id, kind, natural_key, team, owner_id, title, clock, is_open, "
        "start_at, warn_at, due_at, lapse_at, outcome, closed_at, created_at, updated_at) "
        f"SELECT id, 'lead', 'lead:' || external_id, 'sales', owner_id, {title}, "
        "CASE stage WHEN 'new' THEN 'response' WHEN 'working' THEN 'accept' END, is_open, "
        f"handed_off_at, warn_at, due_at, recycle_at, {outcome}, closed_at, created_at, "
        "updated_at FROM leads"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('items', 'id'), "
            "COALESCE((SELECT max(id) FROM items), 0) + 1, false)"
        )

    op.create_table(
        "item_timers",
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"]),
        sa.PrimaryKeyConstraint("at", "item_id"),
        sqlite_with_rowid=False,
    )
    op.execute("INSERT INTO item_timers (at, item_id) SELECT at, lead_id FROM lead_timers")
    op.drop_table("lead_timers")

    op.create_table(
        "item_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "key", name="uq_item_events_item_key"),
    )
    with op.batch_alter_table("item_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_events_item_id"), ["item_id"], unique=False)
    op.execute(
        "INSERT INTO item_events (id, item_id, action, actor, at, key, detail) "
        "SELECT id, lead_id, kind, actor, at, key, detail FROM lead_events"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('item_events', 'id'), "
            "COALESCE((SELECT max(id) FROM item_events), 0) + 1, false)"
        )
    op.drop_table("lead_events")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("lead_id", new_column_name="item_id")

    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_owner_open")
        batch_op.drop_index("ix_leads_closed_at")
        for column in MOVED:
            batch_op.drop_column(column)
        batch_op.alter_column("id", server_default=None)
        batch_op.create_foreign_key("fk_leads_id_items", "items", ["id"], ["id"])


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE item_id IN (SELECT id FROM items WHERE kind <> 'lead')")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("item_id", new_column_name="lead_id")

    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_constraint("fk_leads_id_items", type_="foreignkey")
        batch_op.add_column(sa.Column("owner_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("is_open", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("warn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("recycle_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    for column, source in (
        ("owner_id", "owner_id"),
        ("is_open", "is_open"),
        ("due_at", "due_at"),
        ("warn_at", "warn_at"),
        ("recycle_at", "lapse_at"),
        ("closed_at", "closed_at"),
        ("created_at", "created_at"),
        ("updated_at", "updated_at"),
    ):
        op.execute(
            f"UPDATE leads SET {column} = (SELECT i.{source} FROM items i WHERE i.id = leads.id)"
        )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        for column in ("owner_id", "is_open", "recycle_at", "created_at", "updated_at"):
            batch_op.alter_column(column, nullable=False)
        batch_op.create_index(batch_op.f("ix_leads_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(
            "ix_leads_owner_open", ["owner_id", "is_open", "due_at", "warn_at"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE leads ALTER COLUMN id SET DEFAULT nextval('leads_id_seq')")
        op.execute(
            "SELECT setval('leads_id_seq', COALESCE((SELECT max(id) FROM leads), 0) + 1, false)"
        )

    op.create_table(
        "lead_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lead_id", "key", name="uq_lead_events_lead_key"),
    )
    with op.batch_alter_table("lead_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_events_lead_id"), ["lead_id"], unique=False)
    op.execute(
        "INSERT INTO lead_events (id, lead_id, kind, actor, at, key, detail) "
        "SELECT e.id, e.item_id, e.action, e.actor, e.at, e.key, e.detail FROM item_events e "
        "JOIN leads l ON l.id = e.item_id"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('lead_events', 'id'), "
            "COALESCE((SELECT max(id) FROM lead_events), 0) + 1, false)"
        )
    op.create_table(
        "lead_timers",
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"]),
        sa.PrimaryKeyConstraint("at", "lead_id"),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO lead_timers (at, lead_id) SELECT t.at, t.item_id FROM item_timers t "
        "JOIN leads l ON l.id = t.item_id"
    )
    op.drop_table("item_events")
    op.drop_table("item_timers")
    op.drop_table("items")
