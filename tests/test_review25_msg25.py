"""The library speaks Python, the CLI speaks CLI: the library's messages name Python parameters,
the CLI names its options (review 25): regression tests."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.errors import InputError
from tests._cli import one_line_error, runner


def _ab_table(path: Path, n: int = 300) -> Path:
    rng = np.random.default_rng(0)
    pd.DataFrame({"a": rng.random(n), "b": rng.random(n)}).to_csv(path, index=False)
    return path


def test_dspot_too_few_scores_names_the_parameter_in_python() -> None:
    # DSPOT's refusal of too few held-out scores told a Python user to "choose a smaller depth
    # (--threshold dspot:Q/DEPTH)", an option of the CLI
    from hourglass.thresholds import DSPOT

    with pytest.raises(InputError) as info:
        DSPOT(1e-2).fit(np.zeros(120))  # (120 scores take a depth up to 20: 60 took none)
    assert "choose a smaller depth (DSPOT(depth=...)), at most 20" in str(info.value)
    assert "--" not in str(info.value)


def test_dspot_too_few_scores_names_the_option_in_the_cli(tmp_path: Path) -> None:
    # the CLI keeps its wording (the option its user typed)
    data = _ab_table(tmp_path / "t.csv", n=1200)  # 120 held out: a depth up to 20 fits
    one_line_error(["train", str(data), "--threshold", "dspot:1e-2", "--epochs", "1", "--hidden", "4,2",
                    "-o", str(tmp_path / "m")],
                   "choose a smaller depth (--threshold dspot:Q/DEPTH), at most 20",
                   tmp_path / "m")


def test_few_scores_warning_names_validation_fraction_in_python(caplog: pytest.LogCaptureFixture) -> None:
    # a percentile fitted on few scores advised "--param validation_fraction=..." to a Python user
    from hourglass.thresholds import Percentile
    from hourglass.thresholds.base import FEW_SCORES_ADVICE

    with caplog.at_level(logging.WARNING, logger="hourglass"):
        Percentile(99).fit(np.arange(30.0))
    [record] = [r for r in caplog.records if "percentile 99" in r.getMessage()]
    assert "validation_fraction=..." in record.getMessage() and "--param" not in record.getMessage()
    assert record.advice == FEW_SCORES_ADVICE  # type: ignore[attr-defined]


def test_few_windows_advice_names_python_parameters() -> None:
    # a series' held-out tail of few windows advised "--param validation_fraction=F" and "--window"
    from hourglass.detectors.windowed import FEW_WINDOWS_ADVICE

    assert "--" not in FEW_WINDOWS_ADVICE
    assert "validation_fraction=F" in FEW_WINDOWS_ADVICE and "window=W" in FEW_WINDOWS_ADVICE


def test_few_scores_warning_names_the_cli_option_in_the_cli(tmp_path: Path) -> None:
    # the CLI says the same advice with its own option
    data = _ab_table(tmp_path / "t.csv")
    res = runner.invoke(app, ["train", str(data), "--epochs", "1", "--hidden", "4,2", "-o",
                              str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    said = " ".join(res.stderr.split())
    assert "--param validation_fraction=..." in said and "the detector's" not in said, said


def test_warm_start_rephrases_the_advice_whatever_its_wording(monkeypatch: pytest.MonkeyPatch) -> None:
    # the warm start found the advice by its full text: a change of the library's wording (as the
    # one to Python words) would have left train's options in a warm start's warning; it finds it
    # by the log record's ``advice`` now
    import hourglass.thresholds.base as base
    from hourglass.cli.warm import _WarmAdvice
    from hourglass.thresholds import Percentile

    monkeypatch.setattr(base, "FEW_SCORES_ADVICE", "a reworded advice (validation_fraction=0.3)")
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    handler = Keep()
    handler.addFilter(_WarmAdvice("more normal rows", "a warm start keeps m's held-out share"))
    log = logging.getLogger("hourglass.thresholds.base")
    log.addHandler(handler)
    try:
        Percentile(99).fit(np.arange(30.0))
    finally:
        log.removeHandler(handler)
    [said] = seen
    assert said.endswith("more normal rows; a warm start keeps m's held-out share)"), said
    assert "reworded" not in said and "validation_fraction" not in said


def test_benchmark_rephrases_the_advice_whatever_its_wording(monkeypatch: pytest.MonkeyPatch) -> None:
    # benchmark kept its own copy of train's advice text to find it in the warning: any change
    # of the library's wording left train's options in benchmark's line; it reads the log
    # record's ``advice`` now
    import hourglass.thresholds.base as base
    from hourglass.cli.benchmark import _OnceAcrossRuns
    from hourglass.thresholds import Percentile

    monkeypatch.setattr(base, "FEW_SCORES_ADVICE", "a reworded advice (validation_fraction=0.3)")
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    handler = Keep()
    handler.addFilter(_OnceAcrossRuns())
    log = logging.getLogger("hourglass.thresholds.base")
    log.addHandler(handler)
    try:
        Percentile(99).fit(np.arange(30.0))
        Percentile(99).fit(np.arange(30.0))  # said once
    finally:
        log.removeHandler(handler)
    [said] = seen
    assert said.endswith("more normal training rows)") and "reworded" not in said, said


def _bench_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    from hourglass.pipeline.benchmark import split_labelled

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200), "y": "n"})
    df.loc[:19, "y"] = "attack"
    return split_labelled(df, "y", ["n"])


@pytest.mark.parametrize("rule, said", [
    ("best-f1", "threshold: best F1 on a labelled validation set: benchmark fits every threshold on"),
    ("budget:5/day", "threshold: a per-day alert budget needs the event rate"),
])
def test_benchmark_threshold_refusals_name_the_parameter_in_python(rule: str, said: str) -> None:
    # Benchmark(threshold=...) refused a rule with "--threshold: ...", the CLI's option
    from hourglass.pipeline.benchmark import Benchmark
    from hourglass.thresholds import threshold_from_spec

    train, test = _bench_frames()
    with pytest.raises(InputError) as info:
        Benchmark(train, test, label_col="y", normal=["n"], models=(), threshold=threshold_from_spec(rule))
    assert str(info.value).startswith(said) and "--" not in str(info.value), str(info.value)


@pytest.mark.parametrize("kwargs, said", [
    ({"models": ["iforest"]}, "models: iforest is a baseline; give it with baselines="),
    ({"models": ["nope"]}, "models: unknown model 'nope'; table models: "),
    ({"models": (), "baselines": ()}, "models/baselines: nothing to compare"),
    ({"models": (), "seeds": ()}, "seeds: need at least one seed"),
    ({"models": (), "max_train": 1}, "max_train: must be >= 2, got 1"),
    ({"models": (), "label_col": "nope"}, "train: no label column 'nope' (label_col); columns are a, b, y"),
])
def test_benchmark_refusals_name_the_parameters_in_python(kwargs: dict[str, object], said: str) -> None:
    # the rest of Benchmark's checks named the CLI's options too (--models, --baselines, --seeds,
    # --max-train, --label-col)
    from hourglass.pipeline.benchmark import Benchmark

    train, test = _bench_frames()
    args: dict[str, object] = {"label_col": "y", "normal": ["n"], **kwargs}
    with pytest.raises(InputError) as info:
        Benchmark(train, test, **args)  # type: ignore[arg-type]
    assert str(info.value).startswith(said) and "--" not in str(info.value), str(info.value)


def test_split_labelled_names_test_fraction_in_python() -> None:
    # split_labelled refused a share with "--test-fraction: must be in (0, 1)"
    from hourglass.pipeline.benchmark import split_labelled

    df = pd.DataFrame({"a": range(10), "y": ["n"] * 9 + ["x"]})
    with pytest.raises(InputError, match=r"^test_fraction: must be in \(0, 1\), got 1\.5$"):
        split_labelled(df, "y", ["n"], test_fraction=1.5)


def test_benchmark_cli_still_names_its_options(tmp_path: Path) -> None:
    # the CLI says the same refusals with its options, as it did
    train, _ = _bench_frames()
    data = tmp_path / "d.csv"
    train.to_csv(data, index=False)
    base = ["benchmark", str(data), "--label-col", "y", "--normal", "n", "--models", "none"]
    one_line_error([*base, "--threshold", "best-f1"], "error: --threshold: best F1 on a labelled validation "
                   "set: benchmark fits every threshold on held-out normal training rows only")
    one_line_error([*base, "--baselines", "none"], "error: --models/--baselines: nothing to compare")
    one_line_error(["benchmark", str(data), "--label-col", "y", "--normal", "n", "--models", "iforest"],
                   "error: --models: iforest is a baseline; give it with --baselines")


def test_a_column_list_quotes_a_name_holding_a_comma() -> None:
    # listed_columns showed a column "a,b" as a,b: in the list "a,b, c d" it read as three names
    from hourglass._columns import listed_columns

    assert listed_columns(["a,b", "c d", ""]) == "'a,b', c d, ''"


def test_inspect_lists_the_columns_of_a_missing_label_with_listed_columns(tmp_path: Path) -> None:
    # inspect joined the file's columns by hand ("columns are x, a,b, c d"): a name holding a comma
    # read as two
    data = tmp_path / "t.csv"
    data.write_text('x,"a,b",c d\n1,2,3\n4,5,6\n')
    one_line_error(["inspect", str(data), "--label-col", "nope"], "columns are x, 'a,b', c d")


def test_train_lists_the_columns_of_a_missing_label_with_listed_columns() -> None:
    # cli.tables' "columns are ..." joined them by hand too
    from hourglass.cli.tables import _columns_are

    assert _columns_are(pd.DataFrame(columns=["x", "a,b", " pad"])) == "columns are x, 'a,b', ' pad'"


def test_a_malformed_row_names_on_bad_rows_in_python(tmp_path: Path) -> None:
    # the readers told a Python caller to "use --on-bad-rows skip", an option of the CLI
    from hourglass.ingest import read_table

    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3\n")
    with pytest.raises(InputError) as info:
        read_table(bad)
    assert str(info.value).endswith("line 3: expected 2 fields, found 1 (use on_bad_rows='skip' to skip "
                                    "such rows)"), str(info.value)
    with pytest.raises(InputError, match=r"^on_bad_rows: expected one of error, skip, got 'drop'$"):
        read_table(bad, on_bad_rows="drop")


def test_a_malformed_row_names_the_option_in_the_cli(tmp_path: Path) -> None:
    # the CLI keeps its wording
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3\n")
    one_line_error(["inspect", str(bad)], "line 3: expected 2 fields, found 1 (use --on-bad-rows skip to "
                   "skip such rows)")


def test_benchmark_warnings_name_python_parameters_and_cli_options(tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    # Benchmark's warnings (a normal value spelt otherwise, a column that looks like a label) told
    # a Python user to "give it to --normal", "--drop", "beside --label-col"
    from hourglass.pipeline.benchmark import Benchmark, split_labelled

    rng = np.random.default_rng(0)
    tenth = np.arange(200) % 10
    label = np.where(tenth == 0, "attack", np.where(tenth == 1, "Normal", "normal"))
    frame = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200), "label": label,
                          "attack_cat": np.where(label == "attack", "DoS", "Normal")})
    train, test = split_labelled(frame, "label", ["normal"])
    with caplog.at_level(logging.WARNING, logger="hourglass"):
        Benchmark(train, test, label_col="label", normal=["normal"], models=(), seeds=(0,))
    assert "add it to normal too if those rows are normal" in caplog.text
    assert "(beside label_col label)" in caplog.text and "drop it (features=" in caplog.text
    assert "--" not in caplog.text
    data = tmp_path / "flows.csv"
    frame.to_csv(data, index=False)
    res = runner.invoke(app, ["benchmark", str(data), "--label-col", "label", "--normal", "normal",
                              "--models", "none", "--seeds", "1"])
    said = " ".join(res.stderr.split())
    assert "give it to --normal too if those rows are normal" in said, said
    assert "beside --label-col label" in said and "give it to --drop if it holds the verdict" in said, said


def test_a_series_shorter_than_a_window_names_the_parameter_in_python() -> None:
    # a window detector fitted on a series shorter than one window told a Python user to "train a
    # model with a smaller --window"
    from hourglass.detectors import LSTMAutoEncoder

    X = np.random.default_rng(0).normal(size=(20, 2)).astype("float32")
    with pytest.raises(InputError) as info:
        LSTMAutoEncoder(window=30, hidden=4, epochs=1, verbose=0).fit(X)
    assert str(info.value).endswith("(or train a model with a smaller window (window=...))"), str(info.value)


def test_a_series_shorter_than_a_window_names_the_option_in_the_cli(tmp_path: Path) -> None:
    # the CLI keeps its wording
    from tests._warm_series import series_frame

    series_frame(60, 1).to_csv(tmp_path / "s.csv", index=False)
    one_line_error(["train", str(tmp_path / "s.csv"), "-m", "lstm-ae", "--timestamp-col", "ts", "--window",
                    "100", "--epochs", "1", "-o", str(tmp_path / "m")], "a smaller --window)", tmp_path / "m")
