"""``hourglass train/score/evaluate --entity-col``: end to end on synthetic flows with a port
scan, and the one-line errors on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.ingest.synthetic import port_scan_flows
from tests._cli import one_line_error, runner

FAST = ["--epochs", "30", "--hidden", "16,8", "-q"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("entity")
    train, _ = port_scan_flows(days=2, scan_flows=0, seed=1)
    train["label"] = "normal"
    attack = train.index[train["src_ip"] == "10.0.0.2"][:3]
    train.loc[attack, "label"] = "exfil"  # a labelled attack row: its bucket is not trained on
    train.to_csv(d / "train.csv", index=False)
    test, scan = port_scan_flows(days=1, scan_flows=60, seed=2)
    test["label"] = ["scan" if v else "normal" for v in scan["is_scan"]]
    test.to_csv(d / "test.csv", index=False)
    model = d / "M"
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--entity-col", "src_ip",
                              "--timestamp-col", "ts", "--bucket", "5min", "--label-col", "label",
                              "--normal", "normal", "-o", str(model), *FAST])
    assert res.exit_code == 0, res.output
    return {"dir": d, "train": d / "train.csv", "test": d / "test.csv", "model": model,
            "scan_start": pd.Timestamp(scan["start"], unit="s")}


def test_train_score_evaluate(files: dict[str, Path]) -> None:
    config = json.loads((files["model"] / "config.json").read_text())
    assert config["features"]["class"] == "EntityWindows"
    info = config["info"]["entity"]
    assert info["rows_left_out_with_attacks"] >= 1 and info["entities"] == 8
    alerts = files["dir"] / "alerts.jsonl"
    res = runner.invoke(app, ["score", str(files["model"]), str(files["test"]), "-o", str(alerts)])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in alerts.read_text().splitlines()]
    assert set(rows[0]) == {"entity", "bucket_start", "bucket_end", "rows", "score", "flag",
                            "calibrated", "severity"}
    assert sum(r["rows"] for r in rows) == len(pd.read_csv(files["test"]))
    top = max(rows, key=lambda r: r["score"])
    assert (top["entity"], top["bucket_start"], top["flag"]) == (
        "10.0.0.3", files["scan_start"].strftime("%Y-%m-%dT%H:%M:%S"), 1)
    assert top["bucket_end"] == (files["scan_start"] + pd.Timedelta("5min")).strftime("%Y-%m-%dT%H:%M:%S")
    flagged = files["dir"] / "flagged.csv"
    res = runner.invoke(app, ["score", str(files["model"]), str(files["test"]), "-o", str(flagged),
                              "--anomalies-only"])
    assert res.exit_code == 0 and (pd.read_csv(flagged)["flag"] == 1).all()
    metrics = files["dir"] / "m.json"
    res = runner.invoke(app, ["evaluate", str(files["model"]), str(files["test"]),
                              "--label-col", "label", "--normal", "normal", "--json", str(metrics)])
    assert res.exit_code == 0, res.output
    m = json.loads(metrics.read_text())
    assert (m["unit"], m["anomalous_buckets"], m["tp"], m["roc_auc"]) == ("entity buckets", 1, 1, 1.0)
    assert m["buckets"] == len(rows)


@pytest.mark.parametrize(("args", "match"), [
    (["--entity-col", "host", "--timestamp-col", "ts"], "--entity-col: no column 'host'"),
    (["--entity-col", "src_ip", "--timestamp-col", "when"], "--timestamp-col: no column 'when'"),
    (["--entity-col", "src_ip"], "--entity-col: needs --timestamp-col"),
    (["--bucket", "5min"], "--bucket: groups rows per entity"),
    (["--entity-col", "src_ip", "--timestamp-col", "ts", "--bucket", "soon"], "--bucket: expected"),
    (["--entity-col", "src_ip", "--timestamp-col", "ts", "--session-col", "x"], "--session-col: not used"),
    (["--distinct", "dst_port"], "--aggregate/--distinct: only with --entity-col"),
    (["--entity-col", "src_ip", "--timestamp-col", "ts", "--aggregate", "byts"],
     "--aggregate: no column 'byts' in the data (columns: ts, src_ip,"),  # was 'column(s) to aggregate'
    (["--entity-col", "src_ip", "--timestamp-col", "ts", "--distinct", "dport"],
     "--distinct: no column 'dport' in the data"),
])
def test_train_errors(files: dict[str, Path], tmp_path: Path, args: list[str], match: str) -> None:
    one_line_error(["train", str(files["train"]), "-o", str(tmp_path / "M"), *args, *FAST], match,
                   tmp_path / "M")


def test_bad_rows_named_and_nothing_written(files: dict[str, Path], tmp_path: Path) -> None:
    head = files["test"].read_text().splitlines()[:6]
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([*head, "yesterday,10.0.0.1,10.0.1.1,80,tcp,1,1,0.1,normal"]) + "\n")
    out = tmp_path / "alerts.jsonl"
    one_line_error(["score", str(files["model"]), str(bad), "-o", str(out)],
                   "column 'ts': line 7 is not a timestamp ('yesterday'", out)
    empty = tmp_path / "empty.csv"
    empty.write_text(head[0] + "\n")
    one_line_error(["score", str(files["model"]), str(empty), "-o", str(out)], "no data rows", out)
    one_line_error(["score", str(files["model"]), str(files["test"]), "-o", str(out), "--keep", "proto"],
                   "--keep: not available for entity-bucket models", out)
    one_line_error(["score", str(files["model"]), str(files["test"]), "-o", str(tmp_path / "a.csv"),
                    "--alert-format", "ecs"], "--alert-format ecs: writes JSON alerts", tmp_path / "a.csv")
    no_ts = tmp_path / "no_ts.csv"
    pd.read_csv(files["test"]).drop(columns=["ts"]).to_csv(no_ts, index=False)
    one_line_error(["score", str(files["model"]), str(no_ts), "-o", str(out)], "no column 'ts'", out)
    why = tmp_path / "why.jsonl"
    one_line_error(["explain", str(files["model"]), str(bad), "-o", str(why)],
                   "column 'ts': line 7 is not a timestamp ('yesterday'", why)
    one_line_error(["explain", str(files["model"]), str(empty), "-o", str(why)], "no data rows", why)
    one_line_error(["explain", str(files["model"]), str(no_ts), "-o", str(why)], "no column 'ts'", why)
    for args, match in ((["--keep", "proto"], "--keep: not used by entity models"),
                        (["--chunk-mb", "4"], "--chunk-mb: not used by entity models"),
                        (["--dataset", "nsl-kdd"], "--dataset: not used by entity models")):
        one_line_error(["explain", str(files["model"]), str(files["test"]), "-o", str(why), *args],
                       match, why)


def test_explain_names_the_scan_buckets_distinct_ports(files: dict[str, Path]) -> None:
    test = pd.read_csv(files["test"])
    in_scan = ((test["src_ip"] == "10.0.0.3")
               & (pd.to_datetime(test["ts"], unit="s").dt.floor("5min") == files["scan_start"]))
    ports, rows = test.loc[in_scan, "dst_port"].nunique(), int(in_scan.sum())
    start = files["scan_start"].strftime("%Y-%m-%dT%H:%M:%S")
    found = {}
    for method in ("reconstruction", "gradients"):
        out = files["dir"] / f"why-{method}.jsonl"
        res = runner.invoke(app, ["explain", str(files["model"]), str(files["test"]), "-o", str(out),
                                  "--method", method, "--top", "2"])
        assert res.exit_code == 0, res.output
        assert "main reason among" in res.stdout and "10.0.0.3" in res.stdout
        why = pd.read_json(out, lines=True, dtype={"bucket_start": str, "bucket_end": str})
        assert set(why.columns) == {"entity", "bucket_start", "bucket_end", "rows", "score", "flag",
                                    "severity", "top_feature", "why", "method"}
        assert (why["flag"] == 1).all() and why["why"].str.count("%").eq(2).all()
        scan = why[(why["entity"] == "10.0.0.3") & (why["bucket_start"] == start)].iloc[0]
        assert scan["rows"] == rows
        found[method] = scan
    # the scan bucket is explained by the ports it touched, named as an analyst reads them
    assert found["gradients"]["top_feature"] == "dst_port:distinct"
    assert found["gradients"]["why"].startswith(f"distinct dst_port={ports} (")
    assert f"distinct dst_port={ports} (" in found["reconstruction"]["why"]  # among its top 2
    # --all explains every bucket with the scores 'score' gives them, bit for bit
    every, scored = files["dir"] / "why-all.jsonl", files["dir"] / "scored.jsonl"
    assert runner.invoke(app, ["explain", str(files["model"]), str(files["test"]), "--all",
                               "-o", str(every), "--limit", "0"]).exit_code == 0
    assert runner.invoke(app, ["score", str(files["model"]), str(files["test"]),
                               "-o", str(scored)]).exit_code == 0
    a = [json.loads(line) for line in every.read_text().splitlines()]
    b = [json.loads(line) for line in scored.read_text().splitlines()]
    assert [(r["entity"], r["bucket_start"], r["score"], r["flag"]) for r in a] == \
        [(r["entity"], r["bucket_start"], r["score"], r["flag"]) for r in b]


def test_the_table_scorer_refuses_an_entity_model_which_load_scorer_serves(files: dict[str, Path]) -> None:
    from hourglass.errors import InputError
    from hourglass.serve.scoring import TableScorer, load_scorer

    with pytest.raises(InputError, match="reads entity data"):
        TableScorer(files["model"])
    assert load_scorer(files["model"]).kind == "entity"


def test_evaluate_reads_a_time_ordered_file_in_chunks_with_the_whole_reads_metrics(
        files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    import hourglass.cli.entity as entity_cli
    from hourglass.ingest import ReadStats
    from hourglass.pipeline import load

    test = pd.read_csv(files["test"])
    test.loc[(test.index % 7 == 0) & (test["label"] == "normal"), "label"] = "benign"  # 2nd normal value
    test.loc[test.index[5:9], "label"] = None  # unlabelled rows: left out, one warning
    labelled = tmp_path / "labelled.csv"
    test.to_csv(labelled, index=False)
    pipe = load(files["model"])
    args = {"label_col": "label", "normal": ["benign", "normal"], "fmt": "auto", "on_bad_rows": "error"}
    read = entity_cli._read_in_chunks
    chunked: list[int] = []

    def spy(*a, **k):  # type: ignore[no-untyped-def]
        done, stats = read(*a, **k)
        chunked.append(done is not None)
        return done, stats

    monkeypatch.setattr(entity_cli, "_read_in_chunks", spy)
    monkeypatch.setattr(entity_cli, "SCORE_CHUNK_BYTES", 20_000)  # ~40 chunks of this file
    small, small_arrays, _ = entity_cli.evaluate_entity(pipe, labelled, **args)
    monkeypatch.setattr(entity_cli, "_read_in_chunks", lambda *a, **k: (None, ReadStats()))
    whole, whole_arrays, _ = entity_cli.evaluate_entity(pipe, labelled, **args)
    assert chunked == [True] and labelled.stat().st_size > 20 * 20_000
    for s in (small, whole):
        s.pop("score_seconds")
    # the unlabelled rows' buckets (none holds an attack row) are left out, their rows with them
    ent, start = pipe.features_.row_keys(test)
    bucket = pd.Series(list(zip(ent, start, strict=True)))
    out = bucket.isin(set(bucket[test["label"].isna()]))
    assert not (out & (test["label"] == "scan")).any()
    assert small == whole and small["rows"] == int((~out).sum()) < len(test) - 4 and small["tp"] == 1
    for k in ("y", "score", "flag", "classes"):
        np.testing.assert_array_equal(small_arrays[k], whole_arrays[k])
    assert set(small_arrays["classes"]) == {"scan", "benign"}  # clean buckets: the first normal label (row 1)
    # the CLI, default chunks against small ones: the same metrics file, the warning once
    monkeypatch.setattr(entity_cli, "_read_in_chunks", read)
    outs = []
    for size in (20_000, 0):
        monkeypatch.setattr(entity_cli, "SCORE_CHUNK_BYTES", size)
        out = tmp_path / f"m{size}.json"
        res = runner.invoke(app, ["evaluate", str(files["model"]), str(labelled), "--label-col", "label",
                                  "--normal", "benign", "--normal", "normal", "--json", str(out)])
        assert res.exit_code == 0, res.output
        assert res.stderr.count("4 row(s) have no value in label column 'label' (first: line 7)") == 1
        m = json.loads(out.read_text())
        m.pop("score_seconds")
        outs.append(m)
    assert outs[0] == outs[1]
    monkeypatch.setattr(entity_cli, "SCORE_CHUNK_BYTES", 20_000)
    one_line_error(["evaluate", str(files["model"]), str(files["test"]), "--label-col", "verdict",
                    "--normal", "normal"], "no label column 'verdict'")
    res = runner.invoke(app, ["evaluate", str(files["model"]), str(files["test"]), "--label-col",
                              "label", "--normal", "clean"])  # as a table model: every row an attack
    assert res.exit_code == 0, res.output
    assert "no row has label in ['clean'] (values seen: normal, scan): every row counts as an " \
        "anomaly" in res.stderr


def test_score_checks_drift_over_the_buckets(files: dict[str, Path]) -> None:
    # the entity branch returned before the drift check: --drift-window was taken and ignored
    outs = {}
    for window in ("50", "0"):
        out = files["dir"] / f"drift{window}.csv"
        res = runner.invoke(app, ["score", str(files["model"]), str(files["test"]), "-o", str(out),
                                  "--drift-window", window])
        assert res.exit_code == 0, res.output
        outs[window] = (out.read_text(), res.stderr)
    assert outs["50"][0] == outs["0"][0]  # the check changes no score or flag
    assert "drift check: alert rate" in outs["50"][1] and "buckets" in outs["50"][1], outs["50"][1]
    assert "drift check" not in outs["0"][1]


def test_the_formats_own_time_missing_from_the_file_names_the_option(tmp_path: Path) -> None:
    # CEF's rt is optional: without --timestamp-col the buckets would be cut on it
    data = tmp_path / "nort.cef"
    data.write_text("".join(f"CEF:0|V|P|1|100|x|5|src=10.0.0.{i % 3} dst=10.0.0.9 dpt=80\n"
                            for i in range(30)))
    res = runner.invoke(app, ["train", str(data), "--entity-col", "src", "-o", str(tmp_path / "m"), *FAST])
    assert res.exit_code == 2 and "Traceback" not in res.output, res.output
    assert res.stderr.strip().splitlines()[-1].endswith(
        "the data format's event time 'rt' is not in the data; give --timestamp-col COLUMN")
    assert not (tmp_path / "m").exists()
