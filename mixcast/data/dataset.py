"""The immutable Dataset every later stage consumes (never the raw files)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True, slots=True)
class LiftTest:
    """One incrementality experiment (a row of lift_tests.csv) that *happened*.

    ``start``/``end`` are inclusive week indices on the data's weekly grid: indices into
    ``Dataset.dates`` for a test inside the data; for a test dated outside the data's
    weeks they continue the grid (negative before the first week, ``>= n_times`` after
    the last), and ``bau_spend`` is then required. ``geo`` is an index into
    ``Dataset.geos`` or None for a national test.

    ``spend_delta`` is the total change in the channel's spend over the window (summed
    over its weeks, and over geos for a national test) versus business as usual; inside
    the data the observed spend already includes it. ``measure_end`` is the last week
    whose outcome the lift counts (None: ``end``); ``bau_spend`` the channel's usual
    weekly spend in the test's geo (all geos together for a national test), currency.
    """

    channel: str
    start: int
    end: int
    geo: int | None
    spend_delta: float
    lift: float
    lift_se: float
    label: str = ""
    measure_end: int | None = None
    bau_spend: float | None = None

    @property
    def last_week(self) -> int:
        """The last week whose outcome the lift counts (``measure_end`` or ``end``)."""
        return self.end if self.measure_end is None else self.measure_end

    @property
    def n_weeks(self) -> int:
        """Weeks in the test's window (``start`` .. ``end``)."""
        return self.end - self.start + 1

    def inside(self, n_times: int) -> bool:
        """True when the window lies in the data's ``n_times`` weeks (its spend observed)."""
        return self.start >= 0 and self.end < n_times


