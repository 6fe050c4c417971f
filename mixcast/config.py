"""config.yaml: read, check every key, and resolve paths relative to the file.

The contract is DESIGN.md's. mixcast adds ``revenue_per_kpi`` (a column or a number, for
``kpi_type: conversions``), ``reach_frequency`` ({channel: {reach: col, frequency: col}}),
``aggregate_daily`` (sum daily rows into weeks), ``fill_missing`` ({column: zero | ffill |
interpolate | drop}), ``sampler`` ({chains, warmup, draws, seed, target_accept, ...}),
``name``, and ``country`` / ``holidays`` (a country code, a list of them, or false: public
holidays as weekly regressors, on by default when a country is given). Every problem in the file is reported at once, in one :class:`ConfigError`;
an unknown key names the closest valid one.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "config.yaml").write_text(
...     "data: sales.csv\\ndate: week\\ntarget: revenue\\nchannels: [tv, search]\\n")
>>> config = read_config(folder / "config.yaml")
>>> config.channels, config.data.name, dict(config.model)
(('tv', 'search'), 'sales.csv', {})
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from mixcast.errors import ConfigError
from mixcast.formatting import counted

FILL_METHODS = ("zero", "ffill", "interpolate", "drop")
KPI_TYPES = ("revenue", "conversions")
# Types of the sampler settings the config checks; SamplerConfig checks ranges and keys.
SAMPLER_TYPES: Mapping[str, type] = MappingProxyType({
    "chains": int, "warmup": int, "draws": int, "seed": int, "max_tree_depth": int,
    "target_accept": float, "progress": bool, "laplace": bool})


def _empty() -> Mapping:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Config:
    """A checked config. Paths are absolute; optional parts are empty when not given.

    ``model`` and ``sampler`` are read-only mappings (nested mappings read-only too, lists
    as tuples), parsed later by :mod:`mixcast.spec`. ``path`` is the config file itself.
    ``holidays`` is resolved: the countries whose holidays are modelled (``holidays:``
    if given, else ``country:``, else none).
    """

    path: Path
    data: Path
    date: str
    target: str
    channels: tuple[str, ...]
    kpi_type: str = "revenue"
    revenue_per_kpi: str | float | None = None
    impressions: Mapping[str, str] = field(default_factory=_empty)
    reach_frequency: Mapping[str, Mapping[str, str]] = field(default_factory=_empty)
    controls: tuple[str, ...] = ()
    organic: tuple[str, ...] = ()
    geo: str | None = None
    population: str | None = None
    lift_tests: Path | None = None
    platform_attributed: Mapping[str, str] = field(default_factory=_empty)
    events: Path | None = None
    country: str | None = None
    holidays: tuple[str, ...] = ()
    model: Mapping[str, Any] = field(default_factory=_empty)
    sampler: Mapping[str, Any] = field(default_factory=_empty)
    aggregate_daily: bool = False
    fill_missing: Mapping[str, str] = field(default_factory=_empty)
    name: str = ""
    channel_aliases: Mapping[str, tuple[str, ...]] = field(default_factory=_empty)

    def as_dict(self) -> dict:
        """The resolved config as plain YAML-able data (paths as strings)."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    def columns(self) -> tuple[str, ...]:
        """Every data column the config refers to, each once, in a stable order."""
        cols = [self.date, self.target, *self.channels, *self.controls, *self.organic]
        cols += list(self.impressions.values())
        for pair in self.reach_frequency.values():
            cols += [pair["reach"], pair["frequency"]]
        cols += list(self.platform_attributed.values())
        cols += [c for c in (self.geo, self.population) if c]
        if isinstance(self.revenue_per_kpi, str):
            cols.append(self.revenue_per_kpi)
        cols += list(self.mediator_columns())
        return tuple(dict.fromkeys(cols))

    def mediator_columns(self) -> tuple[str, ...]:
        """Data columns named as mediators under ``model: {mediators: {...}}``."""
        mediators = self.model.get("mediators")
        if not isinstance(mediators, Mapping):
            return ()
        return tuple(str(name) for name in mediators)


