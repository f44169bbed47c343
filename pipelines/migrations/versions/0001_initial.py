"""Initial scores store: batch runs and the scored teams of each month.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "batch_runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("month", sa.CHAR(7), nullable=False),
        sa.Column("model_name", sa.String(200), nullable=False),
        sa.Column("model_version", sa.Integer, nullable=True),
        sa.Column("model_uri", sa.String(500), nullable=False),
        sa.Column("snapshot_id", sa.String(100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mlflow_run_id", sa.String(64), nullable=True),
        sa.Column("team_count", sa.Integer, nullable=False),
    )
    op.create_index("ix_batch_runs_month", "batch_runs", ["month"])
    op.create_table(
        "scored_teams",
        sa.Column("month", sa.CHAR(7), primary_key=True),
        sa.Column("team_id", sa.String(100), primary_key=True),
        sa.Column("team_name", sa.String(500), nullable=True),
        sa.Column("department", sa.String(200), nullable=True),
        sa.Column("risk", sa.Float, nullable=False),
        sa.Column("band", sa.String(8), nullable=False),
        sa.Column("flags", sa.String(100), nullable=False),
        sa.Column("result_en", sa.Text, nullable=False),
        sa.Column("result_ja", sa.Text, nullable=False),
        sa.Column("model_version", sa.Integer, nullable=True),
        sa.Column("batch_run_id", sa.String(32), sa.ForeignKey("batch_runs.id"), nullable=False),
    )
    op.create_index("ix_scored_teams_team_month", "scored_teams", ["team_id", "month"])
    op.create_index("ix_scored_teams_month_risk", "scored_teams", ["month", "risk"])


def downgrade() -> None:
    op.drop_table("scored_teams")
    op.drop_table("batch_runs")
