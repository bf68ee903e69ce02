"""The same mistake made two ways must be told the same way: a series model's file lacking a
channel (as a table model's), an option's error prefix, small-data advice, huge integer options,
JSON nesting in the service and the CLI, and a column of numbers and times."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hourglass.cli import app
from tests._cli import console_refusal, one_line_error, runner


def _series(path: Path, n: int, channels: tuple[str, ...] = ("cpu", "mem")) -> Path:
    rng = np.random.default_rng(0)
    lines = [",".join(("ts", *channels))]
    lines += [",".join((f"2024-01-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
                        *(f"{v:.4f}" for v in rng.random(len(channels))))) for i in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-epoch lstm-ae of channels cpu and mem, window 4, timed by ts."""
    folder = tmp_path_factory.mktemp("left42s")
    res = runner.invoke(app, ["train", str(_series(folder / "s.csv", 200)), "--timestamp-col", "ts",
                              "--model", "lstm-ae", "--window", "4", "--epochs", "1",
                              "-o", str(folder / "m"), "-q"])
    assert res.exit_code == 0, res.output
    return folder / "m"


# what was wrong: `score`, `explain`, `evaluate` and a warm start of a series model on a file
# lacking a channel said "error: column(s) the model needs are missing: mem; ..." without the
# file, where a table model's says "error: NEW.csv: column(s) the model needs are missing: b"
@pytest.mark.parametrize("command", ["score", "explain", "warm"])
def test_series_missing_channel_names_its_file(series: Path, tmp_path: Path, command: str) -> None:
    data = _series(tmp_path / "new.csv", 50, ("cpu",))
    out = tmp_path / "out.csv"
    args = (["train", "--warm-start", str(series), str(data), "--epochs", "1"] if command == "warm"
            else [command, str(series), str(data)])
    one_line_error([*args, "-o", str(out)],
                   f"{data}: column(s) the model needs are missing: mem", out)


