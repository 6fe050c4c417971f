"""A first config.yaml for a data file: which column holds the weeks, the KPI, the spend.

``propose_config(frame)`` reads the columns' names and values and returns a
:class:`Proposal`: each role filled in with the reason it was chosen, and the columns left
out. ``Proposal.yaml(...)`` writes it as a commented config for the user to review; the
guesses are a start, never a fit: `mixcast check` then reads the file as any other.

Roles, in order: the date column (values that parse as dates, text or datetime, not
numbers), a geo column (text that repeats the dates once per value), the KPI (``target``:
a name such as revenue, sales, conversions, or the user's choice), paid media (names with
spend, cost, budget or Robyn's ``_S`` suffix; failing those, names of media such as TV or
Facebook), their impressions (the same stem with impressions, imps or ``_I``), and the other
numeric columns as controls, except clicks and other media activity counts, other outcomes
(KPI-like names), constants and calendar columns (a week index, the day of the year: the
model has its own trend and seasonality), which are listed as left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from mixcast.data._common import listing
from mixcast.data.calendar_columns import calendar_part, date_parts
from mixcast.errors import DataError

DATE_WORDS = ("date", "week", "wk", "ds", "period", "day", "time")
GEO_WORDS = ("geo", "dma", "region", "market", "state", "country", "city", "area", "store")
TARGET_WORDS = ("revenue", "sales", "conversions", "conversion", "orders", "kpi", "target",
                "transactions", "signups", "leads", "installs", "bookings", "units", "y")
NOT_TARGET_WORDS = {"per", "competitor", "competitors", "control", "index", "share", "lag"}
COUNT_WORDS = ("conversion", "order", "transaction", "signup", "lead", "install", "booking",
               "unit")
SPEND = re.compile(r"(spend|cost|budget|invest|mdsp)|(^|_)s$", re.IGNORECASE)
IMPRESSIONS = re.compile(r"(impression|imps|views|grp)|(^|_)i$", re.IGNORECASE)
# Media named for themselves, without a spend word (PyMC-Marketing's "TV", "Facebook"):
# proposed when no column is named as spend, with a note to check they are currency.
MEDIA_NAMES = re.compile(
    r"(^|[^a-z])(tv|ctv|ott|vod|radio|ooh|dooh|outdoor|print|press|cinema|podcasts?|"
    r"facebook|fb|meta|instagram|google|youtube|tiktok|snapchat|pinterest|linkedin|twitter|"
    r"reddit|bing|search|sem|ppc|display|programmatic|dv360|ams|amazon|social|video|"
    r"digital|banner|affiliates?|influencers?|sponsorship|direct_?mail)([^a-z]|$)",
    re.IGNORECASE)
ACTIVITY = re.compile(r"(click|impression|imps|views|grp|reach|frequency)|(^|_)[ip]$",
                      re.IGNORECASE)
BESIDE_FILES = {"lift_tests": ("lift_tests.csv", "lift_tests.parquet"),
                "events": ("events.csv", "events.parquet")}   # the config keys' usual files
PARSED_SHARE = 0.95       # a column is dates / numbers when this share of its cells parse


@dataclass(frozen=True)
class Proposal:
    """The proposed roles of a data file's columns, and why."""

    date: str
    target: str
    channels: tuple[str, ...]
    kpi_type: str = "revenue"
    geo: str | None = None
    population: str | None = None            # geo panels: each geo's population column
    revenue_per_kpi: str | None = None       # conversions: the value of one, per row
    impressions: dict[str, str] = field(default_factory=dict)
    controls: tuple[str, ...] = ()
    organic: tuple[str, ...] = ()            # unpaid media (newsletters, organic reach)
    daily: bool = False                      # daily rows: summed into weeks
    left_out: dict[str, str] = field(default_factory=dict)   # column -> why
    notes: dict[str, str] = field(default_factory=dict)      # role -> why this column

    def yaml(self, data_path: str, *, source: str,
             beside: dict[str, str] | None = None) -> str:
        """The proposal as a commented config.yaml (``data_path`` as the config will
        find it, relative to the config's folder; ``beside``: the lift-test and events
        files found next to the data, key -> path as the config will find it)."""
        def flow(items) -> str:
            return "[" + ", ".join(_quoted(i) for i in items) + "]"

        lines = [
            f"# config.yaml proposed by `mixcast init` from {source}: the columns' roles are",
            "# guesses from their names and values. Review every line, then run",
            "# `mixcast check --config <this file>` before fitting.",
            f"data: {_quoted(data_path)}",
            f"date: {_quoted(self.date)}            # {self.notes.get('date', '')}",
        ]
        if self.daily:
            lines.append("aggregate_daily: true      # daily rows, summed into weeks "
                         "(controls averaged)")
        if self.geo:
            lines.append(f"geo: {_quoted(self.geo)}            # {self.notes.get('geo', '')}")
        if self.population:
            lines.append(f"population: {_quoted(self.population)}   # scales geos' priors")
        lines += [
            f"target: {_quoted(self.target)}            # {self.notes.get('target', '')}",
            f"kpi_type: {self.kpi_type}        # revenue (currency) or conversions (counts;"
            " then add revenue_per_kpi)",
            *([f"revenue_per_kpi: {_quoted(self.revenue_per_kpi)}   # the value of one "
               "conversion, per row"] if self.revenue_per_kpi else []),
            "# Paid media, in currency per week: " + self.notes.get("channels", ""),
            f"channels: {flow(self.channels)}",
        ]
        if self.impressions:
            mapping = ", ".join(f"{_quoted(c)}: {_quoted(i)}" for c, i in self.impressions.items())
            lines += ["# Channels modelled on their impressions (spend still prices them):",
                      f"impressions: {{{mapping}}}"]
        if self.controls:
            lines += ["# Non-media drivers of the KPI (price, promotions, competitors, macro):"
                      " keep the ones that are", "# not caused by your media.",
                      f"controls: {flow(self.controls)}"]
        if self.organic:
            lines += ["# Unpaid media (organic reach, newsletters): part of the baseline.",
                      f"organic: {flow(self.organic)}"]
        for column, why in self.left_out.items():
            lines.append(f"# left out: {column or '(unnamed)'} ({why})")
        for key, path in (beside or {}).items():
            lines.append(f"{key}: {_quoted(path)}   # found beside the data")
        lines += ["# Public holidays as weekly regressors: your market's country code.",
                  "# country: US"]
        return "\n".join(lines) + "\n"


