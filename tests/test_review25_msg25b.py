"""The library speaks Python, the CLI speaks CLI (review 25, second pass): the features' and
readers' messages name the Python parameters, the CLI still names its options."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError
from tests._cli import one_line_error


def _numbers_with_a_word(n: int = 200) -> pd.DataFrame:
    v = np.arange(n, dtype=float).astype(object)
    v[150] = "oops"  # nearly all numbers: the column is read as numbers, the word refused
    return pd.DataFrame({"a": v, "b": np.arange(n, dtype=float)})


def test_tabular_word_in_numbers_names_roles_in_python() -> None:
    # a column read as numbers that held a word told a Python caller "(--role a=categorical)"
    from hourglass.features import TabularPreprocessor

    with pytest.raises(InputError) as info:
        TabularPreprocessor().fit(_numbers_with_a_word())
    assert "roles={column: 'categorical'}" in str(info.value) and "--" not in str(info.value)


def test_tabular_word_in_numbers_names_the_option_in_the_cli(tmp_path: Path) -> None:
    # the CLI keeps its option
    data = tmp_path / "t.csv"
    _numbers_with_a_word().to_csv(data, index=False)
    one_line_error(["train", str(data), "--epochs", "1", "--hidden", "4,2", "-o", str(tmp_path / "m")],
                   "(--role COLUMN=categorical)", tmp_path / "m")


def test_tabular_unread_role_warning_names_roles_in_python(caplog: pytest.LogCaptureFixture) -> None:
    # a port column none of whose values reads as a port advised "(--role port=numeric or categorical)"
    from hourglass.features import TabularPreprocessor
    from hourglass.features.tabular import ANOTHER_ROLE

    df = pd.DataFrame({"dst_port": ["http", "ssh"] * 50, "b": np.arange(100.0)})
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        TabularPreprocessor().fit(df)
    [record] = [r for r in caplog.records if "adds nothing" in r.getMessage()]
    assert ANOTHER_ROLE in record.getMessage() and "--role" not in record.getMessage()
    assert record.advice == ANOTHER_ROLE  # type: ignore[attr-defined]


def test_tabular_log_given_to_a_table_model_names_python_then_cli() -> None:
    # a log handed to a table model was told "(train --format hdfs ... --model deeplog ...)"
    from hourglass.cli._options import cli_advice
    from hourglass.features import TabularPreprocessor

    pre = TabularPreprocessor().fit(pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0)}))
    with pytest.raises(InputError) as info:
        pre.transform(pd.DataFrame({"this is a log line": ["x y z w"] * 3}))
    msg = str(info.value)
    assert "Pipeline(DeepLog(), features=EventSessions(format=...))" in msg and "--" not in msg
    assert "(train --format hdfs, bgl, syslog, journald, raw or a header regex, --model deeplog ...)" \
        in cli_advice(msg)


def _irregular_series() -> pd.DataFrame:
    ts = pd.date_range("2024-01-01", periods=40, freq="1min").astype(str).tolist()
    ts[-1] = "2024-01-01 01:00:00"
    return pd.DataFrame({"ts": ts, "v": np.arange(40.0)})


def test_series_irregular_steps_name_freq_in_python() -> None:
    # an irregular series told a Python caller "set freq (--freq), e.g. freq='1min'"
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    with pytest.raises(InputError) as info:
        TimeSeriesPreprocessor("ts").fit(_irregular_series())
    assert "set freq, e.g. '1min'" in str(info.value) and "--" not in str(info.value)
    assert info.value.param == "freq"


def test_series_irregular_steps_name_the_option_in_the_cli(tmp_path: Path) -> None:
    data = tmp_path / "s.csv"
    _irregular_series().to_csv(data, index=False)
    one_line_error(["train", str(data), "--model", "lstm-ae", "--timestamp-col", "ts", "--window", "4",
                    "-o", str(tmp_path / "M")], "set --freq, e.g. '1min'", tmp_path / "M")


def test_series_epoch_channel_names_parameters_in_python_options_in_the_cli(tmp_path: Path) -> None:
    # a channel of epoch times told a Python caller "(--timestamp-col t), or drop it (--drop t)"
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    df = pd.DataFrame({"t": 1_700_000_000 + 60 * np.arange(50), "v": np.sin(np.arange(50.0))})
    with pytest.raises(InputError) as info:
        TimeSeriesPreprocessor().fit(df)
    assert "(timestamp_col), or leave it out (drop)" in str(info.value) and "--" not in str(info.value)
    df.to_csv(tmp_path / "s.csv", index=False)
    one_line_error(["train", str(tmp_path / "s.csv"), "--model", "lstm-ae", "--window", "4",
                    "-o", str(tmp_path / "M")], "(--timestamp-col), or leave it out (--drop)", tmp_path / "M")


def test_series_gap_without_fill_names_fill_in_python() -> None:
    # a gap in a series without a fill policy told a Python caller "set fill (--fill ffill|...)"
    from hourglass.cli._options import cli_advice
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    df = pd.DataFrame({"v": [0.0, 1.0, np.nan, 3.0, 4.0, 5.0]})
    with pytest.raises(InputError) as info:
        TimeSeriesPreprocessor().fit(df)
    assert "set fill ('ffill', 'interpolate' or 'zero')" in str(info.value)
    assert "--" not in str(info.value)
    assert "set fill (--fill ffill|interpolate|zero)" in cli_advice(str(info.value))


def _flows(n: int = 200) -> pd.DataFrame:
    return pd.DataFrame({"ts": 1_704_067_200 + np.arange(n) * 7.0,
                         "src_ip": [f"10.0.0.{i % 4}" for i in range(n)],
                         "proto": ["tcp", "udp"] * (n // 2), "bytes": np.arange(n, dtype=float)})


def test_entity_text_to_sum_names_parameters_in_python() -> None:
    # a text column named to be summed told a Python caller "(numeric, --aggregate); count its
    # values with --distinct proto"
    from hourglass.features.entity import EntityWindows

    with pytest.raises(InputError) as info:
        EntityWindows("src_ip", "ts", numeric=["proto"]).fit(_flows())
    msg = str(info.value)
    assert "cannot be summed (numeric); count its values (categorical) instead" in msg
    assert "--" not in msg and info.value.param == ("numeric", "categorical")
    # (the CLI's: tests/test_cli_audit_series.py::test_aggregating_a_text_column_points_to_distinct)


def test_entity_constant_aggregates_name_parameters_in_python_then_cli() -> None:
    # buckets whose every aggregate is the same told a Python caller "(--aggregate/--distinct), or
    # give another --bucket"
    from hourglass.cli._options import cli_advice
    from hourglass.features.entity import VARYING_ADVICE, EntityWindows

    flows = _flows().assign(bytes=1.0, proto="tcp")
    with pytest.raises(InputError) as info:
        EntityWindows("src_ip", "ts", bucket="1D", numeric=["bytes"], categorical=["proto"],
                      stats=("sum",)).fit(flows)
    msg = str(info.value)
    assert VARYING_ADVICE in msg and "--" not in msg, msg
    assert "(--aggregate/--distinct), or give another --bucket" in cli_advice(msg)


def _event_table(path: Path, bad: dict[int, object]) -> Path:
    rng = np.random.default_rng(0)
    t = pd.Timestamp("2026-03-28T00:00:00Z") + pd.to_timedelta(np.sort(rng.integers(0, 86400, 300)),
                                                               unit="s")
    ts = pd.Series(t.strftime("%Y-%m-%dT%H:%M:%SZ"), dtype=object)
    for i, v in bad.items():
        ts[i] = v
    keys = rng.choice(["E1", "E2", "E3"], 300).astype(object)
    keys[7] = ""  # an empty key cell
    pd.DataFrame({"ts": ts, "key": keys}).to_csv(path, index=False)
    return path


def test_event_table_strict_names_the_parameter_in_python(tmp_path: Path) -> None:
    # a row without a readable time, read strictly, told a Python caller "without --strict such
    # rows are counted and left out"
    from hourglass.features.sessions.events import EventSessions

    data = _event_table(tmp_path / "e.csv", {5: "garbage"})
    with pytest.raises(InputError) as info:
        EventSessions(key_column="key", time_column="ts", window=3600, strict=True).fit(data)
    msg = str(info.value)
    assert "with strict=False such rows are counted" in msg and "--" not in msg, msg
    # (the CLI's: tests/test_times_skip.py::test_strict_stops_at_the_first_row_without_a_time)


def test_event_table_warnings_name_parameters_in_python(tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    # the warnings of rows without a time and of empty keys said "--strict stops at the first"
    # and "empty key (--key-col)" to a Python caller
    from hourglass.cli._options import cli_advice
    from hourglass.features.sessions.events import EMPTY_KEY, EventSessions
    from hourglass.features.sessions.tables import STRICT_STOPS

    data = _event_table(tmp_path / "e.csv", {5: "garbage"})
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        EventSessions(key_column="key", time_column="ts", window=3600).fit(data)
    said = [r for r in caplog.records if r.levelno == logging.WARNING]
    timeless = [r for r in said if STRICT_STOPS in r.getMessage()]
    empty = [r for r in said if EMPTY_KEY in r.getMessage()]
    assert timeless and empty, [r.getMessage() for r in said]
    assert all("--" not in r.getMessage() for r in said)
    assert "; --strict stops at the first" in cli_advice(timeless[0].getMessage())
    assert "an empty key (--key-col)" in cli_advice(empty[0].getMessage())


def test_log_parser_format_error_names_the_parameter_in_python(tmp_path: Path) -> None:
    # a bad log format told a Python caller "--format: '...' is neither a known format"
    from hourglass.ingest.logs import LogParser

    with pytest.raises(InputError) as info:
        LogParser(format="^(?P<content").fit(["a line"])
    msg = str(info.value)
    assert msg.startswith("format: '^(?P<content' is neither one of the known formats")
    assert "--" not in msg and info.value.param == "format"
    # (the CLI's: tests/test_cli_dogfood_logs.py::test_a_regex_in_an_error_is_shown_as_typed)
    with pytest.raises(InputError) as info:
        LogParser(format="keys").fit(["a line"])
    assert str(info.value).startswith("format 'keys': key-sequence files") and info.value.param == "format"


def test_binary_file_read_as_text_names_fmt_in_python_format_in_the_cli(tmp_path: Path) -> None:
    # a Parquet file read as text told a Python caller "read it with --format parquet (or auto)"
    from hourglass.ingest import read_table

    data = tmp_path / "t.csv"
    pd.DataFrame({"a": [1.0, 2.0]}).to_parquet(data)
    with pytest.raises(InputError) as info:
        read_table(data, fmt="csv")
    assert "read it with fmt='parquet' (or 'auto')" in str(info.value)
    one_line_error(["train", str(data), "--format", "csv", "-o", str(tmp_path / "m")],
                   "read it with --format parquet (or auto)", tmp_path / "m")


def test_resolve_format_auto_without_a_file_names_the_parameter() -> None:
    # 'auto' without a file said "--format auto needs a file to look at" to a Python caller
    from hourglass.cli._options import option_message
    from hourglass.ingest.formats import resolve_format

    with pytest.raises(InputError) as info:
        resolve_format("auto")
    assert str(info.value) == "format 'auto' needs a file to look at"
    assert option_message(str(info.value), info.value.param) == "--format 'auto' needs a file to look at"


def test_alert_budget_without_rate_names_the_parameter_in_python() -> None:
    # a per-day budget without the event rate told a Python caller "(or a timestamp column:
    # --timestamp-col)", an option of the CLI
    from hourglass.cli._options import cli_advice
    from hourglass.thresholds import AlertBudget

    with pytest.raises(InputError) as info:
        AlertBudget(5).fit(np.arange(100.0))
    msg = str(info.value)
    assert msg.endswith("needs the event rate: pass events_per_day=N") and "--" not in msg, msg
    assert cli_advice(msg).endswith("give --timestamp-col COLUMN or --events-per-day N")


def test_nab_without_windows_names_no_cli_option_in_python(tmp_path: Path) -> None:
    # a NAB series outside NAB's layout was told to "leave --dataset out" in Python too
    from hourglass.cli._options import cli_advice
    from hourglass.ingest.timeseries import read_nab

    data = tmp_path / "s.csv"
    pd.DataFrame({"timestamp": pd.date_range("2014-02-01", periods=10, freq="5min").astype(str),
                  "value": np.arange(10.0)}).to_csv(data, index=False)
    with pytest.raises(InputError) as info:
        read_nab(data)
    msg = str(info.value)
    assert "read it as a plain series (read_table), not as NAB" in msg and "--" not in msg
    assert cli_advice(msg).endswith("give the series a 0/1 label column and leave --dataset out")


def _syslog_lines() -> list[str]:
    return [f"Jan  1 00:00:{i:02d} host sshd[{100 + i % 3}]: Accepted password for user{i % 2}"
            for i in range(30)]


def test_no_session_hint_names_parameters_in_python_options_in_the_cli(tmp_path: Path) -> None:
    # a session regex that found no id in a syslog told a Python caller "(--session-regex is
    # searched in each line's message ...; to group by a header field use --session-col: ...)"
    from hourglass.features.sessions.events import EventSessions

    with pytest.raises(InputError) as info:
        EventSessions(format="syslog", session_regex=r"blk_\d+").fit_transform(_syslog_lines())
    msg = str(info.value)
    assert "(session_regex is searched in each line's message" in msg and "use session_column: " in msg
    assert "--" not in msg
    log = tmp_path / "sys.log"
    log.write_text("\n".join(_syslog_lines()) + "\n")
    one_line_error(["train", str(log), "--format", "syslog", "--session-regex", r"blk_\d+", "--model",
                    "deeplog", "--epochs", "1", "-o", str(tmp_path / "M")],
                   "(--session-regex is searched in each line's message, after the 'syslog' header; to "
                   "group by a header field use --session-col: ", tmp_path / "M")


def test_series_words_in_a_channel_name_fill_in_python(caplog: pytest.LogCaptureFixture) -> None:
    # a channel of numbers but for a few words was ignored with "make them numbers, or empty
    # cells for --fill" said to a Python caller
    from hourglass.cli._options import cli_advice
    from hourglass.features.timeseries import EMPTY_FOR_FILL, TimeSeriesPreprocessor

    cpu = [str(i % 7) if i % 25 != 3 else "high" for i in range(100)]  # 4 words: over 1%
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        TimeSeriesPreprocessor().fit(pd.DataFrame({"cpu": cpu, "mem": np.arange(100.0)}))
    [record] = [r for r in caplog.records if "ignoring non-numeric" in r.getMessage()]
    said = record.getMessage()
    assert record.advice == EMPTY_FOR_FILL  # type: ignore[attr-defined]
    assert "make them numbers, or empty cells for the fill policy (fill=...))" in said
    assert "--" not in said
    assert "make them numbers, or empty cells for --fill)" in cli_advice(said)
    # (the CLI's: tests/test_review24_fuzzl24.py, its stderr)


def test_malformed_first_row_names_fmt_in_python_and_format_in_the_cli(tmp_path: Path) -> None:
    # a malformed first data row asked a Python caller "is the file in this layout (--format,
    # --dataset)?"
    from hourglass.ingest import read_table

    data = tmp_path / "t.csv"
    data.write_text("a,b\n1,2,3\n4,5\n")
    with pytest.raises(InputError) as info:
        read_table(data)
    assert "is the file in this layout (fmt=...)?" in str(info.value) and "--" not in str(info.value)
    one_line_error(["train", str(data), "-o", str(tmp_path / "m")],
                   "is the file in this layout (--format, --dataset)? use --on-bad-rows skip", tmp_path / "m")
