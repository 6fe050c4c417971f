"""Exceptions raised by mixcast.

Hierarchy::

    MixcastError                      base of everything mixcast raises on purpose
    ├── UserError (ValueError)        a mistake the user can fix; the CLI prints it and exits 2
    │   ├── ConfigError               config.yaml: unknown key, wrong type, missing file
    │   ├── DataError                 the data file: columns, dates, values
    │   ├── SpecError                 model options (priors, adstock, saturation)
    │   └── RunError                  a run directory that is missing, partial or too new
    ├── NotFittedError (RuntimeError) an analysis asked of something not fitted
    └── InfeasibleError (ValueError)  optimiser constraints that cannot all hold

Warnings, issued through :func:`warnings.warn` (the CLI renders them)::

    MixcastWarning (UserWarning)
    ├── DataWarning                   data guardrails: short history, collinear channels, ...
    └── ConvergenceWarning            chains that did not mix (the one rule in
                                      mixcast.posterior.diagnostics)
"""

from __future__ import annotations


class MixcastError(Exception):
    """Base class of every error mixcast raises deliberately."""


class UserError(MixcastError, ValueError):
    """A mistake in the user's input; the message says what, where, and how to fix it."""


class ConfigError(UserError):
    """The configuration file is missing, malformed or has an invalid value."""


class DataError(UserError):
    """The data file has a problem: missing columns, bad dates, bad values.

    ``issues`` holds every problem found, so that all of them are reported at once.
    """

    def __init__(self, message: str, issues: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.issues = issues or (message,)


class SpecError(UserError):
    """A model option is invalid (sklearn grammar: which parameter, allowed range, got)."""


class RunError(UserError):
    """A run directory is missing, incomplete, or written by a newer mixcast."""


class InfeasibleError(UserError):
    """Optimiser or scenario constraints that cannot all be satisfied."""


class NotFittedError(MixcastError, RuntimeError):
    """An analysis was requested from an object that holds no posterior."""


class MixcastWarning(UserWarning):
    """A guardrail: the data or the fit is usable but has a known weakness."""


class ConvergenceWarning(MixcastWarning):
    """The MCMC chains did not converge (R-hat, ESS or divergences out of bounds)."""


class DataWarning(MixcastWarning):
    """A data guardrail: short history, monthly rows, collinear channels, missing controls."""
