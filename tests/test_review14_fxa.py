"""``hourglass train --warm-start`` replay refusals, ``hourglass inspect --rows`` at the file's
end and options typed at their defaults, on small generated data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner
from tests._warm_series import series_frame, series_parent


@pytest.fixture(scope="module")
def series(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("review14_fxa_series")
    series_parent(d)
    series_frame(10, 1).to_csv(d / "short.csv", index=False)  # shorter than one window (16)
    series_frame(300, 1)[["ts", "a"]].to_csv(d / "a_only.csv", index=False)  # lacks channel b
    return {"dir": d, "new": d / "new.csv", "short": d / "short.csv", "a_only": d / "a_only.csv",
            "model": d / "S"}


@pytest.mark.parametrize("replay", ["0.0001", "0.02"])
def test_series_warm_start_blames_a_replay_file_shorter_than_a_window_not_replay(
        series: dict[str, Path], replay: str) -> None:
    # all 10 rows of the file make 10 steps < 16: 'give a larger --replay' could never work
    out = series["dir"] / f"Wshort{replay}"
    one_line_error(["train", str(series["new"]), "--warm-start", str(series["model"]), "-o", str(out),
                    "--replay-data", str(series["short"]), "--replay", replay],
                   f"--replay-data {series['short']}: 10 steps to replay, shorter than one window", out)


@pytest.mark.parametrize("replay", ["0.0001", "0.02"])
def test_series_warm_start_names_the_channel_a_replay_file_lacks_whatever_replay(
        series: dict[str, Path], replay: str) -> None:
    # --replay 0.0001 took no row, so the channel check was skipped: 'give a larger --replay'
    out = series["dir"] / f"Wa{replay}"
    one_line_error(["train", str(series["new"]), "--warm-start", str(series["model"]), "-o", str(out),
                    "--replay-data", str(series["a_only"]), "--replay", replay],
                   f"--replay-data {series['a_only']}: column(s) the model needs are missing: b", out)


def _attacks(path: Path, n: int, bad_time_at: int | None = None) -> Path:
    df = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="1min").astype(str),
                       "a": np.arange(float(n)), "b": np.arange(float(n)) % 3, "label": ["attack"] * n})
    if bad_time_at is not None:
        df.loc[bad_time_at, "ts"] = "garbage"
    df.to_csv(path, index=False)
    return path


def _inspect_line(args: list[str]) -> str:
    res = runner.invoke(app, ["inspect", *args, "--label-col", "label", "--normal", "normal"])
    assert res.exit_code == 0, res.output
    return " ".join(res.stdout.split())


def test_inspect_rows_equal_to_the_file_still_says_train_would_refuse_it(tmp_path: Path) -> None:
    # --rows 5 on a 5-row file of attacks read it whole, yet said only 'none of the first 5 rows'
    data = _attacks(tmp_path / "a.csv", 5)
    assert "train would refuse this file" in _inspect_line([str(data), "--rows", "5"])
    text = _inspect_line([str(data), "--rows", "4"])  # a row follows: the preview is cut
    assert "train would refuse this file" not in text
    assert "none of the first 4 rows (--rows)" in text


def test_inspect_names_the_rows_value_not_the_rows_kept_after_unreadable_times(tmp_path: Path) -> None:
    # one of the first 5 rows has no readable time: it said 'none of the first 4 rows'
    data = _attacks(tmp_path / "a.csv", 10, bad_time_at=1)
    text = _inspect_line([str(data), "--rows", "5", "--timestamp-col", "ts", "--on-bad-rows", "skip"])
    assert "none of the first 5 rows (--rows)" in text
    assert "4 rows inspected" in text


def test_more_rows_leaves_the_readers_counts_as_they_were() -> None:
    from hourglass.cli.info import _more_rows
    from hourglass.errors import InputError
    from hourglass.ingest import ReadStats

    stats = ReadStats(rows=5, bad_rows=1, bad_lines=[3])

    def chunks(then: str) -> Iterator[pd.DataFrame]:
        stats.skipped(9)  # a malformed row past the preview
        stats.rows += 2
        if then == "raise":
            raise InputError("t.csv: line 9: malformed row")
        yield pd.DataFrame({"a": [1.0, 2.0][: 2 if then == "rows" else 0]})

    assert _more_rows(chunks("rows"), stats) is True
    assert _more_rows(chunks("empty"), stats) is False  # an empty chunk is no row
    assert _more_rows(chunks("raise"), stats) is True  # a malformed row is a row
    assert (stats.rows, stats.bad_rows, stats.bad_lines) == (5, 1, [3])


@pytest.mark.parametrize("opt", [["--scaler", "minmax"], ["--val-fraction", "0.2"],
                                 ["--memory-budget", "1024"], ["--sample-rows", "500000"]])
def test_train_refuses_an_unused_option_typed_at_its_default(series: dict[str, Path],
                                                             opt: list[str]) -> None:
    # '--scaler robust' was refused for a time-series model, '--scaler minmax' silently ignored
    out = series["dir"] / f"T{opt[0]}"
    one_line_error(["train", str(series["new"]), "-m", "tcn-ae", "--timestamp-col", "ts", "--window",
                    "16", "--epochs", "1", "-o", str(out), *opt],
                   f"{opt[0]}: not used by time-series models (tcn-ae); leave it out", out)


@pytest.mark.parametrize("args", [["score", "-o", "{out}", "--chunk-mb", "16"],
                                  ["score", "-o", "{out}", "--on-bad-rows", "error"],
                                  ["evaluate", "--id-col", "BlockId"],
                                  ["explain", "-o", "{out}", "--chunk-mb", "16"]])
def test_scoring_commands_refuse_an_unused_option_typed_at_its_default(
        series: dict[str, Path], args: list[str]) -> None:
    out = series["dir"] / f"{args[0]}-{args[-2]}.csv"
    cmd, *rest = [str(out) if a == "{out}" else a for a in args]
    one_line_error([cmd, str(series["model"]), str(series["new"]), *rest],
                   f"{args[-2]}: not used by time-series models (tcn-ae); leave it out", out)


def test_stream_refuses_max_sessions_typed_at_its_default(series: dict[str, Path]) -> None:
    one_line_error(["stream", str(series["model"]), "-i", str(series["new"]), "--max-sessions",
                    "100000"], "--max-sessions: not used by time-series models (tcn-ae)")
