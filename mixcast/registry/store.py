"""The run registry: one class over an embedded DuckDB file or a PostgreSQL server.

``Registry.at(where)`` picks the backend from the location: a ``postgresql://`` URL goes to
PostgreSQL (psycopg 3), anything else is a DuckDB file (default ``runs/registry.duckdb``,
or ``$MIXCAST_REGISTRY``). SQL is written once, in DuckDB's dialect with ``?``
placeholders; :class:`_Dialect` translates the few differences for PostgreSQL.

Consistency: every write is one transaction, and a refresh holds :meth:`Registry.lock`
(a PostgreSQL advisory lock, or an exclusive ``flock`` beside the DuckDB file), so two
refreshes never interleave. DuckDB lets one process at a time open a file, so
connections are short and opening retries while another process holds it.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mixcast.errors import UserError
from mixcast.registry.schema import SCHEMA_VERSION, pending
from mixcast.storage import jsonable

DEFAULT = Path("runs") / "registry.duckdb"
ENV = "MIXCAST_REGISTRY"
POSTGRES_PREFIXES = ("postgresql://", "postgres://")
OPEN_TIMEOUT_S = 60.0
ADVISORY_KEY = 0x6D697863  # "mixc": the refresh lock's key on PostgreSQL
TABLE_ORDER = {"runs": "data_end, created", "channel_metrics": "run_id, channel, metric",
               "forecast_checks": "run_id, date", "alerts": "run_id, seq",
               "adoptions": "created, id", "adoption_scores": "run_id, adoption_id"}


class RegistryError(UserError):
    """The registry cannot be opened or read (names the location and the fix)."""


@dataclass(frozen=True)
class _Dialect:
    postgres: bool

    def sql(self, statement: str) -> str:
        if not self.postgres:
            return statement
        return statement.replace("?", "%s").replace("DOUBLE", "DOUBLE PRECISION")


class _Session:
    """A connection inside one transaction: execute and read rows as dicts."""

    def __init__(self, connection, dialect: _Dialect) -> None:
        self._connection = connection
        self._dialect = dialect

    def execute(self, statement: str, params: tuple | list = ()) -> list[dict]:
        # On the connection itself: a DuckDB cursor() is a new connection, outside this
        # transaction (a kill mid-refresh then left some rows committed).
        cursor = self._connection.execute(self._dialect.sql(statement), tuple(params))
        if cursor.description is None:
            return []
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def insert(self, table: str, rows: list[dict]) -> None:
        for row in rows:
            columns = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            self.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values()))


class Registry:
    """Runs, their channel metrics, forecast checks, alerts and adopted plans.

    Examples
    --------
    >>> registry = Registry.at("runs/registry.duckdb")   # doctest: +SKIP
    >>> [run["id"] for run in registry.runs()]            # doctest: +SKIP
    """

    def __init__(self, location: str, *, runs_root: Path) -> None:
        self.location = location
        self.runs_root = runs_root
        self.dialect = _Dialect(postgres=location.startswith(POSTGRES_PREFIXES))
        self._migrated = False

    @classmethod
    def at(cls, where: str | Path | None = None, *, runs_root: str | Path | None = None
           ) -> "Registry":
        """The registry at ``where`` (URL or DuckDB file; default ``$MIXCAST_REGISTRY`` or
        ``runs/registry.duckdb``). Runs are written under ``runs_root`` (default: the DuckDB
        file's folder, or ``runs`` beside the current directory for PostgreSQL)."""
        location = str(where or os.environ.get(ENV) or DEFAULT)
        if location.startswith(POSTGRES_PREFIXES):
            root = Path(runs_root or "runs")
        else:
            location = str(Path(location).absolute())
            root = Path(runs_root or Path(location).parent)
        return cls(location, runs_root=root.absolute())

    @property
    def is_postgres(self) -> bool:
        return self.dialect.postgres

    # -- connections ------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[_Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        self._ensure_schema()
        with self._connection() as connection:
            with self._begin(connection):
                yield _Session(connection, self.dialect)

    @contextmanager
    def _connection(self):
        if self.is_postgres:
            import psycopg

            try:
                connection = psycopg.connect(self.location, connect_timeout=10)
            except psycopg.OperationalError as error:
                raise RegistryError(f"Registry {self.shown()}: cannot connect ({error}). "
                                    "Check the URL, the server and the credentials.") from None
        else:
            connection = self._open_duckdb()
        try:
            yield connection
        finally:
            connection.close()

    @contextmanager
    def _begin(self, connection):
        if self.is_postgres:
            with connection.transaction():
                yield
            return
        connection.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def _open_duckdb(self):
        import duckdb

        Path(self.location).parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + OPEN_TIMEOUT_S
        while True:
            try:
                return duckdb.connect(self.location)
            except duckdb.IOException as error:
                # Another process has the file open (DuckDB allows one at a time).
                if "lock" not in str(error).lower() or time.monotonic() > deadline:
                    raise RegistryError(f"Registry {self.location}: cannot open ({error}). "
                                        "Is another program holding it?") from None
                time.sleep(0.02)

    def _ensure_schema(self) -> None:
        if self._migrated:
            return
        with self._connection() as connection, self._begin(connection):
            session = _Session(connection, self.dialect)
            session.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)")
            if self.is_postgres:  # two first connections must not both migrate
                session.execute("LOCK TABLE schema_version IN EXCLUSIVE MODE")
            rows = session.execute("SELECT max(version) AS v FROM schema_version")
            current = rows[0]["v"] or 0
            if current > SCHEMA_VERSION:
                raise RegistryError(f"Registry {self.shown()} has schema version {current}, "
                                    f"newer than this mixcast reads ({SCHEMA_VERSION}). "
                                    "Upgrade mixcast.")
            for version, steps in pending(current):
                for step in steps:
                    session.execute(step)
                session.execute("INSERT INTO schema_version VALUES (?)", [version])
        self._migrated = True

    def schema_version(self) -> int:
        with self.transaction() as session:
            return int(session.execute("SELECT max(version) AS v FROM schema_version")[0]["v"])

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive for the duration of a refresh, across processes; released by the
        operating system (or the server) if the holder dies."""
        if self.is_postgres:
            with self._connection() as connection:
                connection.autocommit = True
                connection.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_KEY,))
                try:
                    yield
                finally:
                    connection.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_KEY,))
            return
        path = Path(self.location + ".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- reads ------------------------------------------------------------------------

    def runs(self) -> list[dict]:
        """Every run, oldest data first (then by creation), JSON columns decoded."""
        with self.transaction() as session:
            rows = session.execute("SELECT * FROM runs ORDER BY data_end, created")
        return [_decode_run(row) for row in rows]

    def run(self, run_id: str) -> dict:
        """One run by id (or unique id prefix); RegistryError naming known runs if none."""
        with self.transaction() as session:
            rows = session.execute("SELECT * FROM runs WHERE id LIKE ? ORDER BY id",
                                   [run_id.replace("%", "") + "%"])
        exact = [r for r in rows if r["id"] == run_id]
        if len(exact) == 1 or len(rows) == 1:
            return _decode_run((exact or rows)[0])
        known = ", ".join(r["id"] for r in self.runs()[-5:]) or "none yet"
        what = "is ambiguous" if rows else "is not in the registry"
        raise RegistryError(f"Run {run_id!r} {what} ({self.shown()}). Recent runs: {known}. "
                            "List them with `mixcast runs`.")

    def find(self, fingerprint: str, config_hash: str) -> dict | None:
        """The run already made from this data and config, if any."""
        with self.transaction() as session:
            rows = session.execute("SELECT * FROM runs WHERE fingerprint = ? AND "
                                   "config_hash = ?", [fingerprint, config_hash])
        return _decode_run(rows[0]) if rows else None

    def latest(self, config_hash: str | None = None) -> dict | None:
        """The run with the newest data (of one config, when given)."""
        runs = [r for r in self.runs() if config_hash in (None, r["config_hash"])]
        return runs[-1] if runs else None

    def table(self, name: str, *, run_id: str | None = None) -> list[dict]:
        """Rows of ``channel_metrics``, ``forecast_checks``, ``alerts``, ``adoptions`` or
        ``adoption_scores`` (of one run, when given), in insertion order."""
        order = {k: v for k, v in TABLE_ORDER.items() if k != "runs"}
        if name not in order:
            raise ValueError(f"Unknown registry table {name!r}; one of {', '.join(order)}.")
        where, params = ("WHERE run_id = ?", [run_id]) if run_id else ("", [])
        with self.transaction() as session:
            rows = session.execute(f"SELECT * FROM {name} {where} ORDER BY {order[name]}",
                                   params)
        return _decode_documents(rows)

    def snapshot(self) -> dict[str, list[dict]]:
        """Every table, read in one transaction (a refresh's view of the past)."""
        with self.transaction() as session:
            tables = {name: session.execute(f"SELECT * FROM {name} ORDER BY {order}")
                      for name, order in TABLE_ORDER.items()}
        tables["runs"] = [_decode_run(r) for r in tables["runs"]]
        for rows in tables.values():
            _decode_documents(rows)
        return tables

    # -- writes -----------------------------------------------------------------------

    def record(self, rows: dict[str, list[dict]]) -> None:
        """Insert a refresh's rows (``{"runs": [...], "alerts": [...], ...}``) in one
        transaction: all of them or none."""
        with self.transaction() as session:
            for table in ("runs", "channel_metrics", "forecast_checks", "alerts",
                          "adoptions", "adoption_scores"):
                session.insert(table, [_encode(row) for row in rows.get(table, [])])

    def shown(self) -> str:
        """The location without a password."""
        if not self.is_postgres or "@" not in self.location:
            return self.location
        scheme, rest = self.location.split("://", 1)
        return f"{scheme}://{rest.split('@', 1)[1]}"


def _decode_documents(rows: list[dict]) -> list[dict]:
    for row in rows:
        for key in ("details", "plan"):
            if isinstance(row.get(key), str):
                row[key] = json.loads(row[key])
    return rows


def _encode(row: dict) -> dict:
    """Documents as strict JSON (NaN -> null: a one-chain run has no R-hat)."""
    return {k: json.dumps(jsonable(v), allow_nan=False) if isinstance(v, dict | list) else v
            for k, v in row.items()}


def _decode_run(row: dict) -> dict:
    row = dict(row)
    for key in ("config", "diagnostics", "validation"):
        if row.get(key) is not None:
            row[key] = json.loads(row[key])
    return row
