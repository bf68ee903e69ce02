"""Defaults agree everywhere: what the help pages and the README say a default is, the value the
code uses; the CLI's option defaults, the library's; ``hourglass train`` with no options, the
Python API's ``AutoEncoder()``."""

from __future__ import annotations

import functools
import inspect
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
import typer

from hourglass.cli import app
from tests._cli import runner

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _command(name: str) -> Any:
    group = typer.main.get_command(app)
    return group.commands[name]  # type: ignore[attr-defined]


def _option(command: str, option: str) -> Any:
    """The click parameter of ``hourglass COMMAND`` named ``option`` (``--opset``)."""
    for param in _command(command).params:
        if option in param.opts:
            return param
    raise AssertionError(f"hourglass {command} has no {option}")


def _signature_default(func: Any, name: str) -> Any:
    return inspect.signature(func).parameters[name].default


def _spoken(values: tuple[str, ...], quote: str = "") -> str:
    """``('a', 'b', 'c')`` as ``a, b or c`` (each quoted with ``quote``)."""
    shown = [f"{quote}{v}{quote}" for v in values]
    return ", ".join(shown[:-1]) + " or " + shown[-1]


def test_evaluate_help_and_readme_name_every_default_normal_session_label() -> None:
    # What was wrong: 'hourglass evaluate --help' and the README said a log model's --labels file
    # reads 'Normal' or '0' as normal by default, while the code (DEFAULT_NORMAL) also reads
    # 'normal' as normal: a user with lower-case labels was told they needed --normal normal,
    # and the README's own rule elsewhere (a --normal value spelt in another case is an attack)
    # made it read as if 'normal' would count as an attack.
    from hourglass.cli.app import unwrap_help
    from hourglass.cli.evaluate import evaluate
    from hourglass.cli.logs import DEFAULT_NORMAL

    doc = unwrap_help(evaluate.__doc__) or ""
    assert f"--normal values; default {_spoken(DEFAULT_NORMAL)})" in doc, doc
    assert f"`--normal` values, default {_spoken(DEFAULT_NORMAL, '`')};" in README
    # --label-field's own default: '-' and the same values, as its help says
    help_text = _option("evaluate", "--label-field").help
    assert f"default {', '.join(('-', *DEFAULT_NORMAL))})" in help_text, help_text


@functools.cache
def _library_defaults() -> list[tuple[str, str, Any, Any]]:
    """(command, option, the option's default, the library's default) where both state one."""
    from hourglass.cli._common import chunk_bytes
    from hourglass.features import EntityWindows, TabularPreprocessor
    from hourglass.features.sessions.live import LiveSessions
    from hourglass.ingest.tables import CHUNK_BYTES
    from hourglass.pipeline.benchmark import DEFAULT_MODELS, Benchmark
    from hourglass.pipeline.export import DEFAULT_OPSET, export_onnx
    from hourglass.serve.app import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_ROWS, create_app
    from hourglass.serve.drift import drift_monitor
    from hourglass.thresholds import AlertRateMonitor

    def opt(command: str, option: str) -> Any:
        return _option(command, option).default

    scaler = _signature_default(TabularPreprocessor.__init__, "scaler")
    window = _signature_default(AlertRateMonitor.__init__, "window")
    assert _signature_default(drift_monitor, "window") == window
    return [
        ("export", "--opset", opt("export", "--opset"), DEFAULT_OPSET),
        ("export", "--check-rows", opt("export", "--check-rows"),
         _signature_default(export_onnx, "check_rows")),
        ("serve", "--max-body-mb", opt("serve", "--max-body-mb") * 2**20, DEFAULT_MAX_BODY_BYTES),
        ("serve", "--max-rows", opt("serve", "--max-rows"), DEFAULT_MAX_ROWS),
        ("serve", "--max-rows", opt("serve", "--max-rows"), _signature_default(create_app, "max_rows")),
        ("serve", "--drift-window", opt("serve", "--drift-window"),
         _signature_default(create_app, "drift_window")),
        ("serve", "--rate-limit", opt("serve", "--rate-limit"),
         _signature_default(create_app, "rate_limit")),
        ("score", "--drift-window", opt("score", "--drift-window"), window),
        ("stream", "--drift-window", opt("stream", "--drift-window"), window),
        ("stream", "--max-sessions", opt("stream", "--max-sessions"),
         _signature_default(LiveSessions.__init__, "max_sessions")),
        ("benchmark", "--models", opt("benchmark", "--models"), ",".join(DEFAULT_MODELS)),
        ("benchmark", "--baselines", opt("benchmark", "--baselines"),
         ",".join(_signature_default(Benchmark.__init__, "baselines"))),
        ("train", "--scaler", opt("train", "--scaler"), scaler),
        ("benchmark", "--scaler", opt("benchmark", "--scaler"), scaler),
        ("inspect", "--scaler", opt("inspect", "--scaler"), scaler),
        ("score", "--chunk-mb", chunk_bytes(opt("score", "--chunk-mb")), CHUNK_BYTES),
        ("explain", "--chunk-mb", chunk_bytes(opt("explain", "--chunk-mb")), CHUNK_BYTES),
        ("explain", "--top", opt("explain", "--top"),
         _signature_default(__import__("hourglass.explain.tabular", fromlist=["x"]).explain_rows, "top")),
        # options whose default is None on the command line: the help says what it stands for
        ("train", "--bucket", re.search(r"\(default (\w+)\)", _option("train", "--bucket").help)[1],
         _signature_default(EntityWindows.__init__, "bucket")),
        ("train", "--entity-case", re.search(r"'(\w+)' \(default", _option("train", "--entity-case").help)[1],
         _signature_default(EntityWindows.__init__, "entity_case")),
    ]


