"""AWS VPC Flow Logs (S3 delivery: space-separated, a header line, ``-`` for no value): sniffed
as ``aws-vpc-flow`` with or without the header, NODATA records read as missing values, ``start``
the event time; a model trained on it flags a rejected sweep."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from hourglass.cli import app
from hourglass.ingest.flows import VPC_DEFAULT_FIELDS
from hourglass.ingest.formats import get_format, sniff_format
from tests._cli import one_line_error, runner

FAST = ["--epochs", "20", "--hidden", "16,8", "--batch-size", "64", "--seed", "0", "-q"]
HEADER = " ".join(VPC_DEFAULT_FIELDS)


def _records(rng: np.random.Generator, n: int, start: int, attack_rate: float = 0.0
             ) -> tuple[list[str], list[int]]:
    lines, labels = [], []
    for i in range(n):
        t = start + i
        if rng.random() < 0.02:  # an interval without traffic
            lines.append(f"2 123456789012 eni-0a1b2c3d - - - - - - - {t} {t + 60} - NODATA")
            labels.append(0)
        elif rng.random() < attack_rate:
            lines.append(f"2 123456789012 eni-0a1b2c3d 198.51.100.{rng.integers(1, 9)} "
                         f"10.0.1.{rng.integers(1, 250)} {rng.integers(40000, 60000)} "
                         f"{rng.choice([22, 3389, 445])} 6 1 44 {t} {t + 60} REJECT OK")
            labels.append(1)
        else:
            p = int(rng.integers(2, 50))
            lines.append(f"2 123456789012 eni-0a1b2c3d 10.0.1.{rng.integers(2, 40)} "
                         f"52.94.{rng.integers(0, 255)}.{rng.integers(1, 255)} {rng.integers(32768, 60999)} "
                         f"443 6 {p} {p * int(rng.integers(200, 1400))} {t} {t + 60} ACCEPT OK")
            labels.append(0)
    return lines, labels


def test_read_with_and_without_the_header(tmp_path: Path) -> None:
    lines, _ = _records(np.random.default_rng(0), 200, 1_700_000_000)
    with_header = tmp_path / "flows.log.gz"
    with_header.write_bytes(gzip.compress(("\n".join([HEADER, *lines]) + "\n").encode(), mtime=0))
    bare = tmp_path / "cloudwatch.txt"
    bare.write_text("\n".join(lines) + "\n")
    assert sniff_format(with_header).name == "aws-vpc-flow" and sniff_format(bare).name == "aws-vpc-flow"
    a, b = get_format("aws-vpc-flow").read(with_header), get_format("aws-vpc-flow").read(bare)
    pd.testing.assert_frame_equal(a, b)
    nodata = a["log-status"] == "NODATA"
    assert nodata.any() and a.loc[nodata, "srcaddr"].isna().all() and a.loc[nodata, "bytes"].isna().all()
    assert "duration" not in a.columns  # what a streamed row has, the file has


def test_a_rejected_sweep_is_flagged_with_its_time_and_addresses(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    train, _ = _records(rng, 1500, 1_700_000_000)
    test, labels = _records(rng, 400, 1_700_100_000, attack_rate=0.1)
    (tmp_path / "train.log").write_text("\n".join([HEADER, *train]) + "\n")
    (tmp_path / "test.log").write_text("\n".join([HEADER, *test]) + "\n")
    model, out, alerts = tmp_path / "m", tmp_path / "s.csv", tmp_path / "a.jsonl"
    res = runner.invoke(app, ["train", str(tmp_path / "train.log"), *FAST, "-o", str(model)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(model), str(tmp_path / "test.log"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert roc_auc_score(labels, pd.read_csv(out)["score"]) > 0.95
    res = runner.invoke(app, ["score", str(model), str(tmp_path / "test.log"), "--alert-format", "ecs",
                              "-o", str(alerts)])
    assert res.exit_code == 0, res.output
    doc = next(d for d in map(json.loads, alerts.read_text().splitlines())
               if d.get("destination", {}).get("port") in (22, 445, 3389))
    assert doc["@timestamp"].startswith("2023-11-16T") and doc["source"]["ip"].startswith("198.51.100.")
    assert doc["network"] == {"iana_number": "6"} and "network" in doc["event"]["category"]


def test_not_a_vpc_flow_log(tmp_path: Path) -> None:
    data = tmp_path / "t.log"
    data.write_text("a b c\n1 2 3\n")
    one_line_error(["train", str(data), "--format", "aws-vpc-flow", "-o", str(tmp_path / "m")],
                   "line 1: expected 14 fields, found 3", tmp_path / "m")
    data.write_text("version account-id srcaddr action\n2 1 10.0.0.1 ACCEPT\n")
    one_line_error(["train", str(data), "--format", "aws-vpc-flow", "-o", str(tmp_path / "m")],
                   "no 'dstaddr' field; is this an AWS VPC flow log?", tmp_path / "m")
