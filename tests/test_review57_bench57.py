"""Review 57 (bench57): the benchmark scripts as a user reruns them. Each test one defect fixed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

# what a script's main() sets for the whole process, put back after each test
pytestmark = pytest.mark.usefixtures("script_state_kept")


def test_winlogbeat_otrf_refuses_a_negative_seed_before_any_work(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # What was wrong: `winlogbeat_otrf.py --seeds -1` (a bare type=int) converted every OTRF
    # recording, then stopped with a CalledProcessError traceback (exit 1) when
    # `hourglass train --seed -1` refused the seed. Now argparse refuses it: one line, exit 2,
    # before the data folder is even looked at (tmp_path has no mordor_otrf/).
    import winlogbeat_otrf

    with pytest.raises(SystemExit) as stop:
        winlogbeat_otrf.main(["--data", str(tmp_path), "--seeds", "0", "-1"])
    assert stop.value.code == 2
    assert "argument --seeds: '-1' is not an integer from 0 to" in capsys.readouterr().err


def _skab_file(path: Path, rows: int = 460, seed: int = 0) -> None:
    """A small SKAB-layout file: 8 channels, ';'-separated, a labelled run in its test part."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    channels = ["Accelerometer1RMS", "Accelerometer2RMS", "Current", "Pressure", "Temperature",
                "Thermocouple", "Voltage", "Volume Flow RateRMS"]
    df = pd.DataFrame(rng.normal(size=(rows, len(channels))), columns=channels)
    df.insert(0, "datetime", pd.date_range("2020-03-09", periods=rows, freq="1s").astype(str))
    df["anomaly"] = 0.0
    df.loc[420:440, "anomaly"] = 1.0
    df.loc[420:440, "Pressure"] += 6.0
    df["changepoint"] = 0.0
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, sep=";", index=False)


def test_timeseries_explain_runs_with_groups_that_leave_valve1_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: `timeseries_explain.py --groups valve2` (or `--groups other`) trained and
    # explained every file of the group, then stopped with an UnboundLocalError traceback at the
    # long-series row: its model and series were only ever taken from valve1/0 inside the loop.
    # Now valve1/0's model is trained for the long series when --groups leaves valve1 out.
    import timeseries_explain

    for name in ("valve1/0.csv", "valve2/0.csv"):
        _skab_file(tmp_path / "skab" / "data" / name)
    written: dict[str, str] = {}
    monkeypatch.setattr(timeseries_explain, "write_result",
                        lambda name, text: written.setdefault(name, text) and tmp_path / name)
    monkeypatch.setattr(sys, "argv", ["timeseries_explain.py", "--data", str(tmp_path), "--groups",
                                      "valve2", "--long", "600", "--param", "epochs=1"])
    timeseries_explain.main()
    text = written["timeseries_explain_skab-epochs-1"]
    assert "| valve2 | lstm-ae |" in text and "| valve1 |" not in text
    assert "| valve1/0 tiled | 600 |" in text


