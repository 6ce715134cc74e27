"""Report settings: every threshold the risk rules and the QBR sections use, documented.

Defaults are the values below; a JSON or TOML file (``--settings file.toml``) overrides any of
them by name, flat or under a ``[report]`` table::

    # settings.toml
    adoption_low_rate = 0.6
    renewal_window_days = 120

Unknown names and values of the wrong type are errors that name the key, so a typo never
silently falls back to a default. ``docs/reports.md`` lists every setting (generated from
the help texts here, checked by a test).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from cs_reports.errors import InvalidInputError

__all__ = ["DEFAULT_SETTINGS", "ORDERED", "RANGES", "ReportSettings", "load_settings"]


#: The range of each kind of setting: a rate is a share, a score a 0-100 index, days and
#: counts are bounded so that a typo (a rate of 7, 10**400 days) is an error, never a flag on
#: every client.
RANGES: dict[str, tuple[float, float, str]] = {
    "rate": (0.0, 1.0, "a rate from 0 to 1"),
    "score": (0.0, 100.0, "a score from 0 to 100"),
    "days": (0.0, 3660.0, "a number of days from 0 to 3660"),
    "months": (0.0, 120.0, "a number of months from 0 to 120"),
    "count": (0.0, 1_000_000.0, "a count from 0 to 1,000,000"),
    "ratio": (1.0, 1000.0, "a ratio from 1 to 1000"),
}

#: Pairs (low, high) of settings whose first must not exceed the second.
ORDERED: tuple[tuple[str, str], ...] = (
    ("adoption_drop_points", "adoption_drop_high_points"),
    ("health_low_score", "health_watch_score"),
    ("overdue_days", "overdue_high_days"),
    ("contraction_rate", "contraction_high_rate"),
    ("ticket_spike_ratio", "ticket_spike_high_ratio"),
    ("csat_drop_points", "csat_drop_high_points"),
    ("nps_ok_score", "nps_good_score"),
    ("forecast_unlikely_rate", "forecast_likely_rate"),
)


def _s(default: float, text: str, kind: str) -> Any:
    return field(default=default, metadata={"help": text, "kind": kind})


@dataclass(frozen=True)
class ReportSettings:
    """Thresholds of the risk rules and of the QBR sections (rates in [0, 1], scores 0-100)."""

    adoption_low_rate: float = _s(0.5, "adoption below this rate is a risk (medium)", "rate")
    adoption_drop_points: float = _s(0.10, "adoption falling by at least this much over the quarter is a risk", "rate")
    adoption_drop_high_points: float = _s(0.20, "... and a high-severity risk from this fall on", "rate")
    health_low_score: float = _s(50.0, "Health Score below this is a high-severity risk", "score")
    health_watch_score: float = _s(70.0, "Health Score below this is a medium risk", "score")
    health_drop_points: float = _s(
        10.0, "Health Score falling by at least this many points over the quarter is a risk", "score"
    )
    unused_seats_rate: float = _s(0.30, "share of paid licenses without an active user from which it is a risk", "rate")
    min_licensed_seats: float = _s(5.0, "licenses below which the unused-seats rule does not apply", "count")
    overdue_days: float = _s(0.0, "a milestone this many days past its due date and not done is overdue", "days")
    overdue_high_days: float = _s(30.0, "an overdue milestone this many days late makes the risk high", "days")
    detractor_share: float = _s(
        0.30, "share of detractors (0-6) among the last 12 months' NPS answers that is a risk", "rate"
    )
    min_nps_answers: float = _s(3.0, "NPS answers needed before the detractor rule applies", "count")
    old_ticket_days: float = _s(30.0, "an unresolved ticket older than this many days is a risk", "days")
    contraction_rate: float = _s(0.0, "MRR falling by more than this share over the quarter is a risk", "rate")
    contraction_high_rate: float = _s(0.10, "... and a high-severity risk from this share on", "rate")
    contraction_min_value: float = _s(
        1.0, "an MRR fall smaller than this amount (currency units) is rounding, never contraction", "count"
    )
    ticket_spike_count: float = _s(5.0, "tickets opened in the quarter from which a rise is a ticket spike", "count")
    ticket_spike_ratio: float = _s(2.0, "... when they are at least this multiple of the previous quarter's", "ratio")
    ticket_spike_high_ratio: float = _s(3.0, "... and a high-severity risk from this multiple on", "ratio")
    csat_drop_points: float = _s(0.20, "CSAT (share of 4-5 answers) falling by at least this much is a risk", "rate")
    csat_drop_high_points: float = _s(0.40, "... and a high-severity risk from this fall on", "rate")
    min_csat_answers: float = _s(
        3.0, "CSAT answers needed in each quarter before a CSAT change counts (the CSAT rule and the forecast)", "count"
    )
    resolution_spike_ratio: float = _s(
        2.0, "median resolution time at least this multiple of the previous quarter's is a risk", "ratio"
    )
    min_resolution_tickets: float = _s(3.0, "resolved tickets needed in each quarter for the resolution rule", "count")
    renewal_window_days: float = _s(90.0, "renewals within this many days of the report's date are checked", "days")
    renewal_health_score: float = _s(70.0, "a renewal in the window with a Health Score below this is a risk", "score")
    renewal_probability_rate: float = _s(0.8, "... or with a forecast probability below this", "rate")
    nps_silence_months: float = _s(6.0, "no NPS answer in this many months is a risk", "months")
    nps_good_score: float = _s(30.0, "NPS from this score on is drawn green", "score")
    nps_ok_score: float = _s(0.0, "NPS from this score on (below the good one) is drawn amber, below it red", "score")
    next_steps_days: float = _s(92.0, "next steps: open milestones due within this many days after the quarter", "days")
    goal_on_track_rate: float = _s(0.5, "a goal is on track from this share of the way from baseline to target", "rate")
    forecast_likely_rate: float = _s(0.8, "forecast probability from which a renewal is 'likely'", "rate")
    forecast_unlikely_rate: float = _s(0.6, "forecast probability below which a renewal is 'unlikely'", "rate")
    finance_renewals_days: float = _s(
        90.0, "finance report: renewals due within this many days after the month are listed", "days"
    )
    finance_movers_count: float = _s(
        5.0, "finance report: clients listed behind each MRR movement of the month", "count"
    )
    finance_health_fall_points: float = _s(
        10.0, "finance report: a renewal whose Health Score fell this many points over 3 months is flagged", "score"
    )
    finance_contraction_rate: float = _s(
        0.05, "finance report: a renewal whose 3-month MRR trend is at or below minus this share is flagged", "rate"
    )

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            low, high, expected = RANGES[f.metadata["kind"]]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                raise InvalidInputError(f"Setting '{f.name}': expected {expected}, got {_shown(value)}.")
        for first, second in ORDERED:
            if getattr(self, first) > getattr(self, second):
                raise InvalidInputError(
                    f"Setting '{first}' ({getattr(self, first):g}) must not exceed '{second}' "
                    f"({getattr(self, second):g}); got them inverted."
                )

    @classmethod
    def describe(cls) -> dict[str, tuple[float, str]]:
        """Setting name -> (default, help text)."""
        return {f.name: (f.default, f.metadata["help"]) for f in fields(cls)}  # type: ignore[misc]

    @classmethod
    def table(cls) -> str:
        """The settings as the Markdown table of ``docs/reports.md`` (a test checks the docs hold exactly this).

        >>> print(ReportSettings.table().splitlines()[2])
        | `adoption_low_rate` | 0.5 | adoption below this rate is a risk (medium) |
        """
        lines = ["| setting | default | meaning |", "|---|---|---|"]
        lines += [f"| `{name}` | {default:g} | {text} |" for name, (default, text) in cls.describe().items()]
        return "\n".join(lines)


def _shown(value: object) -> str:
    """``value`` for an error line: a huge number is shortened, never printed in full."""
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:12]}... ({len(text)} characters)"


DEFAULT_SETTINGS = ReportSettings()


def load_settings(path: str | Path | None) -> ReportSettings:
    """Settings from a ``.toml`` or ``.json`` file (``None``: the defaults).

    >>> load_settings(None).renewal_window_days
    90.0
    """
    if path is None:
        return DEFAULT_SETTINGS
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"Settings file '{p}' cannot be read: {exc.strerror or exc}.") from None
    try:
        if p.suffix.lower() == ".toml":
            data: Any = tomllib.loads(raw.decode("utf-8"))
        elif p.suffix.lower() == ".json":
            data = json.loads(raw.decode("utf-8"))
        else:
            raise InvalidInputError(f"Settings file '{p}' must end in .toml or .json, got '{p.suffix or p.name}'.")
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"Settings file '{p}' is not valid {p.suffix[1:].upper()}: {exc}.") from None
    if isinstance(data, dict) and set(data) == {"report"} and isinstance(data["report"], dict):
        data = data["report"]
    if not isinstance(data, dict):
        raise InvalidInputError(f"Settings file '{p}' must hold a table of name = value.")
    allowed = ReportSettings.describe()
    allowed_kinds = {f.name: f.metadata["kind"] for f in fields(ReportSettings)}
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise InvalidInputError(f"Settings file '{p}': unknown settings {unknown}; known: {sorted(allowed)}.")
    values: dict[str, float] = {}
    for key, value in data.items():
        low, high, expected = RANGES[allowed_kinds[key]]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidInputError(f"Settings file '{p}', setting '{key}': expected {expected}, got {_shown(value)}.")
        try:
            values[key] = float(value)
        except OverflowError:
            values[key] = float("inf") if value > 0 else float("-inf")
        if not low <= values[key] <= high:  # also NaN and the infinities
            raise InvalidInputError(f"Settings file '{p}', setting '{key}': expected {expected}, got {_shown(value)}.")
    try:
        return replace(DEFAULT_SETTINGS, **values)
    except InvalidInputError as exc:
        raise InvalidInputError(f"Settings file '{p}': {exc}") from None
