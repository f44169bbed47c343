"""What HR did (issue 20): the ``interventions`` table, one row per recorded fact.

Rows are never updated nor deleted (a correction is a new row whose ``cancels`` names the
wrong one), and nothing prunes them: snapshot pruning removes only snapshot folders.
``department`` is the team's at recording, so that a key sees the rows of its departments.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "interventions",
        sa.Column("intervention_id", sa.String(100), primary_key=True),
        sa.Column("team_id", sa.String(100), nullable=False),
        sa.Column("department", sa.String(200), nullable=True),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("intervention", sa.String(24), nullable=False),
        sa.Column("action_id", sa.String(100), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("cancels", sa.String(100), nullable=True),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_interventions_team", "interventions", ["team_id", "start_date"])
    op.create_index("ix_interventions_department", "interventions", ["department"])


def downgrade() -> None:
    op.drop_index("ix_interventions_department", table_name="interventions")
    op.drop_index("ix_interventions_team", table_name="interventions")
    op.drop_table("interventions")
