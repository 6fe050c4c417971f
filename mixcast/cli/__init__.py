"""The ``mixcast`` command line: a thin Typer layer over the library.

Each verb lives in a module of this package and registers itself on ``app``. User mistakes
(:class:`~mixcast.errors.UserError`) print one message and exit 2, never a traceback.
"""

from __future__ import annotations

from mixcast.cli import (  # noqa: F401
    assist, core, decide, experiments, forecast, many, ml, registry, report, serve, validate,
)
from mixcast.cli._app import app, main, summarise_commands_on_one_line

# Importing the verb modules above registers their commands on ``app``.
summarise_commands_on_one_line()

__all__ = ["app", "main"]
