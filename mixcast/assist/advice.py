"""What to do about each channel, from its numbers and its trust: the rules the
narrative and the answers share, so the two never disagree.

Never act on a channel that is not ``movable`` (validation says do_not_act, or its ROI is
mostly the prior): advice on it is always "test it first", never "move budget".
"""

from __future__ import annotations

from collections.abc import Mapping

from mixcast.assist.format import band, money
from mixcast.assist.trust import ChannelTrust


def test_first_reason(trust: ChannelTrust) -> str:
    """Why a channel that is not movable must be tested before its budget moves."""
    if trust.mostly_prior:
        return trust.mostly_prior
    reason = trust.reasons[0] if trust.reasons else "validation found a problem"
    return f"validation says do not act ({reason})"


def test_candidates(summary: Mapping, trust: Mapping[str, ChannelTrust]) -> list[dict]:
    """Channels to test next, most urgent first, each with why.

    Channels that are not movable come first (an experiment is the only way to act on
    them); when every channel is movable, the one with the most outcome at stake: its
    spend times the width of its ROI range (the order `mixcast plan-tests` gives when its
    tests narrow every channel alike; the assistant uses that ranking itself when it has
    it).
    """
    out = [{"channel": name, "reason": test_first_reason(entry),
            "command": f"mixcast design-test --channel {name}"}
           for name, entry in trust.items() if not entry.movable]
    if out:
        return out
    channels = summary.get("channels", {})

    def at_stake(name: str) -> float:
        roi = channels[name]["roi"]
        return float(channels[name].get("spend") or 0.0) * (roi["hi90"] - roi["lo90"])

    if not channels:
        return []
    best = max(channels, key=at_stake)
    return [{"channel": best,
             "reason": f"its ROI, {band(channels[best]['roi'])}, on spend of "
                       f"{money(float(channels[best].get('spend') or 0.0))}, leaves the most "
                       "outcome uncertain of any channel",
             "command": f"mixcast design-test --channel {best}"}]


def held_channels(trust: Mapping[str, ChannelTrust]) -> tuple[str, ...]:
    """Channels an optimised plan must keep at today's spend: those not movable. (The
    optimiser holds mostly-prior channels itself; a do_not_act verdict is validation's.)"""
    return tuple(name for name, entry in trust.items() if not entry.movable)


def spend_advice(status: str, trust: ChannelTrust, *, relative: bool = False) -> str:
    """The action for a channel's saturation status, held back when it is not movable.

    ``relative``: the status was judged against the channels' average mROI rather than
    break-even (a KPI without a value; :mod:`mixcast.analysis.hurdle`)."""
    if not trust.movable:
        return f"test it before moving its budget: {test_first_reason(trust)}"
    if status == "underfunded":
        return ("a candidate for more budget: the next unit is expected to return "
                + ("more than the average channel's next unit" if relative
                   else "more than it costs"))
    if status == "saturated":
        return ("a candidate to trim: further spend returns "
                + ("less than the average channel's" if relative else "less than it costs"))
    return ("hold: the data cannot tell whether it returns more or less than the average "
            "channel" if relative else "hold: the data cannot tell whether more or less "
            "would pay")