@pytest.mark.parametrize("case", range(len(_library_defaults())))
def test_an_option_default_is_the_librarys(case: int) -> None:
    # Pins (nothing was wrong): the CLI spells these defaults as literals of its own beside the
    # library's constants and signatures; each pair must stay one value.
    command, option, cli_value, library_value = _library_defaults()[case]
    assert cli_value == library_value, f"hourglass {command} {option}: {cli_value!r} vs {library_value!r}"


def test_help_texts_state_the_defaults_the_code_uses() -> None:
    # Pins (nothing was wrong): defaults stated in help texts of options whose own default is None.
    from hourglass.cli.threshold import DEFAULT_BUDGET, DEFAULT_SPECS
    from hourglass.detectors import registry
    from hourglass.features.timeseries import TimeSeriesPreprocessor
    from hourglass.pipeline.benchmark import TEST_FRACTION
    from hourglass.thresholds import threshold_from_spec
    from hourglass.thresholds.bound import FalseAlarmBound
    from hourglass.thresholds.pot import DSPOT

    rule = _option("train", "--threshold").help
    assert "(default: percentile:99; DeepLog: its top-g rank)" in rule
    percentile = threshold_from_spec("percentile:99").describe()
    for name in registry.available():
        own = registry.get(name)()._default_threshold().describe()
        assert own == (percentile if name != "deeplog" else "fixed at 9"), (name, own)
    conf = _signature_default(FalseAlarmBound.__init__, "confidence")
    assert f"with that confidence, default {conf:g})" in rule
    assert f"(moving-mean depth, default {_signature_default(DSPOT.__init__, 'depth')})" in rule
    steps = re.search(r"min_steps optimiser steps, (\d+) by default", _option("train", "--epochs").help)
    assert steps is not None
    for name in ("anogan", "ganomaly", "encoder-gan", "ganomaly-1d"):
        assert registry.get(name)().min_steps == int(steps[1]), name
    agg = _signature_default(TimeSeriesPreprocessor.__init__, "agg")
    assert f"{agg} (default)" in _option("train", "--freq-agg").help
    assert f"default {TEST_FRACTION:g})" in _option("benchmark", "--test-fraction").help
    listed = ", ".join(DEFAULT_SPECS) + f" and, with a known event rate, budget:{DEFAULT_BUDGET}/day)"
    assert f"default: the model's own, {listed}" in _option("threshold", "--threshold").help


def test_train_without_options_is_the_python_apis_default_autoencoder(tmp_path: Path) -> None:
    # Pins (nothing was wrong): 'hourglass train DATA -o M' and Pipeline(detector=AutoEncoder())
    # fitted on the same rows are one model: the same parameters saved, the same threshold and
    # the same scores bit for bit (one torch thread each).
    import hourglass
    from hourglass import AutoEncoder, Pipeline

    rng = np.random.default_rng(3)
    n = 300
    df = pd.DataFrame({"bytes": rng.exponential(1000, n), "pkts": rng.poisson(20, n).astype(float),
                       "proto": rng.choice(["tcp", "udp"], n)})
    data, model = tmp_path / "flows.csv", tmp_path / "m"
    df.to_csv(data, index=False)
    threads = torch.get_num_threads()
    try:
        res = runner.invoke(app, ["--threads", "1", "train", str(data), "-o", str(model), "-q"])
        assert res.exit_code == 0, res.output
        torch.set_num_threads(1)
        api = Pipeline(detector=AutoEncoder(verbose=0)).fit(pd.read_csv(data))
    finally:
        torch.set_num_threads(threads)
    cli = hourglass.load(model)
    cli_params = {k: v for k, v in cli.detector_.get_params().items() if k != "verbose"}
    api_params = {k: v for k, v in api.detector_.get_params().items() if k != "verbose"}
    assert cli_params == api_params == {k: v for k, v in AutoEncoder().get_params().items() if k != "verbose"}
    assert cli.features_.get_params() == api.features_.get_params()
    assert cli.threshold_.describe() == api.threshold_.describe()
    assert cli.threshold_.value_ == api.threshold_.value_
    test = df.copy()
    test.loc[:9, "bytes"] *= 50
    np.testing.assert_array_equal(cli.score(test), api.score(test))


