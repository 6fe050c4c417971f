"""What kind of channel a column is, read from its name (one reading for every layer).

Two kinds are told apart from ordinary paid media because they behave differently:
**search** (paid search, SEM, PPC), which captures demand at the moment of intent and is
the usual high end of measured ROI, and **affiliate**, paid on results. The model's
default priors (:mod:`mixcast.model.channel_priors`) and the plausibility ceilings
(:mod:`mixcast.validation.plausibility`) read the kind from here.
"""

from __future__ import annotations

import re

SEARCH, AFFILIATE, PAID_MEDIA = "search", "affiliate", "paid media"
_KIND_PATTERNS = (
    (SEARCH, r"(^|[^a-z])(sem|search|ppc|paid_?search|adwords)([^a-z]|$)"),
    (AFFILIATE, r"(^|[^a-z])(aff|affiliate)s?([^a-z]|$)"),
)


def channel_kind(name: str) -> str:
    """The channel's kind from its name (``search``, ``affiliate``; else ``paid media``).

    Examples
    --------
    >>> channel_kind("mdsp_sem"), channel_kind("seminar_tv"), channel_kind("Affiliates")
    ('search', 'paid media', 'affiliate')
    """
    low = name.lower()
    for kind, pattern in _KIND_PATTERNS:
        if re.search(pattern, low):
            return kind
    return PAID_MEDIA
