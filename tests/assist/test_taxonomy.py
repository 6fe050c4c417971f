"""Forgiving channel names: the built-in taxonomy and the config's channel_aliases."""

from __future__ import annotations

import pytest

from mixcast.assist.taxonomy import resolve_channel
from mixcast.config import parse_config
from mixcast.errors import UserError

CHANNELS = ("tv_spend", "search_spend", "social_spend")


@pytest.mark.parametrize(("name", "column"), [
    ("Meta", "social_spend"), ("FB", "social_spend"), ("facebook", "social_spend"),
    ("Instagram", "social_spend"), ("Google", "search_spend"), ("SEM", "search_spend"),
    ("paid search", "search_spend"), ("television", "tv_spend"), ("TV", "tv_spend"),
    ("tv_spend", "tv_spend"), ("serach", "search_spend")])
def test_built_in_taxonomy(name, column):
    assert resolve_channel(name, CHANNELS) == column


def test_taxonomy_matches_columns_named_after_platforms():
    channels = ("facebook_spend", "google_ads_spend", "linear_tv")
    assert resolve_channel("Meta", ("meta_spend", "tv")) == "meta_spend"
    assert resolve_channel("social", channels) == "facebook_spend"
    assert resolve_channel("television", channels) == "linear_tv"


def test_config_aliases_come_first_and_ambiguity_is_named():
    aliases = {"social_spend": ("zuck ads",), "tv_spend": ("telly",)}
    assert resolve_channel("Zuck Ads", CHANNELS, aliases=aliases) == "social_spend"
    assert resolve_channel("telly", CHANNELS, aliases=aliases) == "tv_spend"
    with pytest.raises(UserError, match="could mean any of fb_spend, ig_spend"):
        resolve_channel("Meta", ("fb_spend", "ig_spend", "tv_spend"))


def _config(tmp_path, aliases: str):
    raw = {"data": "d.csv", "date": "date", "target": "revenue",
           "channels": ["tv_spend", "social_spend"]}
    import yaml
    raw["channel_aliases"] = yaml.safe_load(aliases)
    return parse_config(raw, path=tmp_path / "config.yaml")


def test_config_channel_aliases_are_validated(tmp_path):
    config = _config(tmp_path, "{social_spend: [meta, fb], tv_spend: telly}")
    assert dict(config.channel_aliases) == {"social_spend": ("meta", "fb"),
                                            "tv_spend": ("telly",)}
    with pytest.raises(UserError, match="'channel_aliases' names 'radio'"):
        _config(tmp_path, "{radio: [wireless]}")
    with pytest.raises(UserError, match="channel_aliases.tv_spend must be a name or a list"):
        _config(tmp_path, "{tv_spend: 3}")
    with pytest.raises(UserError, match="'meta' is given for both"):
        _config(tmp_path, "{tv_spend: [meta], social_spend: [meta]}")
