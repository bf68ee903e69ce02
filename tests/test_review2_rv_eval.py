"""Review of evaluation, benchmarks and the distributed adapters: regression tests of the defects
found, each number checked against an independent computation."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from hourglass.cli import app
from hourglass.ingest.synthetic import port_scan_flows
from tests._cli import runner


@pytest.fixture(scope="module")
def entity(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An entity-bucket model whose normal label is 'benign', and a test file with a scan."""
    d = tmp_path_factory.mktemp("entity")
    train, _ = port_scan_flows(days=0.5, scan_flows=0, seed=1)
    train["label"] = "benign"
    train.to_csv(d / "train.csv", index=False)
    test, scan = port_scan_flows(days=0.25, scan_flows=60, seed=2)
    test["label"] = np.where(scan["is_scan"], "scan", "benign")
    test.to_csv(d / "test.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--entity-col", "src_ip", "--timestamp-col",
                              "ts", "--bucket", "5min", "--label-col", "label", "--normal", "benign",
                              "-o", str(d / "M"), "--epochs", "1", "--hidden", "8,4", "-q"])
    assert res.exit_code == 0, res.output
    return {"model": d / "M", "test": d / "test.csv", "dir": d}


def _cells(page: str, table: str) -> list[list[str]]:
    body = re.search(rf'<table id="{table}".*?<tbody>(.*?)</tbody>', page, re.S)
    assert body is not None
    return [[re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", body.group(1))]


def test_entity_report_marks_the_normal_label_and_keeps_the_event_rate(entity: dict[str, Path]) -> None:
    # the report left out --normal and the model's event rate: 'benign' was listed as if an
    # attack class (its FPR read as a detection rate) and alerts per day were 'n/a (train with
    # --timestamp-col)' for a model trained with one, while the terminal and --json had both
    d = entity["dir"]
    res = runner.invoke(app, ["evaluate", str(entity["model"]), str(entity["test"]), "--json",
                              str(d / "m.json"), "--report", str(d / "r.html")])
    assert res.exit_code == 0, res.output
    m = json.loads((d / "m.json").read_text())
    page = (d / "r.html").read_text()
    rows = {r[0]: r for r in _cells(page, "tbl-per-class")}
    assert set(rows) == {"scan", "benign (normal: FPR)"}
    normal = m["per_class"]["benign"]
    assert rows["benign (normal: FPR)"][1:3] == [f"{normal['n']:,}", f"{normal['detected']:,}"]
    assert normal["rate"] == pytest.approx(m["fpr"])        # the normal class's rate is the FPR
    per_day = dict((r[0], r[1]) for r in _cells(page, "tbl-metrics"))["expected alerts per day"]
    assert m["alerts_per_day"] is not None and float(per_day) == pytest.approx(m["alerts_per_day"], rel=1e-4)
    # the subtitle counted the buckets as 'rows'
    assert f'{m["buckets"]:,} entity buckets, {m["anomalous_buckets"]:,} anomalous' in page


def test_log_scale_histogram_keeps_the_smallest_and_largest_score() -> None:
    # 10 ** log10(x) is often a rounding off x: the extreme scores (typically the top anomaly)
    # fell outside the bins and out of their class's histogram in about 3 reports out of 10
    from hourglass.evaluate.plots import _hist_edges

    rng = np.random.default_rng(0)
    for _ in range(300):
        lo = rng.uniform(-8, 3)
        s = 10 ** rng.uniform(lo, lo + 5, 40)
        edges, log = _hist_edges(s)
        assert log
        assert np.histogram(s, bins=edges)[0].sum() == s.size
        assert np.all(np.diff(edges) > 0)
    lin, log = _hist_edges(np.array([-1.0, 0.5, 2.0]))
    assert not log and np.histogram([-1.0, 0.5, 2.0], bins=lin)[0].sum() == 3


def test_benchmark_notes_name_the_thresholds_fitted_on_training_scores() -> None:
    # with under 10 normal training rows nothing is held out and the rule is fitted on the
    # training scores (the per-model line said so) while the note claimed held-out rows for all
    import pandas as pd

    from hourglass.pipeline.benchmark import Benchmark, split_labelled

    rng = np.random.default_rng(0)
    for n_normal, fallback in ((12, True), (200, False)):
        df = pd.DataFrame({"a": rng.normal(size=n_normal + 6), "y": ["n"] * n_normal + ["x"] * 6})
        df.loc[df["y"] == "x", "a"] += 8
        tr, te = split_labelled(df, "y", ["n"], test_fraction=0.3)
        bench = Benchmark(tr, te, label_col="y", normal=["n"], models=(), seeds=(0,))
        runs = list(bench.runs())
        note = bench.notes()[1]
        assert ("except iforest: too few normal training rows" in note) is fallback, note
        assert ("training scores" in runs[0]["threshold"]) is fallback


def test_flower_benchmark_without_flower_is_one_line_and_exit_2(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # it stopped on a ModuleNotFoundError traceback
    import importlib.util
    import sys

    if importlib.util.find_spec("flwr") is not None:
        pytest.skip("Flower is installed here")
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "federated_flower.py"
    monkeypatch.syspath_prepend(str(path.parent))
    spec = importlib.util.spec_from_file_location("federated_flower_script", path)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.setattr(sys, "argv", [str(path)])
    with pytest.raises(SystemExit) as stop:
        script.main()
    err = capsys.readouterr().err.strip()
    assert stop.value.code == 2 and len(err.splitlines()) == 1 and "needs Flower" in err, err


def test_time_series_report_gives_alerts_per_day_from_the_grid(tmp_path: Path) -> None:
    # the report said 'n/a (no event rate: train with --timestamp-col or --events-per-day)' for
    # every series model: evaluate takes no --events-per-day for them and the model had a
    # timestamp column; a flagged step is an alert, so a fixed --freq grid gives the rate
    import pandas as pd

    from hourglass.cli.evaluate import _timeseries_page
    from hourglass.cli.timeseries import evaluate_timeseries
    from hourglass.pipeline import load

    rng = np.random.default_rng(0)
    n = 240
    t = np.arange(n)
    df = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="1min").astype(str),
                       "x": np.sin(2 * np.pi * t / 20) + 0.1 * rng.normal(size=n), "label": 0})
    df.loc[150:160, "x"] += 4
    df.loc[150:160, "label"] = 1
    df.iloc[:120].drop(columns="label").to_csv(tmp_path / "train.csv", index=False)
    df.to_csv(tmp_path / "test.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--model", "lstm-ae",
                              "--timestamp-col", "ts", "--freq", "1min", "-o", str(tmp_path / "M"),
                              "--param", "epochs=1", "--param", "window=8", "-q"])
    assert res.exit_code == 0, res.output
    pipe, arrays = load(tmp_path / "M"), {}
    report, _ = evaluate_timeseries(pipe, tmp_path / "test.csv", None, None, arrays)
    page = _timeseries_page(pipe, tmp_path / "test.csv", report, arrays)
    per_day = dict((r[0], r[1]) for r in _cells(page, "tbl-metrics"))["expected alerts per day"]
    flagged = (report["tp"] + report["fp"]) / report["n"]          # share of flagged steps
    assert float(per_day.replace(",", "")) == pytest.approx(flagged * 1440, rel=1e-3, abs=1e-3)
    assert f'{report["n"]:,} time steps, {report["n_anomalies"]:,} anomalous' in page
    pipe.features_.freq = None                                       # steps not on a fixed grid
    page = _timeseries_page(pipe, tmp_path / "test.csv", report, arrays)
    per_day = dict((r[0], r[1]) for r in _cells(page, "tbl-metrics"))["expected alerts per day"]
    assert "train with --freq" in per_day and "--events-per-day" not in per_day


