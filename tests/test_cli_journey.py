"""Defects found by following the README as a new user: each bad input gives one stderr line
naming the problem, exit code 2, no traceback and no output file."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.cli._common import parse_value
from hourglass.features.sessions import group_events
from tests.test_cli import _fails_cleanly

runner = CliRunner()
FAST = ["--epochs", "2", "--hidden", "8,4", "--batch-size", "64", "-q"]


@pytest.fixture(scope="module")
def flows(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("journey") / "flows.csv"
    pd.DataFrame({"proto": rng.choice(["tcp", "udp"], 200), "bytes": rng.lognormal(5, 1, 200),
                  "label": "benign"}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(("param", "match"), [
    ("hidden=5", "hidden must be a list of whole numbers"),            # was a TypeError traceback
    ("standardize=maybe", "standardize must be true or false"),  # was silently truthy
    ("random_state=abc", "random_state must be a whole number"),
    ("epochs=abc", "epochs must be a whole number"),                # did not name the parameter
    ("hidden=[8, \"a\"]", "hidden must be a list of whole numbers"),  # was int()'s message
])
def test_a_bad_param_value_names_the_parameter(flows: Path, tmp_path: Path, param: str,
                                                match: str) -> None:
    out = tmp_path / "m"
    key = "--" + param.partition("=")[0].replace("_", "-")  # one value each: no --epochs beside it
    fast = [a for i, a in enumerate(FAST) if key not in (a, FAST[i - 1] if i else None)]
    _fails_cleanly(["train", str(flows), "--label-col", "label", "--normal", "benign", "-o",
                    str(out), "--param", param, *fast], match, out)


def test_param_reads_python_spelled_flags() -> None:
    # '--param standardize=False' used to be the (true) string 'False'
    assert parse_value("False") is False and parse_value("True") is True
    assert parse_value("None") is None and parse_value("false") is False


def test_grouping_no_events_gives_no_sessions() -> None:
    ev = pd.DataFrame({"key": np.zeros(0, np.int64), "line": np.zeros(0, np.int64),
                       "content": np.zeros(0, object)})
    ids, seqs, lines, _ = group_events(ev, session_regex=r"blk_-?\d+")
    assert ids == [] and seqs == [] and lines == []


def test_log_model_on_a_table_says_no_session_matched(tmp_path: Path, flows: Path) -> None:
    log = tmp_path / "hdfs.log"
    msgs = ("Receiving block blk_{} src", "PacketResponder 1 for block blk_{} terminating",
            "Verification succeeded for blk_{}", "Deleting block blk_{} file /d/{}")
    log.write_text("".join(f"081109 2036{i % 60:02d} 148 INFO dfs.DataNode: "
                           f"{msgs[i % 4].format(i % 7, i)}\n" for i in range(80)))
    model = tmp_path / "lm"
    res = runner.invoke(app, ["train", str(log), "--format", "hdfs", "--session-regex",
                              r"blk_-?\d+", "--model", "deeplog", "-o", str(model), "--param",
                              "top_g=2", "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "alerts.jsonl"
    _fails_cleanly(["score", str(model), str(flows), "-o", str(out)],   # was "session 0 is empty"
                   "no sessions found", out)


def test_binary_and_damaged_evtx_files_are_refused(tmp_path: Path, flows: Path) -> None:
    evtx = tmp_path / "sec.evtx"
    evtx.write_bytes(b"ElfFile\x00" + bytes(range(256)) * 8)
    blob = tmp_path / "blob.csv"
    blob.write_bytes(b"a,b\n\x00\x01\x02\n")
    out = tmp_path / "m"
    _fails_cleanly(["train", str(evtx), "-o", str(out), *FAST],
                   "not a readable Windows .evtx event log", out)
    _fails_cleanly(["inspect", str(blob)], "binary data")
    parquet = tmp_path / "flows.parquet"
    pd.DataFrame({"a": [1.0, 2.0]}).to_parquet(parquet)
    _fails_cleanly(["inspect", str(parquet), "--format", "csv"], "--format parquet")


def test_jsonl_nested_values_become_text(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl.gz"
    rows = [{"EventID": 4624 + i % 3, "Tags": ["a", "b"][: 1 + i % 2],
             "Data": {"k": i % 4}, "Bytes": float(i)} for i in range(120)]
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(json.dumps(r) for r in rows) + "\n")
    res = runner.invoke(app, ["inspect", str(path)])       # was "unhashable type: 'list'"
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["train", str(path), "-o", str(tmp_path / "m"), *FAST])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize(("opt", "match"), [
    (["--drop", "byts"], "--drop: no column 'byts'"),         # a typo was silently ignored
    (["--role", "prto=ip"], "--role: no column 'prto'"),
])
def test_drop_and_role_name_existing_columns(flows: Path, tmp_path: Path, opt: list[str],
                                             match: str) -> None:
    out = tmp_path / "m"
    _fails_cleanly(["train", str(flows), "--label-col", "label", "--normal", "benign", "-o",
                    str(out), *opt, *FAST], match, out)


def test_output_in_a_missing_folder_fails_before_training(flows: Path, tmp_path: Path) -> None:
    out = tmp_path / "no" / "m"
    res = runner.invoke(app, ["train", str(flows), "--label-col", "label", "--normal", "benign",
                              "-o", str(out), "--epochs", "2", "--hidden", "8,4"])
    assert res.exit_code == 2 and "output folder" in res.stderr
    assert "AutoEncoder:" not in res.stderr, "refused before training, not after"


def test_models_descriptions_are_whole_sentences_without_markup() -> None:
    res = runner.invoke(app, ["models"])
    assert res.exit_code == 0
    from hourglass.detectors import registry
    for name, doc in registry.describe().items():
        assert "``" not in doc and doc.endswith((".", ")")), (name, doc)   # was cut mid-line


def test_a_python_warning_is_one_bare_line(tmp_path: Path) -> None:
    log = tmp_path / "one.log"                # one template: DeepLog warns that top_g is too big
    log.write_text("".join(f"081109 203615 148 INFO dfs.DataNode: Receiving block blk_{i} src\n"
                           for i in range(40)))
    res = runner.invoke(app, ["train", str(log), "--format", "hdfs", "--session-regex",
                              r"blk_-?\d+", "--model", "deeplog", "-o", str(tmp_path / "m"),
                              "--epochs", "1"])
    assert res.exit_code == 0, res.output
    warned = [ln for ln in res.stderr.splitlines() if "top_g" in ln]
    assert warned and all(ln.startswith("DeepLog: top_g=9") for ln in warned), res.stderr
    assert "UserWarning" not in res.stderr and ".py:" not in res.stderr


def test_a_header_regex_without_content_group_says_so(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("hello\n")
    _fails_cleanly(["train", str(log), "--format", r"^(?P<msg>.*)$", "--window", "60", "--model",
                    "deeplog", "-o", str(tmp_path / "m")], "(?P<content>...)")


def test_time_series_drop_names_an_existing_column(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=120, freq="1min").astype(str),
                  "cpu": np.sin(np.arange(120) / 5.0)}).to_csv(path, index=False)
    _fails_cleanly(["train", str(path), "--model", "tcn-ae", "--timestamp-col", "ts", "--freq",
                    "1min", "--drop", "cpux", "-o", str(tmp_path / "m")], "--drop: no column 'cpux'")


@pytest.mark.parametrize(("argv", "match"), [
    (["train", "x.csv", "-o", "m", "--threshhold", "pot:1e-4"], "No such option: --threshhold"),
    (["train", "x.csv", "-o", "m", "--epochs", "abc"], "Invalid value for '--epochs'"),
    (["score", "model/"], "Missing argument"),
    (["trian"], "No such command 'trian'"),
])
def test_usage_errors_are_one_line(monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str], argv: list[str],
                                   match: str) -> None:
    from hourglass.cli.app import main
    monkeypatch.setattr("sys.argv", ["hourglass", *argv])
    with pytest.raises(SystemExit) as exit_:
        main()                                   # the console script; was click's usage box
    assert exit_.value.code == 2
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(lines) == 1 and match in lines[0] and "--help" in lines[0], lines


def test_an_error_message_is_not_read_as_markup(flows: Path, tmp_path: Path) -> None:
    _fails_cleanly(["train", str(flows), "--label-col", "label", "--normal", "[bold]x", "-o",
                    str(tmp_path / "m")], "'[bold]x'")


def test_score_refuses_options_it_would_ignore(tmp_path: Path, flows: Path) -> None:
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(flows), "--label-col", "label", "--normal", "benign",
                              "-o", str(model), *FAST])
    assert res.exit_code == 0, res.output
    out = tmp_path / "s.csv"
    _fails_cleanly(["score", str(model), str(flows), "-o", str(out), "--chunk-mb", "0"],
                   "--chunk-mb: must be > 0", out)
    log = tmp_path / "a.log"
    log.write_text("".join(f"081109 203615 148 INFO dfs.DataNode: Receiving block blk_{i} src\n"
                           f"081109 203616 148 INFO dfs.DataNode: Deleting block blk_{i}\n"
                           for i in range(30)))
    res = runner.invoke(app, ["train", str(log), "--format", "hdfs", "--session-regex",
                              r"blk_-?\d+", "--model", "deeplog", "-o", str(tmp_path / "lm"),
                              "--param", "top_g=1", "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    _fails_cleanly(["score", str(tmp_path / "lm"), str(log), "-o", str(out), "--keep", "host"],
                   "--keep: not available for log models", out)   # was silently ignored


@pytest.mark.parametrize("opt", [["--events-per-day", "-5"], ["--memory-budget", "-1"],
                                 ["--sample-rows", "0"]])
def test_train_refuses_non_positive_sizes(flows: Path, tmp_path: Path, opt: list[str]) -> None:
    out = tmp_path / "m"
    _fails_cleanly(["train", str(flows), "--label-col", "label", "--normal", "benign", "-o",
                    str(out), *opt, *FAST], f"{opt[0]}: must be > 0", out)


def test_evaluate_refuses_a_negative_event_rate(flows: Path, tmp_path: Path) -> None:
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(flows), "--label-col", "label", "--normal", "benign",
                              "-o", str(model), *FAST])
    assert res.exit_code == 0, res.output
    _fails_cleanly(["evaluate", str(model), str(flows), "--events-per-day", "-5"],  # printed
                   "--events-per-day: must be > 0")                   # negative alerts per day


@pytest.mark.parametrize(("opt", "match"), [(["--device", "foo"], "unknown device 'foo'"),
                                            (["--param", "activation=foo"], "activation: unknown")])
def test_device_and_activation_are_checked_before_reading_data(flows: Path, tmp_path: Path,
                                                               opt: list[str], match: str) -> None:
    res = runner.invoke(app, ["train", str(flows), "--label-col", "label", "--normal", "benign",
                              "-o", str(tmp_path / "m"), *opt, "--epochs", "1"])
    assert res.exit_code == 2 and match in res.stderr
    assert "training on" not in res.stderr, res.stderr   # was said after the data was read


@pytest.mark.parametrize(("opt", "match"), [(["--scaler", "foo"], "--scaler: unknown 'foo'"),
                                            (["--role", "proto=foo"], "--role: column 'proto' has "
                                                                      "unknown role 'foo'"),
                                            (["--categorical", "prto"], "--categorical: no column"),
                                            (["--hidden", "0"], "--hidden must be"),
                                            (["--batch-size", "0"], "--batch-size must be"),
                                            (["--param", "lr=-1"], "error: lr must be > 0")])
def test_preprocessing_options_fail_before_training(flows: Path, tmp_path: Path, opt: list[str],
                                                    match: str) -> None:
    out = tmp_path / "m"
    _fails_cleanly(["train", str(flows), "--label-col", "label", "--normal", "benign", "-o",
                    str(out), *opt, "--epochs", "1"], match, out)   # one line: no "training on"


def test_inspect_on_what_is_not_a_table(tmp_path: Path) -> None:
    skab = tmp_path / "0.csv"                 # ';'-separated: once one text column, now a table
    skab.write_text("datetime;a;b\n" + "".join(f"2020-01-01 00:{i // 60:02d}:{i % 60:02d};{i};{i * 2}\n"
                                               for i in range(400)))
    res = runner.invoke(app, ["inspect", str(skab)])  # was numpy's "zero-size array", then an error
    assert res.exit_code == 0 and "format csv (semicolon-separated)" in res.stdout, res.output
    _fails_cleanly(["inspect", str(skab), "--dataset", "skab"], "inspect describes tables")
    _fails_cleanly(["inspect", str(skab), "--format", "hdfs"], "inspect describes tables")


def test_time_series_threshold_rules(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=300, freq="30min").astype(str),
                  "cpu": np.sin(np.arange(300) / 5.0)}).to_csv(path, index=False)
    base = ["train", str(path), "--model", "tcn-ae", "--timestamp-col", "ts", "--window", "16",
            "--epochs", "1"]
    _fails_cleanly([*base, "--threshold", "best-f1", "-o", str(tmp_path / "a")],
                   "--threshold best-f1: needs labelled")         # was the Python API's advice
    _fails_cleanly([*base, "--threshold", "budget:5/day", "-o", str(tmp_path / "b")],
                   "needs a fixed --freq grid")                   # was refused after training
    model = tmp_path / "c"
    res = runner.invoke(app, [*base, "--freq", "30min", "--threshold", "budget:5/day", "-o",
                              str(model), "-q"])
    assert res.exit_code == 0, res.output
    cfg = json.loads((model / "config.json").read_text())
    assert "48 events/day" in json.dumps(cfg)                    # 30-min steps: 48 a day


def test_a_table_model_on_other_data_names_what_the_data_has(flows: Path, tmp_path: Path) -> None:
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(flows), "--label-col", "label", "--normal", "benign",
                              "-o", str(model), *FAST])
    assert res.exit_code == 0, res.output
    series = tmp_path / "metrics.csv"
    series.write_text("ts,value\n2024-01-01 00:00:00,1\n2024-01-01 00:01:00,2\n")
    out = tmp_path / "s.csv"
    _fails_cleanly(["score", str(model), str(series), "-o", str(out)], "the data has ts, value", out)


def test_log_alerts_to_a_gz_name_are_gzip(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("".join(f"081109 203615 148 INFO dfs.DataNode: Receiving block blk_{i} src\n"
                           f"081109 203616 148 INFO dfs.DataNode: Deleting block blk_{i}\n"
                           for i in range(30)) + "081109 203617 148 INFO dfs.X: odd blk_99\n")
    model, out = tmp_path / "lm", tmp_path / "alerts.jsonl.gz"
    res = runner.invoke(app, ["train", str(log), "--format", "hdfs", "--session-regex",
                              r"blk_-?\d+", "--model", "deeplog", "-o", str(model), "--param",
                              "top_g=1", "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(model), str(log), "-o", str(out)])
    assert res.exit_code == 0, res.output
    with gzip.open(out, "rt") as fh:                      # was plain text under a .gz name
        assert all(json.loads(line)["session"] for line in fh)


def test_ctrl_c_is_one_line_exit_130_and_leaves_no_model(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str],
                                                         flows: Path, tmp_path: Path) -> None:
    """Ctrl-C during training: one line and the shell's 130, not a silent exit 1 (click's Abort)."""
    from hourglass.cli.app import main
    from hourglass.detectors.autoencoder import AutoEncoder

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt
    monkeypatch.setattr(AutoEncoder, "fit", interrupted)
    monkeypatch.setattr("sys.argv", ["hourglass", "train", str(flows), "-o", str(tmp_path / "m")])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 130
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "interrupted" in lines[-1] and "no output was written" in lines[-1], lines
    assert not (tmp_path / "m").exists() and list(tmp_path.iterdir()) == []
