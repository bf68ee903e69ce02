"""Review round 56, second pass (self56b): regression tests for this round's later changes."""

from __future__ import annotations

import json
from pathlib import Path

from hourglass.cli import app
from tests._cli import runner


def _windows_events(path: Path, time_field: str, n: int = 200) -> Path:
    """``n`` Security events of two hosts over an hour, their time in ``time_field``."""
    with path.open("w") as fh:
        for i in range(n):
            at = (i * 7919) % 3600  # seconds into the hour, unevenly spread over the minutes
            fh.write(json.dumps({time_field: f"2020-10-18T10:{at // 60:02d}:{at % 60:02d}.000Z",
                                 "Hostname": f"h{i % 2}", "EventID": 4624 + (i * i) % 5,
                                 "Channel": "Security",
                                 "SourceName": "Microsoft-Windows-Security-Auditing"}) + "\n")
    return path


def test_an_entity_model_on_ecs_time_says_one_time_column(tmp_path: Path) -> None:
    # What was wrong: train --entity-col without --timestamp-col on an OTRF windows-json export
    # (no 'timestamp', the format's own time, but '@timestamp') said two contradicting lines:
    # "buckets cut on 'timestamp', the windows-json format's event time" before reading the
    # data, then "buckets cut on '@timestamp', Elastic Common Schema's event time". It now says
    # the column once the data is read: '@timestamp' here, the format's own where the file has it.
    for k, field in enumerate(("@timestamp", "timestamp")):
        data = _windows_events(tmp_path / f"events{k}.json", field)
        res = runner.invoke(app, ["train", str(data), "--format", "windows-json", "--entity-col",
                                  "Hostname", "--bucket", "1min", "--epochs", "1",
                                  "-o", str(tmp_path / f"m{k}")])
        assert res.exit_code == 0, res.output
        said = [line for line in res.stderr.splitlines() if line.startswith("buckets cut on")]
        assert len(said) == 1 and said[0].startswith(f"buckets cut on {field!r}"), said


def test_an_x_val_error_keeps_its_type() -> None:
    # What was wrong: Pipeline.fit/warm_start named X_val in an error about the validation rows
    # (a3f1b05b) by raising a new plain InputError: a TimeRangeError (or DateOrderError,
    # ArtefactError) of X_val lost its type and attributes, so 'except TimeRangeError' caught it
    # for the training rows and missed it for X_val (the sibling of 1cefea19's federated fix).
    # It is now the same type, message prefixed, param and detail kept, the original its cause.
    import numpy as np
    import pandas as pd
    import pytest

    from hourglass import Pipeline
    from hourglass._times import TimeRangeError
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    n = 60
    df = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="1min").astype(str),
                       "v": np.sin(np.arange(n) / 5)})
    val = df.assign(ts=[f"3000-01-01 00:{i:02d}" for i in range(n)])
    pipe = Pipeline(LSTMAutoEncoder(window=5, epochs=1, verbose=0),
                    features=TimeSeriesPreprocessor(timestamp_col="ts"))
    with pytest.raises(TimeRangeError, match=r"^X_val: column 'ts': row 1 is not a timestamp") as got:
        pipe.fit(df, X_val=val, y_val=np.zeros(n, dtype=int))
    assert got.value.detail == TimeRangeError.detail
    assert isinstance(got.value.__cause__, TimeRangeError)
    assert str(got.value) == f"X_val: {got.value.__cause__}"
