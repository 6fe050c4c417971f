"""How mixcast writes files, so that a crash never leaves half a state behind.

Every run directory (Bayesian or ML) is assembled in a staging folder beside its
destination and renamed into place (:func:`staged_directory`); single documents inside a
run (``validation.json``) are written beside their destination and renamed
(:func:`write_json_atomic`). The manifest (:func:`write_manifest`, :func:`read_manifest`)
is what marks a folder as a complete run of a format version mixcast can read.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import yaml

from mixcast._version import __version__
from mixcast.errors import RunError, UserError

FORMAT_VERSION = 1


def jsonable(value):
    """Replace NaN/inf by None and numpy scalars by Python ones (strict JSON)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def write_json(path: str | Path, document: dict) -> None:
    """Strict JSON (no NaN) into a file of a folder that is itself being staged."""
    Path(path).write_text(json.dumps(jsonable(document), indent=2, allow_nan=False))


def write_json_atomic(path: str | Path, document: dict) -> None:
    """Write JSON next to its destination, then rename: readers never see half a file."""
    write_text_atomic(path, json.dumps(jsonable(document), indent=2, allow_nan=False))


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write a text file (a plan, a report) beside its destination, then rename it into
    place: a crash leaves the previous file or the complete new one, never half of it."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path} is a folder, not a file: give the name of the file to "
                        "write (inside it or elsewhere).")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def staged_directory(out: str | Path) -> Iterator[Path]:
    """Yield an empty staging folder; on success it replaces ``out`` in one rename.

    On any error the staging folder is removed and ``out`` is left as it was. An existing
    ``out`` that is not a mixcast run (no manifest) is never overwritten.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    _refuse_foreign(out)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield staging
        _swap_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def write_manifest(folder: Path, *, fingerprint: str, model: str) -> None:
    """The last file of a staged run: lists every file, so a partial run is detectable."""
    files = sorted(p for p in folder.iterdir() if p.is_file())
    write_json(folder / "manifest.json", {
        "format_version": FORMAT_VERSION, "mixcast_version": __version__,
        "fingerprint": fingerprint, "model": model,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "files": sorted(p.name for p in folder.iterdir()) + ["manifest.json"],
        # Sizes let every reader spot a file truncated or replaced after the run was written.
        "sizes": {p.name: p.stat().st_size for p in files},
    })


def finish_run(staging: Path, *, fingerprint: str, model: str, config: dict | None = None,
               extra_files: dict[str, str] | None = None) -> None:
    """The last files of a staged run of either kind: ``config.yaml`` (the resolved config,
    when given), any extra text files, then the manifest."""
    if config is not None:
        (staging / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    for name, text in (extra_files or {}).items():
        (staging / name).write_text(text)
    write_manifest(staging, fingerprint=fingerprint, model=model)


def run_model(manifest: dict) -> str:
    """The kind of model a run holds: "bayes" (runs from before the key) or "ml"."""
    return manifest.get("model", "bayes")


def run_directory(path: str | Path, *, model: str, wrong_kind: str) -> Path:
    """The run directory at ``path``, its manifest checked (:func:`read_manifest`) and
    holding a ``model`` model; else RunError ``wrong_kind`` (formatted with ``path`` and
    the run's ``model``)."""
    manifest = read_manifest(path)
    if run_model(manifest) != model:
        raise RunError(wrong_kind.format(path=path, model=run_model(manifest)))
    return Path(path)


def read_manifest(path: str | Path) -> dict:
    """The manifest of a run, checked for completeness and a readable format version."""
    path = Path(path)
    if not path.exists() and (_retired(path) / "manifest.json").exists():
        raise RunError(f"{path}: the last write of this run was interrupted; its previous "
                       f"state is in {_retired(path)}. Rename that folder back to {path.name} "
                       "(or fit again).")
    if not path.is_dir():
        raise RunError(f"{path}: no such run directory. Fit one with "
                       f"`mixcast fit --config config.yaml --out {path}`.")
    manifest_file = path / "manifest.json"
    if not manifest_file.exists():
        raise RunError(f"{path}: not a mixcast run (no manifest.json). Point --run at a "
                       "folder written by `mixcast fit`.")
    try:
        manifest = json.loads(manifest_file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise RunError(f"{manifest_file}: unreadable manifest ({error}). The run is damaged; "
                       "fit it again.") from None
    except OSError as error:
        raise RunError(f"{manifest_file}: cannot be read ({error.strerror}). Check its "
                       "permissions, or fit the run again.") from None
    version = manifest.get("format_version") if isinstance(manifest, dict) else None
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise RunError(f"{path}: run format version {version!r} is newer than this mixcast "
                       f"reads ({FORMAT_VERSION}). Upgrade mixcast.")
    missing = [f for f in manifest.get("files", []) if not (path / f).exists()]
    if missing:
        raise RunError(f"{path}: the run is incomplete (missing {', '.join(missing)}). "
                       "Fit it again.")
    sizes = manifest.get("sizes", {})
    damaged = [f"{name} ({(path / name).stat().st_size} bytes, written as {size})"
               for name, size in (sizes.items() if isinstance(sizes, dict) else ())
               if (path / name).is_file() and (path / name).stat().st_size != size]
    if damaged:
        raise RunError(f"{path}: the run is damaged: {', '.join(damaged)} changed size since "
                       "it was written. Fit it again.")
    return manifest


def read_run_json(path: str | Path, name: str) -> dict:
    """A JSON document of a run directory; RunError naming the file when it is damaged."""
    file = Path(path) / name
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RunError(f"{file}: damaged or unreadable ({type(error).__name__}: "
                       f"{str(error)[:120]}). Fit it again.") from None
    if not isinstance(document, dict):
        raise RunError(f"{file}: damaged (expected a JSON object). Fit it again.")
    return document


def _refuse_foreign(out: Path) -> None:
    if out.exists() and (not out.is_dir() or (any(out.iterdir())
                                              and not (out / "manifest.json").exists())):
        raise RunError(f"{out} exists and is not a mixcast run; refusing to overwrite it. "
                       "Choose another --out.")


def _swap_into_place(staging: Path, out: Path) -> None:
    if not out.exists():
        os.replace(staging, out)
        return
    _refuse_foreign(out)
    if _exchange(staging, out):
        # ``staging`` now holds the previous run: a hidden folder without a run's name,
        # so a crash before this rmtree leaves a leftover that is never read as a run.
        shutil.rmtree(staging, ignore_errors=True)
        return
    # Without an atomic exchange there is an instant with no ``out``; readers then find
    # the previous run in ``.out.old`` (see read_manifest).
    retired = _retired(out)
    shutil.rmtree(retired, ignore_errors=True)
    os.replace(out, retired)
    os.replace(staging, out)
    shutil.rmtree(retired, ignore_errors=True)


def _retired(out: Path) -> Path:
    return out.with_name(f".{out.name}.old")


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step (Linux renameat2 RENAME_EXCHANGE); False where the
    platform or file system cannot."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return done == 0
