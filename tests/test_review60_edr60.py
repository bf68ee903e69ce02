"""Review round 60 (edr60): endpoint (EDR) telemetry exports: osquery, Defender, ECS."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from hourglass.features.tabular import TabularPreprocessor


@pytest.mark.parametrize("name", ["pid", "process.pid", "columns.pid", "ppid"])
def test_process_id_column_warned_as_identifier(name: str, caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: a process id learnt as a magnitude was warned of only under a name ending
    # in 'id' (Defender's ProcessId); osquery's 'pid' (columns.pid), ECS's 'process.pid' and a
    # 'ppid' of near-unique whole numbers trained silently as a number, every later PID past
    # the training range scoring as an anomaly.
    rng = np.random.default_rng(0)
    df = pd.DataFrame({name: rng.permutation(np.arange(1000, 1300)),
                       "exe": rng.choice(["a.exe", "b.exe"], 300)})
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        TabularPreprocessor().fit(df)
    said = [r.getMessage() for r in caplog.records if "reads as an identifier" in r.getMessage()]
    assert len(said) == 1 and repr(name) in said[0]