#: (command, option, the README's words for its default: a regex whose group is the number)
README_DEFAULTS = [
    ("serve", "--max-body-mb", r"`--max-body-mb` \((\d+) MiB\)"),
    ("serve", "--max-rows", r"`--max-rows` \(([\d,]+)\)"),
    ("stream", "--batch", r"`--batch` rows \((\d+)\)"),
    ("stream", "--max-delay-ms", r"`--max-delay-ms` \((\d+)\)"),
    ("stream", "--max-sessions", r"`--max-sessions` live sessions\s+\(([\d,]+);"),
    ("stream", "--max-groups", r"`--max-groups` \(default (\d+)\)"),
    ("score", "--drift-window", r"`--drift-window` rows \(default ([\d,]+);"),
    ("stream", "--drift-window", r"`--drift-window` rows \(default ([\d,]+);"),
    ("export", "--check-rows", r"`--check-rows` \(default ([\d,]+)\)"),
    ("train", "--val-fraction", r"`--val-fraction`, default ([\d.]+)\)"),
    ("train", "--memory-budget", r"`--memory-budget` \(MB,\s+default (\d+)\)"),
    ("train", "--replay", r"`--replay` times\s+as many as DATA's \(default (\d+)\)"),
    ("benchmark", "--test-fraction", r"`--test-fraction` \((\d+)%\)"),
]


@pytest.mark.parametrize(("command", "option", "words"), README_DEFAULTS,
                         ids=[f"{c} {o}" for c, o, _ in README_DEFAULTS])
def test_the_readme_states_an_options_default_as_the_code_has_it(command: str, option: str,
                                                                  words: str) -> None:
    # Pins (nothing was wrong): each default the README states beside an option is the option's.
    found = re.search(words, README)
    assert found is not None, f"README no longer says {words!r}"
    said = float(found[1].replace(",", ""))
    default = _option(command, option).default
    if command == "benchmark" and option == "--test-fraction":  # None: the library's 0.3
        from hourglass.pipeline.benchmark import TEST_FRACTION

        default, said = TEST_FRACTION, said / 100
    assert said == default, f"README: {found[0]!r}; hourglass {command} {option}: {default!r}"


def test_a_warm_start_without_seed_or_device_takes_the_options_defaults_as_the_readme_says(
        tmp_path: Path) -> None:
    # What was wrong: the same warm start, left without a seed and a device, is two models by
    # route, and nothing said so: 'hourglass train NEW --warm-start M' trains with --seed 0 and
    # --device auto (the options' defaults), while M.warm_start(NEW) in Python keeps M's
    # random_state and device (scores 19x apart on a parent trained with --seed 5 --device cpu).
    # The README now says which (the CLI's behaviour is kept: its defaults are the options').
    import hourglass

    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    data, parent, child = tmp_path / "rows.csv", tmp_path / "m", tmp_path / "m2"
    frame.to_csv(data, index=False)
    fast = ["--epochs", "1", "--hidden", "4,2", "-q"]
    res = runner.invoke(app, ["train", str(data), *fast, "--seed", "5", "--device", "cpu", "-o", str(parent)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["train", str(data), "--warm-start", str(parent), "-q", "-o", str(child)])
    assert res.exit_code == 0, res.output
    cli = hourglass.load(child).detector_
    assert (cli.random_state, cli.device, cli.epochs) == (0, "auto", 1)  # epochs: the parent's
    api = hourglass.load(parent).warm_start(frame).detector_
    assert (api.random_state, api.device, api.epochs) == (5, "cpu", 1)
    said = " ".join(README.split())
    assert ("left out, the first three stay the parent's, while `--seed` and `--device` take their "
            "defaults, 0 and `auto`, as in any `train` (not the parent's seed and device, which "
            "`Pipeline.warm_start` in Python keeps unless given") in said


def test_benchmarks_python_seeds_default_is_said_beside_the_commands() -> None:
    # What was wrong: Benchmark() in Python runs one seed (0) by default where 'hourglass
    # benchmark' runs --seeds 3 (0, 1, 2), and its docstring did not say so (nor name models,
    # baselines and seeds among its parameters).
    from hourglass.pipeline.benchmark import Benchmark

    seeds = _option("benchmark", "--seeds").default
    first = _option("benchmark", "--seed").default
    assert _signature_default(Benchmark.__init__, "seeds") == (first,)
    runs = [str(s) for s in range(first, first + seeds)]
    said = " ".join((Benchmark.__doc__ or "").split())
    assert (f"but one seed, {first}, where its ``--seeds {seeds}`` runs seeds "
            f"{', '.join(runs[:-1])} and {runs[-1]})") in said, said
