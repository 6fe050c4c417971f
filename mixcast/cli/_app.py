"""The Typer application, error handling and shared console helpers."""

from __future__ import annotations

import inspect
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import (BarColumn, Progress, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)

from mixcast.errors import MixcastWarning, UserError
from mixcast.runtime import configure

app = typer.Typer(
    name="mixcast", no_args_is_help=True, add_completion=False,
    help="Bayesian marketing mix modeling: fit, validate, optimise, report.",
    pretty_exceptions_enable=False)
# Written to a file or a pipe (no terminal, no COLUMNS), rich would assume 80 columns and
# squeeze the wider tables; such output is read later, in a wider window.
PIPED_WIDTH = 120


def _width(stream) -> int | None:
    return None if stream.isatty() or os.environ.get("COLUMNS") else PIPED_WIDTH


console = Console(soft_wrap=True, width=_width(sys.stdout))
err_console = Console(stderr=True, width=_width(sys.stderr))

EXIT_USER_ERROR = 2


# ``mixcast --help`` lists the verbs in the order of the work, under one heading per step
# (registration order follows the modules' imports, which put `ask` first).
WORKFLOW = (
    ("Start", ("demo", "init", "check")),
    ("Model", ("fit", "validate", "summary", "report", "compare", "fit-many")),
    ("Decide", ("optimize", "scenario", "forecast", "ask")),
    ("Experiments", ("plan-tests", "design-test", "analyze-test")),
    ("Keep running", ("refresh", "runs", "diff", "adopt")),
    ("Serve", ("serve", "mcp")),
)


def summarise_commands_on_one_line() -> None:
    """Give every registered command a one-line summary for ``mixcast --help``: the first
    paragraph of its docstring with the source's line breaks removed (Typer's rich help
    keeps them in the command list, which breaks sentences mid-line); order and group them
    by :data:`WORKFLOW` (a verb missing from it comes last, under "Other")."""
    panel_of, rank = {}, {}
    for panel, verbs in WORKFLOW:
        for verb in verbs:
            panel_of[verb], rank[verb] = panel, len(rank)
    for info in app.registered_commands:
        if info.callback is not None and info.help is None:
            info.help = _reflowed(inspect.getdoc(info.callback) or "")
        if info.short_help is None and info.callback is not None:
            info.short_help = " ".join((info.help or "").split("\n\n")[0].split())
        info.rich_help_panel = info.rich_help_panel or panel_of.get(_verb(info), "Other")
    app.registered_commands.sort(key=lambda info: rank.get(_verb(info), len(rank)))


def _reflowed(doc: str) -> str:
    """``doc`` with each prose paragraph on one line, so that the terminal wraps it at its
    own width (rich keeps the source's line breaks, and an 80-column terminal broke every
    88-column docstring line in two). Lists and indented blocks keep their lines."""
    paragraphs = doc.split("\n\n")
    return "\n\n".join(
        p if any(line.startswith((" ", "-", "*")) for line in p.splitlines())
        else " ".join(p.split()) for p in paragraphs)


def _verb(info) -> str:
    return info.name or info.callback.__name__.replace("_", "-")


def main() -> None:
    """Entry point: run the app; user errors exit 2 with one clear message."""
    configure()
    warnings.showwarning = show_warning
    try:
        code = app(standalone_mode=False)
    except UserError as error:
        fail(str(error))
    except typer.Abort:
        err_console.print("Aborted.")
        sys.exit(1)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except Exception as error:
        # Usage errors from the (vendored) click layer: missing argument, bad option.
        if hasattr(error, "show") and hasattr(error, "exit_code"):
            error.show()
            sys.exit(EXIT_USER_ERROR)
        raise
    if isinstance(code, int) and code:   # typer.Exit(n) comes back as a return value here
        sys.exit(code)


def show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Render mixcast's own warnings as one yellow line; others keep Python's format."""
    if issubclass(category, MixcastWarning):
        from rich.markup import escape

        err_console.print(f"[bold yellow]warning ({category.__name__}):[/] {escape(str(message))}",
                          highlight=False, soft_wrap=True)
        return
    _python_show_warning(message, category, filename, lineno, file, line)


_python_show_warning = warnings.showwarning


def fail(message: str) -> None:
    """Print one red error line and exit 2. The message is escaped: text in square
    brackets (``channels: [tv, search]``) is shown as written, never read as markup."""
    from rich.markup import escape

    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False,
                      soft_wrap=True)
    sys.exit(EXIT_USER_ERROR)


@contextmanager
def sampling_progress(description: str, enabled: bool = True) -> Iterator:
    """A progress bar fed by ``progress(done, total)`` callbacks from the sampler."""
    if not enabled:
        yield None
        return
    # The time left is rich's running estimate from the chains' pace so far: the cost
    # estimate printed before sampling cannot know how many leapfrog steps a draw takes.
    columns = (TextColumn("[bold]{task.description}"), BarColumn(),
               TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
               TextColumn("left"), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(description, total=1)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
