"""``erisk keys``: create, list and revoke the API keys of the HTTP service.

The key file lives at ``$ERISK_DATA_DIR/api_keys.json`` (or ``ERISK_API_KEYS_FILE``), mode
0600, and holds SHA-256 digests only: a new key is printed once and cannot be shown again.
"""

from __future__ import annotations

import json
import logging

import click

from pipelines.errors import UserError
from pipelines.settings import load_settings

logger = logging.getLogger(__name__)


@click.group("keys")
def keys_command() -> None:
    """API keys for the HTTP service: each one sees only its departments."""


@keys_command.command("create")
@click.option("--id", "key_id", required=True, help="A name for the key, e.g. hr-tokyo.")
@click.option(
    "--departments", required=True, help="'all' or a comma-separated list, e.g. accounting,hr."
)
def create(key_id: str, departments: str) -> int:
    """Create a key and print it once (store it now: only its hash is kept)."""
    from serving.auth import KeyFileError, create_key, keys_path

    path = keys_path(load_settings().data_dir)
    try:
        secret_key = create_key(path, key_id, departments)
    except KeyFileError as refused:
        raise UserError(str(refused)) from refused
    click.echo(secret_key)
    click.echo(f"key {key_id!r} added to {path}; it is not shown again", err=True)
    return 0


@keys_command.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON.")
def list_keys(as_json: bool) -> int:
    """Every key with its departments and state (never the key itself)."""
    from serving.auth import KeyFileError, keys_path, read_keys

    try:
        entries = [key.as_json() for key in read_keys(keys_path(load_settings().data_dir))]
    except KeyFileError as broken:
        raise UserError(str(broken)) from broken
    for entry in entries:
        entry.pop("sha256")
    if as_json:
        click.echo(json.dumps(entries, indent=2))
        return 0
    if not entries:
        click.echo("no keys: create one with `erisk keys create --id ID --departments all`")
    for entry in entries:
        scope = entry["departments"]
        scope = scope if isinstance(scope, str) else ",".join(scope)
        state = f"revoked {entry['revoked_at']}" if entry["revoked_at"] else "active"
        click.echo(f"{entry['id']}\t{scope}\tcreated {entry['created_at']}\t{state}")
    return 0


@keys_command.command("revoke")
@click.argument("key_id")
def revoke(key_id: str) -> int:
    """Revoke a key; the server refuses it from its next request on."""
    from serving.auth import KeyFileError, keys_path, revoke_key

    try:
        revoke_key(keys_path(load_settings().data_dir), key_id)
    except KeyFileError as refused:
        raise UserError(str(refused)) from refused
    click.echo(f"key {key_id!r} revoked")
    return 0
