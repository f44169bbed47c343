"""One frozen settings object, read from the environment when asked for (never at import)."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipelines.errors import UserError

logger = logging.getLogger(__name__)

DEFAULT_TRACKING_URI = "sqlite:///mlruns/mlflow.db"
# raw HR data (timesheets, leave, employees, surveys), scores and reports: owner only
PRIVATE_UMASK = 0o077


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
    cookie_secure: Literal["auto", "always", "never"] = Field(
        default="auto",
        description="the HR page's cookies carry Secure: always (behind a TLS proxy), never, or "
        "auto: when the service saw HTTPS (its own TLS, or X-Forwarded-Proto from a proxy "
        "that uvicorn trusts: FORWARDED_ALLOW_IPS, loopback by default)",
    )
    review_capacity: int | None = Field(
        default=None,
        ge=1,
        le=10_000,  # a list no one reads; larger numbers only overflow the database
        description="k, the most teams on a month's review list (the high teams to act on "
        "first); unset: max(3, ceil(5% of the teams scored))",
    )
    signed_out_file: Path | None = Field(
        default=None,
        description="sessions of the HR page signed out before they expired; "
        "signed_out_sessions in the data dir when unset (share it between replicas)",
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
    """Read the settings from the current environment; a bad value is a UserError that
    names the variable (exit 2, not a traceback)."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    try:
        return Settings()
    except ValidationError as bad:
        problems = "; ".join(
            f"ERISK_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in bad.errors()
        )
        raise UserError(f"invalid setting: {problems}") from bad


def keep_private(data_dir: Path) -> None:
    """Close a data dir that an earlier version left open to other users (0755 -> 0700).

    New files and folders are private through ``PRIVATE_UMASK``, which the CLI and the
    service set; closing the top folder also hides files written before, whatever their
    own mode. A folder we do not own, or cannot change (a read-only mount), is left as it
    is with a warning."""
    try:
        info = data_dir.stat()
    except OSError:
        return
    if not stat.S_ISDIR(info.st_mode) or not stat.S_IMODE(info.st_mode) & 0o077:
        return
    try:
        if info.st_uid != os.getuid():
            raise PermissionError("owned by another user")
        data_dir.chmod(0o700)
    except OSError as refused:
        logger.warning("data dir %s is readable by other users (%s)", data_dir, refused)
