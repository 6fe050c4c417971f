"""Every case of the hardening catalogue, through the CLI and the Python API.

The test prints the catalogue's table (case -> outcome) whatever pytest's capture mode,
then asserts that every row is handled as stated and that no traceback escaped.
"""

from __future__ import annotations

import sys
import traceback
import warnings
from pathlib import Path

import mixcast
from mixcast.cli import main
from mixcast.errors import MixcastError, UserError
from tests.hardening.catalogue import CASES, Case


def run_cli(monkeypatch, capsys, args: list[str]) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["mixcast", *args])
    try:
        main()
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    except BaseException:  # an escaped exception is the failure this test exists for
        code = -1
        print(traceback.format_exc(), file=sys.stderr)
    out, err = capsys.readouterr()
    return code, " ".join(line.strip() for line in (err + out).splitlines())


def run_api(case: Case, target: Path) -> tuple[str, str, object]:
    """('ok' | 'user_error' | 'traceback', message, result)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = (mixcast.load_run if case.kind == "run" else mixcast.load)(target)
            return "ok", "", result
        except UserError as error:
            return "user_error", str(error), None
        except MixcastError as error:
            return "traceback", f"{type(error).__name__} is not a UserError: {error}", None
        except Exception:  # noqa: BLE001 - recorded, then the test fails
            return "traceback", traceback.format_exc(), None


def judge(case: Case, cli: tuple[int, str], api: tuple[str, str, object]) -> str:
    """'' when both entry points did what the case expects, else why not."""
    code, cli_text = cli
    status, api_text, result = api
    if code == -1 or status == "traceback" or "Traceback" in cli_text:
        return f"TRACEBACK cli={cli_text[-600:]} api={api_text[-600:]}"
    if case.expect == "handled":
        if code != 0 or status != "ok":
            return f"not handled: exit {code}: {cli_text[:300]} | api: {api_text[:300]}"
        try:
            if case.check is not None:
                case.check(result)
        except AssertionError as error:
            return f"handled but wrong: {error}"
        return ""
    if code != 2 or status != "user_error":
        return f"expected exit 2 and a UserError, got exit {code} and {status}"
    if "error:" not in cli_text:
        return f"CLI message does not start with 'error:': {cli_text[:200]}"
    missing = [s for s in case.says if s not in cli_text or s not in api_text]
    if missing:
        return f"message lacks {missing}: {api_text[:600]}"
    return ""


def outcome(case: Case, problem: str) -> str:
    if problem:
        return "FAIL: " + problem
    return "handled" if case.expect == "handled" else "clear error, exit 2"


def test_catalogue_every_case_handled_no_traceback(small_run, tmp_path, monkeypatch, capsys):
    assert len(CASES) >= 45
    rows = []
    for number, case in enumerate(CASES):
        folder = tmp_path / f"case{number:02d}"
        target = case.build(folder, Path(small_run))
        verb = (["summary", "--run", str(target)] if case.kind == "run"
                else ["check", "--config", str(target)])
        cli = run_cli(monkeypatch, capsys, verb)
        api = run_api(case, target)
        rows.append((case, judge(case, cli, api), api[1]))
    with capsys.disabled():
        width = max(len(c.name) for c, _, _ in rows)
        print(f"\n\nHardening catalogue ({len(rows)} cases; CLI and Python API):")
        for case, problem, message in rows:
            shown = (message.splitlines() or [""])[-1][:110] if not problem else ""
            print(f"  {case.name:<{width}}  ->  {outcome(case, problem)}"
                  + (f"  | {shown}" if shown else ""))
        failed = sum(1 for _, p, _ in rows if p)
        print(f"  {len(rows) - failed}/{len(rows)} as expected, "
              f"{sum(1 for _, p, _ in rows if p.startswith('TRACEBACK'))} tracebacks\n")
    problems = [f"{c.name}: {p}" for c, p, _ in rows if p]
    assert not problems, "\n".join(problems)
