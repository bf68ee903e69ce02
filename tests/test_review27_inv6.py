"""Review 27 (inv6): log routes that should agree: ``hourglass stream`` against ``hourglass
score`` on the same log."""

from __future__ import annotations

import io

import numpy as np

from hourglass.cli import stream_logs
from hourglass.detectors.sequence_ae import EventCountAutoEncoder
from hourglass.features.sessions import EventSessions
from hourglass.pipeline import Pipeline
from hourglass.serve.log_stream import LogStreamScorer
from hourglass.serve.sinks import JsonLinesSink


class _Drift:
    """Stands in for the CLI's drift check: keeps the flags it is fed, in order."""

    monitor = object()

    def __init__(self) -> None:
        self.flags: list[int] = []

    def update(self, flags: object) -> None:
        self.flags.extend(int(f) for f in flags)  # type: ignore[attr-defined]

    def summary(self) -> None:
        pass


def test_a_log_streams_drift_check_gets_each_closed_sessions_flag_in_its_place() -> None:
    # the stream's drift check was fed each micro-batch's closed sessions as zeros then ones
    # (the flagged ones last); at the end of input every session closes in one batch, so on
    # the same log the check saw another sequence than score's (fired at session 674, peak
    # 27.1%, where score said session 249, peak 53.6%); it now gets each session's own flag,
    # in the order the sessions closed, which at the end of input is score's order
    train = [f"{op} blk_{b}" for b in range(40) for op in ("open", "read", "close")]
    pipe = Pipeline(detector=EventCountAutoEncoder(hidden=[4], epochs=30, verbose=0,
                                                   random_state=0),
                    features=EventSessions(format="raw", session_regex=r"blk_\d+")).fit(train)
    log: list[str] = []
    for b in range(1, 7):  # blocks 2, 4 and 6 fail: an event never seen in training
        middle = "explode" if b % 2 == 0 else "read"
        log += [f"open blk_{b}", f"{middle} blk_{b}", f"close blk_{b}"]
    expected = [int(f) for f in np.asarray(pipe.predict(log))]
    assert expected == [0, 1, 0, 1, 0, 1]  # (else the test shows nothing)
    drift = _Drift()
    data = ("\n".join(log) + "\n").encode()
    stream_logs.run(LogStreamScorer(pipe), io.BytesIO(data).read, JsonLinesSink(io.BytesIO()),
                    where="<stdin>", batch=1024, max_delay=0.05, on_bad_rows="skip",
                    output=None, drift=drift)
    assert drift.flags == expected
