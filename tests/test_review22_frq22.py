"""Review 22 (frq22): --freq spellings, inspect's boolean --normal, serve's key-file errors:
regression tests."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass._times import frequency, steps_per_day
from hourglass.cli import app
from hourglass.features.timeseries import TimeSeriesPreprocessor
from tests._cli import runner


def _series(n: int = 48) -> pd.DataFrame:
    return pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="1h").astype(str),
                         "cpu": np.sin(np.arange(n) / 5)})


def test_freq_takes_the_spellings_bucket_and_lateness_take() -> None:
    # --freq 1H (and 5T, 30S) was refused as 'not a pandas frequency' while --bucket 1H was
    # accepted; --freq 1d was kept as typed, a spelling pandas deprecates (a later pandas may
    # refuse the model)
    assert [frequency(f) for f in ("1d", "1D", "1h", "1H", "5min", "5T", "30S", "1W", "rows")] == [
        "1D", "1D", "1h", "1h", "5min", "5min", "30s", "1W", "rows"]
    assert frequency("1MS") == "1MS"  # a month's start, not milliseconds
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert steps_per_day("1H") == 24.0 and steps_per_day("1d") == 1.0
        for typed, kept, steps in (("1H", "1h", 48), ("1d", "1D", 2), ("120T", "120min", 24)):
            pre = TimeSeriesPreprocessor("ts", freq=typed).fit(_series())
            # fit changes no parameter (scikit-learn); the saved state holds the kept spelling
            assert pre.freq == typed and pre.to_dict()["params"]["freq"] == kept
            assert len(pre.transform(_series())) == steps


def test_a_model_saved_with_an_old_freq_spelling_loads_in_the_kept_one() -> None:
    # a model that stored --freq 1d or 1H as typed: its state is read in the spelling pandas keeps
    state = TimeSeriesPreprocessor("ts", freq="1h").fit(_series()).to_dict()
    for old, kept in (("1H", "1h"), ("1d", "1D")):
        state["params"]["freq"] = old
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert TimeSeriesPreprocessor.from_dict(json.loads(json.dumps(state))).freq == kept


def test_train_freq_1H_from_the_command_line(tmp_path: Path) -> None:
    # 'hourglass train --freq 1H' stopped with "freq: '1H' is not a pandas frequency"
    _series(120).to_csv(tmp_path / "s.csv", index=False)
    out = tmp_path / "m"
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        res = runner.invoke(app, ["train", str(tmp_path / "s.csv"), "--model", "lstm-ae", "--window", "8",
                                  "--hidden", "4", "--epochs", "1", "--timestamp-col", "ts",
                                  "--freq", "1H", "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    config = json.loads((out / "config.json").read_text())
    assert '"freq": "1h"' in json.dumps(config) and '"1H"' not in json.dumps(config)


def _booleans(folder: Path) -> Path:
    n = 30
    pd.DataFrame({"a": np.arange(n), "b": np.arange(n) * 2.0, "host": [f"h{i % 3}" for i in range(n)],
                  "ts": pd.date_range("2024-01-01", periods=n, freq="1min").astype(str),
                  "label": [i >= 24 for i in range(n)]}).to_csv(folder / "b.csv", index=False)
    return folder / "b.csv"


@pytest.mark.parametrize("entity", [False, True])
def test_inspect_normal_false_matches_a_column_of_booleans(tmp_path: Path, entity: bool) -> None:
    # inspect --normal false on a column of True/False matched no row ('no row has a normal
    # label value', features fitted on every row) where train and evaluate match its False
    data, report = _booleans(tmp_path), tmp_path / "r.json"
    more = ["--entity-col", "host", "--timestamp-col", "ts"] if entity else []
    res = runner.invoke(app, ["inspect", str(data), "--label-col", "label", "--normal", "false",
                              *more, "--json", str(report)])
    assert res.exit_code == 0, res.output
    # (by entity: h0's row at 00:21 shares its 5min bucket with the attack at 00:24, left out)
    assert json.loads(report.read_text())["fitted_on_normal_rows"] == (23 if entity else 24)


def test_api_key_file_read_errors_say_the_systems_words(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # serve --api-key-file FILE said 'cannot read it (PermissionError)' (IsADirectoryError,
    # UnicodeDecodeError): the exception's type, not why the file could not be read
    from hourglass.errors import InputError
    from hourglass.serve import security

    with pytest.raises(InputError, match=r"cannot read it \(Is a directory\)$"):
        security.read_api_key(tmp_path)
    (tmp_path / "k").write_bytes(b"\xff\xfe\xfa\n")
    with pytest.raises(InputError, match=r"cannot read it \(not UTF-8 text\)"):
        security.read_api_key(tmp_path / "k")

    def denied(path: Path) -> str:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(security, "_first_line", denied)
    with pytest.raises(InputError, match=r"k: cannot read it \(Permission denied\)$"):
        security.read_api_key(tmp_path / "k")