def propose_config(frame: pd.DataFrame, *, source: str, target: str | None = None,
                   channels: tuple[str, ...] | None = None) -> Proposal:
    """Propose the roles of ``frame``'s columns (``target`` and ``channels``, when given,
    are the user's and win).

    Raises
    ------
    DataError
        Naming what could not be found (no date column, no KPI, no spend) and how to say
        it (``--target``, ``--channels``), with the columns there are.
    """
    columns = [str(c) for c in frame.columns]
    dates = [c for c in columns if _dates_share(frame[c]) >= PARSED_SHARE]
    if not dates:
        raise DataError(f"{source}: no column of dates found (columns: {listing(columns, 20)}). "
                        "The data need one row per week (and geo), dated by the week's "
                        "first day, e.g. 2024-01-01.")
    date = _best(dates, DATE_WORDS)
    weeks = pd.Series(pd.to_datetime(frame[date], errors="coerce", format="mixed")
                      .dropna().unique()).sort_values()
    n_dates = len(weeks)
    text = [c for c in columns if c != date and c not in dates
            and not pd.api.types.is_numeric_dtype(frame[c])
            and _numeric_share(frame[c]) < PARSED_SHARE]
    # A geo column repeats the weeks once per value: a (nearly) full panel, one row each.
    geos = [c for c in text if 2 <= frame[c].nunique() < len(frame)
            and not frame.duplicated([date, c]).any()
            and len(frame) >= 0.9 * frame[c].nunique() * n_dates]
    geo = _best(geos, GEO_WORDS) if geos else None
    left_out = {c: "no name: a row number?" for c in columns if not c.strip()}
    numeric = [c for c in columns if c not in (date, geo) and c not in text
               and c not in left_out and _numeric_share(frame[c]) >= PARSED_SHARE]
    notes = {"date": f"{n_dates} dates, {weeks.iloc[0]:%Y-%m-%d} … {weeks.iloc[-1]:%Y-%m-%d}"}
    days = weeks.diff().dt.days.median()
    if geo:
        notes["geo"] = f"{frame[geo].nunique()} geos, one row per geo and week"
    target = _pick_target(numeric, target, source, notes)
    media = _pick_channels(numeric, target, channels, source, notes)
    impressions = _impressions(media, numeric)
    left_out |= {c: "text: events belong in an events file" for c in text if c != geo}
    words = re.split(r"[^a-z]+", target.lower())
    kpi_type = "conversions" if any(w.startswith(COUNT_WORDS) for w in words if w) else "revenue"
    # A count KPI is valued by a revenue-per-conversion column when there is one.
    value = next((c for c in numeric if kpi_type == "conversions" and c != target
                  and re.search(r"revenue_?per|value_?per|aov", c.lower())), None)
    population = geo and next((c for c in numeric if c.lower() == "population"), None)
    controls, organic = [], []
    parts = date_parts(frame[date])
    for column in numeric:
        if column in (target, *media, *impressions.values(), value, population):
            continue
        if _kpi_words(column) or column.lower() in TARGET_WORDS:
            left_out[column] = (f"another outcome like the KPI '{target}', not a driver; "
                                "--target COLUMN models it instead")
            continue
        if frame[column].nunique() <= 1:
            left_out[column] = "the same value in every row: it carries no information"
        elif calendar := calendar_part(frame[column], parts):
            left_out[column] = (f"{calendar}, a calendar column: the model has its own "
                                "trend and yearly seasonality")
        elif "organic" in column.lower():
            organic.append(column)
        elif ACTIVITY.search(column):
            left_out[column] = "media activity: clicks, impressions or reach, not a control"
        else:
            controls.append(column)
    return Proposal(date=date, target=target, channels=media, kpi_type=kpi_type, geo=geo,
                    impressions=impressions, controls=tuple(controls),
                    organic=tuple(organic), left_out=left_out,
                    notes=notes, revenue_per_kpi=value, population=population or None,
                    daily=bool(days == 1))


