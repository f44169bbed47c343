"""The ``erisk`` command line: one entry point, ``main(argv) -> int``, that tests call directly.

Exit codes (fixed in the interfaces): 0 success, 2 bad input or refused request (message on
stderr, no traceback), 1 internal error. Sub-commands load lazily so ``--help`` stays fast.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import warnings
from collections.abc import Sequence

import click
from rich.console import Console
from rich.logging import RichHandler

from pipelines.errors import UserError

logger = logging.getLogger(__name__)

# command name -> "module:attribute" of its click command
COMMANDS: dict[str, str] = {
    "generate": "pipelines.generate:generate_command",
    "ingest": "pipelines.ingest:ingest_command",
    "snapshots": "pipelines.snapshots:snapshots_command",
    "features": "pipelines.build_features:features_command",
    "train": "pipelines.train:train_command",
    "promote": "pipelines.promote:promote_command",
    "score": "pipelines.score:score_command",
    "report": "pipelines.report:report_command",
    "explain": "pipelines.explain:explain_command",
    "whatif": "pipelines.explain:whatif_command",
    "keys": "pipelines.keys:keys_command",
    "serve": "pipelines.serve:serve_command",
    "prior": "pipelines.prior:prior_command",
    "interventions": "pipelines.interventions_cli:interventions_command",
    "effects": "pipelines.effects:effects_command",
}


class LazyGroup(click.Group):
    """A group whose sub-commands are imported only when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if _importable(COMMANDS[name]))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None or not _importable(target):
            return None
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)


def _importable(target: str) -> bool:
    module_name = target.split(":")[0]
    return importlib.util.find_spec(module_name) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """engagement-risk: which back-office teams are sliding toward disengagement, and why."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.getLogger().setLevel(level)


def _configure_logging() -> None:
    """Send log records to stderr through rich, once per process."""
    root = logging.getLogger()
    if any(getattr(h, "_erisk", False) for h in root.handlers):
        return
    handler = RichHandler(console=Console(stderr=True), show_path=False, show_time=False)
    handler._erisk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


def _quiet_third_party_warnings() -> None:
    """Hide warnings users cannot act on: pandera imports PySpark's pandas layer when PySpark
    is installed, and PySpark warns on every command that it does not know pandas 3 (we use
    Spark only through its SQL API, which the Spark engine's tests cover)."""
    warnings.filterwarnings(
        "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code instead of exiting."""
    from pipelines.settings import PRIVATE_UMASK, keep_private, load_settings

    _configure_logging()
    _quiet_third_party_warnings()
    args = list(sys.argv[1:] if argv is None else argv)
    # everything a command writes (snapshots of raw HR data, scores, reports, keys) is
    # private; restored on return because tests call main() in their own process
    previous_umask = os.umask(PRIVATE_UMASK)
    try:
        keep_private(load_settings().data_dir)
        result = cli.main(args=args, prog_name="erisk", standalone_mode=False)
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.ClickException as refused:
        refused.show()
        return 2
    except click.Abort:
        click.echo("aborted", err=True)
        return 1
    except UserError as refused:
        click.echo(f"error: {refused}", err=True)
        return 2
    except Exception:
        logger.exception("internal error")
        return 1
    finally:
        os.umask(previous_umask)
    return int(result) if isinstance(result, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
