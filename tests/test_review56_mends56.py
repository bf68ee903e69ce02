"""Review round 56: mends found rereading this round's own changes."""

from __future__ import annotations


def test_one_held_out_step_without_a_forecast_is_said_in_the_singular() -> None:
    # What was wrong: a held-out tail whose first step alone has no forecast was said as "its
    # first 1 step has no forecast of their own" (the count made singular this round, the rest
    # of the sentence not); it reads "has no forecast of its own" now, and two such steps as before.
    from hourglass.detectors import AutoEncoder

    det = AutoEncoder()
    det._val_steps = lambda: 5  # type: ignore[method-assign]
    assert det._scores_said(4, held=True).endswith("its first 1 step has no forecast of its own")
    assert det._scores_said(3, held=True).endswith("its first 2 steps have no forecast of their own")
