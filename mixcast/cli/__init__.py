"""The ``mixcast`` command line: a thin Typer layer over the library.

Each verb lives in a module of this package and registers itself on ``app``. User mistakes
(:class:`~mixcast.errors.UserError`) print one message and exit 2, never a traceback.
"""

from __future__ import annotations

import importlib

from mixcast.cli._app import app, main

# Verb modules register their commands on import; a missing optional one is skipped.
for _module in ("core", "forecast", "validate", "decide", "ml", "report", "serve", "ops"):
    try:
        importlib.import_module(f"mixcast.cli.{_module}")
    except ModuleNotFoundError as error:  # not built yet in this checkout
        if error.name != f"mixcast.cli.{_module}":
            raise

__all__ = ["app", "main"]
