"""Review round 58 (readme58): the README read as a new user, command by command."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hourglass.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"
DATA = Path(os.environ.get("HOURGLASS_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
SKAB_VALVE = DATA / "skab" / "data" / "valve1" / "0.csv"
runner = CliRunner()


@pytest.mark.skipif(not SKAB_VALVE.is_file(), reason="shared SKAB data not present")
def test_skab_figures_with_the_cli_defaults_are_what_the_defaults_give(tmp_path: Path) -> None:
    # What was wrong: the README said 'hourglass --threads 1 train valve1/0.csv --dataset skab
    # --model gru-ae' with the defaults gives PR-AUC 0.650 / F1 0.738, but those are the figures
    # of '--param validation_fraction=0.25' alone (stride 4); the defaults give 0.722 / 0.731.
    text = README.read_text(encoding="utf-8")
    found = re.search(r"valve1/0\.csv, gru-ae: PR-AUC ([0-9.]+), F1 ([0-9.]+), the benchmark's\s+"
                      r"figures; with the defaults ([0-9.]+) / ([0-9.]+)\)", text)
    assert found, "the README's SKAB reproduction sentence moved"
    stated = [float(v) for v in found.groups()]
    model, metrics = tmp_path / "m", tmp_path / "m.json"
    for params, (pr_auc, f1) in (([], stated[2:]),
                                 (["--seed", "0", "--param", "validation_fraction=0.25",
                                   "--param", "stride=1"], stated[:2])):
        res = runner.invoke(app, ["--threads", "1", "train", str(SKAB_VALVE), "--dataset", "skab",
                                  "--model", "gru-ae", *params, "-o", str(model), "--force"])
        assert res.exit_code == 0, res.output
        res = runner.invoke(app, ["evaluate", str(model), str(SKAB_VALVE), "--dataset", "skab",
                                  "--json", str(metrics)])
        assert res.exit_code == 0, res.output
        got = json.loads(metrics.read_text())
        assert got["pr_auc"] == pytest.approx(pr_auc, abs=0.006), params
        assert got["f1"] == pytest.approx(f1, abs=0.006), params


def _bench_table_rows() -> list[tuple[list[str], list[str]]]:
    """benchmarks/README's script table: per row, the scripts named and the result-file patterns."""
    text = (README.parent / "benchmarks" / "README.md").read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows.append((re.findall(r"`([\w.]+\.py)`", cells[0]), re.findall(r"`([^`]+)`", cells[-1])))
    return rows


def test_benchmarks_readme_table_names_the_files_federated_flower_writes() -> None:
    # What was wrong: benchmarks/README's table gave federated.py and federated_flower.py the
    # result files federated.md and federated_no_batch_norm.md only, but federated_flower.py
    # always writes results/federated_flower_<api>[_summaries].md (the README's federated section
    # cites federated_flower_deployment.md): its committed results were nobody's in the table.
    import fnmatch

    results = README.parent / "benchmarks" / "results"
    written = sorted(p.name for p in results.glob("federated_flower_*.md"))
    assert written, "no committed federated_flower results"
    patterns = [p for scripts, pats in _bench_table_rows() if "federated_flower.py" in scripts
                for p in pats]
    assert [f for f in written if not any(fnmatch.fnmatch(f, p) for p in patterns)] == []


def test_an_uptime_in_ms_stays_a_number_as_the_readme_says() -> None:
    # What was wrong: the README (and the roles' docstring) say 'a cumulative cpu_time_ns, an
    # uptime in ms or a total_time counter stays a number', but 'uptime' ends in 'time', so it
    # took a time's name, and an uptime of 28 hours to 47 days in ms (2.6e9 for 30 days) reads
    # as epoch seconds of 1973-2099: a host's uptime_ms (or SNMP's sysUpTime in ticks) sampled
    # over a day was dropped as 'times' by the row roles and by the entity features alike.
    import numpy as np
    import pandas as pd

    from hourglass.features.entity import EntityWindows
    from hourglass.features.roles import infer_role

    up = pd.Series(30 * 86_400_000 + np.arange(300) * 60_000, dtype="float64")  # ms, 30 days up
    for name in ("uptime", "uptime_ms", "sysUpTime"):
        assert infer_role(name, up, max_categories=20) == ("numeric", "numeric values"), name
    assert infer_role("boot_time", pd.Series(1.7e9 + np.arange(300) * 60.0),
                      max_categories=20)[0] == "drop"  # a time's name still is one
    df = pd.DataFrame({"host": ["a", "b"] * 150,
                       "ts": pd.date_range("2024-01-01", periods=300, freq="1min"),
                       "uptime_ms": up, "bytes": np.arange(300.0)})
    ew = EntityWindows("host", "ts", bucket="5min").fit(df)
    assert "uptime_ms" in ew.numeric_


