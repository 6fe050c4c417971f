"""The registry's tables, as ordered migrations that both SQL backends run.

Each migration is a list of statements in the shared dialect (:mod:`mixcast.registry.store`
translates placeholders and types); ``schema_version`` records the highest applied. A
registry written by a newer mixcast (a higher version than :data:`SCHEMA_VERSION`) is
refused rather than guessed at. Documents (config, diagnostics, validation, plans) are JSON
text so that both backends store them alike; numbers that are compared across runs (ROI
per channel, forecasts against actuals) get their own columns.
"""

from __future__ import annotations

MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (1, (
        """CREATE TABLE runs (
            id TEXT PRIMARY KEY, created TEXT NOT NULL, path TEXT NOT NULL,
            fingerprint TEXT NOT NULL, config_hash TEXT NOT NULL, config TEXT NOT NULL,
            mixcast_version TEXT NOT NULL, model TEXT NOT NULL,
            data_start TEXT NOT NULL, data_end TEXT NOT NULL, n_weeks INTEGER NOT NULL,
            diagnostics TEXT NOT NULL, verdict TEXT, validation TEXT,
            UNIQUE (fingerprint, config_hash))""",
        """CREATE TABLE channel_metrics (
            run_id TEXT NOT NULL, channel TEXT NOT NULL, metric TEXT NOT NULL,
            mean DOUBLE, lo90 DOUBLE, hi90 DOUBLE,
            PRIMARY KEY (run_id, channel, metric))""",
        # The previous run's forecast of the weeks that have since happened, scored by
        # the refresh (run_id) that saw them.
        """CREATE TABLE forecast_checks (
            run_id TEXT NOT NULL, forecast_run_id TEXT NOT NULL, date TEXT NOT NULL,
            actual DOUBLE, mean DOUBLE, lo95 DOUBLE, hi95 DOUBLE,
            PRIMARY KEY (run_id, date))""",
        """CREATE TABLE alerts (
            run_id TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,
            severity TEXT NOT NULL, channel TEXT, message TEXT NOT NULL,
            look_at TEXT NOT NULL, details TEXT NOT NULL,
            PRIMARY KEY (run_id, seq))""",
        """CREATE TABLE adoptions (
            id TEXT PRIMARY KEY, run_id TEXT NOT NULL, created TEXT NOT NULL,
            start_date TEXT NOT NULL, weeks INTEGER NOT NULL, source TEXT NOT NULL,
            plan TEXT NOT NULL)""",
        """CREATE TABLE adoption_scores (
            adoption_id TEXT NOT NULL, run_id TEXT NOT NULL, weeks_scored INTEGER NOT NULL,
            predicted_mean DOUBLE, predicted_lo90 DOUBLE, predicted_hi90 DOUBLE,
            actual DOUBLE, adherence DOUBLE,
            PRIMARY KEY (adoption_id, run_id))""",
    )),
    (2, (
        # Listing runs newest first and finding the last run of a config are the hot reads.
        "CREATE INDEX runs_by_config ON runs (config_hash, data_end)",
    )),
)

SCHEMA_VERSION = MIGRATIONS[-1][0]


def pending(current: int) -> list[tuple[int, tuple[str, ...]]]:
    """The migrations above ``current``, in order."""
    return [(version, steps) for version, steps in MIGRATIONS if version > current]