def test_evaluate_on_the_training_file_says_so(tmp_path: Path) -> None:
    # the report stated thresholds were 'never on the data evaluated here' and nothing warned
    # when DATA was the very file the model was trained on (its normal rows trained on, its
    # threshold fitted on some of them): flattering figures presented as held-out ones
    import pandas as pd

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300), "label": "ok"})
    df.loc[:29, ["a", "b"]] += 5
    df.loc[:29, "label"] = "bad"
    train, other = tmp_path / "train.csv", tmp_path / "other.csv"
    df.to_csv(train, index=False)
    df.iloc[::-1].to_csv(other, index=False)                 # the same rows in another file
    res = runner.invoke(app, ["train", str(train), "--label-col", "label", "--normal", "ok",
                              "-o", str(tmp_path / "M"), "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    page = tmp_path / "r.html"
    res = runner.invoke(app, ["evaluate", str(tmp_path / "M"), str(train), "--report", str(page)])
    assert res.exit_code == 0 and "the model was trained on this file" in res.stderr, res.stderr
    assert "The model was trained on the data evaluated here" in page.read_text()
    assert "never on the data evaluated here" not in page.read_text()
    res = runner.invoke(app, ["evaluate", str(tmp_path / "M"), str(other)])
    assert res.exit_code == 0 and "trained on this file" not in res.stderr, res.stderr
    df.iloc[::-1].to_csv(train, index=False)  # the export rewritten at its path: other rows now
    later = (tmp_path / "M" / "config.json").stat().st_mtime_ns + 10**9
    os.utime(train, ns=(later, later))
    res = runner.invoke(app, ["evaluate", str(tmp_path / "M"), str(train)])
    assert res.exit_code == 0 and "trained on this file" not in res.stderr, res.stderr
