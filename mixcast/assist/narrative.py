"""A run's story in a few paragraphs, written deterministically from its numbers.

Four parts: what each channel drove (with ranges), which channels are saturated or
underfunded, what to test next and why, and which results are not yet trustworthy and
why. Two rules hold for every sentence: an estimate is never stated without its 90% range
(:func:`mixcast.assist.format.band`), and a channel that is not movable (validation says
do_not_act, or its ROI is mostly the prior) is never recommended a budget move, only a
test. The CLI's ``summary``, the HTML report and the dashboard print the same text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mixcast.analysis.curves import channel_ranking
from mixcast.assist.advice import spend_advice, test_candidates, test_first_reason
from mixcast.assist.format import band, money
from mixcast.assist.trust import ChannelTrust, channel_trust, overall, read_validation
from mixcast.formatting import counted


@dataclass(frozen=True, slots=True)
class Narrative:
    """The narrative's paragraphs, each a (heading, sentences) pair."""

    paragraphs: tuple[tuple[str, tuple[str, ...]], ...]

    def text(self) -> str:
        return "\n\n".join(f"{title}\n" + "\n".join(f"- {s}" for s in sentences)
                           for title, sentences in self.paragraphs)

    def as_dict(self) -> dict:
        return {"paragraphs": [{"title": t, "sentences": list(s)} for t, s in self.paragraphs],
                "text": self.text()}


def write_narrative(summary: Mapping, trust: Mapping[str, ChannelTrust], *,
                    ranking: list[dict] | None = None,
                    validation: Mapping | None = None) -> Narrative:
    """The narrative from plain inputs (pure; no model needed).

    Parameters
    ----------
    summary : the run's summary.json.
    trust : :func:`mixcast.assist.trust.channel_trust` of the run.
    ranking : rows with ``channel``, ``status`` (saturated / underfunded / hold) and
        ``mroi`` ({mean, lo90, hi90}), e.g. from :func:`mixcast.analysis.channel_ranking`
        (via :func:`ranking_rows`; ``relative``: True where the status was judged against
        the channels' average, a KPI without a value); None leaves the saturation
        paragraph out with a note.
    validation : the run's validation.json, or None when it has not been run.
    """
    return Narrative(paragraphs=(
        ("What drove the outcome", _drivers(summary)),
        ("Saturated or underfunded", _saturation(ranking, trust)),
        ("What to test next", tuple(f"{p['channel']}: {p['reason']}."
                                    for p in test_candidates(summary, trust))
         or ("Nothing urgent: every channel's estimate is the data's.",)),
        ("Not yet trustworthy", _untrusted(summary, trust, validation)),
    ))


def _drivers(summary: Mapping) -> tuple[str, ...]:
    channels = summary.get("channels", {})
    target = summary.get("target", "the outcome")
    start, end = (summary.get("date_range") or ["", ""])[:2]
    order = sorted(channels, key=lambda c: -(channels[c].get("incremental_outcome")
                                             or channels[c]["contribution_share"])["mean"])
    out = [f"Window: {start} to {end}; ranges are 90% intervals."] if start else []
    for name in order:
        entry = channels[name]
        drove = _drove(entry, target)
        # Conversion KPIs are steered by the cost of a conversion, so CPA comes with ROI.
        cpa = f", CPA {band(entry['cpa'])}" if entry.get("cpa") else ""
        out.append(f"{name} {drove}{band(entry['contribution_share'], pct=True)} of what paid "
                   f"media drove, on spend of {money(entry['spend'])}; ROI {band(entry['roi'])}"
                   f"{cpa}.")
    return tuple(out)


def _drove(entry: Mapping, target: str) -> str:
    """What a channel drove: in the KPI's units, and, for conversions with a value per
    conversion, what they were worth (the incremental outcome is a value: ROI's
    numerator)."""
    if "incremental_outcome" not in entry:
        return ""
    value = entry["incremental_outcome"]
    kpi = entry.get("incremental_kpi")
    if kpi is None:
        return f"drove {band(value)} of {target}, "
    worth = ("" if abs(kpi["mean"] - value["mean"]) <= 1e-9 * max(abs(value["mean"]), 1.0)
             else f" worth {band(value)}")
    return f"drove {band(kpi)} {target}{worth}, "


def _saturation(ranking: list[dict] | None, trust: Mapping[str, ChannelTrust]
                ) -> tuple[str, ...]:
    if ranking is None:
        return ("Response curves are not available for this run (they need a Bayesian "
                "run), so saturation is not assessed.",)
    out = []
    for row in ranking:
        name, status = row["channel"], row["status"]
        label = {"hold": "neither saturated nor clearly underfunded"}.get(status, status)
        out.append(f"{name} is {label} (next-unit return, mROI, {band(row['mroi'])}): "
                   f"{spend_advice(status, trust[name], relative=row.get('relative', False))}.")
    return tuple(out)


def _untrusted(summary: Mapping, trust: Mapping[str, ChannelTrust],
               validation: Mapping | None) -> tuple[str, ...]:
    out = []
    for name, entry in trust.items():
        if not entry.movable:
            out.append(f"{name} ({entry.verdict.replace('_', ' ')}): {test_first_reason(entry)}.")
        elif entry.verdict == "care":
            why = "; ".join(entry.reasons[:2]) or "validation advises care"
            out.append(f"{name} (care): {why}.")
    diagnostics = summary.get("diagnostics", {})
    if diagnostics.get("divergences"):
        out.append(f"The sampler reported "
                   f"{counted(diagnostics['divergences'], 'divergent transition')}; "
                   "treat every estimate with care until they are gone.")
    verdict = overall(dict(validation) if validation is not None else None)
    if verdict["verdict"] == "not_validated":
        out.append("This run has not been validated: run `mixcast validate --run RUN` for "
                   "each channel's verdict.")
    elif verdict["verdict"] != "solid":
        out.append(f"Overall verdict {verdict['verdict'].replace('_', ' ')}: "
                   + "; ".join(verdict.get("reasons", [])[:2]) + ".")
    return tuple(out) or ("Nothing: every channel passed validation.",)


def ranking_rows(frame) -> list[dict]:
    """Rows of a :func:`mixcast.analysis.channel_ranking` frame, next dollar first."""
    frame = frame.sort_values("next_dollar_rank")
    return [{"channel": r.channel, "status": r.status, "next_dollar_rank": int(r.next_dollar_rank),
             "spend": float(r.spend),
             "mroi": {"mean": float(r.mroi_mean), "lo90": float(r.mroi_lo90),
                      "hi90": float(r.mroi_hi90)},
             "saturation_spend": float(r.saturation_spend),
             "relative": r.hurdle_basis != "breakeven"}
            for r in frame.itertuples()]


def run_narrative(fit, run: str | Path, *, ranking=None) -> Narrative:
    """The narrative of the run at ``run`` (its ``fit`` already loaded); ``ranking`` (a
    :func:`mixcast.analysis.channel_ranking` frame) may be passed in when computed."""
    path = Path(run)
    summary = json.loads((path / "summary.json").read_text())
    validation = read_validation(path)
    if ranking is None and fit.kind == "bayes":
        ranking = channel_ranking(fit)
    return write_narrative(summary, channel_trust(fit, validation=validation or {}),
                           ranking=None if ranking is None else ranking_rows(ranking),
                           validation=validation)
