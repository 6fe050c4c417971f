"""Numbers in words: every estimate is written with its 90% range, in one shape.

``band({"mean": m, "lo90": l, "hi90": h})`` -> ``"1.2M (90% range 1.0M to 1.4M)"``; the
narrative's tests rely on this one shape to check that no estimate goes without its range.
"""

from __future__ import annotations

from collections.abc import Mapping

from mixcast.formatting import compact_number as fmt


def band(entry: Mapping, *, pct: bool = False, signed: bool = False) -> str:
    """An estimate with its range: ``"M (90% range L to H)"`` (percentages with ``pct``)."""
    def one(value) -> str:
        if pct:
            return "—" if value is None else f"{100 * value:{'+' if signed else ''}.0f}%"
        text = fmt(value)
        return f"+{text}" if signed and value is not None and value > 0 else text
    return f"{one(entry['mean'])} (90% range {one(entry['lo90'])} to {one(entry['hi90'])})"


def money(value: float) -> str:
    """Spend (a fact of the data, not an estimate): no range."""
    return fmt(value)
