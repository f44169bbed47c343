"""Bands by lift and the review list (issue 17): each scored team's lift, rank, review and
status; each batch run's review capacity and the band rules (with their backtest figures)
of the model that scored it.

Rows written before this revision stay readable: rank and lift null, review false, status
'scored', and no backtest figures for their run.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("scored_teams") as table:
        table.add_column(sa.Column("lift", sa.Float, nullable=True))
        table.add_column(sa.Column("rank", sa.Integer, nullable=True))
        table.add_column(sa.Column("review", sa.Boolean, nullable=False, server_default=sa.false()))
        table.add_column(
            sa.Column("status", sa.String(24), nullable=False, server_default="scored")
        )
    with op.batch_alter_table("batch_runs") as table:
        table.add_column(sa.Column("review_capacity", sa.Integer, nullable=True))
        table.add_column(sa.Column("model_bands", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batch_runs") as table:
        table.drop_column("model_bands")
        table.drop_column("review_capacity")
    with op.batch_alter_table("scored_teams") as table:
        for name in ("status", "review", "rank", "lift"):
            table.drop_column(name)