def _pick_target(numeric: list[str], given: str | None, source: str, notes: dict) -> str:
    if given is not None:
        if given not in numeric:
            raise DataError(f"{source}: --target {given!r} is not a numeric column. Numeric "
                            f"columns: {listing(numeric, 30)}.")
        notes["target"] = "your choice"
        return given
    # A whole-name match first ("conversions" over "revenue_per_conversion"); then a word
    # of the name, never a ratio or someone else's ("..._per_...", "competitor_sales").
    for whole in (True, False):
        for word in TARGET_WORDS:
            for column in numeric:
                if (column.lower() == word) if whole else word in _kpi_words(column):
                    notes["target"] = f"the KPI, from its name ('{word}')"
                    return column
    raise DataError(f"{source}: no KPI column recognised by its name (revenue, sales, "
                    f"conversions, ...). Name it: mixcast init {source} --target COLUMN. "
                    f"Numeric columns: {listing(numeric, 30)}.")


def _kpi_words(column: str) -> set[str]:
    """The KPI words in a column's name (none in a ratio or someone else's KPI:
    "revenue_per_conversion", "competitor_sales")."""
    words = set(re.split(r"[^a-z]+", column.lower()))
    return set() if NOT_TARGET_WORDS & words else words & set(TARGET_WORDS)


