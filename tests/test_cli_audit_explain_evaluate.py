"""What a fresh look at ``hourglass explain`` and ``hourglass evaluate`` found, as a threat
hunter uses them: times in JSON lines, a file with nothing flagged, a mistyped --method, a report
over one class only, and a session labels file with blank labels."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner
from tests.test_cli_audit_series import _metrics
from tests.test_cli_audit_series import model as series_model  # noqa: F401  (a fixture)
from tests.test_explain_tabular import _factor_frame
from tests.test_logs_evaluate import (
    _test_log,
    hdfs_model,  # noqa: F401  (a fixture)
)


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("audit_explain")
    _factor_frame(400).to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--model", "autoencoder", "--epochs",
                              "5", "--hidden", "16,4", "-o", str(d / "M"), "-q"])
    assert res.exit_code == 0, res.output
    test = _factor_frame(60, seed=8)
    test["when"] = pd.date_range("2024-05-01 10:00", periods=60, freq="1s").strftime("%Y-%m-%d %H:%M:%S")
    test.to_csv(d / "test.csv", index=False)
    return {"dir": d, "model": d / "M", "test": d / "test.csv"}


def test_json_lines_carry_times_as_iso_text_not_epoch_milliseconds(
        series_model: Path, table: dict[str, Path], tmp_path: Path) -> None:  # noqa: F811
    # pandas wrote a time column as 1714521600000: a number in a SIEM, its UTC offset lost
    _metrics(60).to_csv(tmp_path / "series.csv", index=False)
    out = tmp_path / "why.jsonl"
    res = runner.invoke(app, ["explain", str(series_model), str(tmp_path / "series.csv"), "--all",
                              "--limit", "0", "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    first = json.loads(out.read_text().splitlines()[0])
    assert first["ts"] == "2024-05-01T00:00:00", first
    kept = tmp_path / "kept.jsonl.gz"
    res = runner.invoke(app, ["explain", str(table["model"]), str(table["test"]), "--all", "--keep",
                              "when", "--limit", "0", "-o", str(kept), "-q"])
    assert res.exit_code == 0, res.output
    assert pd.read_json(kept, lines=True, dtype=False)["when"].iloc[1] == "2024-05-01T10:00:01"


def test_explain_with_nothing_flagged_writes_the_columns_not_an_empty_file(
        table: dict[str, Path], tmp_path: Path) -> None:
    scored = tmp_path / "s.csv"
    res = runner.invoke(app, ["score", str(table["model"]), str(table["test"]), "-o", str(scored), "-q"])
    assert res.exit_code == 0, res.output
    quiet = pd.read_csv(table["test"])[pd.read_csv(scored)["flag"].eq(0).to_numpy()].head(5)
    assert len(quiet)
    quiet.to_csv(tmp_path / "quiet.csv", index=False)
    columns = ["row", "score", "flag", "severity", "top_column", "why", "method", "when"]
    for name in ("why.parquet", "why.csv"):  # a 0-byte .parquet is no Parquet file at all
        out = tmp_path / name
        res = runner.invoke(app, ["explain", str(table["model"]), str(tmp_path / "quiet.csv"),
                                  "--keep", "when", "-o", str(out)])
        assert res.exit_code == 0, res.output
        assert "0 flagged" in res.stderr
        got = pd.read_parquet(out) if name.endswith(".parquet") else pd.read_csv(out)
        assert list(got.columns) == columns and got.empty


def test_a_mistyped_method_names_the_option(table: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "why.csv"
    one_line_error(["explain", str(table["model"]), str(table["test"]), "--method", "gradient",
                    "-o", str(out)],
                   "--method: expected one of auto, reconstruction, gradients (those that explain "
                   "AutoEncoder), got 'gradient'", out)


def test_a_report_over_one_class_names_the_option_and_writes_nothing(
        series_model: Path, hdfs_model: Path, tmp_path: Path) -> None:  # noqa: F811
    js, html = tmp_path / "m.json", tmp_path / "r.html"
    _metrics(60).assign(label=0).to_csv(tmp_path / "calm.csv", index=False)
    one_line_error(["evaluate", str(series_model), str(tmp_path / "calm.csv"), "--json", str(js),
                    "--report", str(html)],
                   f"--report {html}: needs both normal and anomalous time steps; every one of the "
                   "60 labelled time steps", html)
    assert not js.exists()
    log, labels = _test_log(tmp_path)
    normal = tmp_path / "normal.csv"
    normal.write_text("".join(line.replace("Anomaly", "Normal") + "\n"
                              for line in labels.read_text().splitlines()))
    one_line_error(["evaluate", str(hdfs_model), str(log), "--labels", str(normal), "--json", str(js),
                    "--report", str(html)],
                   f"--report {html}: needs both normal and anomalous sessions", html)
    assert not js.exists()
    # --json alone still writes the metrics of a calm series
    res = runner.invoke(app, ["evaluate", str(series_model), str(tmp_path / "calm.csv"), "--json", str(js)])
    assert res.exit_code == 0, res.output
    assert json.loads(js.read_text())["n_anomalies"] == 0


def test_a_blank_session_label_is_no_label_not_an_anomaly(hdfs_model: Path,  # noqa: F811
                                                         tmp_path: Path) -> None:
    log, labels = _test_log(tmp_path)  # blocks 3 and 7 fail
    rows = labels.read_text().splitlines()
    blank = tmp_path / "blank.csv"
    # block 3's label left blank, and a normal one's
    blank.write_text("\n".join([rows[0], *[r.split(",")[0] + "," if r.startswith(("blk_-1003,", "blk_1004,"))
                                           else r for r in rows[1:]]]) + "\n")
    js = tmp_path / "m.json"
    res = runner.invoke(app, ["evaluate", str(hdfs_model), str(log), "--labels", str(blank), "--json",
                              str(js)])
    assert res.exit_code == 0, res.output
    m = json.loads(js.read_text())
    assert (m["labelled_sessions"], m["n_anomalies"], m["unlabelled_sessions"]) == (9, 1, 3)
    header = tmp_path / "header.csv"
    header.write_text("BlockId,Label\n")
    one_line_error(["evaluate", str(hdfs_model), str(log), "--labels", str(header), "--json", str(js)],
                   f"--labels {header}: no labelled rows (a header only, or every label blank)")
    assert np.isfinite(m["roc_auc"])


def test_a_series_labelled_with_one_class_gets_n_a_not_a_trivial_0_and_its_fpr(
        series_model: Path, tmp_path: Path) -> None:  # noqa: F811
    # a calm series showed point F1 0.0000 and event recall 0.0000, and no FPR at all
    js = tmp_path / "m.json"
    for label, gone, kept in ((0, ("f1", "precision", "recall", "event_recall", "pa_f1"), "fpr"),
                              (1, ("f1", "precision", "fpr", "pa_f1"), "recall")):
        _metrics(60).assign(label=label).to_csv(tmp_path / "one.csv", index=False)
        res = runner.invoke(app, ["evaluate", str(series_model), str(tmp_path / "one.csv"), "--json",
                                  str(js)])
        assert res.exit_code == 0, res.output
        m = json.loads(js.read_text())
        assert all(m[k] is None for k in gone), m
        assert m[kept] is not None
        flagged = m["tp"] + m["fp"]
        assert f"{m['tp']} / {m['fp']} / {m['tn']} / {m['fn']}" in res.stdout and flagged <= 60
        assert "point FPR" in res.stdout
    # with both classes, every figure is there and equals scikit-learn's on the same steps
    from sklearn.metrics import f1_score, roc_auc_score

    labelled = _metrics(60).assign(label=0)
    labelled.loc[40:49, "label"] = 1
    labelled.loc[40:49, "cpu"] += 5.0
    labelled.to_csv(tmp_path / "both.csv", index=False)
    scored = tmp_path / "s.csv"
    shown = runner.invoke(app, ["evaluate", str(series_model), str(tmp_path / "both.csv"), "--json", str(js)])
    res = runner.invoke(app, ["score", str(series_model), str(tmp_path / "both.csv"), "-o", str(scored)])
    assert shown.exit_code == 0 and res.exit_code == 0, (shown.output, res.output)
    m, s = json.loads(js.read_text()), pd.read_csv(scored)
    assert np.isclose(m["roc_auc"], roc_auc_score(labelled["label"], s["score"]))
    assert np.isclose(m["f1"], f1_score(labelled["label"], s["flag"]))
    assert shown.stdout.index("point F1") < shown.stdout.index("point-adjusted")  # honest one first


def test_evaluate_shows_the_detection_rate_of_each_label_value(table: dict[str, Path],
                                                              tmp_path: Path) -> None:
    # the rates were in --json only: the screen showed them for a dataset's categories and logs
    test = _factor_frame(90, seed=8)
    test["label"] = np.repeat(["benign", "scan", "exfil"], 30)
    test.loc[test["label"] != "benign", "c5"] += 20.0
    test.to_csv(tmp_path / "labelled.csv", index=False)
    js = tmp_path / "m.json"
    res = runner.invoke(app, ["evaluate", str(table["model"]), str(tmp_path / "labelled.csv"), "--label-col",
                              "label", "--normal", "benign", "--json", str(js)])
    assert res.exit_code == 0, res.output
    per_class = json.loads(js.read_text())["per_class"]
    assert "flagged per class (normal: FPR)" in res.stdout
    for name, v in per_class.items():
        shown = f"{name} (normal)" if name == "benign" else name
        row = rf"│ {re.escape(shown)} +│ +{v['n']} │ +{v['detected']} │ +{v['rate']:.3f} │"
        assert re.search(row, res.stdout), (row, res.stdout)


# (a column of booleans, CSV false/true, takes --normal false in any case: evaluated, in
# tests/test_review22_lbl22.py; a column of text keeps its case)
@pytest.mark.parametrize(("values", "normal", "want"), [
    (("Benign", "ATTACK"), "benign", "give --normal Benign"),
])
def test_a_normal_value_in_another_spelling_is_refused_not_read_as_an_attack_capture(
        table: dict[str, Path], tmp_path: Path, values: tuple[str, str], normal: str, want: str) -> None:
    # every row counted as an anomaly, a warning line and exit 0: metrics of nothing in --json
    test = _factor_frame(40, seed=8)
    test["label"] = np.where(np.arange(40) < 30, *values)
    test.to_csv(tmp_path / "labelled.csv", index=False)
    js = tmp_path / "m.json"
    one_line_error(["evaluate", str(table["model"]), str(tmp_path / "labelled.csv"), "--label-col", "label",
                    "--normal", normal, "--json", str(js)], want, js)


def test_evaluate_of_a_log_with_a_table_model_calls_it_a_log(table: dict[str, Path], tmp_path: Path) -> None:
    # score and explain said so; evaluate listed the first log line as the file's columns
    log, _ = _test_log(tmp_path)
    one_line_error(["evaluate", str(table["model"]), str(log), "--label-col", "label", "--normal", "benign"],
                   "the data reads as one text column (first line '081109 ")
    one_line_error(["evaluate", str(table["model"]), str(log), "--label-col", "label", "--normal", "benign"],
                   "a log needs a log model (train --format hdfs")  # (round 58: told by the reader)


def test_evaluate_refuses_a_report_or_json_name_of_another_type(table: dict[str, Path],
                                                               tmp_path: Path) -> None:
    # an HTML page was written to report.pdf, JSON to metrics.csv
    base = ["evaluate", str(table["model"]), str(table["test"]), "--label-col", "when", "--normal", "x"]
    one_line_error([*base, "--report", str(tmp_path / "report.pdf")],
                   "report.pdf: writes HTML, not '.pdf'; name it report.html", tmp_path / "report.pdf")
    one_line_error([*base, "--json", str(tmp_path / "m.csv"), "--report", str(tmp_path / "r.html")],
                   "m.csv: writes JSON, not '.csv'; name it m.json", tmp_path / "r.html")
    assert not (tmp_path / "m.csv").exists()


def test_a_label_column_the_model_scores_is_named_as_such(table: dict[str, Path], tmp_path: Path) -> None:
    # it said 'column(s) the model needs are missing: c3' of a file that has c3
    js = tmp_path / "m.json"
    one_line_error(["evaluate", str(table["model"]), str(table["test"]), "--label-col", "c3", "--normal",
                    "0", "--json", str(js)], "--label-col c3: is a column the model scores, not a label", js)
