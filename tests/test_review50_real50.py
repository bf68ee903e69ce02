"""Commands on real-shaped data, run two ways that must agree."""

from __future__ import annotations

from hourglass.cli.timeseries import scored_steps_text


def test_series_score_summary_groups_thousands_like_every_other_count() -> None:
    # what was wrong: `hourglass score MODEL sensors.csv` on a time-series model printed
    # "scored 1147 time steps, 1147 flagged" while every other summary (a table's score,
    # stream, the drift line beside it) writes "1,147"
    assert scored_steps_text(1147, 1147, "rows", 1132) == "scored 1,147 time steps, 1,132 flagged"
    assert scored_steps_text(2000, 6000, "5min", 1500) == (
        "scored 2,000 time steps (resampled from 6,000 rows to 5min), 1,500 flagged")