def _pick_channels(numeric: list[str], target: str, given: tuple[str, ...] | None,
                   source: str, notes: dict) -> tuple[str, ...]:
    if given:
        unknown = [c for c in given if c not in numeric or c == target]
        if unknown:
            raise DataError(f"{source}: --channels names {listing(unknown)}, not numeric "
                            f"spend columns. Numeric columns: {listing(numeric, 30)}.")
        notes["channels"] = "your choice."
        return tuple(given)
    media = tuple(c for c in numeric if c != target and SPEND.search(c))
    if not media:
        media = tuple(c for c in numeric if c != target and MEDIA_NAMES.search(c)
                      and not ACTIVITY.search(c))
        if media:
            notes["channels"] = ("named like media, with no spend word: check they are "
                                 "spend in currency.")
            return media
        activity = [c for c in numeric if ACTIVITY.search(c)]
        only = (f" {listing(activity)} look like impressions or clicks: each channel also "
                "needs its spend in currency (the config's impressions: key then models it on "
                "its impressions)." if activity else "")
        raise DataError(f"{source}: no spend columns recognised by their names (spend, cost, "
                        f"budget, a _S suffix, or a medium such as TV).{only} Name them: "
                        f"mixcast init {source} --channels tv,search,... Numeric columns: "
                        f"{listing(numeric, 30)}.")
    notes["channels"] = "names with spend, cost, budget or a _S suffix."
    return media


def _impressions(media: tuple[str, ...], numeric: list[str]) -> dict[str, str]:
    """channel -> the column of its impressions: the same stem (``facebook_S`` and
    ``facebook_I``; ``tv_spend`` and ``tv_impressions``)."""
    found = {}
    for channel in media:
        stem = SPEND.sub("", channel.lower()).strip("_ ")
        for column in numeric:
            if column != channel and IMPRESSIONS.search(column) and stem and \
                    IMPRESSIONS.sub("", column.lower()).strip("_ ") == stem:
                found[channel] = column
                break
    return found


def files_beside(data: Path) -> dict[str, Path]:
    """The lift-test and events files in the data file's folder, by config key (the
    first of :data:`BESIDE_FILES`' usual names found)."""
    found = {}
    for key, names in BESIDE_FILES.items():
        path = next((data.parent / n for n in names if (data.parent / n).is_file()), None)
        if path is not None:
            found[key] = path
    return found


def _best(candidates: list[str], words: tuple[str, ...]) -> str:
    """The first candidate whose name holds one of ``words`` (in their order), else the first."""
    for word in words:
        for column in candidates:
            if word in column.lower():
                return column
    return candidates[0]


def _dates_share(values: pd.Series) -> float:
    if pd.api.types.is_datetime64_any_dtype(values):
        return 1.0
    if pd.api.types.is_numeric_dtype(values):     # numbers would parse as epoch times
        return 0.0
    present = values.dropna().astype(str).str.strip()
    present = present[present != ""]
    if present.empty or not present.str.contains(r"\d").all():
        return 0.0
    parsed = pd.to_datetime(present, errors="coerce", format="mixed")
    return float(parsed.notna().mean())


def _numeric_share(values: pd.Series) -> float:
    present = values.dropna()
    if present.empty:
        return 0.0
    return float(pd.to_numeric(present, errors="coerce").notna().mean())


def _quoted(name: str) -> str:
    """A YAML scalar: plain when safe, else single-quoted."""
    plain = (re.fullmatch(r"[A-Za-z_./][A-Za-z0-9_.\-/]*", name) is not None
             and name.lower() not in ("true", "false", "yes", "no", "on", "off", "null", "y",
                                      "n", ".nan", ".inf"))
    return name if plain else "'" + name.replace("'", "''") + "'"
