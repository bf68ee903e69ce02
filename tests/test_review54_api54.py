"""Review round 54 (api54): the public API and docs this round added or changed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.cli import app
from tests._cli import runner


def _forecaster(tmp_path, window: int = 8):
    """A one-epoch lstm-forecaster trained on a calm sine (fast), and its folder."""
    n = 120
    t = np.arange(n)
    data = tmp_path / "train.csv"
    pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="min").astype(str),
                  "cpu": np.sin(t / 5)}).to_csv(data, index=False)
    model = tmp_path / "m"
    res = runner.invoke(app, ["--threads", "1", "train", str(data), "--timestamp-col", "ts", "--model",
                              "lstm-forecaster", "--window", str(window), "--epochs", "1", "-q",
                              "-o", str(model)])
    assert res.exit_code == 0, res.output
    return model


def test_windows_json_refusal_names_each_field_that_would_do(tmp_path) -> None:
    # What was wrong: '--format windows-json' takes a file whose events have EventID or Channel,
    # one of them enough, but refused one with neither as "no 'EventID' field; is this a Windows
    # event export", as if EventID were needed (a file of Channel alone is taken), where its
    # sibling '--format winlogbeat' says "no winlog.event_id or winlog.channel field"
    import pytest

    from hourglass.errors import InputError
    from hourglass.ingest.formats import get_format

    other = tmp_path / "other.json"
    other.write_text('{"a": 1, "b": 2}\n{"a": 3, "b": 4}\n')
    with pytest.raises(InputError, match=r"other\.json: no 'EventID' or 'Channel' field; is this a "
                                         r"Windows event export"):
        list(get_format("windows-json").iter_chunks(other))
    # a first record with neither (another kind of file), though later ones have Channel: alike
    later = tmp_path / "later.json"
    later.write_text('{"a": 1}\n' + "".join(f'{{"a": {i}, "Channel": "Security"}}\n' for i in range(3)))
    with pytest.raises(InputError, match=r"no 'EventID' or 'Channel' field"):
        list(get_format("windows-json").iter_chunks(later))
