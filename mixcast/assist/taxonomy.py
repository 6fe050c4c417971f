"""Forgiving channel names: "Meta", "FB" or "facebook" find the social column, "SEM" or
"paid search" the search column, "television" the TV column.

Order of resolution: the config's own ``channel_aliases`` (``{column: [alias, ...]}``),
then the exact or near-exact column name, then the built-in taxonomy of channel families,
then :func:`mixcast.optimize.names.match_channel` (unique prefix, closest spelling),
which names the channels when nothing fits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import yaml

from mixcast.errors import UserError
from mixcast.optimize.names import match_channel

# family -> words people use for it; a column belongs to a family when its name
# contains one of the family's words.
FAMILIES: Mapping[str, tuple[str, ...]] = {
    "social": ("social", "meta", "facebook", "fb", "instagram", "ig", "tiktok", "snapchat",
               "snap", "pinterest", "linkedin", "twitter", "x ads", "reddit", "paid social"),
    "search": ("search", "sem", "google", "google ads", "adwords", "bing", "ppc",
               "paid search", "sea"),
    "tv": ("tv", "television", "linear tv", "ctv", "connected tv", "broadcast"),
    "display": ("display", "banner", "programmatic", "dv360", "gdn"),
    "video": ("video", "youtube", "yt", "online video", "olv"),
    "radio": ("radio", "audio", "podcast", "spotify"),
    "ooh": ("ooh", "out of home", "outdoor", "billboard", "billboards", "dooh"),
    "print": ("print", "newspaper", "magazine", "press"),
    "email": ("email", "e-mail", "newsletter", "crm"),
    "affiliate": ("affiliate", "affiliates", "partners"),
}


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(text).lower()).strip()


def _words(column: str) -> set[str]:
    return set(_key(column).split())


def resolve_channel(name: str, channels: tuple[str, ...], *,
                    aliases: Mapping[str, tuple[str, ...]] | None = None,
                    where: str = "question") -> str:
    """The column of ``channels`` that ``name`` refers to.

    Raises
    ------
    UserError
        When nothing matches or the name fits several columns; the message lists them.

    Examples
    --------
    >>> resolve_channel("Meta", ("tv_spend", "search_spend", "social_spend"))
    'social_spend'
    >>> resolve_channel("SEM", ("tv_spend", "search_spend", "social_spend"))
    'search_spend'
    """
    bare = _FILLER.sub("", _key(name)).strip() or _key(name)
    for key in dict.fromkeys((_key(name), bare)):    # "zuck ads" may be an alias itself
        found = _known(key, channels, aliases, name=name, where=where)
        if found is not None:
            return found
    return match_channel(bare, channels, where=where)


# words around a channel name in a question: "the TV budget", "Meta ads", "search spend"
_FILLER = re.compile(r"\b(?:budget|spend|spending|channel|campaigns?|ads?|advertising)$")


def _known(key: str, channels: tuple[str, ...], aliases, *, name: str, where: str
           ) -> str | None:
    """Config alias, (near-)exact column name, or taxonomy family; None if none fits."""
    for column, words in (aliases or {}).items():
        if key in {_key(w) for w in words} and column in channels:
            return column
    exact = [c for c in channels if _key(c) in (key, f"{key} spend", f"{key} cost")]
    if len(exact) == 1:
        return exact[0]
    family = next((f for f, words in FAMILIES.items() if key == f or key in words), None)
    if family is None:
        return None
    members = [c for c in channels if _in_family(c, family)]
    if len(members) > 1:
        raise UserError(f"{where}: '{name}' could mean any of {', '.join(members)}. "
                        f"Name the column; channels are: {', '.join(channels)}.")
    return members[0] if members else None


def _in_family(column: str, family: str) -> bool:
    words, text = _words(column), _key(column)
    return any((w in words) if " " not in w else (w in text)
               for w in (family, *FAMILIES[family]))


def run_aliases(run: str | Path | None) -> dict[str, tuple[str, ...]]:
    """The ``channel_aliases`` of a run's config.yaml (empty when it has none)."""
    path = Path(run) / "config.yaml" if run is not None else None
    if path is None or not path.exists():
        return {}
    raw = (yaml.safe_load(path.read_text()) or {}).get("channel_aliases") or {}
    return {str(k): tuple(str(w) for w in ([v] if isinstance(v, str) else v))
            for k, v in raw.items()}
