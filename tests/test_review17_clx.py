"""CLI input errors: dataset names in any case, deprecated aliases named as typed, out-of-memory advice."""

from __future__ import annotations

from pathlib import Path

from tests._cli import one_line_error


def test_inspect_takes_a_time_series_dataset_name_in_any_case(tmp_path: Path) -> None:
    # train reads --dataset SKAB as skab; inspect took it for an unknown table format
    data = tmp_path / "s.csv"
    data.write_text("datetime;a;anomaly;changepoint\n2020-01-01 00:00:00;1;0;0\n"
                    "2020-01-01 00:00:01;2;0;0\n")
    for name in ("SKAB", "Nab"):
        one_line_error(["inspect", str(data), "--dataset", name], "logs and time series have no column roles")


def test_evaluate_names_the_time_option_as_typed(tmp_path: Path) -> None:
    # --time-col (the deprecated alias) was quoted back as --timestamp-col, an option not typed
    from hourglass.cli import app
    from tests._cli import runner, small_labelled_model

    m = small_labelled_model(tmp_path)
    for opt in ("--time-col", "--timestamp-col"):
        res = runner.invoke(app, ["evaluate", str(m["model"]), str(m["data"]), opt, "ts",
                                  "--events-per-day", "100"])
        assert res.exit_code == 2, res.output
        error = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
        assert error == [f"error: {opt} ts and --events-per-day 100: both give the event rate for "
                         "alerts per day; give one of them"], res.stderr
    res = runner.invoke(app, ["evaluate", str(m["model"]), str(m["data"]), "--time-col", "bytes"])
    assert res.exit_code == 2 and "error: --time-col bytes: is a column the model scores" in res.stderr
