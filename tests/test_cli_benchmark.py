"""``hourglass benchmark`` end to end on tiny generated tables: the table, the JSON, the honesty
notes, determinism, and each bad input as one line and exit code 2 with no JSON file."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import app

runner = CliRunner()
FAST = ["--epochs", "2", "-q"]


def _frame(n: int = 400, seed: int = 0, attacks: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"proto": rng.choice(["tcp", "udp"], n), "bytes": rng.lognormal(5, 1, n),
                       "rate": rng.uniform(0, 1, n), "label": "benign"})
    if attacks:  # planted: huge transfers at an odd rate over a protocol never seen in normal rows
        df.loc[: attacks - 1, ["proto", "bytes", "rate", "label"]] = ["icmp", 1e7, 5.0, "attack"]
    return df


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bench")
    _frame().to_csv(d / "flows.csv", index=False)
    _frame(seed=1).to_parquet(d / "test.parquet")
    _frame(seed=2, attacks=0).to_csv(d / "all_benign.csv", index=False)
    _frame(seed=3).assign(label="attack").to_csv(d / "all_attacks.csv", index=False)
    _frame(seed=4).drop(columns=["rate"]).to_csv(d / "fewer_cols.csv", index=False)
    return {"dir": d, "flows": d / "flows.csv", "test": d / "test.parquet",
            "benign": d / "all_benign.csv", "attacks": d / "all_attacks.csv",
            "fewer": d / "fewer_cols.csv"}


def _run(args: list[str]) -> tuple[str, str]:
    res = runner.invoke(app, ["benchmark", *args], env={"COLUMNS": "120"})
    assert res.exit_code == 0, res.output
    return res.stdout, res.stderr


def test_benchmark_prints_every_model_beside_the_baseline_and_writes_json(data: dict[str, Path]) -> None:
    js = data["dir"] / "bench.json"
    level = logging.getLogger("hourglass").level
    stdout, _ = _run([str(data["flows"]), "--label-col", "label", "--normal", "benign",
                      "--models", "autoencoder,vae,deep-svdd", "--seeds", "2", "--json", str(js),
                      *FAST])
    assert logging.getLogger("hourglass").level == level  # quieted during the runs only
    for name in ("autoencoder", "vae", "deep-svdd", "iforest (baseline)", "ROC-AUC", "rows/s"):
        assert name in stdout, name
    # a pipe gets whole table rows (150 columns): the name and its eight figures on one line
    assert re.search(r"iforest \(baseline\)(\s+[\d.,]+k?){8}", stdout), stdout
    flat = " ".join(stdout.split())
    assert "used only to compute the metrics" in flat and "held-out normal training rows" in flat
    result = json.loads(js.read_text())
    assert {"train", "test", "test_fraction", "label_col", "normal", "seeds", "models", "runs",
            "notes"} <= set(result)
    assert result["seeds"] == [0, 1] and result["test_fraction"] == 0.3
    rows = {r["model"]: r for r in result["models"]}
    assert list(rows) == ["autoencoder", "vae", "deep-svdd", "iforest"]
    assert rows["iforest"]["kind"] == "baseline" and rows["autoencoder"]["kind"] == "hourglass"
    for row in rows.values():
        assert {"roc_auc", "pr_auc", "f1", "precision", "recall", "fpr", "fit_seconds",
                "rows_per_second", "threshold"} <= set(row)
        assert set(row["roc_auc"]) == {"mean", "std"}
    assert len(result["runs"]) == 8 and all(r["n_train"] == 252 for r in result["runs"])
    # the planted anomalies (12 of the 120 test rows) are found far above chance
    for name in ("autoencoder", "iforest"):
        assert rows[name]["roc_auc"]["mean"] > 0.9, rows[name]
        assert rows[name]["recall"]["mean"] > 0.8, rows[name]


def test_benchmark_with_a_test_file_is_deterministic_with_seed(data: dict[str, Path]) -> None:
    results = []
    for i in range(2):
        js = data["dir"] / f"det{i}.json"
        _run([str(data["flows"]), "--test", str(data["test"]), "--label-col", "label", "--normal",
              "benign", "--models", "autoencoder", "--seeds", "1", "--seed", "7", "--max-train",
              "200", "--json", str(js), *FAST])
        results.append(json.loads(js.read_text()))
    keys = ("roc_auc", "pr_auc", "f1", "fpr", "threshold_value", "tp", "fp")
    a, b = ([{k: r[k] for k in keys} for r in res["runs"]] for res in results)
    assert a == b and results[0]["runs"][0]["seed"] == 7 and results[0]["runs"][0]["n_train"] == 200
    assert results[0]["test_fraction"] is None and results[0]["models"][0]["roc_auc"]["mean"] > 0.9


def test_one_threshold_rule_for_every_model_fitted_on_held_out_normal_rows(data: dict[str, Path]) -> None:
    js = data["dir"] / "rule.json"
    _run([str(data["flows"]), "--label-col", "label", "--normal", "benign", "--models", "deep-svdd",
          "--seeds", "1", "--threshold", "contamination:0.05", "--json", str(js), *FAST])
    runs = json.loads(js.read_text())["runs"]
    assert [r["model"] for r in runs] == ["deep-svdd", "iforest"]
    for r in runs:
        assert r["threshold"] == "contamination 0.05 (flags that share of the held-out normal scores)"


def _fails_cleanly(args: list[str], match: str, js: Path, env: dict[str, str] | None = None) -> None:
    res = runner.invoke(app, ["benchmark", *args, "--json", str(js), *FAST], env=env)
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert match in lines[0], lines[0]
    assert not js.exists() and not list(js.parent.glob(f".{js.name}*")), "no JSON file"


def test_benchmark_refuses_bad_input_in_one_line(data: dict[str, Path]) -> None:
    js = data["dir"] / "bad.json"
    flows, labelled = str(data["flows"]), ["--label-col", "label", "--normal", "benign"]
    _fails_cleanly([flows, "--label-col", "nope", "--normal", "benign"], "no label column 'nope'", js)
    _fails_cleanly([flows, "--label-col", "label", "--normal", "good"], "no normal rows", js)
    _fails_cleanly([str(data["attacks"]), "--test", str(data["test"]), *labelled],
                   "no normal rows", js)
    _fails_cleanly([flows, "--test", str(data["benign"]), *labelled],
                   "no anomalous rows", js)
    _fails_cleanly([flows, *labelled, "--models", "autoencodr"], "unknown model 'autoencodr'", js)
    _fails_cleanly([flows, *labelled, "--models", "lstm-ae"], "lstm-ae is a time-series model", js)
    _fails_cleanly([flows, *labelled, "--models", "deeplog"], "benchmark compares table models", js)
    _fails_cleanly([flows, *labelled, "--baselines", "knn"], "unknown baseline 'knn'", js)
    _fails_cleanly([flows, "--test", str(data["fewer"]), *labelled], "lacks column(s) 'rate'", js)
    _fails_cleanly([flows, *labelled, "--threshold", "best-f1"], "never on labelled rows", js)
    _fails_cleanly([flows, *labelled, "--threshold", "budget:5/day"], "use budget:N/10k", js)
    _fails_cleanly([flows], "--label-col", js)
    _fails_cleanly(["--suite", "nsl-kdd"], "--data DIR or the HOURGLASS_DATA variable", js,
                   env={"HOURGLASS_DATA": ""})
    _fails_cleanly(["--suite", "nsl-kdd", "--data", str(data["dir"])], "no KDDTrain+", js)


def test_ctrl_c_prints_the_runs_that_finished(data: dict[str, Path],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from hourglass.pipeline.benchmark import Benchmark

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Benchmark, "_fit_baseline", interrupted)
    js = data["dir"] / "int.json"
    res = runner.invoke(app, ["benchmark", str(data["flows"]), "--label-col", "label", "--normal",
                              "benign", "--models", "autoencoder", "--seeds", "1", "--json", str(js),
                              *FAST], env={"COLUMNS": "120"})
    assert res.exit_code == 130, res.output
    assert "interrupted: 1 of 2 runs finished" in res.stderr and "autoencoder" in res.stdout
    assert not js.exists()


def test_suite_nsl_kdd_reads_the_folder_and_reports_attack_categories(tmp_path: Path) -> None:
    import shutil

    from hourglass.ingest import demo_path

    folder = tmp_path / "nsl_kdd"  # the layout of the data folder: --data may name it or its parent
    folder.mkdir()
    shutil.copy(demo_path("train"), folder / "KDDTrain+.txt.gz")
    shutil.copy(demo_path("test"), folder / "KDDTest+.txt.gz")
    js = tmp_path / "nsl.json"
    stdout, _ = _run(["--suite", "nsl-kdd", "--data", str(tmp_path), "--models", "autoencoder",
                      "--baselines", "none", "--seeds", "1", "--max-train", "1000", "--json", str(js),
                      "--epochs", "1", "-q"])
    assert "detection rate per attack category" in stdout and "KDDTest+" in stdout
    result = json.loads(js.read_text())
    (row,) = result["models"]
    assert set(row["per_category"]) == {"DoS", "Probe", "R2L", "U2R"}
    assert result["label_col"] and result["normal"] == ["normal"] and row["roc_auc"]["mean"] > 0.8
