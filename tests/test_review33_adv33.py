"""The advice in error lines names options, values and commands that exist where it is shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner


@pytest.fixture(scope="module")
def key_model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A DeepLog model trained by ``hourglass train --format keys`` on a small key file."""
    d = tmp_path_factory.mktemp("keys")
    keys = d / "keys"
    keys.write_text("".join(f"1 2 {3 + i % 2} 5 6\n" for i in range(40)), encoding="utf-8")
    model = d / "M"
    res = runner.invoke(app, ["train", str(keys), "--format", "keys", "--model", "deeplog", "--epochs", "1",
                              "--hidden", "8", "-q", "-o", str(model)])
    assert res.exit_code == 0, res.output
    return {"keys": keys, "model": model, "dir": d}


@pytest.mark.parametrize("option", [["--timestamp-col", "ts"], ["--group-window", "10m"]])
def test_grouping_options_of_a_model_that_never_groups_say_leave_it_out(
        key_model: dict[str, Path], option: list[str]) -> None:
    # what was wrong: 'score LOG_MODEL LOG -o a.jsonl --timestamp-col ts' (or --group-window, and
    # stream's --max-groups) said "give --group-by COLS with it"; given, --group-by was refused
    # ("groups the alerts of table models, not of log models; leave it out"): a loop. An entity,
    # log or time-series model is now told to leave the option out
    out = key_model["dir"] / "a.jsonl"
    said = "of grouped alerts, which only table models write (this is a log model, deeplog); leave it out"
    one_line_error(["score", str(key_model["model"]), str(key_model["keys"]), "-o", str(out), *option],
                   f"{option[0]}: the ", out)
    for args in (["score", str(key_model["model"]), str(key_model["keys"]), "-o", str(out), *option],
                 ["stream", str(key_model["model"]), "--input", str(key_model["keys"]), *option],
                 ["stream", str(key_model["model"]), "--input", str(key_model["keys"]), "--max-groups", "3"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 2 and said in res.stderr and "--group-by" not in res.stderr, res.stderr


def test_grouping_options_name_each_model_kind() -> None:
    # what was wrong: as above, for entity-bucket and time-series models (the same check)
    from hourglass.cli._groups import check_group_options

    for kind, article in (("entity", "an"), ("time-series", "a")):
        with pytest.raises(Exception, match=f"which only table models write \\(this is {article} {kind} "
                                            "model, m\\); leave it out"):
            check_group_options(None, "10m", kind, "m")
    with pytest.raises(Exception, match="give --group-by COLS with it"):  # a table model: unchanged
        check_group_options(None, None, "table", "m", timestamp_col="ts")


def test_dspot_advises_a_smaller_depth_only_where_one_fits() -> None:
    # what was wrong: 'train ... --threshold dspot:1e-3/5' on 29 held-out scores said "need at
    # least 105: choose a smaller depth (--threshold dspot:Q/DEPTH)", but every depth needs more
    # than 100 scores (10 x min_peaks): no depth could follow. Now it says to hold out more data,
    # and where a smaller depth fits it names the largest
    import numpy as np

    from hourglass.errors import InputError
    from hourglass.thresholds import DSPOT

    with pytest.raises(InputError) as info:
        DSPOT(1e-2, depth=5).fit(np.zeros(29))
    assert "smaller depth" not in str(info.value)
    assert str(info.value).endswith("need at least 105: more normal data, or a larger held-out share "
                                    "when training (the detector's validation_fraction=...); "
                                    "depth 1 needs 101")
    advice = r"choose a smaller depth \(DSPOT\(depth=\.\.\.\)\), at most 20, or more normal data"
    with pytest.raises(InputError, match=f"need at least 150: {advice}"):
        DSPOT(1e-2).fit(np.zeros(120))
    rng = np.random.default_rng(0)
    assert np.isfinite(DSPOT(1e-2, depth=20).fit(rng.exponential(size=120)).value_)  # the advice, followed


def test_benchmark_advises_no_smaller_depth_that_cannot_fit(tmp_path: Path) -> None:
    # what was wrong: benchmark --threshold dspot:Q on 2 held-out scores advised "or a smaller
    # depth (dspot:Q/DEPTH)" too; now "or another rule"
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    data = tmp_path / "t.csv"
    pd.DataFrame({"a": rng.random(120), "b": rng.random(120),
                  "label": np.where(np.arange(120) % 10 == 0, "attack", "normal")}).to_csv(data, index=False)
    res = runner.invoke(app, ["benchmark", str(data), "--label-col", "label", "--normal", "normal",
                              "--models", "autoencoder", "--epochs", "1", "--threshold", "dspot:1e-3", "-q"])
    assert res.exit_code == 2, res.output
    assert "smaller depth" not in res.stderr and "or another rule" in res.stderr, res.stderr


@pytest.mark.parametrize(("value", "advised"), [("percentile:99", "percentile:99"),
                                                ("Percentile(99)", "percentile:99.5")])
def test_param_threshold_names_the_threshold_option(key_model: dict[str, Path], value: str,
                                                    advised: str) -> None:
    # what was wrong: 'train ... --param threshold=percentile:99' said "threshold must be a
    # hourglass Threshold (e.g. thresholds.Percentile(99.5) or thresholds.Contamination(0.01))",
    # Python calls a CLI user cannot give; now it names the --threshold option, which takes it
    out = key_model["dir"] / advised
    base = ["train", str(key_model["keys"]), "--format", "keys", "--model", "deeplog", "--epochs", "1",
            "--hidden", "8", "-q", "-o", str(out)]
    said = f"--param threshold: the threshold rule is the --threshold option (e.g. --threshold {advised})"
    one_line_error([*base, "--param", f"threshold={value}"], said, out)
    res = runner.invoke(app, [*base, "--threshold", advised])  # the advice, followed
    assert res.exit_code == 0, res.output


def test_deeplog_top_g_warning_names_the_options_in_the_cli(key_model: dict[str, Path]) -> None:
    # what was wrong: 'train KEYS --format keys --model deeplog' on few keys warned "... lower
    # top_g or pass a threshold", the Python parameters; the CLI now says --param top_g=N or a
    # --threshold rule (the library keeps its words), and following it trains without the warning
    import warnings

    import numpy as np

    from hourglass.detectors import DeepLog
    from hourglass.detectors.deeplog import TOP_G_ADVICE

    base = ["train", str(key_model["keys"]), "--format", "keys", "--model", "deeplog", "--epochs", "1",
            "--hidden", "8", "-o", str(key_model["dir"] / "g"), "--force"]
    res = runner.invoke(app, [*base, "-q"])
    assert res.exit_code == 0, res.output
    assert "lower top_g (--param top_g=N) or give a --threshold rule" in res.stderr, res.stderr
    assert TOP_G_ADVICE not in res.stderr
    res = runner.invoke(app, [*base, "-q", "--param", "top_g=3"])  # the advice, followed
    assert res.exit_code == 0 and "top_g" not in res.stderr, res.output
    with warnings.catch_warnings(record=True) as seen:  # Python: its own words
        warnings.simplefilter("always")
        DeepLog(window=2, epochs=1, hidden=8, embed=4, verbose=0).fit(
            [np.array([1, 2, 3, 4, 5])] * 20)
    assert any(TOP_G_ADVICE in str(w.message) for w in seen)


def test_stream_at_another_step_advises_a_model_it_can_stream(tmp_path: Path) -> None:
    # what was wrong: 'stream MODEL' of a series model trained on 1s steps, fed 2s steps, said
    # "send 1s steps, or retrain with --freq 1s": the model's own step, and a model trained with
    # --freq resamples, which stream refuses ("stream does not resample ... or train with freq
    # 'rows' or regular steps", Python words). It now advises a model trained on 2s steps (which
    # streams them), and the refusal names --freq rows / no --freq
    import json

    from tests._skab import skab_file

    frame = skab_file(tmp_path / "s.csv").drop(columns=["anomaly", "changepoint"])
    frame.iloc[::2].to_csv(tmp_path / "s2.csv", index=False)
    frame.to_csv(tmp_path / "s1.csv", index=False)
    lines = tmp_path / "rows.jsonl"
    lines.write_text("".join(json.dumps(r) + "\n" for r in frame.iloc[:60:2].to_dict("records")),
                     encoding="utf-8")
    base = ["--model", "lstm-ae", "--timestamp-col", "datetime", "--epochs", "1", "--window", "8",
            "--hidden", "4", "-q"]

    def train(data: str, out: str, *extra: str) -> Path:
        res = runner.invoke(app, ["train", str(tmp_path / data), *base, *extra, "-o", str(tmp_path / out)])
        assert res.exit_code == 0, res.output
        return tmp_path / out

    res = runner.invoke(app, ["stream", str(train("s1.csv", "m1")), "--input", str(lines)])
    assert res.exit_code == 2, res.output
    assert "send 1s steps, or train a model on a series of 2s steps" in res.stderr, res.stderr
    assert "--freq" not in res.stderr
    res = runner.invoke(app, ["stream", str(train("s2.csv", "m2")), "--input", str(lines)])  # followed
    assert res.exit_code == 0 and "30 steps" in res.stderr, res.output
    res = runner.invoke(app, ["stream", str(train("s1.csv", "m3", "--freq", "2s")), "--input", str(lines)])
    assert res.exit_code == 2, res.output
    assert "or train with --freq rows, or without --freq on a series of regular steps" in res.stderr


def test_batch_of_one_with_batch_norm_names_the_options(tmp_path: Path) -> None:
    # what was wrong: 'train DATA --batch-size 1' (the autoencoder has batch normalisation by
    # default) said "use batch_size >= 2 (or batch_norm=False)", the Python parameters; the CLI
    # now says --batch-size 2 or more (or --param batch_norm=false), and both train
    import numpy as np
    import pandas as pd

    from hourglass.cli._options import cli_advice
    from hourglass.detectors import AutoEncoder
    from hourglass.detectors.base import MORE_ROWS_OR_NO_BATCH_NORM

    rng = np.random.default_rng(0)
    data = tmp_path / "t.csv"
    pd.DataFrame({"a": rng.random(60), "b": rng.random(60)}).to_csv(data, index=False)
    base = ["train", str(data), "--epochs", "1", "--hidden", "4,2", "-q"]
    one_line_error([*base, "--batch-size", "1", "-o", str(tmp_path / "m")],
                   "cannot train on batches of one row; use --batch-size 2 or more (or --param "
                   "batch_norm=false)", tmp_path / "m")
    for i, advice in enumerate((["--batch-size", "2"], ["--batch-size", "1", "--param", "batch_norm=false"])):
        res = runner.invoke(app, [*base, *advice, "-o", str(tmp_path / f"m{i}")])  # followed
        assert res.exit_code == 0, res.output
    with pytest.raises(ValueError, match=r"use batch_size >= 2 \(or batch_norm=False\)"):  # Python
        AutoEncoder(batch_size=1).validate_params()
    assert cli_advice(f"x; {MORE_ROWS_OR_NO_BATCH_NORM}") == "x; give more data (or --param batch_norm=false)"


def test_forecaster_window_advice_says_how_to_set_the_horizon(tmp_path: Path) -> None:
    # what was wrong: 'train SERIES --model lstm-forecaster --window 20 --param horizon=20' on 29
    # steps said "train a model with a smaller --window or horizon": the CLI has no horizon
    # option; it now says --param horizon=H, which (followed) trains
    import numpy as np
    import pandas as pd

    t = pd.date_range("2024-01-01", periods=29, freq="1s").astype(str)
    data = tmp_path / "s.csv"
    pd.DataFrame({"ts": t, "a": np.sin(np.arange(29) / 3)}).to_csv(data, index=False)
    base = ["train", str(data), "--model", "lstm-forecaster", "--timestamp-col", "ts", "--epochs", "1",
            "--window", "20", "-q"]
    one_line_error([*base, "--param", "horizon=20", "-o", str(tmp_path / "m")],
                   "a smaller --window or horizon (--param horizon=H)", tmp_path / "m")
    res = runner.invoke(app, [*base, "--param", "horizon=2", "-o", str(tmp_path / "m2")])
    assert res.exit_code == 0, res.output