VALID_KEYS = tuple(f.name for f in fields(Config) if f.name != "path")
_REQUIRED = ("data", "date", "target", "channels")


def read_config(path: str | Path) -> Config:
    """Read and check ``config.yaml``.

    Parameters
    ----------
    path : the config file; ``data``, ``lift_tests`` and ``events`` are resolved relative
        to its folder.

    Raises
    ------
    ConfigError
        Missing file, YAML syntax error, unknown key (with the closest valid one), missing
        required key, or a value of the wrong type; every problem is listed at once.
    """
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder, not a config file. Pass the path of the "
                          "config.yaml inside it.")
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found. Check the path (`mixcast demo` "
                          "writes an example config to start from).")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text file. Save the config as UTF-8 YAML.") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}. Fix the syntax, e.g. "
                          "'channels: [tv_spend, search_spend]'.") from None
    if raw is None:
        raise ConfigError(f"{path}: the config file is empty. It needs at least data:, "
                          "date:, target: and channels:.")
    return parse_config(raw, path=path)


def parse_config(raw: object, *, path: Path) -> Config:
    """Check an already-parsed config mapping as if it had been read from ``path``.

    Raises
    ------
    ConfigError
        Listing every problem found.
    """
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path}: expected 'key: value' lines such as 'data: sales.csv'; "
                          f"got a {type(raw).__name__} instead.")
    reader = _Reader(Path(path), raw)
    reader.check_keys()
    config = reader.build()
    if reader.problems:
        lines = "\n- ".join(reader.problems)
        raise ConfigError(f"{counted(len(reader.problems), 'problem')} in {path}:\n- {lines}")
    return config


