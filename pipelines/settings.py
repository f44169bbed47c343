"""One frozen settings object, read from the environment when asked for (never at import)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_TRACKING_URI = "sqlite:///mlruns/mlflow.db"


class Settings(BaseSettings):
    """Where the store lives and how to reach MLflow; every field has an ``ERISK_`` variable."""

    model_config = SettingsConfigDict(env_prefix="ERISK_", frozen=True, extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="holds snapshots, features, scores")
    mlflow_tracking_uri: str = Field(
        default=DEFAULT_TRACKING_URI,
        validation_alias=AliasChoices("MLFLOW_TRACKING_URI", "ERISK_MLFLOW_TRACKING_URI"),
        description="MLflow backend; SQLite inside mlruns/ unless overridden",
    )
    model_name: str = Field(default="engagement-risk", description="registered model name")
    db_url: str | None = Field(
        default=None,
        description="scores store (SQLAlchemy URL); a SQLite file in the data dir when unset",
    )

    @property
    def snapshots_dir(self) -> Path:
        """Immutable validated snapshots of the ingested tables."""
        return self.data_dir / "snapshots"

    @property
    def features_dir(self) -> Path:
        """Cached team-month feature tables, per snapshot."""
        return self.data_dir / "features"


def load_settings() -> Settings:
    """Read the settings from the current environment."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    return Settings()
