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
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import tomllib

from cs_reports.errors import InvalidInputError

__all__ = ["DEFAULT_SETTINGS", "ReportSettings", "load_settings"]


def _s(default: float, text: str) -> Any:
    return field(default=default, metadata={"help": text})


@dataclass(frozen=True)
class ReportSettings:
    """Thresholds of the risk rules and of the QBR sections (rates in [0, 1], scores 0-100)."""

    adoption_low_rate: float = _s(0.5, "adoption below this rate is a risk (medium)")
    adoption_drop_points: float = _s(0.10, "adoption falling by at least this much over the quarter is a risk")
    adoption_drop_high_points: float = _s(0.20, "... and a high-severity risk from this fall on")
    health_low_score: float = _s(50.0, "Health Score below this is a high-severity risk")
    health_watch_score: float = _s(70.0, "Health Score below this is a medium risk")
    health_drop_points: float = _s(10.0, "Health Score falling by at least this many points over the quarter is a risk")
    unused_seats_rate: float = _s(0.30, "share of paid licenses without an active user from which it is a risk")
    min_licensed_seats: float = _s(5.0, "licenses below which the unused-seats rule does not apply")
    overdue_days: float = _s(0.0, "a milestone this many days past its due date and not done is overdue")
    overdue_high_days: float = _s(30.0, "an overdue milestone this many days late makes the risk high")
    detractor_share: float = _s(0.30, "share of detractors (0-6) among the last 12 months' NPS answers that is a risk")
    min_nps_answers: float = _s(3.0, "NPS answers needed before the detractor rule applies")
    old_ticket_days: float = _s(30.0, "an unresolved ticket older than this many days is a risk")
    contraction_rate: float = _s(0.0, "MRR falling by more than this share over the quarter is a risk")
    contraction_high_rate: float = _s(0.10, "... and a high-severity risk from this share on")
    renewal_window_days: float = _s(90.0, "renewals within this many days of the quarter's end are checked")
    renewal_health_score: float = _s(70.0, "a renewal in the window with a Health Score below this is a risk")
    renewal_probability_rate: float = _s(0.8, "... or with a forecast probability below this")
    nps_silence_months: float = _s(6.0, "no NPS answer in this many months is a risk")
    nps_good_score: float = _s(30.0, "NPS from this score on is drawn green")
    nps_ok_score: float = _s(0.0, "NPS from this score on (below the good one) is drawn amber, below it red")
    next_steps_days: float = _s(92.0, "next steps: open milestones due within this many days after the quarter")
    goal_on_track_rate: float = _s(0.5, "a goal is on track from this share of the way from baseline to target")
    forecast_likely_rate: float = _s(0.8, "forecast probability from which a renewal is 'likely'")
    forecast_unlikely_rate: float = _s(0.6, "forecast probability below which a renewal is 'unlikely'")

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < 0:
                raise InvalidInputError(f"Setting '{f.name}' must be a number >= 0, got {value!r}.")

    @classmethod
    def describe(cls) -> dict[str, tuple[float, str]]:
        """Setting name -> (default, help text)."""
        return {f.name: (f.default, f.metadata["help"]) for f in fields(cls)}  # type: ignore[misc]


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
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise InvalidInputError(f"Settings file '{p}': unknown settings {unknown}; known: {sorted(allowed)}.")
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidInputError(f"Settings file '{p}', setting '{key}': expected a number, got {value!r}.")
    try:
        return replace(DEFAULT_SETTINGS, **{k: float(v) for k, v in data.items()})
    except InvalidInputError as exc:
        raise InvalidInputError(f"Settings file '{p}': {exc}") from None
