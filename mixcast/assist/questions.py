"""Operator questions -> structured calls, without a language model.

``parse_question(text, channels)`` returns a :class:`Call` (what to compute, on which
channels, with which amount) or raises :class:`UnknownQuestion`, whose message lists what
can be asked. Forms understood (case-insensitive, fillers like "what if we" ignored)::

    shift 15% (or $50k) from tv to social         move 10% of Meta budget into TV
    increase search by 10%    cut TV by 20%        spend 5% more on FB
    double TV                 halve display        cut OOH in half
    what if the total budget is 2M
    where should the next dollar go               which channel should we cut
    which channels are saturated
    spend vs return by channel over the last 12 months
    what did Meta drive last quarter
    how sure are we about TV                      what is the ROI of search
    what should we test next
    optimise the budget
    forecast the next quarter (or: what will sales be over the next 8 weeks)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from mixcast.analysis.plan_space import PATTERN_WEEKS
from mixcast.assist.taxonomy import resolve_channel
from mixcast.errors import UserError
from mixcast.formatting import counted
from mixcast.optimize.scenario import parse_money

KINDS = ("shift", "change", "total_budget", "next_dollar", "saturation", "spend_vs_return",
         "drove", "certainty", "test_next", "optimise", "forecast")

EXAMPLES = (
    "shift 15% from tv to social (or: move $50k of TV budget into Meta)",
    "increase search by 10% / cut TV by 20% / double display",
    "what if the total budget is 2M",
    "where should the next dollar go (or: which channel should we cut)",
    "which channels are saturated",
    "spend vs return by channel over the last 12 months",
    "what did Meta drive last quarter",
    "how sure are we about TV (or: what is the ROI of TV)",
    "what should we test next",
    "optimise the budget",
    "forecast the next quarter",
)

FORECAST_WEEKS = 13     # "forecast" with no horizon: the next quarter
WEEKS = {"quarter": 13, "year": 52, "twelve months": 52, "month": 4, "six months": 26,
         "half year": 26, "three months": 13, "week": 1, "fortnight": 2, "two weeks": 2}


class UnknownQuestion(UserError):
    """A question none of the forms matches; the message lists what can be asked."""

    def __init__(self, question: str) -> None:
        super().__init__(f"I could not read '{question}' as a question I can answer from "
                         "the model. You can ask, for example: " + "; ".join(EXAMPLES) + ".")


@dataclass(frozen=True, slots=True)
class Call:
    """A structured question: what to compute and on what.

    ``percent`` is a fraction (0.15 for 15%) and ``amount`` a currency amount; a change
    carries its sign (``-0.2`` for "cut by 20%"). ``weeks`` is the window of
    ``spend_vs_return`` and ``drove`` (None: the whole data window).
    """

    kind: str
    channel: str | None = None
    target: str | None = None
    percent: float | None = None
    amount: float | None = None
    weeks: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UserError(f"The 'kind' of a question must be one of {', '.join(KINDS)}. "
                            f"Got {self.kind!r} instead.")

    def scenario_spec(self) -> str | None:
        """The :func:`mixcast.optimize.scenario.parse_scenario` spec of a spend change."""
        size = (f"{100 * abs(self.percent):g}%" if self.percent is not None
                else f"{abs(self.amount or 0.0):.2f}")
        if self.kind == "shift":
            return f"shift {size} from {self.channel} to {self.target}"
        if self.kind == "change":
            signed = self.percent if self.percent is not None else self.amount
            return f"{'increase' if (signed or 0) >= 0 else 'decrease'} {self.channel} by {size}"
        if self.kind == "total_budget":
            return f"total budget {self.amount:.2f}"
        return None

    def describe(self) -> str:
        """What the call computes, in words (the "I read this as" line)."""
        size = (f"{100 * abs(self.percent):g}%" if self.percent is not None
                else f"{abs(self.amount or 0.0):,.0f}")
        window = "over the data window"
        match self.kind:
            case "shift":
                of = f"{size} of {self.channel}" if self.percent is not None else size
                return f"shift {of} to {self.target} {window}"
            case "change":
                verb = "increase" if (self.percent or self.amount or 0) >= 0 else "cut"
                return f"{verb} {self.channel} by {size} {window}"
            case "total_budget":
                return (f"set the total budget to {self.amount:,.0f} {window}, every channel "
                        "scaled alike")
            case "next_dollar":
                return "rank the channels by the return of the next unit of spend (mROI)"
            case "saturation":
                return "which channels are saturated or underfunded at today's spend"
            case "spend_vs_return":
                return ("spend and incremental return by channel over the last "
                        f"{counted(self.weeks, 'week')}")
            case "drove":
                span = (f"the last {counted(self.weeks, 'week')}" if self.weeks
                        else "the data window")
                return f"the outcome {self.channel} drove over {span}"
            case "certainty":
                return f"how certain the model is about {self.channel}: ROI range and verdict"
            case "test_next":
                return "which channels to test next, and why"
            case "forecast":
                return (f"forecast the KPI over the next "
                        f"{counted(self.weeks or FORECAST_WEEKS, 'week')} "
                        "at today's pace (each channel's spend and each control at its "
                        f"average of the last {PATTERN_WEEKS} weeks)")
        return "the best allocation of today's total budget (the optimiser)"

    def as_dict(self) -> dict:
        return asdict(self)


_PCT = r"(?P<pct>[0-9]+(?:\.[0-9]+)?)\s*(?:%|percent\b|pct\b)"
_CASH = r"(?P<cash>\$?\s*[0-9][0-9,]*(?:\.[0-9]+)?\s*(?:k|m|mm|bn|thousand|million|billion)?)\b"
_AMOUNT = rf"(?:{_PCT}|{_CASH})"
_CH = r"(?:the\s+)?(?P<{}>[a-z0-9][a-z0-9 _\-./&']*?)(?:'s)?"
_UP = r"increase|raise|boost|grow|add\s+to|lift|scale\s+up|up"
_DOWN = r"cut|decrease|reduce|lower|trim|drop|scale\s+back|scale\s+down|slash"
_FILLER = re.compile(r"^(?:(?:so|ok|okay|hey|please|and|but)\s*,?\s+)*(?:(?:what|how)\s+"
                     r"(?:if|happens\s+if|would\s+happen\s+if|about\s+if)\s+|(?:can|could|"
                     r"should|shall)\s+(?:we|i)\s+|(?:we|i)\s+(?:want\s+to|would\s+like\s+to|"
                     r"plan\s+to)\s+|let'?s\s+|please\s+)?(?:we\s+|i\s+)?")

_FORMS: tuple[tuple[str, str], ...] = (
    ("shift", rf"^(?:shift|move|reallocate|transfer|put)\s+{_AMOUNT}\s+(?:of\s+(?:the\s+)?"
              rf"(?:budget|spend)\s+)?(?:of\s+)?from\s+{_CH.format('src')}\s+(?:to|into|"
              rf"over\s+to|towards?)\s+{_CH.format('dst')}$"),
    ("shift", rf"^(?:shift|move|reallocate|transfer|put)\s+{_AMOUNT}\s+of\s+{_CH.format('src')}"
              rf"\s+(?:to|into|over\s+to|towards?)\s+{_CH.format('dst')}$"),
    ("change", rf"^(?P<verb>{_UP}|{_DOWN})\s+(?:spend(?:ing)?\s+on\s+)?{_CH.format('ch')}"
               rf"\s+by\s+{_AMOUNT}$"),
    ("change", rf"^(?:spend|invest|put)\s+{_AMOUNT}\s+(?P<verb>more|less)\s+(?:on|in|into)\s+"
               rf"{_CH.format('ch')}$"),
    ("change", rf"^(?P<mult>double|triple|quadruple|halve)\s+(?:(?:the\s+)?(?:spend(?:ing)?|"
               rf"budget)\s+(?:on|of|for|in)\s+)?{_CH.format('ch')}(?:\s+(?:spend|budget))?$"),
    ("change", rf"^(?:cut|reduce)\s+{_CH.format('ch')}(?:\s+(?:spend|budget))?\s+"
               rf"(?P<mult>in\s+half)$"),
    ("total_budget", rf"(?:total|overall|whole)?\s*(?:media\s+)?budget\s+(?:is|was|were|of|to|"
                     rf"=|becomes|goes\s+to|changes\s+to|at)?\s*{_CASH}"),
    ("next_dollar", r"next\s+(?:dollar|euro|pound|unit|\$|€|£|buck)|where\s+should\s+(?:we|i)\s+"
                    r"(?:spend|put|invest)\s+(?:more|extra|the\s+next)|best\s+place\s+for\s+"
                    r"(?:more|extra|additional)|(?:which|what)\s+channels?\s+(?:should|could|"
                    r"shall|do|would|can)\s+(?:we|i)\s+(?:cut|reduce|trim|drop|pull\s+back)|"
                    r"where\s+(?:should|could|can|do)\s+(?:we|i)\s+(?:cut|save|trim)|least\s+"
                    r"(?:efficient|effective|profitable)|worst\s+(?:channel|performer)"),
    ("saturation", r"saturat|diminishing\s+returns|maxed\s+out|underfunded|under-?invested|"
                   r"over-?invested"),
    ("spend_vs_return", r"spend\s+(?:vs\.?|versus|and|against|compared\s+(?:to|with))\s+"
                        r"(?:return|roi|revenue|outcome)|(?:return|roi)s?\s+by\s+channel|"
                        r"return\s+on\s+spend"),
    ("drove", r"what\s+(?:did|has|does|have)\s+{ch}\s+(?:drive|driven|deliver|delivered|bring|"
              r"brought|generate|generated|contribute|contributed)(?P<rest>.*)$"),
    ("drove", r"how\s+much\s+(?:revenue|outcome|sales|conversions)?\s*(?:did|has)\s+{ch}\s+"
              r"(?:drive|driven|deliver|bring|generate|contribute)(?P<rest>.*)$"),
    ("certainty", r"how\s+(?:sure|confident|certain)\s+(?:are\s+(?:we|you)|is\s+(?:the\s+)?model)"
                  r"\s+(?:about|of|in|on)\s+{ch}$"),
    ("certainty", r"^(?:(?:can|should)\s+(?:we|i)\s+)?trust\s+{ch}$"),
    ("certainty", r"^(?:what(?:'?s|\s+is|\s+was)\s+)?(?:the\s+)?(?:roi|roas|return)\s+"
                  r"(?:of|for|on)\s+{ch}$"),
    ("certainty", r"^(?:what(?:'?s|\s+is|\s+was)\s+)?{ch}(?:'s)?\s+(?:roi|roas)$"),
    ("certainty", r"^how\s+(?:well\s+)?(?:is|does)\s+{ch}\s+(?:doing|performing|working|"
                  r"perform|work)$"),
    ("certainty", r"^is\s+{ch}\s+(?:working|worth\s+it|paying\s+off)$"),
    ("certainty", r"how\s+(?:reliable|trustworthy)\s+is\s+{ch}$"),
    ("forecast", r"\b(?:forecast|predict|projection|project|outlook)\b|what\s+will\s+"
                 r"(?:our\s+|the\s+)?(?:\w+\s+)?(?:be|look\s+like)\b|"
                 r"(?:expect|expected)\s+(?:for\s+)?(?:the\s+)?(?:next|coming)"),
    ("test_next", r"\btest\b|experiment"),
    ("optimise", r"optimi[sz]e|best\s+(?:allocation|split|mix|budget)|how\s+should\s+(?:we|i)\s+"
                 r"(?:split|allocate|spend)"),
)


def parse_question(text: str, channels: tuple[str, ...], *,
                   aliases: Mapping[str, tuple[str, ...]] | None = None) -> Call:
    """The structured :class:`Call` a question asks for.

    Raises
    ------
    UnknownQuestion
        When no form matches (the message lists what can be asked).
    UserError
        When a form matches but a channel name fits no column (the message lists them).

    Examples
    --------
    >>> parse_question("What if we shift 15% from TV to Meta?",
    ...                ("tv_spend", "search_spend", "social_spend"))
    Call(kind='shift', channel='tv_spend', target='social_spend', percent=0.15, amount=None, weeks=None)
    """
    lowered = _normalise(text)
    for kind, pattern in _FORMS:
        found = re.search(pattern.replace("{ch}", _CH.format("ch")), lowered)
        if found:
            return _BUILD[kind](found, channels, aliases, text)
    raise UnknownQuestion(text.strip())


def _normalise(text: str) -> str:
    lowered = " ".join(str(text).lower().replace("’", "'").split()).strip(" ?.!")
    return _FILLER.sub("", lowered, count=1).strip()


def _channel(found, group, channels, aliases, text) -> str:
    return resolve_channel(found.group(group).strip(" '\""), channels, aliases=aliases,
                           where=f"question '{text.strip()}'")


def _size(found) -> tuple[float | None, float | None]:
    if found.group("pct") is not None:
        return float(found.group("pct")) / 100.0, None
    return None, parse_money(found.group("cash").replace("$", "").strip(), where="question")


def _shift(found, channels, aliases, text) -> Call:
    percent, amount = _size(found)
    source = _channel(found, "src", channels, aliases, text)
    target = _channel(found, "dst", channels, aliases, text)
    if source == target:
        raise UserError(f"question '{text.strip()}': the shift starts and ends in {source}; "
                        "name two different channels.")
    return Call("shift", channel=source, target=target, percent=percent, amount=amount)


_MULTIPLES = {"double": 1.0, "triple": 2.0, "quadruple": 3.0, "halve": -0.5, "in half": -0.5}


def _change(found, channels, aliases, text) -> Call:
    multiple = found.groupdict().get("mult")
    if multiple is not None:    # "double TV" is "increase TV by 100%"
        return Call("change", channel=_channel(found, "ch", channels, aliases, text),
                    percent=_MULTIPLES[" ".join(multiple.split())])
    percent, amount = _size(found)
    sign = -1.0 if re.fullmatch(rf"{_DOWN}|less", found.group("verb")) else 1.0
    return Call("change", channel=_channel(found, "ch", channels, aliases, text),
                percent=None if percent is None else sign * percent,
                amount=None if amount is None else sign * amount)


def _total(found, channels, aliases, text) -> Call:
    return Call("total_budget", amount=parse_money(found.group("cash").replace("$", "").strip(),
                                                   where="question"))


def _weeks(text: str, default: int | None, *, ahead: bool = False) -> int | None:
    """Weeks of "the last 12 months" (or, ``ahead``, of "the next quarter")."""
    when = r"(?:next|coming|following)" if ahead else r"(?:last|past|previous)"
    found = re.search(rf"{when}\s+(\d+)\s+(weeks?|months?|years?)\b", text)
    if found:
        per = {"w": 1.0, "m": 52 / 12, "y": 52.0}[found.group(2)[0]]
        return max(round(int(found.group(1)) * per), 1)
    for words, weeks in WEEKS.items():
        if re.search(rf"{when}\s+{words}", text):
            return weeks
    return default


def _drove(found, channels, aliases, text) -> Call:
    return Call("drove", channel=_channel(found, "ch", channels, aliases, text),
                weeks=_weeks(found.group("rest"), None))


def _plain(kind: str, **fixed):
    def build(found, channels, aliases, text) -> Call:
        return Call(kind, **fixed)
    return build


def _with_channel(kind: str):
    def build(found, channels, aliases, text) -> Call:
        return Call(kind, channel=_channel(found, "ch", channels, aliases, text))
    return build


def _forecast(found, channels, aliases, text) -> Call:
    return Call("forecast", weeks=_weeks(_normalise(text), FORECAST_WEEKS, ahead=True))


def _spend_vs_return(found, channels, aliases, text) -> Call:
    return Call("spend_vs_return", weeks=_weeks(_normalise(text), 52))


_BUILD = {"shift": _shift, "change": _change, "total_budget": _total,
          "next_dollar": _plain("next_dollar"), "saturation": _plain("saturation"),
          "spend_vs_return": _spend_vs_return, "drove": _drove,
          "certainty": _with_channel("certainty"), "test_next": _plain("test_next"),
          "optimise": _plain("optimise"), "forecast": _forecast}
