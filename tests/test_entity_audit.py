"""An audit of the entity-bucket models as a SOC user meets them: a bucket that does not suit
the rows (longer than their span, below their resolution, single-row buckets, times in 1970) is
said by train and inspect; a bucket too long for times is one line; ``explain`` skips unreadable
rows as ``score`` does and gives each reason its training median; ``evaluate`` says how mixed
buckets are labelled and counts them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.ingest.synthetic import port_scan_flows
from tests._cli import runner

FAST = ["--epochs", "5", "--hidden", "8,4", "-q"]
ENTITY = ["--entity-col", "src_ip", "--timestamp-col", "ts"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("entity_audit")
    train, _ = port_scan_flows(hosts=6, days=1, scan_flows=0, seed=1)
    train.to_csv(d / "train.csv", index=False)
    test, scan = port_scan_flows(hosts=6, days=0.7, scan_flows=60, scan_day=0, seed=2)
    test["label"] = np.where(scan["is_scan"] == 1, "scan", "normal")
    test = test.sort_values("ts", kind="stable").reset_index(drop=True)
    test.to_csv(d / "test.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), *ENTITY, "--bucket", "5min",
                              "-o", str(d / "M"), *FAST])
    assert res.exit_code == 0, res.output
    return {"dir": d, "train": d / "train.csv", "test": d / "test.csv", "model": d / "M"}


def _train(files: dict[str, Path], data: Path, bucket: str, out: Path) -> str:
    res = runner.invoke(app, ["train", str(data), *ENTITY, "--bucket", bucket, "-o", str(out), *FAST])
    assert res.exit_code == 0, res.output
    return res.stderr


def test_a_bucket_longer_than_the_data_is_said_with_the_datas_span(files: dict[str, Path],
                                                                   tmp_path: Path) -> None:
    from hourglass.cli.entity import _span_text

    head = pd.read_csv(files["train"]).sort_values("ts").head(400)  # about 3 h of flows
    data = tmp_path / "head.csv"
    head.to_csv(data, index=False)
    span = _span_text(pd.Timedelta(seconds=float(head["ts"].max() - head["ts"].min())))
    assert span.startswith("3 h ")
    said = _train(files, data, "10D", tmp_path / "M")
    # the few-buckets warning names the rows' span, not the 10 days of the one bucket
    assert f"only 6 (entity, 10D bucket) rows to train on (6 entities over {span})" in said
    assert f"--bucket 10D is longer than the data's time span ({span}): each entity has a single" in said
    assert "longer than the data" not in _train(files, files["train"], "5min", tmp_path / "N")


def test_buckets_of_single_rows_and_below_the_times_resolution_are_said(files: dict[str, Path],
                                                                         tmp_path: Path) -> None:
    flows = pd.read_csv(files["train"])
    flows["ts"] = flows["ts"].astype(np.int64)  # whole seconds
    data = tmp_path / "seconds.csv"
    flows.to_csv(data, index=False)
    said = _train(files, data, "500ms", tmp_path / "M")
    assert "--bucket 500ms is shorter than the resolution of the times (1 s)" in said
    assert "hold a single table row: the model sees rows one at a time" in said
    said = _train(files, data, "10s", tmp_path / "N")
    assert "resolution" not in said and "hold a single table row" in said
    assert "single table row" not in _train(files, data, "5min", tmp_path / "O")


def test_explain_skips_rows_without_a_readable_time_as_score_does(files: dict[str, Path],
                                                                 tmp_path: Path) -> None:
    lines = files["test"].read_text().splitlines()
    bad = tmp_path / "bad.csv"
    row = lines[1].split(",")
    bad.write_text("\n".join([*lines[:300], ",".join(["yesterday", *row[1:]]),
                              ",".join(["", *row[1:]]), *lines[300:]]) + "\n")
    scored, why = tmp_path / "scored.jsonl", tmp_path / "why.jsonl"
    every = ["--all", "--limit", "0"]
    for cmd, out, more in (("score", scored, []), ("explain", why, every)):
        res = runner.invoke(app, [cmd, str(files["model"]), str(bad), "-o", str(out),
                                  "--on-bad-rows", "skip", *more])
        assert res.exit_code == 0, res.output
        assert "skipped 2 row(s) without a readable time in column 'ts' (first: line 301, 'yesterday')" \
            in res.stderr
    a = [json.loads(line) for line in scored.read_text().splitlines()]
    b = [json.loads(line) for line in why.read_text().splitlines()]
    assert [(r["entity"], r["bucket_start"], r["rows"], r["score"]) for r in a] == \
        [(r["entity"], r["bucket_start"], r["rows"], r["score"]) for r in b]


def test_evaluate_says_how_mixed_buckets_are_labelled_and_counts_them(files: dict[str, Path],
                                                                      tmp_path: Path) -> None:
    test = pd.read_csv(files["test"])
    bucket = (test["ts"] // 300).astype(np.int64)
    host = test["src_ip"] == "10.0.0.5"
    busy = bucket[host].value_counts().index[0]
    test.loc[test.index[host & (bucket == busy)][:2], "label"] = "exfil"  # 2 of its rows
    data = tmp_path / "mixed.csv"
    test.to_csv(data, index=False)
    metrics = tmp_path / "m.json"
    res = runner.invoke(app, ["evaluate", str(files["model"]), str(data), "--label-col", "label",
                              "--normal", "normal", "--json", str(metrics)])
    assert res.exit_code == 0, res.output
    m = json.loads(metrics.read_text())
    # the scan bucket holds the host's own flows too: both anomalous buckets are mixed
    assert (m["anomalous_buckets"], m["mixed_buckets"]) == (2, 2)
    assert m["bucket_label"].startswith("anomalous when any of its rows is; its class is its most")
    assert "a bucket is anomalous when any of its rows is; 2 of the 2 anomalous also hold normal rows" \
        in res.stdout
    assert "flagged per class" in res.stdout and "exfil" in res.stdout
    assert m["per_class"]["exfil"]["n"] == 1 and m["per_class"]["scan"]["n"] == 1


def test_a_timestamp_column_of_small_numbers_is_said(files: dict[str, Path], tmp_path: Path) -> None:
    res = runner.invoke(app, ["train", str(files["train"]), "--entity-col", "src_ip", "--timestamp-col",
                              "bytes", "--bucket", "5min", "-o", str(tmp_path / "M"), *FAST])
    assert res.exit_code == 0, res.output
    assert "every time in column 'bytes' falls in 1970 (1970-01-01 00:" in res.stderr
    assert "1970" not in _train(files, files["train"], "5min", tmp_path / "N")


def test_explain_gives_each_reason_the_training_median_of_its_aggregate(files: dict[str, Path],
                                                                       tmp_path: Path) -> None:
    from hourglass.explain.entity import training_medians
    from hourglass.features.entity import EntityWindows
    from hourglass.pipeline import load

    why = tmp_path / "why.jsonl"
    res = runner.invoke(app, ["explain", str(files["model"]), str(files["test"]), "-o", str(why),
                              "--method", "gradients", "--top", "2", "--limit", "0"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in why.read_text().splitlines()]
    # every reason is 'value (share; median m)', the median that of the training buckets
    assert rows and all(r["why"].count("; median ") == 2 for r in rows)
    pipe = load(files["model"])
    medians = training_medians(pipe.features_)
    train = pd.read_csv(files["train"])
    per_bucket = train.groupby(["src_ip", train["ts"] // 300])["dst_port"].nunique()
    assert medians["dst_port:distinct"] == pytest.approx(float(per_bucket.median()), rel=0.1)
    readable = {EntityWindows.readable(c): c for c in medians}
    for r in rows:  # 'mean bytes=30524 (33%; median 2570)': the median of that aggregate
        for reason in r["why"].split("); "):
            name, _, rest = reason.partition("=")
            agg = readable.get(name) or f"{name.split()[1]}:top_share"  # 'top dst_ip' names its value
            median = float(rest.rpartition("median ")[2].rstrip(")"))
            assert median == pytest.approx(medians[agg], rel=1e-3, abs=5e-3), (reason, medians[agg])


@pytest.mark.parametrize(("bucket", "match"), [
    ("0s", "--bucket: expected a fixed time length such as 30s, 5min, 1h or 1D, got '0s'"),
    ("-5min", "got '-5min'"), ("abc", "got 'abc'"), ("1 month", "got '1 month'"), ("5", "got '5'"),
    ("1000000D", "--bucket: '1000000D' is too long (at most 106,751 days)"),
])
def test_bad_bucket_lengths_are_one_line_for_train_inspect_and_warm_start(
        files: dict[str, Path], tmp_path: Path, bucket: str, match: str) -> None:
    from tests._cli import one_line_error

    out = tmp_path / "M"
    one_line_error(["train", str(files["train"]), *ENTITY, "--bucket", bucket, "-o", str(out), *FAST],
                   match, out)
    one_line_error(["inspect", str(files["train"]), *ENTITY, "--bucket", bucket], match)
    one_line_error(["train", str(files["train"]), "--warm-start", str(files["model"]), "--bucket", bucket,
                    "-o", str(out), "-q"], match, out)


def test_inspect_warns_of_an_ill_suited_bucket_as_train_does(files: dict[str, Path]) -> None:
    res = runner.invoke(app, ["inspect", str(files["train"]), *ENTITY, "--bucket", "2s"])
    assert res.exit_code == 0, res.output
    assert f"{files['train']}: " in res.stderr and "hold a single table row" in res.stderr
    res = runner.invoke(app, ["inspect", str(files["train"]), *ENTITY, "--bucket", "30D"])
    assert res.exit_code == 0 and "--bucket 30D is longer than the data's time span (23 h" in res.stderr
    assert "single table row" not in runner.invoke(app, ["inspect", str(files["train"]), *ENTITY]).stderr


def test_one_entity_trains_and_is_named_in_the_singular(files: dict[str, Path], tmp_path: Path) -> None:
    flows = pd.read_csv(files["train"])
    one = tmp_path / "one.csv"
    flows[flows["src_ip"] == "10.0.0.1"].to_csv(one, index=False)
    said = _train(files, one, "5min", tmp_path / "M")
    assert "(1 entity, " in said and "1 entities" not in said
    assert "(6 entities, " in _train(files, files["train"], "5min", tmp_path / "N")