class _Reader:
    """Reads one raw mapping, recording every problem instead of stopping at the first."""

    def __init__(self, path: Path, raw: Mapping) -> None:
        self.path = path
        self.raw = raw
        self.problems: list[str] = []

    def fail(self, message: str) -> None:
        self.problems.append(message)

    def check_keys(self) -> None:
        for key in self.raw:
            if key not in VALID_KEYS:
                self.fail(f"unknown key '{key}'.{closest(str(key), VALID_KEYS)} Valid keys: "
                          f"{', '.join(VALID_KEYS)}.")
        for key in _REQUIRED:
            if self.raw.get(key) in (None, "", []):
                self.fail(f"missing required key '{key}', e.g. {_EXAMPLES[key]}.")

    def build(self) -> Config:
        channels = self.names("channels", required=True)
        controls, organic = self.names("controls"), self.names("organic")
        date, target = self.text("date", "date"), self.text("target", "revenue")
        geo, population = self.optional_text("geo"), self.optional_text("population")
        if population and not geo:
            self.fail("'population' needs 'geo' (population is per geo). Add geo: <column> "
                      "or remove population.")
        self.no_overlap({"date": (date,), "target": (target,), "geo": (geo,) if geo else (),
                         "population": (population,) if population else (),
                         "channels": channels, "controls": controls, "organic": organic})
        kpi_type = self.choice("kpi_type", KPI_TYPES, "revenue")
        model = self.mapping("model")
        country = self.country()
        self.mediators_not_taken(model, {"date": (date,), "target": (target,),
                                         "geo": (geo,) if geo else (),
                                         "population": (population,) if population else (),
                                         "controls": controls, "organic": organic})
        config = Config(
            path=self.path.resolve(), data=self.file("data") or self.path.parent,
            date=date, target=target, channels=channels, kpi_type=kpi_type,
            revenue_per_kpi=self.revenue_per_kpi(kpi_type),
            impressions=self.channel_map("impressions", channels),
            reach_frequency=self.channel_map("reach_frequency", channels, nested=True),
            controls=controls, organic=organic, geo=geo, population=population,
            lift_tests=self.file("lift_tests"),
            platform_attributed=self.channel_map("platform_attributed", channels),
            events=self.file("events"), country=country,
            holidays=self.holidays(model, country), model=model,
            sampler=self.sampler(), aggregate_daily=self.flag("aggregate_daily"),
            name=self.name(), channel_aliases=self.channel_aliases(channels))
        for channel in sorted(set(config.impressions) & set(config.reach_frequency)):
            self.fail(f"channel '{channel}' is in both 'impressions' and 'reach_frequency'. "
                      "Give one media unit per channel: remove it from one of them (with "
                      "reach and frequency, impressions are reach x frequency).")
        return replace(config, fill_missing=self.fill_missing(config))

    # -- scalar values -------------------------------------------------------------------
    def text(self, key: str, example: str) -> str:
        value = self.raw.get(key)
        if value is None:
            return example  # reported by check_keys when required
        if not isinstance(value, str) or not value.strip():
            self.fail(f"'{key}' must be a column or file name (text), e.g. {key}: {example}. "
                      f"Got {value!r} instead.")
            return example
        return value

    def optional_text(self, key: str) -> str | None:
        return None if self.raw.get(key) in (None, "") else self.text(key, key)

    def file(self, key: str) -> Path | None:
        value = self.optional_text(key)
        if value is None:
            return None
        try:
            return (self.path.parent / value).resolve()
        except (OSError, RuntimeError):  # a symbolic-link loop (RuntimeError before 3.13)
            self.fail(f"'{key}': {value} is a symbolic link that loops back on itself. "
                      "Point it at the real file.")
            return self.path.parent / value

    def choice(self, key: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.raw.get(key, default)
        if value not in allowed:
            self.fail(f"'{key}' must be one of {', '.join(allowed)}. Got {value!r} "
                      f"instead.{closest(str(value), allowed)}")
            return default
        return value

    def flag(self, key: str) -> bool:
        value = self.raw.get(key, False)
        if not isinstance(value, bool):
            self.fail(f"'{key}' must be true or false. Got {value!r} instead.")
            return False
        return value

    def country(self) -> str | None:
        value = self.raw.get("country")
        return None if value is None else self.country_code("country", value)

    def holidays(self, model: Mapping, country: str | None) -> tuple[str, ...]:
        """The countries whose holidays are modelled: ``holidays:`` (codes, true for the
        ``country:``, false for none), else ``country:``."""
        if "holidays" in model:
            self.fail("model.holidays: set holidays at the top level of the config, e.g. "
                      "holidays: US (or country: US), and remove it from model.")
        value = self.raw.get("holidays", country is not None)
        if value is False:
            return ()
        if value is True:
            if country is None:
                self.fail("'holidays: true' needs the country whose holidays to use: add "
                          "country: US (an ISO 3166 code), or write holidays: US.")
            return (country,) if country else ()
        codes = [value] if isinstance(value, str) else value
        if not isinstance(codes, list) or not codes:
            self.fail("'holidays' must be a country code (holidays: US), a list of them "
                      f"(holidays: [US, CA]) or false. Got {value!r} instead.")
            return ()
        found = [self.country_code("holidays", code) for code in codes]
        return tuple(dict.fromkeys(code for code in found if code))

    def country_code(self, key: str, value: Any) -> str | None:
        """A country code known to the ``holidays`` package, upper-cased, or None (failed)."""
        import holidays   # the calendars' package: its country codes

        known = sorted(holidays.list_supported_countries())
        code = value.strip().upper() if isinstance(value, str) else None
        if code in known:
            return code
        off = " or holidays: false to model none" if key == "holidays" else ""
        yaml_bool = " (YAML reads NO as false: quote it, 'NO')" if isinstance(value, bool) else ""
        self.fail(f"'{key}' is {value!r}, which is not a country code the holidays package "
                  f"knows.{closest(str(value).upper(), known)} Use an ISO 3166 code such as "
                  f"US, GB or DE{yaml_bool}{off}.")
        return None

    def name(self) -> str:
        value = self.raw.get("name")
        if value is None:   # the folder's name for config.yaml; resolved, so that
            # `--config config.yaml` and `--config /abs/config.yaml` name the model alike
            path = self.path.resolve()
            return path.parent.name if path.stem == "config" else path.stem
        if not isinstance(value, str) or not value.strip():
            self.fail(f"'name' must be text, e.g. name: uk_weekly. Got {value!r} instead.")
            return self.path.stem
        return value

    def revenue_per_kpi(self, kpi_type: str) -> str | float | None:
        value = self.raw.get("revenue_per_kpi")
        if value is None:
            return None
        if kpi_type != "conversions":
            self.fail("'revenue_per_kpi' only applies with kpi_type: conversions. Remove it, "
                      "or set kpi_type: conversions.")
        elif isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail("'revenue_per_kpi' must be a column name or a number (the value of one "
                      f"conversion). Got {value!r} instead.")
        elif isinstance(value, int | float) and not value > 0:
            self.fail(f"'revenue_per_kpi' must be positive. Got {value!r} instead.")
        else:
            return float(value) if isinstance(value, int | float) else value
        return None

    # -- collections ---------------------------------------------------------------------
    def names(self, key: str, *, required: bool = False) -> tuple[str, ...]:
        value = self.raw.get(key)
        if value is None:
            return ()
        if isinstance(value, str) and "," in value:
            self.fail(f"'{key}' is one text {value!r}; write a list of column names: "
                      f"{key}: [{value}].")
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.fail(f"'{key}' must be a list of column names, e.g. {key}: [tv_spend, "
                      f"search_spend]. Got {value!r} instead.")
            return ()
        if required and not value:
            self.fail(f"'{key}' must name at least one column.")
        repeated = sorted({v for v in value if value.count(v) > 1})
        if repeated:
            self.fail(f"'{key}' lists {', '.join(repeated)} more than once. List each "
                      "column once.")
        return tuple(dict.fromkeys(value))

    def no_overlap(self, roles: Mapping[str, tuple[str, ...]]) -> None:
        seen: dict[str, str] = {}
        for role, columns in roles.items():
            for column in columns:
                if column in seen and seen[column] != role:
                    self.fail(f"column '{column}' is both {_ROLE[seen[column]]} and "
                              f"{_ROLE[role]}. A column can play one role only: remove it "
                              f"from one of '{seen[column]}' and '{role}'.")
                seen.setdefault(column, role)

    def mediators_not_taken(self, model: Mapping, roles: Mapping[str, tuple]) -> None:
        """A mediator column (model.mediators) must play no other role in the config."""
        mediators = model.get("mediators")
        if not isinstance(mediators, Mapping):
            return  # its shape is checked with the model spec
        for name in mediators:
            for role, columns in roles.items():
                if name in columns:
                    self.fail(f"model.mediators names '{name}', which is also "
                              f"{_ROLE[role]}. A mediator is its own column (e.g. branded "
                              f"search volume): remove '{name}' from '{role}' or from "
                              "model.mediators.")

    def mapping(self, key: str) -> Mapping:
        value = self.raw.get(key)
        if value is None:
            return _empty()
        if not isinstance(value, Mapping):
            self.fail(f"'{key}' must be a mapping of 'name: value' entries. Got {value!r} "
                      "instead.")
            return _empty()
        return _freeze(value)

    def channel_map(self, key: str, channels: tuple[str, ...], *,
                    nested: bool = False) -> Mapping:
        value = self.mapping(key)
        good = {}
        for channel, column in value.items():
            if channel not in channels:
                self.fail(f"'{key}' names '{channel}', which is not in channels."
                          f"{closest(str(channel), channels)} Channels: {', '.join(channels)}.")
            elif nested and not (isinstance(column, Mapping) and set(column) ==
                                 {"reach", "frequency"} and _all_text(column.values())):
                self.fail(f"{key}.{channel} must be {{reach: <column>, frequency: <column>}}. "
                          f"Got {_plain(column)!r} instead.")
            elif not nested and not _all_text([column]):
                self.fail(f"{key}.{channel} must be a column name. Got {column!r} instead.")
            else:
                good[channel] = column
        return MappingProxyType(good)

    def channel_aliases(self, channels: tuple[str, ...]) -> Mapping:
        """``{channel: [alias, ...]}``: extra names questions may use for a channel
        (``mixcast ask``), on top of the built-in taxonomy ("Meta" -> social)."""
        good, taken = {}, {}
        for channel, words in self.mapping("channel_aliases").items():
            words = [words] if isinstance(words, str) else words
            if channel not in channels:
                self.fail(f"'channel_aliases' names '{channel}', which is not in channels."
                          f"{closest(str(channel), channels)} Channels: {', '.join(channels)}.")
                continue
            if not isinstance(words, (list, tuple)) or not words or not _all_text(words):
                self.fail(f"channel_aliases.{channel} must be a name or a list of names, e.g. "
                          f"[meta, fb]. Got {_plain(words)!r} instead.")
                continue
            for word in words:
                key = word.strip().lower()
                if taken.get(key, channel) != channel:
                    self.fail(f"channel_aliases: '{word}' is given for both '{taken[key]}' "
                              f"and '{channel}'. Keep it under one channel.")
                taken[key] = channel
            good[channel] = tuple(words)
        return MappingProxyType(good)

    def sampler(self) -> Mapping:
        value = self.mapping("sampler")
        for key, kind in SAMPLER_TYPES.items():
            if key not in value:
                continue
            got = value[key]
            if kind is bool:
                ok = isinstance(got, bool)
            elif kind is int:
                ok = isinstance(got, int) and not isinstance(got, bool) and got >= 0
            else:
                ok = isinstance(got, int | float) and not isinstance(got, bool) and 0 < got < 1
            if not ok:
                self.fail(f"sampler.{key} must be {_KIND_TEXT[kind]}. Got {got!r} instead.")
        return value

    def fill_missing(self, config: Config) -> Mapping[str, str]:
        value = self.mapping("fill_missing")
        known = [c for c in config.columns() if c not in (config.date, config.geo)]
        good = {}
        for column, method in value.items():
            if column not in known:
                self.fail(f"fill_missing names '{column}', which the config does not use."
                          f"{closest(str(column), known)} Use one of: {', '.join(known)}.")
            elif method not in FILL_METHODS:
                self.fail(f"fill_missing.{column} must be one of {', '.join(FILL_METHODS)}. "
                          f"Got {method!r} instead.")
            elif method == "drop" and column != config.target:
                self.fail(f"fill_missing.{column}: 'drop' is only for the target "
                          f"('{config.target}'), to drop weeks without a KPI at the start or "
                          f"end. Use zero, ffill or interpolate for '{column}'.")
            else:
                good[column] = method
        return MappingProxyType(good)


_EXAMPLES = {"data": "data: sales.csv", "date": "date: week_start",
             "target": "target: revenue", "channels": "channels: [tv_spend, search_spend]"}
_ROLE = {"date": "the date column", "target": "the target", "geo": "the geo column",
         "population": "the population column", "channels": "a channel",
         "controls": "a control", "organic": "an organic channel"}
_KIND_TEXT = {int: "a non-negative integer", float: "a number between 0 and 1",
              bool: "true or false"}


def closest(name: str, choices: Iterable[str]) -> str:
    """The hint `` Did you mean 'x'?`` for the closest of ``choices``, or ''."""
    hint = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1)
    return f" Did you mean '{hint[0]}'?" if hint else ""


def _all_text(values) -> bool:
    return all(isinstance(v, str) and v.strip() for v in values)


def _freeze(value: Any) -> Any:
    """Read-only copy: mappings become MappingProxyType, lists become tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def _plain(value: Any) -> Any:
    """Plain YAML-able data: dicts, lists, strings for paths."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
