"""What to do about each channel, from its numbers and its trust: the rules the
narrative and the answers share, so the two never disagree.

Never act on a channel that is not ``movable`` (validation says do_not_act, or its ROI is
mostly the prior): advice on it is always "test it first", never "move budget".
"""

from __future__ import annotations

from collections.abc import Mapping

from mixcast.assist.format import band
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
    them); when every channel is movable, the one whose ROI range is widest relative to
    its estimate (an experiment narrows it most).
    """
    out = [{"channel": name, "reason": test_first_reason(entry),
            "command": f"mixcast design-test --channel {name}"}
           for name, entry in trust.items() if not entry.movable]
    if out:
        return out
    channels = summary.get("channels", {})

    def spread(name: str) -> float:
        roi = channels[name]["roi"]
        return (roi["hi90"] - roi["lo90"]) / max(abs(roi["mean"]), 1e-9)

    if not channels:
        return []
    widest = max(channels, key=spread)
    return [{"channel": widest,
             "reason": f"its ROI, {band(channels[widest]['roi'])}, has the widest range "
                       "for its size: a lift test would narrow it most",
             "command": f"mixcast design-test --channel {widest}"}]


def held_channels(trust: Mapping[str, ChannelTrust]) -> tuple[str, ...]:
    """Channels an optimised plan must keep at today's spend: those not movable. (The
    optimiser holds mostly-prior channels itself; a do_not_act verdict is validation's.)"""
    return tuple(name for name, entry in trust.items() if not entry.movable)


def spend_advice(status: str, trust: ChannelTrust) -> str:
    """The action for a channel's saturation status, held back when it is not movable."""
    if not trust.movable:
        return f"test it before moving its budget: {test_first_reason(trust)}"
    if status == "underfunded":
        return "a candidate for more budget: the next unit is expected to return more than it costs"
    if status == "saturated":
        return "a candidate to trim: further spend returns less than it costs"
    return "hold: the data cannot tell whether more or less would pay"
