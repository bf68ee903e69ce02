"""The README's commands and claims, run as a user reads them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests._cli import one_line_error, small_labelled_model


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("docs"))


@pytest.mark.parametrize("command", ["threshold", "benchmark", "inspect"])
def test_json_output_named_for_another_type_is_refused(labelled: dict[str, Any], command: str) -> None:
    # README, Errors: an output whose suffix is of another type than what is written is refused
    # before anything is written, as evaluate's --json m.txt and --report r.pdf are
    out = labelled["folder"] / f"{command}.csv"
    args = {"threshold": ["threshold", str(labelled["model"])],
            "benchmark": ["benchmark", str(labelled["data"]), "--label-col", "label", "--normal", "normal",
                          "--models", "autoencoder", "--seeds", "1", "--epochs", "1"],
            "inspect": ["inspect", str(labelled["data"])]}[command]
    one_line_error([*args, "--json", str(out)], f"--json {out}: writes JSON, not '.csv'; name it "
                   f"{command}.json", out)


def test_json_output_kind_is_checked_alike_everywhere(labelled: dict[str, Any]) -> None:
    folder: Path = labelled["folder"]
    one_line_error(["evaluate", str(labelled["model"]), str(labelled["data"]), "--json",
                    str(folder / "m.txt")], "writes JSON, not '.txt'", folder / "m.txt")
    one_line_error(["export", str(labelled["model"]), "--onnx", str(folder / "m.onnx.gz")],
                   "writes an ONNX model, not '.gz'; name it", folder / "m.onnx.gz")


def test_the_layout_names_every_threshold_rule() -> None:
    # README, Layout: the thresholds row lists the rule classes; fpr: (FalseAlarmBound) was missing
    from hourglass.thresholds import threshold_from_spec

    text = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `hourglass.thresholds` |"))
    specs = ["percentile:99", "fpr:0.01", "contamination:0.01", "fixed:1", "pot:1e-4", "spot:1e-4",
             "dspot:1e-4", "budget:5/10k", "best-f1", "best-fbeta:0.5"]
    for spec in specs:
        assert f"`{type(threshold_from_spec(spec)).__name__}`" in row, spec
    assert "`AlertRateMonitor`" in row  # the drift check's class, named in Drift and retraining


def test_a_bound_on_training_scores_names_them_not_held_out_ones() -> None:
    # README, Thresholds: without a hold-out the rule is fitted on the training scores and says so
    # wherever it is shown; FalseAlarmBound's refusal called them held-out normal scores
    import numpy as np

    from hourglass.detectors import AutoEncoder
    from hourglass.errors import InputError
    from hourglass.thresholds import TRAINING, FalseAlarmBound

    training = r"^FalseAlarmBound: 100 training scores \(no held-out rows\) cannot"
    with pytest.raises(InputError, match=training):
        FalseAlarmBound(0.01).fit(np.arange(100.0), on=TRAINING)
    with pytest.raises(InputError, match=r"^FalseAlarmBound: 100 held-out normal scores cannot"):
        FalseAlarmBound(0.01).fit(np.arange(100.0))
    X = np.random.default_rng(0).normal(size=(120, 3))
    with pytest.raises(InputError, match=r"120 training scores \(no held-out rows\) cannot bound"):
        AutoEncoder(hidden=(2,), epochs=1, validation_fraction=0.0, threshold=FalseAlarmBound(0.01)).fit(X)


def test_the_what_if_table_of_a_model_without_held_out_rows_says_training(tmp_path: Path) -> None:
    import numpy as np
    import pandas as pd

    from hourglass.cli import app
    from tests._cli import runner

    data = tmp_path / "t.csv"
    pd.DataFrame({"a": np.random.default_rng(0).normal(size=60)}).to_csv(data, index=False)
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "-o", str(model), "--epochs", "1", "--hidden", "2",
                              "--param", "validation_fraction=0", "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["threshold", str(model)], env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    assert "flagged (training)" in res.stdout and "held-out" not in res.stdout.splitlines()[2]
    assert "60 training scores (no held-out rows) cannot bound" in res.output


def test_the_drift_peak_names_the_rows_it_was_measured_over() -> None:
    # score --drift-window 10 said 'peak 71.4% over 10 rows': 5 flags of the first 7 rows, a rate
    # no 10 rows can have; the peak now names its own window
    from hourglass.thresholds import AlertRateMonitor

    mon = AlertRateMonitor(expected=0.02, window=10)
    mon.update([0, 0, 1, 1, 1, 1, 1] + [0] * 93)
    assert mon.peak_rate == pytest.approx(5 / 7) and "peak 71.4% over 7 rows" in mon.summary()
    full = AlertRateMonitor(expected=0.02, window=10)
    full.update([0] * 20 + [1] * 8 + [0] * 20)
    assert "peak 80.0% over 10 rows" in full.summary()


def test_the_longest_table_row_is_as_the_errors_section_says(labelled: dict[str, Any]) -> None:
    # README, Errors: a row over 2 MiB is refused naming its line (it said 'a row longer than
    # 1 MiB', but one of 1 to 2 MiB is read where it spans no more than two 1 MiB blocks)
    from hourglass.cli import app
    from tests._cli import runner

    folder: Path = labelled["folder"]
    lines = labelled["data"].read_text().splitlines()
    for size, ok in ((3 << 19, True), (5 << 19, False)):  # 1.5 MiB, 2.5 MiB
        data = folder / f"long{size}.csv"
        data.write_text("\n".join([lines[0], lines[1] + "x" * size, *lines[2:]]) + "\n")
        out = folder / f"long{size}_scores.csv"
        res = runner.invoke(app, ["score", str(labelled["model"]), str(data), "-o", str(out), "-q"])
        if ok:
            assert res.exit_code == 0, res.output
        else:
            one_line_error(["score", str(labelled["model"]), str(data), "-o", str(out)],
                           "line 2 is longer than 1,048,576 bytes, the most a table row may hold", out)
