"""One way to write a number for people: in tables, messages, verdicts and summaries.

Plain Python, no dependencies, so every layer can use it (the validation's reasons, the
identification notes, the CLI's tables and the assistant's sentences all agree).
"""

from __future__ import annotations

import math


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun``, plural unless ``n`` is one (``noun + "s"`` unless given).

    Examples
    --------
    >>> counted(1, "channel"), counted(3, "outlier week"), counted(0, "problem")
    ('1 channel', '3 outlier weeks', '0 problems')
    >>> counted(2, "worker process", "worker processes")
    '2 worker processes'
    """
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def compact_number(value: float | None, digits: int = 2) -> str:
    """A compact number: 2.19B, 1.23M, 45.6k, 0.87 (an em dash when missing).

    Examples
    --------
    >>> compact_number(1234567.0), compact_number(45600.0), compact_number(0.8712)
    ('1.23M', '45.6k', '0.87')
    >>> compact_number(9386.24), compact_number(106.7)
    ('9,386', '106.7')
    >>> compact_number(2.18655e9), compact_number(-7.95e9)
    ('2.19B', '-7.95B')
    >>> compact_number(float("nan")), compact_number(None), compact_number(-2.5, digits=1)
    ('—', '—', '-2.5')
    >>> compact_number(0.0143), compact_number(0.00213), compact_number(0.0)  # small: 2 figures
    ('0.014', '0.0021', '0.00')
    >>> compact_number(0.09), compact_number(0.0999), compact_number(0.05, digits=1)
    ('0.09', '0.10', '0.05')
    """
    if value is None or value != value:   # NaN of any float type
        return "—"
    magnitude = abs(value)
    if magnitude >= 1e9:
        return f"{value / 1e9:,.{digits}f}B"
    if magnitude >= 1e6:
        return f"{value / 1e6:,.{digits}f}M"
    if magnitude >= 1e4:
        return f"{value / 1e3:,.{max(digits - 1, 0)}f}k"
    # Cents on thousands are noise beside 45.6k in the same column: keep ~4 figures.
    if magnitude >= 1e3:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:,.{max(digits - 1, 0)}f}"
    if 1e-6 <= magnitude < 0.1:
        # A CPA of 0.014 or an mROI of 0.0021 (conversions per unit spent) would all read
        # 0.01 or 0.00: keep ``digits`` significant figures instead.
        places = min(digits - 1 - math.floor(math.log10(magnitude)), 8)
        text = f"{value:,.{places}f}"
        # ... but never more decimals than needed: 0.09, not 0.090.
        while places > digits and text.endswith("0"):
            text, places = text[:-1], places - 1
        return text
    return f"{value:,.{digits}f}"
