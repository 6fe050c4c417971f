"""config.yaml: read, check every key, and resolve paths relative to the file.

The contract is DESIGN.md's; mixcast adds ``revenue_per_kpi``, ``reach_frequency``,
``aggregate_daily``, ``fill_missing``, ``sampler`` and ``name``. Unknown keys are an error
naming the closest valid key.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType

import yaml

from mixcast.errors import ConfigError

FILL_METHODS = ("zero", "ffill", "interpolate", "drop")
KPI_TYPES = ("revenue", "conversions")


@dataclass(frozen=True, slots=True)
class Config:
    """A checked config. Paths are absolute; optional parts are empty when not given."""

    path: Path
    data: Path
    date: str
    target: str
    channels: tuple[str, ...]
    kpi_type: str = "revenue"
    revenue_per_kpi: str | float | None = None
    impressions: Mapping[str, str] = field(default_factory=dict)
    reach_frequency: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    controls: tuple[str, ...] = ()
    organic: tuple[str, ...] = ()
    geo: str | None = None
    population: str | None = None
    lift_tests: Path | None = None
    platform_attributed: Mapping[str, str] = field(default_factory=dict)
    events: Path | None = None
    model: Mapping = field(default_factory=dict)
    sampler: Mapping = field(default_factory=dict)
    aggregate_daily: bool = False
    fill_missing: Mapping[str, str] = field(default_factory=dict)
    name: str = ""

    def as_dict(self) -> dict:
        """The resolved config as plain YAML-able data (paths as strings)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Path):
                value = str(value)
            elif isinstance(value, Mapping):
                value = _plain(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    def columns(self) -> tuple[str, ...]:
        """Every data column the config refers to."""
        cols = [self.date, self.target, *self.channels, *self.controls, *self.organic]
        cols += list(self.impressions.values()) + list(self.platform_attributed.values())
        for pair in self.reach_frequency.values():
            cols += list(pair.values())
        cols += [c for c in (self.geo, self.population) if c]
        if isinstance(self.revenue_per_kpi, str):
            cols.append(self.revenue_per_kpi)
        return tuple(dict.fromkeys(cols))


_REQUIRED = ("data", "date", "target", "channels")
_VALID = tuple(f.name for f in fields(Config) if f.name != "path")


def read_config(path: str | Path) -> Config:
    """Read and check ``config.yaml``.

    Raises
    ------
    ConfigError
        Missing file, YAML syntax error, unknown key (with the closest valid one), missing
        required key, or a value of the wrong type.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found. Check the path, or start from "
                          "the example in the README (`mixcast demo` writes one).")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" (line {where.line + 1}, column {where.column + 1})" if where else ""
        raise ConfigError(f"{path}: not valid YAML{line}: "
                          f"{getattr(error, 'problem', error)}. Fix the syntax.") from None
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path}: expected a mapping of keys like 'data:', 'target:', "
                          f"'channels:'; got {type(raw).__name__}.")
    _check_keys(path, raw)
    return _build(path, raw)


def _check_keys(path: Path, raw: Mapping) -> None:
    problems = []
    for key in raw:
        if key not in _VALID:
            hint = difflib.get_close_matches(str(key), _VALID, n=1)
            fix = f" Did you mean '{hint[0]}'?" if hint else ""
            problems.append(f"unknown key '{key}'.{fix}")
    for key in _REQUIRED:
        if key not in raw or raw[key] in (None, "", []):
            problems.append(f"missing required key '{key}'.")
    if problems:
        raise ConfigError(f"{path}: " + " ".join(problems) +
                          f" Valid keys: {', '.join(_VALID)}.")


def _build(path: Path, raw: Mapping) -> Config:
    base = path.parent
    channels = _names(path, raw, "channels", required=True)
    controls = _names(path, raw, "controls")
    organic = _names(path, raw, "organic")
    _no_overlap(path, {"channels": channels, "controls": controls, "organic": organic},
                raw.get("target"))
    kpi_type = _choice(path, raw, "kpi_type", KPI_TYPES, "revenue")
    fill = _mapping(path, raw, "fill_missing")
    for column, method in fill.items():
        if method not in FILL_METHODS:
            raise ConfigError(f"{path}: fill_missing.{column} must be one of "
                              f"{', '.join(FILL_METHODS)}. Got {method!r} instead.")
    return Config(
        path=path.resolve(), data=(base / _text(path, raw, "data")).resolve(),
        date=_text(path, raw, "date"), target=_text(path, raw, "target"),
        channels=channels, kpi_type=kpi_type,
        revenue_per_kpi=_revenue_per_kpi(path, raw, kpi_type),
        impressions=_channel_map(path, raw, "impressions", channels),
        reach_frequency=_channel_map(path, raw, "reach_frequency", channels, nested=True),
        controls=controls, organic=organic,
        geo=_optional_text(path, raw, "geo"), population=_optional_text(path, raw, "population"),
        lift_tests=_optional_path(path, raw, "lift_tests"),
        platform_attributed=_channel_map(path, raw, "platform_attributed", channels),
        events=_optional_path(path, raw, "events"),
        model=_mapping(path, raw, "model"), sampler=_mapping(path, raw, "sampler"),
        aggregate_daily=_flag(path, raw, "aggregate_daily"), fill_missing=fill,
        name=str(raw.get("name") or path.parent.name))


def _text(path, raw, key) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{path}: '{key}' must be a column or file name (text). "
                          f"Got {value!r} instead.")
    return value


def _optional_text(path, raw, key) -> str | None:
    return None if raw.get(key) in (None, "") else _text(path, raw, key)


def _optional_path(path, raw, key) -> Path | None:
    value = _optional_text(path, raw, key)
    return None if value is None else (path.parent / value).resolve()


def _names(path, raw, key, required=False) -> tuple[str, ...]:
    value = raw.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{path}: '{key}' must be a list of column names, e.g. "
                          f"{key}: [tv_spend, search_spend]. Got {value!r} instead.")
    if required and not value:
        raise ConfigError(f"{path}: '{key}' must name at least one column.")
    repeated = sorted({v for v in value if value.count(v) > 1})
    if repeated:
        raise ConfigError(f"{path}: '{key}' lists {', '.join(repeated)} more than once. "
                          "List each column once.")
    return tuple(value)


def _no_overlap(path, groups: dict[str, tuple[str, ...]], target) -> None:
    seen: dict[str, str] = {}
    for group, names in groups.items():
        for name in names:
            if name in seen:
                raise ConfigError(f"{path}: column '{name}' is in both '{seen[name]}' and "
                                  f"'{group}'. A column can play one role only.")
            if name == target:
                raise ConfigError(f"{path}: the target '{name}' is also listed in "
                                  f"'{group}'. Remove it from '{group}'.")
            seen[name] = group


def _choice(path, raw, key, allowed, default) -> str:
    value = raw.get(key, default)
    if value not in allowed:
        raise ConfigError(f"{path}: '{key}' must be one of {', '.join(allowed)}. "
                          f"Got {value!r} instead.")
    return value


def _flag(path, raw, key) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: '{key}' must be true or false. Got {value!r} instead.")
    return value


def _mapping(path, raw, key) -> Mapping:
    value = raw.get(key) or {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{path}: '{key}' must be a mapping (key: value lines). "
                          f"Got {value!r} instead.")
    return MappingProxyType(dict(value))


def _channel_map(path, raw, key, channels, nested=False) -> Mapping:
    value = _mapping(path, raw, key)
    for channel, column in value.items():
        if channel not in channels:
            hint = difflib.get_close_matches(str(channel), channels, n=1)
            fix = f" Did you mean '{hint[0]}'?" if hint else ""
            raise ConfigError(f"{path}: '{key}' names '{channel}', which is not in "
                              f"channels.{fix}")
        ok = (isinstance(column, Mapping) and set(column) == {"reach", "frequency"}) if nested \
            else isinstance(column, str)
        if not ok:
            shape = "{reach: col, frequency: col}" if nested else "a column name"
            raise ConfigError(f"{path}: {key}.{channel} must be {shape}. Got {column!r}.")
    return MappingProxyType({k: (MappingProxyType(dict(v)) if nested else v)
                             for k, v in value.items()})


def _revenue_per_kpi(path, raw, kpi_type):
    value = raw.get("revenue_per_kpi")
    if value is None:
        return None
    if kpi_type != "conversions":
        raise ConfigError(f"{path}: 'revenue_per_kpi' only applies with kpi_type: "
                          "conversions. Remove it, or set kpi_type: conversions.")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ConfigError(f"{path}: 'revenue_per_kpi' must be a column name or a number. "
                          f"Got {value!r} instead.")
    if isinstance(value, int | float) and value <= 0:
        raise ConfigError(f"{path}: 'revenue_per_kpi' must be positive. Got {value}.")
    return value


def _plain(value):
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value
