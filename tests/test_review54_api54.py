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


def test_stream_threshold_refusal_says_the_held_out_steps_to_have() -> None:
    # What was wrong: a rule refused on too few causal held-out scores (the stream threshold's)
    # said only scores: 'hourglass train --model lstm-ae --window 16 --threshold dspot:1e-3
    # --param validation_fraction=0.2' on 800 steps warned "no stream threshold: ... DSPOT: 145
    # scores are too few for depth 50; need at least 150: ... a larger held-out share", though
    # the held-out tail's first 15 steps end no window: holding out 150 steps gives 135. The
    # held-out scores' refusal says the steps (held_out_scores_said); the stream's now does too
    from hourglass.detectors import LSTMAutoEncoder
    from hourglass.thresholds import DSPOT

    X = np.sin(np.arange(800) / 5)[:, None].astype("float32")  # 160 held out: 160 scores, 145 causal
    det = LSTMAutoEncoder(window=16, epochs=1, validation_fraction=0.2, threshold=DSPOT(1e-3)).fit(X)
    assert det.stream_threshold_ is None
    why = det.stream_threshold_missing()
    assert "160 steps give 145 scores: its first 15 steps end no window, so hold out 15 steps" in why, why


def test_evaluate_says_labelled_anomalies_among_the_unpredicted_first_steps(tmp_path, caplog) -> None:
    # What was wrong: evaluate leaves a forecaster's first `window` steps out of its metrics, and
    # their labels with them, without a word: a file whose 3 anomalous steps lie among the first
    # 8 was judged as a calm series ('steps (anomalous) 72 (0)', recall n/a), its anomalies gone
    # silently (Pipeline.fit's y_val names the same case); they are now said in a warning
    import logging

    window, n = 8, 80
    t = np.arange(n)
    label = np.zeros(n, dtype=int)
    label[2:5] = 1
    data = tmp_path / "early.csv"
    pd.DataFrame({"ts": pd.date_range("2024-02-01", periods=n, freq="min").astype(str),
                  "cpu": np.sin(t / 5), "label": label}).to_csv(data, index=False)
    model = _forecaster(tmp_path, window)
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        res = runner.invoke(app, ["--threads", "1", "evaluate", str(model), str(data),
                                  "--label-col", "label"])
    assert res.exit_code == 0, res.output
    said = caplog.text + res.output
    assert "3 anomalous step(s) (label column 'label') among its first 8 steps" in said, said
    assert "no anomalous step is left to evaluate" in said, said
