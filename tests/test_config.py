"""config.yaml: every key checked, every problem reported at once, paths resolved."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from mixcast.config import Config, parse_config, read_config
from mixcast.errors import ConfigError

BASE = {"data": "data.csv", "date": "date", "target": "revenue",
        "channels": ["tv_spend", "search_spend"]}


def write(tmp_path: Path, text: str | dict, name: str = "config.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text if isinstance(text, str) else yaml.safe_dump(text))
    return path


def config_error(tmp_path: Path, **changes: object) -> str:
    with pytest.raises(ConfigError) as info:
        read_config(write(tmp_path, {**BASE, **changes}))
    return str(info.value)


def test_minimal_config_has_defaults_and_absolute_paths(tmp_path):
    (tmp_path / "sub").mkdir()
    path = write(tmp_path / "sub", {**BASE, "data": "../data.csv", "events": "ev.csv"})
    config = read_config(path)
    assert config.path == path.resolve()
    assert config.data == (tmp_path / "data.csv").resolve()
    assert config.events == (tmp_path / "sub" / "ev.csv").resolve()
    assert config.channels == ("tv_spend", "search_spend")
    assert config.kpi_type == "revenue" and config.revenue_per_kpi is None
    assert config.controls == () and config.geo is None and config.lift_tests is None
    assert dict(config.model) == {} and dict(config.sampler) == {}
    assert config.aggregate_daily is False and config.name == "sub"


def test_full_config_round_trips_through_as_dict(tmp_path):
    raw = {**BASE, "kpi_type": "conversions", "revenue_per_kpi": 35, "controls": ["price"],
           "organic": ["newsletter"], "geo": "geo", "population": "pop",
           "impressions": {"tv_spend": "tv_grps"},
           "reach_frequency": {"search_spend": {"reach": "r", "frequency": "f"}},
           "platform_attributed": {"search_spend": "search_conv"},
           "lift_tests": "lift.csv", "model": {"adstock": "geometric",
                                                "roi_priors": {"tv_spend": {"lo90": 1, "hi90": 3}},
                                                "interactions": ["tv_spend:search_spend"]},
           "sampler": {"chains": 2, "draws": 500, "target_accept": 0.9, "seed": 3},
           "aggregate_daily": True, "fill_missing": {"price": "ffill", "revenue": "drop"},
           "name": "uk"}
    config = read_config(write(tmp_path, raw))
    assert config.revenue_per_kpi == 35.0
    assert config.impressions["tv_spend"] == "tv_grps"
    assert config.reach_frequency["search_spend"]["frequency"] == "f"
    assert config.model["roi_priors"]["tv_spend"]["hi90"] == 3
    assert config.model["interactions"] == ("tv_spend:search_spend",)
    assert config.columns() == ("date", "revenue", "tv_spend", "search_spend", "price",
                                "newsletter", "tv_grps", "r", "f", "search_conv", "geo", "pop")
    plain = config.as_dict()
    yaml.safe_dump(plain)  # plain data only
    assert plain["model"]["roi_priors"] == {"tv_spend": {"lo90": 1, "hi90": 3}}
    assert plain["data"] == str(tmp_path / "data.csv")


def test_config_and_its_mappings_are_read_only(tmp_path):
    config = read_config(write(tmp_path, {**BASE, "model": {"roi_priors": {"a": {"x": 1}}}}))
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.target = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.model["new"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        config.model["roi_priors"]["a"]["x"] = 2  # type: ignore[index]


def test_name_defaults_to_file_stem_unless_called_config(tmp_path):
    path = write(tmp_path, BASE, name="uk_weekly.yaml")
    assert read_config(path).name == "uk_weekly"


def test_config_yaml_is_named_after_its_folder_however_it_is_given(tmp_path, monkeypatch):
    # A relative --config config.yaml had named the model '' (the relative path's empty
    # folder), an absolute one 'brand': two names, two config hashes, two series.
    (tmp_path / "brand").mkdir()
    path = write(tmp_path / "brand", BASE, name="config.yaml")
    monkeypatch.chdir(tmp_path / "brand")
    assert read_config(Path("config.yaml")).name == read_config(path).name == "brand"


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.yaml: config file not found"):
        read_config(tmp_path / "nope.yaml")


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = write(tmp_path, "data: data.csv\nchannels: [tv, search\ntarget: revenue\n")
    with pytest.raises(ConfigError, match=r"not valid YAML \(line \d+, column \d+\)"):
        read_config(path)


def test_empty_file_and_non_mapping(tmp_path):
    with pytest.raises(ConfigError, match="the config file is empty"):
        read_config(write(tmp_path, ""))
    with pytest.raises(ConfigError, match="expected 'key: value' lines"):
        read_config(write(tmp_path, "- data.csv\n- revenue\n"))


def test_unknown_key_names_the_closest_valid_one(tmp_path):
    message = config_error(tmp_path, chanels=["x"], contrls=["price"])
    assert "unknown key 'chanels'. Did you mean 'channels'?" in message
    assert "unknown key 'contrls'. Did you mean 'controls'?" in message
    assert "2 problems" in message


def test_missing_required_key(tmp_path):
    raw = {k: v for k, v in BASE.items() if k != "target"}
    with pytest.raises(ConfigError, match=r"missing required key 'target', e\.g\. target: "):
        read_config(write(tmp_path, raw))


@pytest.mark.parametrize("channels", ["", [], [1, 2], {"tv": 1}, ["tv", ""]])
def test_channels_must_be_a_non_empty_list_of_names(tmp_path, channels):
    message = config_error(tmp_path, channels=channels)
    assert "channels" in message


def test_channels_not_a_list_of_strings_says_how_to_write_it(tmp_path):
    message = config_error(tmp_path, channels=[1, 2])
    assert "'channels' must be a list of column names, e.g. channels: [tv_spend" in message
    assert "Got [1, 2] instead." in message


def test_channel_listed_twice(tmp_path):
    message = config_error(tmp_path, channels=["tv_spend", "search_spend", "tv_spend"])
    assert "'channels' lists tv_spend more than once" in message


def test_column_in_two_roles(tmp_path):
    message = config_error(tmp_path, controls=["price", "tv_spend"])
    assert "column 'tv_spend' is both a channel and a control" in message
    assert "remove it from one of 'channels' and 'controls'" in message
    message = config_error(tmp_path, channels=["revenue", "tv_spend"])
    assert "column 'revenue' is both the target and a channel" in message


def test_kpi_type_and_revenue_per_kpi(tmp_path):
    assert "'kpi_type' must be one of revenue, conversions. Got 'revenu' instead. Did you " \
           "mean 'revenue'?" in config_error(tmp_path, kpi_type="revenu")
    assert "only applies with kpi_type: conversions" in config_error(tmp_path,
                                                                      revenue_per_kpi=20)
    assert "'revenue_per_kpi' must be positive. Got -1" in config_error(
        tmp_path, kpi_type="conversions", revenue_per_kpi=-1)
    assert "must be a column name or a number" in config_error(
        tmp_path, kpi_type="conversions", revenue_per_kpi=[1])
    config = read_config(write(tmp_path, {**BASE, "kpi_type": "conversions",
                                          "revenue_per_kpi": "value"}))
    assert config.revenue_per_kpi == "value" and "value" in config.columns()


def test_channel_maps_must_name_channels(tmp_path):
    message = config_error(tmp_path, impressions={"tv_spnd": "tv_grps"})
    assert "'impressions' names 'tv_spnd', which is not in channels. Did you mean " \
           "'tv_spend'?" in message
    message = config_error(tmp_path, reach_frequency={"tv_spend": {"reach": "r"}})
    assert "reach_frequency.tv_spend must be {reach: <column>, frequency: <column>}" in message
    message = config_error(tmp_path, platform_attributed={"tv_spend": 3})
    assert "platform_attributed.tv_spend must be a column name. Got 3 instead." in message


def test_fill_missing_is_checked(tmp_path):
    message = config_error(tmp_path, fill_missing={"tv_spend": "mean"})
    assert "fill_missing.tv_spend must be one of zero, ffill, interpolate, drop. Got " \
           "'mean' instead." in message
    message = config_error(tmp_path, fill_missing={"tv_spend": "drop"})
    assert "fill_missing.tv_spend: 'drop' is only for the target ('revenue')" in message
    message = config_error(tmp_path, fill_missing={"tv_spnd": "zero"})
    assert "fill_missing names 'tv_spnd', which the config does not use. Did you mean " \
           "'tv_spend'?" in message


def test_sampler_types_are_checked(tmp_path):
    message = config_error(tmp_path, sampler={"chains": "4", "target_accept": 1.5,
                                              "progress": "yes", "laplace": "on"})
    assert "sampler.chains must be a non-negative integer. Got '4' instead." in message
    assert "sampler.target_accept must be a number between 0 and 1. Got 1.5" in message
    assert "sampler.progress must be true or false" in message
    assert "sampler.laplace must be true or false" in message
    config = read_config(write(tmp_path, {**BASE, "sampler": {"chains": 2, "chain_x": 1}}))
    assert dict(config.sampler) == {"chains": 2, "chain_x": 1}  # unknown: SamplerConfig's job


def test_other_types(tmp_path):
    assert "'aggregate_daily' must be true or false. Got 'yes' instead." in config_error(
        tmp_path, aggregate_daily="yes")
    assert "'model' must be a mapping" in config_error(tmp_path, model=["adstock"])
    assert "'target' must be a column or file name (text)" in config_error(tmp_path, target=3)
    assert "'population' needs 'geo'" in config_error(tmp_path, population="pop")


def test_every_problem_is_reported_at_once(tmp_path):
    message = config_error(tmp_path, kpi_type="sales", aggregate_daily=1, colour="red",
                           controls=["tv_spend"])
    assert message.startswith("4 problems in ")
    assert message.count("\n- ") == 4


def test_parse_config_accepts_a_mapping(tmp_path):
    config = parse_config(dict(BASE), path=tmp_path / "config.yaml")
    assert isinstance(config, Config) and config.data == (tmp_path / "data.csv").resolve()


# Robustness (added by the data-tests work): odd files end in a ConfigError, never a crash.
def test_config_path_that_is_a_folder(tmp_path):
    with pytest.raises(ConfigError, match=str(tmp_path.name)):
        read_config(tmp_path)


def test_config_that_is_not_utf8(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_bytes("data: données.csv\n".encode("utf-16"))
    with pytest.raises(ConfigError, match="config.yaml"):
        read_config(path)


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "data: [unclosed\n",
                                  "channels: {a: 1}\ndata: x.csv\ndate: d\ntarget: t\n",
                                  "? [a, b]\n: c\n"],
                         ids=["list", "scalar", "syntax", "mapping_channels", "complex_key"])
def test_malformed_configs_raise_config_errors(tmp_path, text):
    with pytest.raises(ConfigError, match="config.yaml"):
        read_config(write(tmp_path, text))


@pytest.mark.parametrize("changes, countries", [
    ({}, ()),                                            # no country known: off
    ({"country": "US"}, ("US",)),                        # on when a country is given
    ({"country": "us"}, ("US",)),
    ({"country": "US", "holidays": False}, ()),
    ({"country": "US", "holidays": True}, ("US",)),
    ({"holidays": "GB"}, ("GB",)),
    ({"holidays": ["US", "CA"]}, ("US", "CA")),
    ({"country": "US", "holidays": ["CA"]}, ("CA",)),    # holidays: wins
])
def test_holidays_come_from_country_or_holidays(tmp_path, changes, countries):
    config = read_config(write(tmp_path, {**BASE, **changes}))
    assert config.holidays == countries
    assert config.as_dict()["holidays"] == list(countries)


def test_unknown_country_code_names_key_value_and_fix(tmp_path):
    message = config_error(tmp_path, holidays=["US", "XY"])
    assert "'holidays' is 'XY', which is not a country code" in message
    assert "ISO 3166 code such as US, GB or DE" in message and "holidays: false" in message
    message = config_error(tmp_path, country="United States")
    assert "'country' is 'United States'" in message and "ISO 3166" in message


def test_holiday_config_mistakes_say_how_to_fix_them(tmp_path):
    assert "add country: US" in config_error(tmp_path, holidays=True)
    assert "holidays: [US, CA]" in config_error(tmp_path, holidays={"US": 1})
    assert "set holidays at the top level" in config_error(tmp_path, model={"holidays": "US"})
    # YAML 1.1 reads an unquoted NO (Norway) as false.
    path = write(tmp_path, "data: d.csv\ndate: date\ntarget: revenue\nchannels: [tv]\n"
                           "country: NO\n")
    with pytest.raises(ConfigError, match="quote it, 'NO'"):
        read_config(path)


def test_holidays_reach_the_model_spec(tmp_path):
    from mixcast.project import load
    from tests.data.helpers import weekly_frame, write_project

    path = write_project(tmp_path, weekly_frame(60), country="US")
    assert load(path).spec.holidays == ("US",)
    path = write_project(tmp_path / "off", weekly_frame(60))
    assert load(path).spec.holidays == ()
