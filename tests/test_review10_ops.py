"""Regression tests: inspect/export/warm start/serving/drift/outputs defects found in review 10."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests._cli import one_line_error, runner
from tests.test_review7_r7_warm import FAST, _table  # the warm-start tests' table and options


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from hourglass.cli import app

    d = tmp_path_factory.mktemp("r10_ops")
    _table(200, 0).to_csv(d / "old.csv", index=False)
    _table(60, 1).to_csv(d / "new.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "old.csv"), "-o", str(d / "M"), "--label-col", "label",
                              "--normal", "ok", *FAST])
    assert res.exit_code == 0, res.output
    return {"dir": d, "model": d / "M"}


@pytest.mark.parametrize(("opt", "value"), [("--memory-budget", "-5"), ("--memory-budget", "nan"),
                                            ("--sample-rows", "0")])
def test_warm_start_refuses_a_bad_memory_budget_or_sample_size(model: dict[str, Path], opt: str,
                                                               value: str) -> None:
    # train refuses them; a warm start trained on with a negative or NaN budget and said
    # 'sample size must be >= 1, got 0' without naming --sample-rows
    d = model["dir"]
    args = ["train", str(d / "new.csv"), "--warm-start", str(model["model"]), "-o", str(d / "W"),
            "--epochs", "1", "-q", opt, value]
    if opt == "--sample-rows":
        args += ["--memory-budget", "0.000001"]
    one_line_error(args, f"{opt}: must be > 0, got", d / "W")


@pytest.mark.parametrize("entity", [False, True])
def test_inspect_skips_unreadable_times_as_train_does(tmp_path: Path, entity: bool) -> None:
    # train --on-bad-rows skip leaves a row without a readable time out; inspect, which previews
    # what train builds, stopped at it: "column 'ts': row 6 is not a timestamp ('garbage')"
    import json

    from hourglass.cli import app

    rng = np.random.default_rng(0)
    ts = pd.date_range("2024-01-01", periods=60, freq="min").astype(str).tolist()
    ts[5] = "garbage"
    pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60), "host": ["h1", "h2"] * 30,
                  "ts": ts}).to_csv(tmp_path / "t.csv", index=False)
    args = ["inspect", str(tmp_path / "t.csv"), "--timestamp-col", "ts", "--json", str(tmp_path / "s.json")]
    if entity:
        args += ["--entity-col", "host"]
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and "line 7 is not a timestamp" in res.stderr  # without skip: named
    res = runner.invoke(app, [*args, "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert "skipped 1 row(s) without a readable time in column 'ts' (first: line 7" in res.stderr
    report = json.loads((tmp_path / "s.json").read_text())
    if entity:  # the skipped row is in the JSON too, as for a table
        assert report["rows"] == 59 and report["skipped_rows"] == 1
    else:  # the rows inspected are the rows kept, as train counts them
        assert report["skipped_rows"] == 1 and report["rows_inspected"] == 59


def test_serve_suppress_name_without_file_is_named() -> None:
    # '--suppress zeek=' was read as the file '' (Path: '.'), refused as "--suppress .: is a
    # directory", naming neither the option's value nor what was missing
    from hourglass.cli.serve import parse_suppress
    from hourglass.errors import HourglassError

    with pytest.raises(HourglassError, match=r"^--suppress zeek=: NAME=FILE without the file after '='$"):
        parse_suppress(["zeek="], ["zeek", "audit"])
    assert parse_suppress(["zeek=z.toml"], ["zeek", "audit"]) == {"zeek": Path("z.toml")}
    with pytest.raises(HourglassError, match=r"^--suppress: empty file name$"):  # one model
        parse_suppress([""], ["zeek"])


def test_warm_entity_accepts_the_parents_aggregates_named_once(tmp_path: Path) -> None:
    # a parent trained with '--aggregate bytes --aggregate bytes' (one column, aggregated once)
    # refused a warm start's '--aggregate bytes': "EA aggregates bytes, bytes; a warm start keeps ..."
    from hourglass.cli import app
    from hourglass.ingest.synthetic import port_scan_flows

    flows, _ = port_scan_flows(days=0.1, scan_flows=0, seed=1)
    flows.to_csv(tmp_path / "f.csv", index=False)
    base = ["--entity-col", "src_ip", "--timestamp-col", "ts", "--bucket", "5min"]
    res = runner.invoke(app, ["train", str(tmp_path / "f.csv"), "-o", str(tmp_path / "M"), *base,
                              "--aggregate", "bytes", "--aggregate", "bytes", *FAST])
    assert res.exit_code == 0, res.output
    warm = ["train", str(tmp_path / "f.csv"), "--warm-start", str(tmp_path / "M"), "--epochs", "1", "-q"]
    res = runner.invoke(app, [*warm, "-o", str(tmp_path / "W"), "--aggregate", "bytes"])
    assert res.exit_code == 0, res.output
    one_line_error([*warm, "-o", str(tmp_path / "W2"), "--aggregate", "packets"],
                   "--aggregate: ", tmp_path / "W2")  # another column: still refused
