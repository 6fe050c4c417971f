"""Helpers shared by the data modules: row references, hints, calendars, raising.

Row numbers follow one convention everywhere: rows are counted as in a spreadsheet, so
the header is row 1 and the first data row is row 2 (for a CSV this is also the line
number a text editor shows).
"""

from __future__ import annotations

import csv
import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from mixcast.errors import DataError
from mixcast.formatting import counted

SHOW = 5
ROW_CONVENTION = "row numbers count the header as row 1, as in a spreadsheet"
_ISO_DATE = r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.+\-Z ]*)?\s*$"


def sheet_rows(positions: Iterable[int]) -> list[int]:
    """Spreadsheet row numbers of 0-based data-row positions (header is row 1)."""
    return [int(p) + 2 for p in positions]


def listing(items: Sequence[object], show: int = SHOW) -> str:
    """'a, b, c, …' showing at most ``show`` items."""
    shown = ", ".join(str(item) for item in items[:show])
    return shown + (", …" if len(items) > show else "")


def rows_text(positions: Sequence[int], dates: pd.Series | None = None) -> str:
    """'rows 14, 15, 52; dates 2024-04-07, …' for the first few offending rows.

    Parameters
    ----------
    positions : 0-based positions of the rows in the file's data (not counting the header).
    dates : parsed dates indexed by position, or None when they are not known.
    """
    plural = "s" if len(positions) > 1 else ""
    text = f"row{plural} {listing(sheet_rows(positions))}"
    if dates is not None:
        text += f"; date{plural} " + listing([day_text(dates.get(p))
                                              for p in positions[:SHOW + 1]])
    return text


def day_text(value: object) -> str:
    """An ISO date, or '?' when unknown."""
    if value is None or pd.isna(value):
        return "?"
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def value_text(value: object) -> str:
    """A cell value as the user typed it: quoted text, or '(empty)'."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "(empty)"
    return repr(str(value))


def cell_text(value: object) -> str:
    """A cell as trimmed text (501.0 from a numeric column becomes '501'); '' if empty."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def closest(name: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """The hint `` Did you mean 'x'?`` for the closest of ``choices``, or ''."""
    hint = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=cutoff)
    return f" Did you mean '{hint[0]}'?" if hint else ""


def parse_iso_dates(raw: pd.Series) -> pd.Series:
    """Dates from ISO text (``2024-01-07``, time part ignored) or a datetime column.

    Anything else (``07/01/2024``, ``2024/01/07``, text, empty cells) becomes NaT, so
    that day-first and month-first dates are never guessed.
    """
    if pd.api.types.is_datetime64_any_dtype(raw):
        parsed = raw.dt.tz_localize(None) if getattr(raw.dt, "tz", None) else raw
        return parsed.dt.normalize().astype("datetime64[ns]")
    parts = raw.astype("string").str.extract(_ISO_DATE)
    text = parts[0] + "-" + parts[1].str.zfill(2) + "-" + parts[2].str.zfill(2)
    parsed = pd.to_datetime(text.astype(object).where(text.notna(), None),
                            format="%Y-%m-%d", errors="coerce")
    return pd.Series(parsed, index=raw.index).astype("datetime64[ns]")


def period_bounds(dates: np.ndarray) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    """First and last day of each period whose start dates are ``dates`` (sorted).

    Each period ends the day before the next starts; the last lasts as long as the
    typical spacing (7 days for weekly data).
    """
    starts = pd.DatetimeIndex(dates)
    if len(starts) > 1:
        step = pd.Timedelta(days=float(np.median(np.diff(starts).astype("timedelta64[D]")
                                                 .astype(float))))
    else:
        step = pd.Timedelta(days=7)
    ends = starts[1:] - pd.Timedelta(days=1)
    last = starts[-1] + step - pd.Timedelta(days=1)
    return starts, ends.append(pd.DatetimeIndex([last]))


def raise_problems(problems: Sequence[str], source: str) -> None:
    """Raise one DataError listing every problem, or return when there is none."""
    if not problems:
        return
    count = counted(len(problems), "problem")
    message = (f"{count} in {source} ({ROW_CONVENTION}):\n- " + "\n- ".join(problems))
    raise DataError(message, issues=tuple(problems))


def check_header(frame: pd.DataFrame, required: tuple[str, ...], optional: tuple[str, ...],
                 source: str, what: str) -> None:
    """Raise one DataError for missing or unexpected columns (with the closest name)."""
    known = (*required, *optional)
    problems = [f"{source}: column '{c}' not found.{closest(c, map(str, frame.columns))} "
                f"{what[0].upper()}{what[1:]} needs the columns {', '.join(required)} "
                f"(optional: {', '.join(optional)})."
                for c in required if c not in frame.columns]
    problems += [f"{source}: unexpected column '{c}'.{closest(str(c), known, 0.5)} Expected "
                 f"{', '.join(known)}; remove or rename it."
                 for c in frame.columns if c not in known]
    raise_problems(problems, source)


READERS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
_NA_TEXT = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "#N/A"]
# Weekly marketing data has thousands of rows (10 years x 1,000 geos is half a million);
# beyond this a file is almost surely not aggregated, and reading it would take gigabytes.
MAX_ROWS = 2_000_000
_SEPARATORS = (",", ";", "\t")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or Parquet file into a DataFrame, as stored (no coercion).

    CSV files may start with a byte-order mark (UTF-8 or UTF-16) and may use ``;`` (then
    with decimal commas allowed) or tabs between fields; names in the header are trimmed.
    Files of more than :data:`MAX_ROWS` rows are refused before they are read.

    Raises
    ------
    DataError
        The file is missing, has an unsupported extension, is too large, has a column
        twice, or cannot be parsed.
    """
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a file. Point the config at the data "
                        "file inside it (paths are relative to the config file).")
    if not path.is_file():
        raise DataError(f"{path}: file not found. Check the path in the config (paths are "
                        "relative to the config file).")
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise DataError(f"{path}: unsupported file type '{path.suffix}'. Save the data as "
                        ".csv or .parquet.")
    try:
        frame = _read_csv(path) if kind == "csv" else _read_parquet(path)
    except DataError:
        raise
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty. Export the data again with a header "
                        "row and one row per week.") from None
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: is not UTF-8 text (byte {error.start}: {error.reason}). "
                        "Save it as 'CSV UTF-8' (in Excel: Save As > CSV UTF-8).") from None
    except (ValueError, OSError, ImportError) as error:
        # pandas' ParserError and pyarrow's ArrowInvalid are ValueErrors.
        raise DataError(f"{path}: could not be read as {kind} ({type(error).__name__}: "
                        f"{str(error).strip()[:200]}). Check the file is not corrupt and is "
                        "saved as plain CSV (UTF-8) or Parquet.") from None
    return _tidy_header(frame, path)


