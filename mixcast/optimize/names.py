"""Forgiving channel-name matching: case, separators, a missing ``_spend`` suffix, typos."""

from __future__ import annotations

import difflib
import re

from mixcast.errors import UserError

_SUFFIXES = ("_spend", "_cost", "_budget", "spend")


def _key(name: str) -> str:
    text = name.strip().lower()
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return re.sub(r"[^a-z0-9]+", "", text)


def match_channel(name: str, channels: tuple[str, ...], *, where: str = "channel") -> str:
    """The channel ``name`` refers to.

    Tries, in order: exact, case-insensitive, equal after dropping separators and a
    ``_spend`` suffix, a unique prefix, then the closest spelling (difflib).

    Raises
    ------
    UserError
        When nothing matches or the name is ambiguous; the message lists the channels.

    Examples
    --------
    >>> match_channel("TV", ("tv_spend", "search_spend"))
    'tv_spend'
    >>> match_channel("serach", ("tv_spend", "search_spend"))
    'search_spend'
    """
    if name in channels:
        return name
    listing = ", ".join(channels)
    lowered = [c for c in channels if c.lower() == name.strip().lower()]
    if len(lowered) == 1:
        return lowered[0]
    key = _key(name)
    keys = {c: _key(c) for c in channels}
    same = [c for c, k in keys.items() if k == key]
    if len(same) == 1:
        return same[0]
    prefix = [c for c, k in keys.items() if key and k.startswith(key)]
    if len(prefix) == 1:
        return prefix[0]
    if len(prefix) > 1:
        raise UserError(f"{where}: '{name}' could mean any of {', '.join(prefix)}. "
                        f"Write the full name; channels are: {listing}.")
    close = difflib.get_close_matches(key, list(keys.values()), n=1, cutoff=0.6)
    if close:
        return next(c for c, k in keys.items() if k == close[0])
    raise UserError(f"{where}: no channel called '{name}'. Channels are: {listing}.")


def match_channels(names, channels: tuple[str, ...], *, where: str = "channel") -> tuple[str, ...]:
    """:func:`match_channel` for each name, keeping their order."""
    return tuple(match_channel(n, channels, where=where) for n in names)
