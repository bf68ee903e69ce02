"""Review 8 of the time-series features, their datasets and the thresholds: regression tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.features.timeseries import TimeSeriesPreprocessor, epoch_channel


def _ms_frame(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"timestamp": 1_714_521_600_000 + 60_000 * np.arange(n),
                         "cpu": rng.normal(size=n)})


@pytest.mark.parametrize("unit", [1, 1000, 1_000_000, 1_000_000_000])
def test_epoch_in_any_unit_is_no_channel(unit: int) -> None:
    # epoch milliseconds (what JavaScript and many exporters write) were modelled as a channel
    df = _ms_frame()
    df["timestamp"] = (df["timestamp"] // 1000) * unit
    with pytest.raises(InputError, match=r"looks like epoch-.*the timestamp column \(timestamp_col\)"):
        TimeSeriesPreprocessor().fit(df)
    assert epoch_channel("value", df["timestamp"]) is not None  # unnamed: a regular clock
    # what the message suggests works
    pre = TimeSeriesPreprocessor(timestamp_col="timestamp").fit(df)
    assert pre.channels_ == ["cpu"] and pre.step_ == "1min"


def test_epoch_ms_message_names_the_unit() -> None:
    with pytest.raises(InputError, match="looks like epoch-millisecond timestamps"):
        TimeSeriesPreprocessor().fit(_ms_frame())


@pytest.mark.parametrize("values", [
    [1.0e12, 1.3e12, 1.31e12, 1.9e12],          # a byte counter: irregular steps, not named
    [5, 6, 7, 8],                                 # small numbers
])
def test_counters_in_ms_range_stay_channels(values: list[float]) -> None:
    assert epoch_channel("bytes_total", pd.Series(values)) is None


def test_pot_on_a_bounded_uniform_tail() -> None:
    # scores bounded above (a share, a sigmoid): the MLE is Grimshaw's boundary gamma = -1;
    # without it the exponential won and the threshold lay above every possible score
    from hourglass.thresholds.pot import POT

    rng = np.random.default_rng(0)
    t = POT(1e-4).fit(rng.uniform(0.0, 1.0, 10_000))
    assert t.fit_ is not None and t.fit_.gamma == -1.0
    assert 0.999 < t.value_ < 1.0
    fresh = rng.uniform(0.0, 1.0, 200_000)
    assert 5 <= int((fresh > t.value_).sum()) <= 40  # about q * n = 20


def test_gpd_shapes_below_minus_one_are_out() -> None:
    from hourglass.thresholds.evt import fit_gpd, gpd_log_likelihood

    y = np.random.default_rng(1).uniform(0.0, 0.02, 400)
    assert gpd_log_likelihood(y, -1.0, float(y.max())) > gpd_log_likelihood(y, 0.0, float(y.mean()))
    gamma, sigma = fit_gpd(y)  # scipy's fit has a shape below -1 here: left out
    assert -1.0 <= gamma < -0.8 and sigma == pytest.approx(float(y.max()), rel=0.05)
    # an exponential tail keeps its exponential fit
    g2, s2 = fit_gpd(np.random.default_rng(2).exponential(2.0, 2000))
    assert abs(g2) < 0.1 and abs(s2 - 2.0) < 0.2


@pytest.mark.parametrize("bad", ["0.5", "nan", "2", "-1"])
def test_smd_labels_other_than_0_1_are_refused(tmp_path, bad: str) -> None:
    # they were cast to int8: 0.5 and nan became a silent 0 (normal), 2 an error far later
    from hourglass.ingest.timeseries import read_smd

    (tmp_path / "test").mkdir()
    (tmp_path / "test_label").mkdir()
    (tmp_path / "test" / "e.txt").write_text("0.1\n0.2\n0.3\n")
    (tmp_path / "test_label" / "e.txt").write_text(f"0\n{bad}\n1\n")
    with pytest.raises(InputError, match=rf"e\.txt: line 2: expected one 0/1 label a line, got '{bad}'"):
        read_smd(tmp_path / "test" / "e.txt")
    (tmp_path / "test_label" / "e.txt").write_text("0\n1.0\n1\n")  # 1.0 is a 1
    assert read_smd(tmp_path / "test" / "e.txt")["label"].tolist() == [0, 1, 1]


@pytest.mark.parametrize("form", ["epoch_s", "epoch_ms", "dayfirst"])
def test_nab_windows_label_times_as_the_model_reads_them(tmp_path, form: str) -> None:
    # pandas alone read epoch seconds as nanoseconds of 1970 (no row labelled, silently) and
    # refused day-first dates ('is no date and time') that the preprocessing reads
    import json

    from hourglass.ingest.timeseries import read_nab

    (tmp_path / "data" / "cat").mkdir(parents=True)
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "combined_windows.json").write_text(json.dumps(
        {"cat/s.csv": [["2014-02-10 00:00:00.000000", "2014-02-12 00:00:00.000000"]]}))
    t = pd.date_range("2014-02-01", periods=20, freq="1D")
    secs = ((t - pd.Timestamp("1970-01-01")) // pd.Timedelta("1s")).to_numpy(dtype=np.int64)
    col = {"epoch_s": secs, "epoch_ms": secs * 1000, "dayfirst": t.strftime("%d/%m/%Y %H:%M")}[form]
    pd.DataFrame({"timestamp": col, "value": np.arange(20.0)}).to_csv(tmp_path / "data" / "cat" / "s.csv",
                                                                     index=False)
    df = read_nab(tmp_path / "data" / "cat" / "s.csv")
    assert np.flatnonzero(df["label"].to_numpy()).tolist() == [9, 10, 11]


def _nab_layout(root, n: int = 300) -> None:
    import json

    (root / "data" / "cat").mkdir(parents=True)
    (root / "labels").mkdir()
    t = pd.date_range("2014-02-01", periods=n, freq="5min")
    v = np.sin(np.arange(n) / 10) + np.random.default_rng(0).normal(0, 0.1, n)
    frame = pd.DataFrame({"timestamp": t.strftime("%Y-%m-%d %H:%M:%S"), "value": v})
    frame.to_csv(root / "data" / "cat" / "s.csv", index=False)
    (root / "labels" / "combined_windows.json").write_text(json.dumps(
        {"cat/s.csv": [["2014-02-01 20:00:00.000000", "2014-02-01 21:00:00.000000"]]}))
    (root / "new").mkdir()
    frame.to_csv(root / "new" / "fresh.csv", index=False)  # new data: no label windows


def test_nab_model_scores_and_explains_new_unlabelled_data(tmp_path) -> None:
    # score/explain read new data with the model's dataset reader, which refused a NAB series
    # without label windows ('combined_windows.json not found ... leave --dataset out'): a model
    # trained with --dataset nab could score nothing new
    from hourglass.cli import app
    from tests._cli import runner

    _nab_layout(tmp_path)
    r = runner.invoke(app, ["train", str(tmp_path / "data" / "cat" / "s.csv"), "--dataset", "nab",
                            "--model", "lstm-ae", "--window", "8", "--hidden", "8", "--epochs", "1",
                            "-q", "-o", str(tmp_path / "M")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["score", str(tmp_path / "M"), str(tmp_path / "new" / "fresh.csv"),
                            "-o", str(tmp_path / "s.csv")])
    assert r.exit_code == 0, r.output
    assert len(pd.read_csv(tmp_path / "s.csv")) == 300
    r = runner.invoke(app, ["explain", str(tmp_path / "M"), str(tmp_path / "new" / "fresh.csv"),
                            "--limit", "1"])
    assert r.exit_code == 0, r.output
    # evaluate still needs the labels (a label column, or NAB's windows), and says so in one line
    r = runner.invoke(app, ["evaluate", str(tmp_path / "M"), str(tmp_path / "new" / "fresh.csv")])
    assert r.exit_code == 2 and "no label column 'label', and no NAB label windows" in r.stderr


@pytest.mark.parametrize("limit", [2.0, "2"])
def test_fill_limit_as_a_whole_float(limit: object) -> None:
    # pandas refused it with a bare ValueError ('Limit must be an integer') at fit
    df = pd.DataFrame({"v": [1.0, np.nan, 3.0, 4.0]})
    got = TimeSeriesPreprocessor(fill="ffill", fill_limit=limit, scaler="none").fit_transform(df)
    assert got.ravel().tolist() == [1.0, 1.0, 3.0, 4.0]


@pytest.mark.parametrize("limit", [2.5, "abc", True, 0])
def test_fill_limit_not_whole_is_an_input_error(limit: object) -> None:
    with pytest.raises(InputError, match="fill_limit: must be >= 1 and a whole number, or None"):
        TimeSeriesPreprocessor(fill="ffill", fill_limit=limit).fit(pd.DataFrame({"v": [1.0, np.nan, 3.0]}))


def test_nab_extra_normal_recording_needs_no_windows(tmp_path) -> None:
    # --extra-normal is normal data, yet a NAB recording without label windows was refused
    import json

    from hourglass.cli import app
    from tests._cli import runner

    _nab_layout(tmp_path)
    r = runner.invoke(app, ["train", str(tmp_path / "data" / "cat" / "s.csv"), "--dataset", "nab",
                            "--extra-normal", str(tmp_path / "new" / "fresh.csv"), "--model", "lstm-ae",
                            "--window", "8", "--hidden", "8", "--epochs", "1", "-q",
                            "-o", str(tmp_path / "M")])
    assert r.exit_code == 0, r.output
    info = json.loads((tmp_path / "M" / "config.json").read_text())["info"]
    assert [e["rows"] for e in info["extra_normal"]] == [300]