def _read_csv(path: Path) -> pd.DataFrame:
    with path.open("rb") as stream:
        head = stream.read(1 << 16)
    encoding = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    lines = head.decode(encoding, errors="replace").splitlines() or [""]
    _check_rows(path, len(head), max(len(lines) - 1, 1), path.stat().st_size)
    header = lines[0]
    sep = max(_SEPARATORS, key=header.count) if any(s in header for s in _SEPARATORS) else ","
    # 'na' is a real value in some exports (e.g. Robyn's events column), so only the usual
    # spellings of "missing" count as missing. A ';' file comes from a decimal-comma locale.
    frame = pd.read_csv(path, sep=sep, decimal="," if sep == ";" else ".", encoding=encoding,
                        keep_default_na=False, na_values=_NA_TEXT)
    # pandas renames a repeated 'x' to 'x.1'; put back the names as written, so that a
    # column given twice is reported rather than silently half-used.
    written = next(csv.reader([header], delimiter=sep), [])
    if len(written) == frame.shape[1]:
        frame.columns = written
    return frame


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    rows = pq.ParquetFile(path).metadata.num_rows
    if rows > MAX_ROWS:
        raise _too_many(path, rows, "")
    return pd.read_parquet(path)


def _check_rows(path: Path, sample_bytes: int, sample_lines: int, size: int) -> None:
    """Refuse a CSV whose estimated row count (size / typical line) exceeds MAX_ROWS."""
    if size <= sample_bytes:
        return
    estimate = int(round(size / (sample_bytes / sample_lines), -5))
    if estimate > MAX_ROWS:
        raise _too_many(path, estimate, f" (estimated from its {size / 1e6:,.0f} MB)")


def _too_many(path: Path, rows: int, how: str) -> DataError:
    return DataError(f"{path}: about {rows:,} rows{how}; mixcast reads at most "
                     f"{MAX_ROWS:,} rows (marketing mix data has one row per week and geo). "
                     "Aggregate to weekly totals per geo before loading, e.g. in SQL: "
                     "GROUP BY week, geo.")


def _tidy_header(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Trim spaces around column names; refuse a name that appears twice."""
    names = [c.strip() if isinstance(c, str) else c for c in frame.columns]
    seen: dict[object, list[int]] = {}
    for position, name in enumerate(names):
        seen.setdefault(name, []).append(position + 1)
    twice = [f"column '{n}' appears {len(p)} times (columns {', '.join(map(str, p))})"
             for n, p in seen.items() if len(p) > 1]
    if twice:
        raise DataError(f"{path}: {'; '.join(twice)} in the header — twice means mixcast "
                        "cannot tell which is meant. Rename or remove the extra copies.")
    return frame.set_axis(names, axis=1)