# what was wrong: a series shorter than one window scored by `score` (or trained on by `train`,
# where a table's "no usable feature column" names its file) did not name its file either
def test_series_too_short_names_its_file(series: Path, tmp_path: Path) -> None:
    data = _series(tmp_path / "short.csv", 2)
    one_line_error(["score", str(series), str(data), "-o", str(tmp_path / "o.csv")],
                   f"{data}: series has 2 time steps, shorter than one window of 4")
    out = tmp_path / "m"
    one_line_error(["train", str(data), "--timestamp-col", "ts", "--model", "lstm-ae", "--window", "4",
                    "--epochs", "1", "-o", str(out)], f"{data}: series has 2 time steps", out)


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-epoch autoencoder of columns a and b (ab_model)."""
    from tests._cli import ab_model

    return ab_model(tmp_path_factory.mktemp("left42t"))


# what was wrong: a table model's warm start refused a bad value or a missing column of
# --replay-data OLD as "error: old.csv: column 'b': ...", where an entity or series model's warm
# start (and export --check-data) says "--replay-data old.csv: ..." / "--check-data F: ..."
@pytest.mark.parametrize("body", ["a,b\n1,2\n3,x\n", "a\n1\n2\n", "a,b\n" + "0.5,0.5\n" * 100 + "0.5,zz\n"])
def test_table_replay_data_errors_name_the_option(table: Path, tmp_path: Path, body: str) -> None:
    old = tmp_path / "old.csv"
    old.write_text(body)
    out = tmp_path / "w"
    one_line_error(["train", str(table.parent / "train.csv"), "--warm-start", str(table), "--replay-data",
                    str(old), "--epochs", "1", "-o", str(out)], f"--replay-data {old}: column", out)


# what was wrong: a warm start on a one-row file said only "AutoEncoder: 1 training row;
# fitting needs at least 2", without the advice a warm start's other small-data refusal gives
# ("give it more normal rows (or old ones too: --replay-data OLD)"); with --replay-data, a
# larger --replay is the advice
def test_warm_start_one_row_gives_advice(table: Path, tmp_path: Path) -> None:
    one = tmp_path / "one.csv"
    one.write_text("a,b\n0.5,0.5\n")
    out = tmp_path / "w"
    args = ["train", str(one), "--warm-start", str(table), "--epochs", "1", "-o", str(out)]
    one_line_error(args, "1 training row; fitting needs at least 2; give the warm start more normal "
                   "rows (or old ones too: --replay-data OLD)", out)
    old = tmp_path / "old.csv"
    old.write_text("a,b\n0.4,0.4\n")
    one_line_error([*args, "--replay-data", str(old), "--replay", "0.001"],
                   "more normal rows or a larger --replay (now 0.001: 0 of the 1 old rows replayed)", out)


BIG = "1000000000000000000000000000000"


def _said(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
          out: Path) -> str:
    """The one stderr line of the console script ``hourglass ARGS``, which exits with code 2
    and leaves no ``out`` behind (an option's refusal by the parser is worded by ``main``)."""
    line = console_refusal(args, capsys, monkeypatch)
    assert not out.exists()
    return line


# what was wrong: a whole number past what a C long holds was taken by a count option
# (`--epochs 1e30`, `--param patience=1e30`: a run that ends by early stopping only, or never),
# reached pandas as an OverflowError traceback (`--fill-limit`), or was said with a float's
# digits (`--window 1e30`: "one window of 1000000000000000019884624838656"); each is now one
# line naming the option
@pytest.mark.parametrize(("option", "said"), [
    (["--epochs", BIG], f"Invalid value for '--epochs': '{BIG}' is above 2**63-1 (9223372036854775807)"),
    (["--batch-size", "9223372036854775808"], "Invalid value for '--batch-size': '9223372036854775808' is "
                                              "above 2**63-1"),
    (["--param", f"epochs={BIG}"], f"--param epochs: {BIG} is above 2**63-1"),
    (["--param", "patience=1e30"], "--param patience: 1e30 is above 2**63-1"),
    (["--fill-limit", BIG], f"Invalid value for '--fill-limit': '{BIG}' is above 2**63-1"),
    (["--window", "1e30"], "--window: 1e+30 steps is above 2**63-1"),
])
def test_huge_whole_option_refused(tmp_path: Path, option: list[str], said: str,
                                   capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    data = _series(tmp_path / "s.csv", 50)
    out = tmp_path / "m"
    series = ["--timestamp-col", "ts", "--model", "lstm-ae", "--fill", "ffill"]
    args = ["train", str(data), *(series if option[0] in ("--fill-limit", "--window") else []), *option,
            "-o", str(out)]
    line = _said(args, capsys, monkeypatch, out)
    assert said in line, line


# what was wrong: a fill limit past a C int (2**63-1 from the CLI, 10**30 in Python) stopped
# pandas' fill with "OverflowError: value too large to convert to int"; a limit past the series'
# length fills as no limit does (past 2**63-1 the Python API refuses it, as the command line does)
@pytest.mark.parametrize("fill", ["ffill", "interpolate", "zero"])
def test_fill_limit_past_the_series_is_no_limit(fill: str) -> None:
    import pandas as pd

    from hourglass.errors import InputError
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    df = pd.DataFrame({"a": [1.0, np.nan, np.nan, 4.0] * 5})
    got = TimeSeriesPreprocessor(fill=fill, fill_limit=2**63 - 1).fit_transform(df)
    assert np.array_equal(got, TimeSeriesPreprocessor(fill=fill).fit_transform(df))
    with pytest.raises(InputError, match=r"^fill_limit must be at most 2\*\*63-1 \(9223372036854775807\), "
                                         r"got 1e\+30$"):
        TimeSeriesPreprocessor(fill=fill, fill_limit=10**30).fit_transform(df)


# pin (held already): a seed keeps its own bound, 2**64-1, above the other whole numbers'
def test_seed_still_takes_2_64_minus_1(tmp_path: Path) -> None:
    data = tmp_path / "t.csv"
    data.write_text("a,b\n" + "0.1,0.2\n0.3,0.4\n" * 20)
    res = runner.invoke(app, ["train", str(data), "--seed", str(2**64 - 1), "--epochs", "1",
                              "-o", str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output


def _mixed_times(path: Path, epoch_every: int) -> Path:
    """Twenty JSON lines of the timed model's columns whose ``ts`` is an epoch number in every
    ``epoch_every``-th row (from row 0) and ISO-8601 text in the others; row 7 is far off."""
    import json

    rows = [{"a": 5.0 if i == 7 else 0.5, "b": 0.5, "src": "x",
             "ts": 1704153600 + i if i % epoch_every == 0 else f"2024-01-02T00:00:{i:02d}Z"}
            for i in range(20)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


# what was wrong: `score --alert-format ecs` on a JSON-lines file whose time column holds ISO
# text with an epoch number in a few rows said "column 'ts': line 1 is not a timestamp
# (1704153600)", a valid epoch time to `stream` (which reads each row alone and takes it); the
# reverse (text among epoch numbers) said why: "...; the column holds epoch times". Now both say
# what the column holds
def test_epoch_number_among_time_text_says_what_the_column_holds(tmp_path: Path) -> None:
    from tests._cli import timed_model

    model = timed_model(tmp_path) / "m"
    data = _mixed_times(tmp_path / "mixed.jsonl", 5)
    out = tmp_path / "alerts.jsonl"
    one_line_error(["score", str(model), str(data), "--alert-format", "ecs", "-o", str(out)],
                   "column 'ts': line 1 is not a timestamp (1704153600; the column holds date/time "
                   "text)", out)
    # (pin) stream reads each row's time alone: the flagged row is alerted, its ISO time kept
    res = runner.invoke(app, ["stream", str(model), "--input", str(data), "--alert-format", "ecs"])
    assert res.exit_code == 0, res.output
    assert '"@timestamp":"2024-01-02T00:00:07.000Z"' in res.stdout.replace(" ", ""), res.stdout