@pytest.mark.parametrize("option, value, line", [
    ("--groups", "valve3", "--groups: unknown valve3; known: valve1, valve2, other"),
    ("--long", "0", "argument --long: '0' is not an integer >= 1"),
])
def test_timeseries_explain_refuses_a_bad_group_or_length_before_any_work(
        option: str, value: str, line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # What was wrong: an unknown `--groups` name (valve3, a typo) globbed no file, was left out
    # without a word, and the script then stopped with an UnboundLocalError traceback (or, beside
    # valve1, wrote a table without it); `--long 0` (a bare type=int) trained every model, then
    # stopped with "ValueError: No objects to concatenate". Both now stop in one line, exit 2.
    import timeseries_explain
    from _common import run_script

    _skab_file(tmp_path / "skab" / "data" / "valve1" / "0.csv")
    monkeypatch.setattr(sys, "argv", ["timeseries_explain.py", "--data", str(tmp_path), option, value])
    with pytest.raises(SystemExit) as stop:
        run_script(timeseries_explain.main)
    assert stop.value.code == 2
    assert line in capsys.readouterr().err.strip().splitlines()[-1]


def test_timeseries_explain_result_states_the_command_that_wrote_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: the result file's "Command:" line was typed out by hand from --param alone,
    # so a run with --groups, --long, --seed or --data (a smoke run, which overwrites
    # results/timeseries_explain_skab.md) stated the full default run's command beside tables
    # it cannot have produced. Now it is the command as run (_common.command_line).
    import timeseries_explain

    _skab_file(tmp_path / "skab" / "data" / "valve1" / "0.csv")
    written: dict[str, str] = {}
    monkeypatch.setattr(timeseries_explain, "write_result",
                        lambda name, text: written.setdefault(name, text) and tmp_path / name)
    monkeypatch.setattr(sys, "argv", ["timeseries_explain.py", "--data", str(tmp_path), "--groups",
                                      "valve1", "--long", "500", "--seed", "3", "--param", "epochs=1"])
    timeseries_explain.main()
    command = next(line for line in written["timeseries_explain_skab-epochs-1"].splitlines()
                   if line.startswith("Command:"))
    assert (f"timeseries_explain.py --data {tmp_path} --groups valve1 --long 500 --seed 3 "
            "--param epochs=1`") in command


def test_loghub_result_states_the_command_that_wrote_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: results/loghub.md said "Command: `python benchmarks/loghub.py`" whatever
    # was run, so `loghub.py --sets HDFS --no-before` (no --no-write) rewrote it with one set's
    # table and no 'GA before' column under the command of the 16-set run. Now the Command line
    # is the command as run (_common.command_line).
    import gzip

    import loghub

    d = tmp_path / "loghub_2k" / "HDFS"
    d.mkdir(parents=True)
    lines = [f"081109 2036{i:02d} 148 INFO dfs.DataNode$PacketResponder: PacketResponder {i % 3} "
             f"for block blk_{1000 + i} terminating" for i in range(12)]
    with gzip.open(d / "HDFS_2k.log.gz", "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    with gzip.open(d / "HDFS_2k.log_structured.csv.gz", "wt") as fh:
        fh.write("LineId,EventId\n" + "".join(f"{i + 1},E10\n" for i in range(12)))
    written: dict[str, str] = {}
    monkeypatch.setattr(loghub, "write_result",
                        lambda name, text: written.setdefault(name, text) and tmp_path / name)
    monkeypatch.setattr(sys, "argv", ["loghub.py", "--data", str(tmp_path), "--sets", "HDFS",
                                      "--no-before"])
    loghub.main()
    command = next(line for line in written["loghub"].splitlines() if line.startswith("Command:"))
    assert f"loghub.py --data {tmp_path} --sets HDFS --no-before`" in command
    assert "| HDFS |" in written["loghub"]


def test_warm_start_logs_result_states_the_models_it_ran(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: results/warm_start_logs.md's Command line was typed out from --seeds and
    # --epochs alone, so `warm_start_logs.py --models deeplog` rewrote it with the deeplog rows
    # only under the command of the three-model run. Now it is the command as run.
    import gzip

    import numpy as np

    import warm_start_logs

    rng = np.random.default_rng(0)
    rows = ["EventSequence,deeploglizer_split,Label"]
    for i in range(160):
        split, label = ("train", 0) if i < 120 else ("test", int(i % 8 == 0))
        keys = [5, 22, 11, 9, 11, 9, 26, 26, 23, 21] if not label else [5, 7, 7, 7, 3, 3]
        keys = keys + rng.choice([9, 11], size=int(rng.integers(1, 4))).tolist()
        rows.append(f"{' '.join(f'E{k}' for k in keys)},{split},{label}")
    (tmp_path / "hdfs_deeplog").mkdir()
    with gzip.open(tmp_path / "hdfs_deeplog" / "hdfs_100k_sessions.csv.gz", "wt") as fh:
        fh.write("\n".join(rows) + "\n")
    written: dict[str, str] = {}
    monkeypatch.setattr(warm_start_logs, "write_result",
                        lambda name, text: written.setdefault(name, text) and tmp_path / name)
    monkeypatch.setattr(sys, "argv", ["warm_start_logs.py", "--data", str(tmp_path), "--seeds", "0",
                                      "--epochs", "1", "--models", "deeplog"])
    warm_start_logs.main()
    command = next(line for line in written["warm_start_logs"].splitlines()
                   if line.startswith("Command:"))
    assert (f"warm_start_logs.py --data {tmp_path} --seeds 0 --epochs 1 --models deeplog`"
            in command)


@pytest.mark.parametrize("value", ["0", "1000,-5", "1e3"])
def test_drift_refuses_a_bad_window_before_any_work(
        value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # What was wrong: `drift.py --windows 0` (or a negative window) read NSL-KDD and trained the
    # first seed's model, then stopped at the first monitor with "AlertRateMonitor: window must
    # be >= 1 rows", though the README promises a bad option stops before any work;
    # `--windows 1e3` said "invalid <lambda> value". Now each window is checked first: one line
    # naming --windows, exit 2, before the data folder is looked at (tmp_path has no nsl_kdd/).
    import drift
    from _common import run_script

    monkeypatch.setattr(sys, "argv", ["drift.py", "--data", str(tmp_path), "--windows", value])
    with pytest.raises(SystemExit) as stop:
        run_script(drift.main)
    assert stop.value.code == 2
    assert (f"--windows: {value!r} is not a comma-separated list of integers >= 1"
            == capsys.readouterr().err.strip().splitlines()[-1])


@pytest.mark.parametrize("script, option", [
    ("warm_start_logs", "--epochs"),
    ("warm_start_series", "--epochs"),
    ("timeseries", "--asd-stride"),
])
def test_a_count_option_below_1_is_refused_before_the_data_is_read(
        script: str, option: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # What was wrong: these count options were read with a bare type=int (review 51 fixed the
    # others): `warm_start_logs.py --epochs 0` / `warm_start_series.py --epochs 0` read the data
    # and stopped at the first fit ("epochs must be >= 1"); `timeseries.py --asd-stride 0
    # --models pca` ran and wrote "training-window stride 0" into its settings line. Now
    # argparse refuses them: one line, exit 2, before the data folder is looked at.
    module = __import__(script)
    monkeypatch.setattr(sys, "argv", [f"{script}.py", "--data", str(tmp_path), option, "0"])
    with pytest.raises(SystemExit) as stop:
        module.main()
    assert stop.value.code == 2
    assert (f"argument {option}: '0' is not an integer >= 1"
            in capsys.readouterr().err.strip().splitlines()[-1])


def test_gan_anogan_selection_report_is_an_option_that_checks_its_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # What was wrong: results/gan_anogan_selection.md is written by a `--report FILE ...` mode
    # read from sys.argv[1] outside argparse: --help did not show it (it said --configs is
    # required), a missing or foreign file stopped it with a FileNotFoundError / JSONDecodeError
    # traceback, and `--report` alone rewrote the committed report with no screen in it. Now
    # --report is an argparse option (in --help), each file is checked (one line, exit 2).
    import json

    import gan_anogan_selection
    from _common import run_script

    monkeypatch.setattr(sys, "argv", ["gan_anogan_selection.py", "--help"])
    with pytest.raises(SystemExit):
        gan_anogan_selection.main()
    assert "--report JSON [JSON ...]" in capsys.readouterr().out
    for bad in (tmp_path / "missing.json", BENCH / "README.md"):
        monkeypatch.setattr(sys, "argv", ["gan_anogan_selection.py", "--report", str(bad)])
        with pytest.raises(SystemExit) as stop:
            run_script(gan_anogan_selection.main)
        assert stop.value.code == 2
        assert (f"--report: {bad} is not a screen's JSON file of this script"
                in capsys.readouterr().err.strip().splitlines()[-1])
    screen = tmp_path / "anogan_selection_t.json"
    screen.write_text(json.dumps({"rows": [{"set": "a", "seed": 0, "config": "base", "params": {},
                                            "val_auc": 0.9, "seconds": 1.0, "fit_rows": 10}]}))
    written: dict[str, str] = {}
    monkeypatch.setattr(gan_anogan_selection, "write_result",
                        lambda name, text: written.setdefault(name, text) and tmp_path / name)
    monkeypatch.setattr(sys, "argv", ["gan_anogan_selection.py", "--report", str(screen)])
    gan_anogan_selection.main()
    assert "## Latest screen: `anogan_selection_t.json` (1 seeds)" in written["gan_anogan_selection"]


@pytest.mark.parametrize("script, args, line", [
    ("gan_anogan_selection", ["--configs", "{bad"], "--configs: not JSON (Expecting property name"),
    ("gan_anogan_selection", ["--configs", "[1]"],
     "--configs: expected a non-empty JSON object of named objects"),
    ("gan_anogan_selection", ["--configs", '{"a": {"nope": 1}}'],
     "--configs: nope is not a parameter of AnoGAN; known: "),
    ("gan_anogan_selection", ["--model", "ganomaly", "--configs", '{"a": {"prior": 1}}'],
     "--configs: prior is not a parameter of GANomaly; known: "),
    ("semi_selection", ["--grid", "{bad"], "--grid: not JSON (Expecting property name"),
    ("semi_selection", ["--grid", "[1]"], "--grid: expected a non-empty JSON list of objects"),
    ("semi_selection", ["--grid", '[{"nope": 1}]'], "--grid: nope is not a parameter of AutoEncoder"),
    ("semi_selection", ["--weights", "1,x"], "--weights: '1,x' is not a comma-separated list of numbers"),
    ("nsl_kdd_selection", ["--configs", '[{"nope": 1}]'],
     "--configs: nope is not a parameter of AutoEncoder"),
    ("nsl_kdd_selection", ["--configs", "[{}]", "--pre", '[{"nope": 1}]'],
     "--pre: nope is not a parameter of TabularPreprocessor"),
    ("fit_time", ["--param", "nope=1"], "--param: nope is not a parameter of AutoEncoder"),
    ("fit_time", ["--versus", "nope=1"], "--versus: nope is not a parameter of AutoEncoder"),
])
def test_a_bad_parameter_option_is_refused_before_any_work(
        script: str, args: list[str], line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # What was wrong: the JSON and NAME=VALUE parameter options stopped with a traceback: bad JSON
    # in `gan_anogan_selection.py --configs` or `semi_selection.py --grid` (JSONDecodeError), a
    # list where an object was wanted (AttributeError / TypeError), and a name the estimator does
    # not have (`--grid '[{"nope": 1}]'`, `nsl_kdd_selection.py --configs/--pre`, `fit_time.py
    # --param nope=1`: "unexpected keyword argument" after the data was read); `--weights 1,x`
    # a ValueError. Now _common.param_dicts / parameters_of check them first: one line naming the
    # option, exit 2, before the data folder is looked at (tmp_path holds no dataset).
    from _common import run_script

    module = __import__(script)
    monkeypatch.setattr(sys, "argv", [f"{script}.py", "--data", str(tmp_path), *args])
    with pytest.raises(SystemExit) as stop:
        run_script(module.main)
    assert stop.value.code == 2
    assert line in capsys.readouterr().err.strip().splitlines()[-1]


def test_benchmarks_readme_says_what_every_script_writes() -> None:
    # What was wrong: benchmarks/README's paragraph on what a smoke run overwrites named every
    # script but gan_anogan_selection.py (which always writes results/<model>_selection[_TAG].json,
    # and whose --report rewrites gan_anogan_selection.md) and timeseries_fit_time.py (prints
    # only), so a user could not tell whether a rerun of those touched the committed results.
    import re

    text = (BENCH / "README.md").read_text()
    paragraph = text[text.index("The result files in `results/` are the committed full runs."):
                     text.index("| script | what |")]
    scripts = sorted(p.name for p in BENCH.glob("*.py") if not p.name.startswith("_"))
    unnamed = [s for s in scripts if not re.search(rf"`{re.escape(s)}[` ]", paragraph)]
    assert not unnamed, unnamed


@pytest.mark.parametrize("n, rate, flagged", [(94_321, 12_345.4, 1_234), (1, 80.0, 0)])
def test_logs_scale_reads_the_score_summary_as_the_cli_writes_it(
        n: int, rate: float, flagged: int) -> None:
    # What was wrong: logs_scale.py read `hourglass score`'s summary with plain digits
    # (r"scored (\d+) sessions"), but the CLI writes its counts with thousands separators (and
    # 'session' for one) since 0b413f5b: every run of 1,000 sessions or more (its default 1.2 M
    # lines give ~94k) trained the model, scored the log, then stopped with "unexpected score
    # output" and exit 1, its table never written. The line here is built as cli/logs.py does.
    from hourglass._columns import counted
    from logs_scale import score_summary

    line = (f"19,750 lines, 44 had a template unseen in training; scored {counted(n, 'session')} "
            f"({rate:,.0f}/s), {flagged:,} flagged")
    assert score_summary(f"wrote /tmp/alerts.jsonl\n{line}\n") == (n, round(rate), flagged)


def test_series_stream_result_states_the_command_that_wrote_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: results/series_stream.md's Command line was typed out as
    # `... series_stream.py --data /work/shared/data --seeds N` whatever was run, so a run with
    # --epochs, --repeat, --skab-train or another --data stated a command that gives other
    # figures, and its throughput note said "a 5-epoch model" at any --epochs. Both now follow
    # the run. (The false-alarm table, minutes of training on NAB/SKAB/ASD, is stubbed here.)
    import series_stream

    for folder in ("nab", "asd_interfusion"):
        (tmp_path / folder).mkdir()
    _skab_file(tmp_path / "skab" / "data" / "valve1" / "0.csv")
    written: dict[str, str] = {}
    monkeypatch.setattr(series_stream, "threshold_table", lambda *a: "(false-alarm table)")
    monkeypatch.setattr(series_stream, "run_measured", lambda *a, **k: (1.0, 0.0, "460 rows/s"))
    monkeypatch.setattr(series_stream, "write_result",
                        lambda name, text: written.setdefault(name, text) and tmp_path / name)
    monkeypatch.setattr(sys, "argv", ["series_stream.py", "--data", str(tmp_path), "--repeat", "1",
                                      "--epochs", "1", "--seeds", "1", "--skab-train", "500"])
    series_stream.main()
    text = written["series_stream"]
    command = next(line for line in text.splitlines() if line.startswith("Command:"))
    assert (f"series_stream.py --data {tmp_path} --repeat 1 --epochs 1 --seeds 1 --skab-train 500`"
            in command)
    assert "(a 1-epoch model;" in text


@pytest.mark.parametrize("script, args", [
    ("latency", ["--before"]),
    ("entity", ["--part", "speed", "--before-src"]),
    ("fit_time", ["--against-src"]),
])
def test_a_before_tree_without_hourglass_is_refused_before_any_work(
        script: str, args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # What was wrong: `latency.py --before DIR` and `entity.py --part speed|evaluate --before-src
    # DIR` ran the "before" processes with PYTHONPATH=DIR unchecked: a DIR without the hourglass
    # package (a typo, the checkout instead of its src) imported the installed hourglass, so
    # the "before" column silently measured other code; `fit_time.py --against-src DIR` said so
    # but exited with code 1. Now _common.source_tree refuses it: one line, exit 2, first.
    from _common import run_script

    module = __import__(script)
    if script == "entity":  # (the old code generated its large file for minutes first)
        monkeypatch.setattr(module, "speed_part", lambda *a: pytest.fail("the part ran"))
    tree = tmp_path / "checkout"  # a checkout, not its src/
    (tree / "src" / "hourglass").mkdir(parents=True)
    monkeypatch.setattr(sys, "argv", [f"{script}.py", *args, str(tree)]
                        + ([] if script == "entity" else ["--data", str(tmp_path)]))
    with pytest.raises(SystemExit) as stop:
        run_script(module.main)
    assert stop.value.code == 2
    assert (f"{args[-1]}: {tree} holds no hourglass package (give a src folder)"
            == capsys.readouterr().err.strip().splitlines()[-1])