def test_drift_readme_figures_are_those_of_the_results_table() -> None:
    # What was wrong: the README said the drift check warned on every KDDTest+ normal stream 'at
    # its first test', as the notes of results/drift.md did ('at the first test (row 249 with
    # W = 1000 ...)'), but the table beside those notes gives hourglass' test (beta-binomial) at
    # the default window of 1,000 rows a median of 249 rows to the first warning and a maximum
    # of 276: not every stream warned at its first test.
    results = (README.parent / "benchmarks" / "results" / "drift.md").read_text(encoding="utf-8")
    row = re.search(r"^\| percentile 99 \| KDDTest\+ normal \| 1000 \| beta-binomial \|"
                    r" [^|]+\|[^|]+\|[^|]+\| (\d+)/(\d+) \| \d+ \| (\d+) \| (\d+) \|$", results, re.M)
    assert row, "the drift results table moved"
    warned, streams, median, most = (int(v) for v in row.groups())
    assert warned == streams
    text = " ".join(README.read_text(encoding="utf-8").split())
    said = re.search(r"warned on every KDDTest\+ normal stream \(flagged [0-9.]+ % vs 1 %\) within "
                     r"(\d+) rows, most at its first test, row (\d+)", text)
    assert said, "the README's drift sentence moved"
    assert (int(said.group(1)), int(said.group(2))) == (most, median)
    notes = " ".join(results.split())
    assert f"by row {most} (the median at the first test, row {median})" in notes


def test_entity_speed_figures_cite_the_results_file_that_holds_them() -> None:
    # What was wrong: the README's 'a 100-row service request takes 8.4 ms instead of 20.9' was
    # cited to results/entity_speed.md, whose table gives that request 9.0 ms against 20.3; the
    # figures are serve_throughput.md's (in-process EntityScorer, before and after the numpy
    # aggregation), and a reader checking the cited file found others.
    bench = README.parent / "benchmarks" / "results"
    text = " ".join(README.read_text(encoding="utf-8").split())
    said = re.search(r"a 100-row service request takes ([0-9.]+) ms instead of ([0-9.]+) \(scored in "
                     r"process, `benchmarks/results/(\w+\.md)`\), `aggregate` on 8,192 / 1M rows "
                     r"([0-9.]+) / ([0-9.]+) ms instead of ([0-9.]+) / ([0-9.]+) "
                     r"\(`benchmarks/results/(\w+\.md)`", text)
    assert said, "the README's entity aggregation sentence moved"
    after, before = float(said.group(1)), float(said.group(2))
    request = re.findall(r"\| entity buckets [^|]+\| in-process \| 100 rows \(25 buckets\) \|"
                         r"[^|]+\|[^|]+\|[^|]+\| ([0-9.]+) \|", (bench / said.group(3)).read_text())
    assert [round(float(v), 1) for v in request] == [after, before]  # after, then the 'before' table
    speed = (bench / said.group(8)).read_text()
    rows = {m[0]: (float(m[1]), float(m[2])) for m in
            re.findall(r"\| aggregate ([0-9,]+) rows \(ms\) \| ([0-9.]+) \| ([0-9.]+) \|", speed)}
    def ms(v: float) -> float:
        return float(int(v + 0.5))  # 632.5 ms is said 633

    assert (rows["8,192"][1], ms(rows["1,000,000"][1])) == (float(said.group(4)), float(said.group(5)))
    assert (rows["8,192"][0], ms(rows["1,000,000"][0])) == (float(said.group(6)), float(said.group(7)))


def test_skab_explain_figures_are_those_of_the_results_table() -> None:
    # What was wrong: the README said the SKAB models 'also flag 80-90% of the normal test
    # steps', but results/timeseries_explain_skab.md (the file it cites, unchanged since) gives
    # 85-94% (valve2: 94% and 92%); the shares of anomalous steps naming the flow rate first,
    # 55-62% against 0-2%, were right.
    table = (README.parent / "benchmarks" / "results" / "timeseries_explain_skab.md").read_text()
    rows = re.findall(r"^\| (valve\d|other) \| [\w-]+ \| [0-9,]+ \| ([^|]+) \| [0-9,]+ of [0-9,]+ "
                      r"\((\d+)%\) \|[^|]+\| \w+: (\d+)% vs (\d+)% \|$", table, re.M)
    assert len(rows) == 6, "the SKAB explain table moved"
    normal = [int(r[2]) for r in rows]
    valves = [r for r in rows if r[0].startswith("valve")]
    flow, flow_normal = [int(r[3]) for r in valves], [int(r[4]) for r in valves]
    text = " ".join(README.read_text(encoding="utf-8").split())
    said = re.search(r"name the flow rate first (\d+)-(\d+)% of the time against (\d+)-(\d+)% of "
                     r"the flagged normal steps; but these models, trained on 400 rows, also flag "
                     r"(\d+)-(\d+)% of the \*normal\* test steps", text)
    assert said, "the README's SKAB explain sentence moved"
    assert [int(v) for v in said.groups()] == [min(flow), max(flow), min(flow_normal),
                                               max(flow_normal), min(normal), max(normal)]


def test_chunk_mb_refused_for_a_raw_log_says_key_file_models_take_it(tmp_path: Path) -> None:
    # What was wrong: 'hourglass score' of a raw-log DeepLog model with --chunk-mb said
    # '--chunk-mb: not used by log models (deeplog); leave it out', though the README (and score)
    # give --chunk-mb to log models of key-sequence files (--format keys): the refusal said no log
    # model reads it. It now says which log models take it.
    from tests._cli import one_line_error
    from tests.test_logs import hdfs_log

    log = tmp_path / "hdfs.log"
    log.write_text("\n".join(hdfs_log(40)) + "\n")
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(log), "--format", "hdfs", "--session-regex", r"blk_-?\d+",
                              "--model", "deeplog", "--epochs", "1", "-o", str(model)])
    assert res.exit_code == 0, res.output
    out = tmp_path / "out.jsonl"
    one_line_error(["score", str(model), str(log), "--chunk-mb", "4", "-o", str(out)],
                   "--chunk-mb: not used by log models (deeplog); only a model of key-sequence "
                   "files (--format keys) reads its data in --chunk-mb blocks", out)
