"""What a user pointing the CLI at raw logs and key files ran into: options silently ignored,
messages that mangled what was typed or pointed the wrong way, misleading one-class metrics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner
from tests.test_logs import _normal, hdfs_log

HDFS = ["--format", "hdfs", "--session-regex", r"blk_-?\d+"]
FAST = ["--model", "deeplog", "--epochs", "1", "--hidden", "8", "-q"]


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("logs")
    log, keys, empty = d / "hdfs.log", d / "keys", d / "empty.log"
    log.write_text("\n".join(hdfs_log(20)) + "\n")
    keys.write_text("\n".join(" ".join(map(str, s)) for s in _normal(40)) + "\n")
    empty.write_text("")
    model = d / "M"
    r = runner.invoke(app, ["train", str(keys), "--format", "keys", *FAST, "-o", str(model)])
    assert r.exit_code == 0, r.output
    return {"log": log, "keys": keys, "empty": empty, "model": model, "dir": d}


def test_options_a_log_cannot_use_are_refused_not_ignored(logs: dict[str, Path]) -> None:
    out = logs["dir"] / "X"
    one_line_error(["train", str(logs["log"]), *HDFS, "--step", "60", *FAST, "-o", str(out)],
                   "--step: slides time windows; give --window too", out)
    for extra, opt in ((["--session-regex", "blk"], "--session-regex"),
                       (["--session-col", "pid"], "--session-col"),
                       (["--window", "60"], "--window")):
        one_line_error(["train", str(logs["keys"]), "--format", "keys", *extra, *FAST, "-o", str(out)],
                       f"{opt}: not for format 'keys'", out)


def test_a_format_typo_or_a_regex_without_content_says_so(logs: dict[str, Path]) -> None:
    out = logs["dir"] / "X"
    one_line_error(["train", str(logs["log"]), "--format", "hdfs2", "--session-col", "pid", *FAST,
                    "-o", str(out)], "unknown format 'hdfs2'; tables: auto,", out)
    one_line_error(["train", str(logs["log"]), "--format", "hdfs2", *FAST, "-o", str(out)],
                   "logs: hdfs, bgl, syslog, journald, raw, keys, or a header regular expression", out)
    one_line_error(["train", str(logs["log"]), "--format", r"^(\S+) (.*)$", "--session-col", "x",
                    *FAST, "-o", str(out)],
                   r"the regular expression '^(\S+) (.*)$' needs a named group (?P<content>...)", out)


def test_a_regex_in_an_error_is_shown_as_typed(logs: dict[str, Path]) -> None:
    # the backslash before '[' used to be doubled (repr) or eaten (rich markup)
    bad = r"^\[(?P<time>[^\]+"
    one_line_error(["train", str(logs["log"]), "--format", bad, "--session-col", "time", *FAST,
                    "-o", str(logs["dir"] / "X")], f"--format: '{bad}' is neither one of the known formats")


def test_explain_on_a_log_model_points_to_score(logs: dict[str, Path]) -> None:
    one_line_error(["explain", str(logs["model"]), str(logs["keys"])],
                   "a log model (deeplog) explains its alerts in 'hourglass score")


def test_an_empty_log_is_called_empty(logs: dict[str, Path]) -> None:
    out = logs["dir"] / "X"
    one_line_error(["train", str(logs["empty"]), *HDFS, *FAST, "-o", str(out)], "the log is empty", out)
    one_line_error(["train", str(logs["empty"]), "--format", "keys", *FAST, "-o", str(out)],
                   "the log is empty", out)


def test_one_class_evaluation_leaves_undefined_metrics_out(logs: dict[str, Path]) -> None:
    js = logs["dir"] / "m.json"
    for label, defined, undefined in (("normal", "fpr", ("precision", "recall", "f1")),
                                      ("anomaly", "recall", ("precision", "fpr", "f1"))):
        r = runner.invoke(app, ["evaluate", str(logs["model"]), str(logs["keys"]), "--all-sessions",
                                label, "--json", str(js)])
        assert r.exit_code == 0, r.output
        m = json.loads(js.read_text())
        assert m[defined] is not None and all(m[k] is None for k in undefined), m


def test_stderr_lines_are_not_wrapped_in_a_pipe(logs: dict[str, Path]) -> None:
    r = runner.invoke(app, ["train", str(logs["log"]), *HDFS, "--model", "deeplog", "--epochs", "1",
                            "--hidden", "8", "-o", str(logs["dir"] / "W")])
    assert r.exit_code == 0, r.output
    line = next(ln for ln in r.stderr.splitlines() if ln.startswith("trained deeplog"))
    assert "threshold fixed at" in line


def _bgl(n_windows: int, alert_windows: tuple[int, ...] = ()) -> list[str]:
    """BGL lines, 6 per 60-s window; the listed windows hold one alert line (label KERNDTLB)."""
    lines = []
    for w in range(n_windows):
        for k in range(6):
            t = 1117838520 + 60 * w + 5 * k  # windows start on whole minutes
            label, text = "-", f"instruction cache parity error corrected {k}"
            if w in alert_windows and k == 3:
                label, text = "KERNDTLB", "data TLB error interrupt"
            lines.append(f"{label} {t} 2005.06.03 R02-M1-N0 2005-06-03-15.42.50.675872 R02-M1-N0 "
                         f"RAS KERNEL {'FATAL' if label != '-' else 'INFO'} {text}")
    return lines


def test_evaluate_a_log_labelled_line_by_line(tmp_path: Path) -> None:
    log = tmp_path / "bgl.log"
    log.write_text("\n".join(_bgl(30, alert_windows=(4, 17))) + "\n")
    model, js = tmp_path / "B", tmp_path / "b.json"
    r = runner.invoke(app, ["train", str(log), "--format", "bgl", "--window", "60", "--model",
                            "event-count-autoencoder", "--epochs", "1", "-q", "-o", str(model)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["evaluate", str(model), str(log), "--label-field", "label", "--json", str(js)])
    assert r.exit_code == 0, r.output
    m = json.loads(js.read_text())
    assert (m["n"], m["n_anomalies"]) == (30, 2) and m["per_class"]["KERNDTLB"]["n"] == 2
    assert m["labels"] == "line field 'label' (normal: -, Normal, normal, 0)"
    one_line_error(["evaluate", str(model), str(log), "--label-field", "lbl", "--json", str(js)],
                   "--label-field: no field 'lbl' in the 'bgl' header; its fields are label,")


def test_an_event_table_without_a_session_rule_is_told_its_own_options(tmp_path: Path) -> None:
    table = tmp_path / "events.csv"
    table.write_text("user,event\nalice,login\nbob,login\nalice,logout\n")
    one_line_error(["train", str(table), "--key-col", "event", *FAST, "-o", str(tmp_path / "M")],
                   "--session-col, or --window with --timestamp-col: say how the events of the table")


def test_a_binary_file_given_as_a_log_is_one_error_line(tmp_path: Path) -> None:
    junk = tmp_path / "junk.log"
    junk.write_bytes(b"\x00\x01\xff\xfe binary\n" + bytes(range(256)) * 4)
    one_line_error(["train", str(junk), *HDFS, *FAST, "-o", str(tmp_path / "M")],
                   "no log line matched the header format 'hdfs'", tmp_path / "M")


def test_threshold_rules_a_log_model_cannot_fit_say_what_to_use(logs: dict[str, Path]) -> None:
    out = logs["dir"] / "X"
    base = ["train", str(logs["log"]), *HDFS, *FAST, "-o", str(out)]
    one_line_error([*base, "--threshold", "budget:5/day"],
                   "a per-day budget needs an event rate, which log sessions do not have; use "
                   "budget:N/10k", out)
    one_line_error([*base, "--threshold", "best-f1"],   # said Pipeline.fit(df, X_val=..., y_val=...)
                   "--threshold best-f1: needs labelled validation sessions", out)


def test_stream_says_why_a_table_option_is_not_for_a_log_model(logs: dict[str, Path]) -> None:
    # said "--adapt: for table models; a log model's alerts already name the unexpected event"
    res = runner.invoke(app, ["stream", str(logs["model"]), "--adapt"], input="1 2 3\n")
    assert res.exit_code == 2 and "Traceback" not in res.stderr
    assert res.stderr.strip() == ("error: --adapt: not for a log model (its threshold is not refitted "
                                  "online); log models take --max-sessions, --idle-timeout, --on-bad-rows")


def test_a_header_regex_timestamp_may_be_date_text() -> None:
    # log4j's "2015-07-29 17:41:44,747" read as NaN: --window found no readable time stamp
    from hourglass.features import EventSessions

    lines = [f"2015-07-29 17:{m:02d}:{s:02d},747 - INFO [main] - step {k} done"
             for m in range(3) for s in (5, 25) for k in (1, 2)]
    pre = EventSessions(format=r"^(?P<timestamp>\S+ \S+) - (?P<level>\w+) \[(?P<thread>[^\]]*)\] - "
                               r"(?P<content>.*)$", window=60).fit(lines)
    assert [len(s) for s in pre.transform(lines)] == [4, 4, 4]  # one session per minute


def test_quiet_log_evaluation_prints_no_parse_counts(logs: dict[str, Path]) -> None:
    r = runner.invoke(app, ["evaluate", str(logs["model"]), str(logs["keys"]), "--all-sessions",
                            "normal", "-q"])
    # the one line left is the warning that DATA is the model's training file (a warning: -q keeps it)
    lines = r.stderr.strip().splitlines()
    assert r.exit_code == 0 and len(lines) == 1 and "the model was trained on this file" in lines[0], r.stderr


def test_log_evaluation_counts_a_key_files_other_lines_in_its_words(logs: dict[str, Path]) -> None:
    data = logs["dir"] / "keys_with_junk"
    data.write_text(logs["keys"].read_text() + "not a key sequence\n")
    r = runner.invoke(app, ["evaluate", str(logs["model"]), str(data), "--all-sessions", "normal"])
    assert r.exit_code == 0, r.output
    assert "1 was not a key sequence" in r.stderr and "header format" not in r.stderr, r.stderr