@dataclass(frozen=True, slots=True)
class Issue:
    """A guardrail finding: ``level`` is 'warning' or 'info'; ``code`` is stable."""

    code: str
    level: str
    message: str
    columns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Dataset:
    """Model-ready arrays, with names, dates and geos.

    Shapes: G geos (1 for national data), T weeks, C paid channels, K controls,
    O organic channels, E events, M mediators.

    Attributes
    ----------
    y : (G, T) KPI.
    spend : (G, T, C) spend in currency.
    media : (G, T, C) media units the response is modelled on: impressions where
        given, reach for reach-and-frequency channels, else spend.
    rf_channels : the reach-and-frequency channels (their ``media`` is reach, in order).
    frequency : (G, T, R) average frequency of the R reach-and-frequency channels
        (impressions = reach x frequency); None when there are none.
    controls : (G, T, K); organic : (G, T, O); events : (G, T, E) 0/1 indicators.
    mediators : (G, T, M) mediator columns (e.g. branded search volume) that the model
        (``ModelSpec.mediators``) explains by upstream channels and feeds into the KPI.
    population : (G,) population per geo (ones when not given).
    revenue_per_kpi : (G, T) value of one KPI unit (ones for revenue KPIs).
    """

    dates: np.ndarray
    geos: tuple[str, ...]
    channels: tuple[str, ...]
    y: np.ndarray
    spend: np.ndarray
    media: np.ndarray
    control_names: tuple[str, ...] = ()
    controls: np.ndarray | None = None
    organic_names: tuple[str, ...] = ()
    organic: np.ndarray | None = None
    event_names: tuple[str, ...] = ()
    events: np.ndarray | None = None
    mediator_names: tuple[str, ...] = ()
    mediators: np.ndarray | None = None
    population: np.ndarray | None = None
    revenue_per_kpi: np.ndarray | None = None
    kpi_type: str = "revenue"
    target: str = "revenue"
    geo_column: str | None = None
    lift_tests: tuple[LiftTest, ...] = ()
    platform_attributed: dict[str, np.ndarray] = field(default_factory=dict)
    issues: tuple[Issue, ...] = ()
    source: str = ""
    rf_channels: tuple[str, ...] = ()
    frequency: np.ndarray | None = None

    def __post_init__(self) -> None:
        n_geos, n_times = self.y.shape
        expected = {
            "spend": (n_geos, n_times, len(self.channels)),
            "media": (n_geos, n_times, len(self.channels)),
        }
        for name, shape in expected.items():
            got = getattr(self, name).shape
            if got != shape:
                raise ValueError(f"Dataset.{name} must have shape {shape}; got {got}.")
        if len(self.dates) != n_times or len(self.geos) != n_geos:
            raise ValueError("Dataset dates/geos do not match y's shape.")
        unknown = [c for c in self.rf_channels if c not in self.channels]
        if unknown:
            raise ValueError(f"Dataset.rf_channels {unknown} are not channels.")
        if self.rf_channels and (self.frequency is None or self.frequency.shape !=
                                 (n_geos, n_times, len(self.rf_channels))):
            raise ValueError(f"Dataset.frequency must have shape "
                             f"{(n_geos, n_times, len(self.rf_channels))} for the "
                             "reach-and-frequency channels.")

    @property
    def n_geos(self) -> int:
        return self.y.shape[0]

    @property
    def n_times(self) -> int:
        return self.y.shape[1]

    @property
    def n_channels(self) -> int:
        return len(self.channels)

    @property
    def is_geo(self) -> bool:
        return self.geo_column is not None

    def controls_or_empty(self) -> np.ndarray:
        return _or_empty(self.controls, self.y.shape)

    def organic_or_empty(self) -> np.ndarray:
        return _or_empty(self.organic, self.y.shape)

    def events_or_empty(self) -> np.ndarray:
        return _or_empty(self.events, self.y.shape)

    def mediators_or_empty(self) -> np.ndarray:
        return _or_empty(self.mediators, self.y.shape)

    def population_or_ones(self) -> np.ndarray:
        return np.ones(self.n_geos) if self.population is None else self.population

    def frequency_or_empty(self) -> np.ndarray:
        """(G, T, R) frequency of the reach-and-frequency channels ((G, T, 0) if none)."""
        return _or_empty(self.frequency if self.rf_channels else None, self.y.shape)

    def rf_index(self) -> tuple[int, ...]:
        """Channel index of each reach-and-frequency channel."""
        return tuple(self.channels.index(c) for c in self.rf_channels)

    @property
    def kpi_in_currency(self) -> bool:
        """Whether the KPI has a value in currency (revenue, or conversions with a
        ``revenue_per_kpi``): only then is an ROI revenue per unit spent."""
        return self.kpi_type == "revenue" or self.revenue_per_kpi is not None

    def value_per_kpi(self) -> np.ndarray:
        """(G, T) currency value of one KPI unit."""
        if self.revenue_per_kpi is None:
            return np.ones_like(self.y)
        return self.revenue_per_kpi

    def fingerprint(self) -> str:
        """SHA-256 over every array and name: equal fingerprints mean equal inputs."""
        digest = hashlib.sha256()
        for part in (self.dates.astype("datetime64[D]").astype(np.int64), self.y,
                     self.spend, self.media, self.controls_or_empty(),
                     self.organic_or_empty(), self.events_or_empty(),
                     self.population_or_ones(), self.value_per_kpi(),
                     self.frequency_or_empty()):
            digest.update(np.ascontiguousarray(part, dtype=np.float64).tobytes())
        names = "|".join((*self.geos, *self.channels, *self.control_names,
                          *self.organic_names, *self.event_names, self.kpi_type,
                          *(f"rf:{c}" for c in self.rf_channels)))
        digest.update(names.encode())
        if self.mediator_names:  # only when present, so older fingerprints are unchanged
            digest.update(np.ascontiguousarray(self.mediators, dtype=np.float64).tobytes())
            digest.update("|".join(self.mediator_names).encode())
        for test in self.lift_tests:
            digest.update(repr(test).encode())
        return digest.hexdigest()

    def window(self, start: int, stop: int) -> "Dataset":
        """The same dataset restricted to weeks [start, stop) (for backtests)."""
        from dataclasses import replace

        def cut(a):
            return None if a is None else a[:, start:stop]

        # A test inside the data stays when its window and measurement lie in the cut;
        # one dated outside the data (with bau_spend) does not depend on its weeks.
        tests = tuple(
            replace(t, start=t.start - start, end=t.end - start,
                    measure_end=None if t.measure_end is None else t.measure_end - start)
            for t in self.lift_tests
            if (t.start >= start and t.last_week < stop) or not t.inside(self.n_times))
        return replace(
            self, dates=self.dates[start:stop], y=self.y[:, start:stop],
            spend=self.spend[:, start:stop], media=self.media[:, start:stop],
            controls=cut(self.controls), organic=cut(self.organic), events=cut(self.events),
            mediators=cut(self.mediators),
            revenue_per_kpi=cut(self.revenue_per_kpi), lift_tests=tests,
            frequency=cut(self.frequency),
            platform_attributed={k: v[:, start:stop] for k, v in self.platform_attributed.items()})


def _or_empty(array: np.ndarray | None, yshape: tuple[int, int]) -> np.ndarray:
    return np.zeros((*yshape, 0)) if array is None else array
