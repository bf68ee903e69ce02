"""Review 22: --normal spelt in any case for a label column of booleans; one label rule for a
time series' train and warm start."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner


def _flows(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    df["attack"] = False
    df.loc[: n // 10 - 1, "attack"] = True
    return df


def _write(df: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".jsonl":
        df.to_json(path, orient="records", lines=True)  # JSON true/false
    else:
        df.to_csv(path, index=False)  # CSV True/False
    return path


def _train(data: Path, out: Path, normal: str, *more: str) -> object:
    return runner.invoke(app, ["train", str(data), "--label-col", "attack", "--normal", normal,
                               "--epochs", "1", "--hidden", "4,2", "-o", str(out), "-q", *more])


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_train_and_warm_start_take_a_boolean_normal_in_any_case(tmp_path: Path, suffix: str) -> None:
    # --normal false (true, FALSE) on a column of booleans was refused ("no rows with attack in
    # ['false']; ... did you mean 'False'?"), in train and a warm start alike
    data = _write(_flows(), tmp_path / f"f{suffix}")
    for normal in ("false", "FALSE", "False"):
        res = _train(data, tmp_path / f"m_{normal}", normal)
        assert res.exit_code == 0, res.output
        info = json.loads((tmp_path / f"m_{normal}" / "config.json").read_text())["info"]
        assert info["n_train_rows"] == 180  # its normal rows
    res = _train(data, tmp_path / "m_true", "true")  # the other value: its 20 rows are the normal
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "m_true" / "config.json").read_text())["info"]["n_train_rows"] == 20
    warm = runner.invoke(app, ["train", str(data), "--warm-start", str(tmp_path / "m_false"),
                               "--label-col", "attack", "--normal", "false", "--epochs", "1",
                               "-o", str(tmp_path / "w"), "-q"])
    assert warm.exit_code == 0, warm.output
    # a value that matches nothing is still refused, naming the values seen
    one_line_error(["train", str(data), "--label-col", "attack", "--normal", "no", "--epochs", "1",
                    "-o", str(tmp_path / "x")], "no rows with attack in ['no']; values seen: False, True",
                   tmp_path / "x")


def test_split_labels_of_text_labels_stay_case_sensitive() -> None:
    # split_labels counted a column of booleans' False as an anomaly under --normal false; a
    # column of text stays case-sensitive (its 'False' is not false: the warning, the hint)
    from hourglass.cli.tables import split_labels
    from hourglass.errors import HourglassError

    df = pd.DataFrame({"x": [1, 2, 3], "y": ["False", "attack", "False"]})
    with pytest.raises(HourglassError, match="did you mean 'False'"):
        split_labels(df, "y", ["false"], "t.csv")
    _, _, anom = split_labels(pd.DataFrame({"x": [1, 2, 3], "y": [False, True, None]}), "y",
                              ["false"], "t.csv")
    assert anom is not None and anom.tolist() == [0, 1, 1]


def test_evaluate_takes_a_boolean_normal_in_any_case(tmp_path: Path) -> None:
    # evaluate --normal false on a column of booleans counted every row an anomaly, or refused
    # ('give --normal False'), though train took it
    csv = _write(_flows(), tmp_path / "f.csv")
    jsonl = _write(_flows(seed=1), tmp_path / "g.jsonl")
    res = _train(csv, tmp_path / "m", "False")
    assert res.exit_code == 0, res.output
    for data in (csv, jsonl):
        out = tmp_path / f"{data.stem}.json"
        res = runner.invoke(app, ["evaluate", str(tmp_path / "m"), str(data), "--label-col", "attack",
                                  "--normal", "false", "--json", str(out), "-q"])
        assert res.exit_code == 0, res.output
        m = json.loads(out.read_text())
        assert (m["n"], m["n_anomalies"]) == (200, 20)


def test_benchmark_takes_a_boolean_normal_in_any_case(tmp_path: Path) -> None:
    # the benchmark's stratified split and its checks counted every row of a column of booleans
    # as an anomaly under --normal false: "no normal rows ... to train on"
    from hourglass.pipeline.benchmark import Benchmark, split_labelled

    df = _flows(300)
    tr, te = split_labelled(df, "attack", ["false"], test_fraction=0.3)
    assert int(te["attack"].sum()) == 9  # stratified: 10% of the 90 test rows
    bench = Benchmark(tr, te, label_col="attack", normal=["FALSE"], models=(), seeds=(0,))
    assert bench.normal == ["False"] and int(bench.y_test_.sum()) == 9
    assert len(bench.X_train_) == 189
    # the CLI: runs, on the 189 normal training rows
    res = runner.invoke(app, ["benchmark", str(_write(df, tmp_path / "f.csv")), "--label-col",
                              "attack", "--normal", "false", "--models", "autoencoder",
                              "--epochs", "1", "--seeds", "1", "-q"])
    assert res.exit_code == 0, res.output
    assert "trained on the 189 normal rows" in " ".join(res.output.split())


def test_series_train_and_warm_start_read_a_label_column_alike(tmp_path: Path) -> None:
    # a series warm start checked labels against its own list ('0', 'normal', 'False', 'false'):
    # text 'normal' passed it while train said those steps are not labelled normal, each in its
    # own words; both now read the label as 0/1 and say it in the same words
    from tests._warm_series import series_frame, series_parent

    files = series_parent(tmp_path)
    new = series_frame(200, 2)
    new["label"] = "normal"
    new.loc[[5, 9], "label"] = np.nan
    new.to_csv(files["new"], index=False)
    said = (f"{files['new']}: 200 of the 200 rows of the training series are not labelled normal "
            "in 'label' (first: row 1; 2 without a label: a missing label is not known to be normal; "
            "198 hold text, 'normal' first: a series is labelled 0 (normal) or 1 (anomaly), so a "
            "text label, 'normal' too, is not known to be normal; write 0 and 1)")
    res = runner.invoke(app, ["train", str(files["new"]), "-m", "tcn-ae", "--timestamp-col", "ts",
                              "--window", "16", "--epochs", "1", "--label-col", "label",
                              "-o", str(tmp_path / "T")])
    assert res.exit_code == 0, res.output
    assert f"{said}; a time-series model trains on every step" in " ".join(res.stderr.split())
    warm = ["train", str(files["new"]), "--warm-start", str(files["model"]), "--label-col", "label",
            "--epochs", "1", "-q", "-o", str(tmp_path / "W")]
    one_line_error(warm, f"{said}; a warm start trains on a normal stretch", tmp_path / "W")
    # a column of booleans (False: normal) and of 0.0 are normal to both: trained on, no word
    for value in (False, 0.0):
        new["label"] = value
        new.to_csv(files["new"], index=False)
        res = runner.invoke(app, warm)
        assert res.exit_code == 0, res.output
        assert "not labelled normal" not in res.output
        res = runner.invoke(app, ["train", str(files["new"]), "-m", "tcn-ae", "--timestamp-col", "ts",
                                  "--window", "16", "--epochs", "1", "--label-col", "label",
                                  "-o", str(tmp_path / f"T{value}")])
        assert res.exit_code == 0 and "not labelled normal" not in res.stderr, res.output
        (tmp_path / "W").rename(tmp_path / f"W{value}")


def test_entity_train_and_evaluate_take_a_boolean_normal_in_any_case(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # an entity model's train refused --normal false on a column of booleans, and its evaluate
    # read in chunks counted every row an anomaly
    import hourglass.cli.entity as entity_cli
    from hourglass.ingest.synthetic import port_scan_flows

    train, _ = port_scan_flows(days=2, scan_flows=0, seed=1)
    train["label"] = False
    train.to_csv(tmp_path / "train.csv", index=False)
    test, scan = port_scan_flows(days=1, scan_flows=60, seed=2)
    test["label"] = [bool(v) for v in scan["is_scan"]]
    test.to_csv(tmp_path / "test.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--entity-col", "src_ip",
                              "--timestamp-col", "ts", "--bucket", "5min", "--label-col", "label",
                              "--normal", "false", "-o", str(tmp_path / "M"), "--epochs", "2",
                              "--hidden", "8,4", "-q"])
    assert res.exit_code == 0, res.output
    for size in (20_000, 0):  # in chunks, and whole
        monkeypatch.setattr(entity_cli, "SCORE_CHUNK_BYTES", size)
        out = tmp_path / f"m{size}.json"
        res = runner.invoke(app, ["evaluate", str(tmp_path / "M"), str(tmp_path / "test.csv"),
                                  "--label-col", "label", "--normal", "FALSE", "--json", str(out)])
        assert res.exit_code == 0, res.output
        assert json.loads(out.read_text())["anomalous_buckets"] == 1
