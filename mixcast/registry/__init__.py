"""The registry of runs: refreshes as new weeks arrive, alerts, and adopted plans tracked.

:mod:`~mixcast.registry.store` holds runs in DuckDB (default) or PostgreSQL;
:mod:`~mixcast.registry.refresh` fits new weeks into it; :mod:`~mixcast.registry.alerts`,
:mod:`~mixcast.registry.anomalies` and :mod:`~mixcast.registry.movement` say what moved;
:mod:`~mixcast.registry.adopt` records adopted plans and scores them later;
:mod:`~mixcast.registry.history` gathers it all for the dashboard.
"""
