"""How far each channel's numbers can be trusted, in one place for every answer.

The verdict is validation's (``RUN/validation.json``: solid / care / do_not_act) when the
run has been validated; a channel whose ROI is mostly the prior (see
:mod:`mixcast.analysis.identification`) is never a basis for moving budget either. The
rule every answer and the narrative follow: budget may be moved only on a channel that is
``movable``; the others get "test it first".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from mixcast.analysis.identification import identification

NOT_VALIDATED = "not_validated"


@dataclass(frozen=True, slots=True)
class ChannelTrust:
    """One channel's trust verdict and the reasons behind it."""

    channel: str
    verdict: str                      # solid | care | do_not_act | not_validated
    reasons: tuple[str, ...] = ()
    mostly_prior: str | None = None   # why the ROI restates the prior, when it does

    @property
    def movable(self) -> bool:
        """Budget may be moved on it: validation does not say do_not_act and its ROI is
        the data's, not the prior's."""
        return self.verdict != "do_not_act" and self.mostly_prior is None

    def as_dict(self) -> dict:
        return {"verdict": self.verdict, "reasons": list(self.reasons),
                "mostly_prior": self.mostly_prior, "movable": self.movable}


def read_validation(run: str | Path | None) -> dict | None:
    """RUN/validation.json, or None when the run has not been validated (or is unreadable)."""
    if run is None:
        return None
    path = Path(run) / "validation.json"
    try:
        return json.loads(path.read_text()) if path.exists() else None
    except (OSError, json.JSONDecodeError):
        return None


def channel_trust(fit, run: str | Path | None = None, *,
                  validation: dict | None = None) -> dict[str, ChannelTrust]:
    """``{channel: ChannelTrust}`` for a fit, from its run's validation (if any) and the
    identification rule."""
    document = validation if validation is not None else read_validation(run)
    verdicts = (document or {}).get("channels", {})
    weak = {name: entry.reason() for name, entry in identification(fit).items()
            if entry.mostly_prior}
    out = {}
    for name in fit.channels:
        entry = verdicts.get(name) or {}
        out[name] = ChannelTrust(channel=name, verdict=entry.get("verdict", NOT_VALIDATED),
                                 reasons=tuple(entry.get("reasons", ())),
                                 mostly_prior=weak.get(name))
    return out


def overall(validation: dict | None) -> dict:
    """The run's overall verdict, or that validation has not been run."""
    if validation is None:
        return {"verdict": NOT_VALIDATED,
                "reasons": ["validation has not been run (mixcast validate --run RUN)"]}
    return validation.get("overall", {"verdict": NOT_VALIDATED, "reasons": []})
