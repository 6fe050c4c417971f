import pytest

from mixcast.errors import SpecError
from mixcast.spec import Adstock, ModelSpec, RoiPrior, SamplerConfig


def test_unknown_model_key_names_the_closest():
    with pytest.raises(SpecError, match="Did you mean 'adstock'"):
        ModelSpec.from_options({"adstok": "geometric"})


def test_parameter_errors_follow_sklearn_grammar():
    with pytest.raises(SpecError, match=r"'l_max' parameter of ModelSpec must be an int in "
                                        r"the range \[1, 52\]. Got 60 instead"):
        ModelSpec(l_max=60)
    with pytest.raises(SpecError, match="'adstock' parameter of ModelSpec must be one of"):
        ModelSpec.from_options({"adstock": "weibull"})


def test_roi_priors_by_median_or_interval():
    spec = ModelSpec.from_options(
        {"roi_priors": {"default": {"median": 1.5, "sigma": 0.5},
                        "tv": {"lo90": 1.0, "hi90": 4.0}}}, channels=("tv", "search"))
    default = RoiPrior(1.0, 1.0)
    assert spec.roi_prior_for("search", default).median == 1.5
    tv = spec.roi_prior_for("tv", default)
    assert tv.median == pytest.approx(2.0)
    with pytest.raises(SpecError, match="Did you mean 'tv'"):
        ModelSpec.from_options({"roi_priors": {"tvv": {"median": 1, "sigma": 1}}},
                               channels=("tv", "search"))


def test_options_round_trip():
    spec = ModelSpec(adstock=Adstock.DELAYED, l_max=6, trend_knots=2,
                     channel_roi_priors=(("tv", RoiPrior(2.0, 0.3)),))
    assert ModelSpec.from_options(spec.as_options(), channels=("tv",)) == spec
    sampler = SamplerConfig(chains=2, draws=50)
    assert SamplerConfig.from_options(sampler.as_options()) == sampler


def test_sampler_rejects_unknown_and_bad_values():
    with pytest.raises(SpecError, match="Did you mean 'draws'"):
        SamplerConfig.from_options({"drawz": 10})
    with pytest.raises(SpecError, match="'target_accept' parameter"):
        SamplerConfig(target_accept=1.5)


def test_laplace_start_is_automatic_for_geo_panels_and_can_be_forced():
    assert SamplerConfig().uses_laplace(n_geos=20) and not SamplerConfig().uses_laplace(1)
    assert SamplerConfig(laplace=True).uses_laplace(1)
    assert not SamplerConfig(laplace=False).uses_laplace(20)
    assert SamplerConfig.from_options({"laplace": False}).laplace is False
    with pytest.raises(SpecError, match="'laplace' parameter of SamplerConfig must be true, "
                                        "false or left out"):
        SamplerConfig(laplace="yes")


def test_national_time_effect_is_on_for_geo_panels_only_and_can_be_turned_off():
    assert ModelSpec().uses_national_time_effect(n_geos=12)
    assert not ModelSpec().uses_national_time_effect(n_geos=1)
    off = ModelSpec.from_options({"national_time_effect": False})
    assert not off.uses_national_time_effect(n_geos=12)
    with pytest.raises(SpecError, match=r"'national_time_effect' parameter of ModelSpec must "
                                        r"be a bool. Got 'no' instead"):
        ModelSpec.from_options({"national_time_effect": "no"})
    with pytest.raises(SpecError, match="Did you mean 'national_time_effect'"):
        ModelSpec.from_options({"national_effect": False})


def test_holiday_countries_are_parsed_and_checked():
    assert ModelSpec.from_options({"holidays": "US"}).holidays == ("US",)
    assert ModelSpec.from_options({"holidays": ["US", "CA"]}).holidays == ("US", "CA")
    assert ModelSpec.from_options({"holidays": False}).holidays == ()
    with pytest.raises(SpecError, match=r"'holidays' parameter of ModelSpec must be a tuple of "
                                        r"distinct country codes .* Got \('XX',\) instead"):
        ModelSpec(holidays=("XX",))
    with pytest.raises(SpecError, match=r"Got \('US', 'US'\) instead"):
        ModelSpec(holidays=("US", "US"))
    with pytest.raises(SpecError, match="must be a country code, a list of them or false"):
        ModelSpec.from_options({"holidays": 3})


def test_new_options_round_trip():
    spec = ModelSpec(national_time_effect=False, holidays=("GB", "IE"))
    assert ModelSpec.from_options(spec.as_options()) == spec
