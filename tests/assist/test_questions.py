"""Every question form parses to the right structured call; channel names are forgiving;
an unknown question lists what can be asked."""

from __future__ import annotations

import pytest

from mixcast.assist.questions import EXAMPLES, Call, UnknownQuestion, parse_question
from mixcast.errors import UserError

CHANNELS = ("tv_spend", "search_spend", "social_spend")

CASES = [
    ("What if we shift 15% from TV to Meta?",
     Call("shift", channel="tv_spend", target="social_spend", percent=0.15)),
    ("move $50k of television budget into FB",
     Call("shift", channel="tv_spend", target="social_spend", amount=50_000.0)),
    ("Shift 10% of paid social to Google",
     Call("shift", channel="social_spend", target="search_spend", percent=0.10)),
    ("increase search by 10%", Call("change", channel="search_spend", percent=0.10)),
    ("Cut TV by 20%", Call("change", channel="tv_spend", percent=-0.20)),
    ("what if we spend 250k less on facebook",
     Call("change", channel="social_spend", amount=-250_000.0)),
    ("What if the total budget is 2M?", Call("total_budget", amount=2_000_000.0)),
    ("what if total budget were $1.5 million", Call("total_budget", amount=1_500_000.0)),
    ("Where should the next dollar go?", Call("next_dollar")),
    ("Which channels are saturated?", Call("saturation")),
    ("spend vs return by channel over the last 12 months", Call("spend_vs_return", weeks=52)),
    ("What did Meta drive last quarter?", Call("drove", channel="social_spend", weeks=13)),
    ("how much revenue did SEM drive in the last 6 months",
     Call("drove", channel="search_spend", weeks=26)),
    ("How sure are we about TV?", Call("certainty", channel="tv_spend")),
    ("can we trust paid search", Call("certainty", channel="search_spend")),
    ("What should we test next?", Call("test_next")),
    ("What is the ROI of Google?", Call("certainty", channel="search_spend")),
    ("what's TV's ROI", Call("certainty", channel="tv_spend")),
    ("is Meta working?", Call("certainty", channel="social_spend")),
    ("what if we double TV?", Call("change", channel="tv_spend", percent=1.0)),
    ("halve the budget on search", Call("change", channel="search_spend", percent=-0.5)),
    ("cut Meta spend in half", Call("change", channel="social_spend", percent=-0.5)),
    ("Which channel should we cut?", Call("next_dollar")),
    ("forecast next quarter", Call("forecast", weeks=13)),
    ("What will sales be over the next 8 weeks?", Call("forecast", weeks=8)),
    ("what's the outlook", Call("forecast", weeks=13)),
    ("forecast the next week", Call("forecast", weeks=1)),      # was the quarter's 13
    ("what will revenue be over the next 6 months", Call("forecast", weeks=26)),
    ("forecast the next 2 years", Call("forecast", weeks=104)),
    ("what did TV drive in the past 3 months", Call("drove", channel="tv_spend", weeks=13)),
    ("Optimise the budget", Call("optimise")),
]


@pytest.mark.parametrize(("question", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_form_maps_to_its_call(question, expected):
    assert parse_question(question, CHANNELS) == expected


def test_every_kind_has_a_form():
    assert {c.kind for _, c in CASES} == set(
        ("shift", "change", "total_budget", "next_dollar", "saturation", "spend_vs_return",
         "drove", "certainty", "test_next", "optimise", "forecast"))


def test_scenario_specs_are_the_scenario_engines_forms():
    assert CASES[0][1].scenario_spec() == "shift 15% from tv_spend to social_spend"
    assert CASES[4][1].scenario_spec() == "decrease tv_spend by 20%"
    assert CASES[5][1].scenario_spec() == "decrease social_spend by 250000.00"
    assert CASES[6][1].scenario_spec() == "total budget 2000000.00"
    assert CASES[0][1].describe() == "shift 15% of tv_spend to social_spend over the data window"


def test_unknown_question_lists_what_can_be_asked():
    with pytest.raises(UnknownQuestion) as caught:
        parse_question("what's the weather like", CHANNELS)
    for example in EXAMPLES:
        assert example in str(caught.value)


def test_unknown_channel_names_the_channels():
    with pytest.raises(UserError, match="no channel called 'radio'.*tv_spend, search_spend"):
        parse_question("shift 10% from tv to radio", CHANNELS)


def test_a_shift_into_itself_is_refused():
    with pytest.raises(UserError, match="two different channels"):
        parse_question("shift 10% from Meta to facebook", CHANNELS)


def test_bad_kind_is_refused():
    with pytest.raises(UserError, match="'kind' of a question must be one of"):
        Call("predict_the_future")
