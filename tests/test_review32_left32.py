"""Review 32 (left32): two routes that should agree. (A) a path typed with a '/' at its end, which
pathlib drops: an output FILE so typed names a folder, an input file so typed is no folder; a
folder's path is the same with or without it. (B) feature names: a pipeline fitted on a
DataFrame and given its columns in another order, or fitted on an array and given a frame."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import typer.main

from hourglass.cli import app
from hourglass.cli._common import FILE_OUTPUTS
from tests._cli import one_line_error, runner, small_labelled_model


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("left32"))


# the file each command writes, by its option (MODEL, DATA filled in by the test)
_FILE_OUTPUTS = [
    (["score", "{model}", "{data}", "-o"], "out.csv"),
    (["explain", "{model}", "{data}", "-o"], "why.csv"),
    (["evaluate", "{model}", "{data}", "--label-col", "label", "--normal", "normal", "--json"], "m.json"),
    (["evaluate", "{model}", "{data}", "--label-col", "label", "--normal", "normal", "--report"], "r.html"),
    (["inspect", "{data}", "--json"], "schema.json"),
    (["export", "{model}", "--onnx"], "model.onnx"),
    (["threshold", "{model}", "--json"], "what-if.json"),
    (["stream", "{model}", "-i", "{data}", "-o"], "alerts.jsonl"),
    (["benchmark", "{data}", "--label-col", "label", "--normal", "normal", "--json"], "bench.json"),
]


@pytest.mark.parametrize("ending", ["/", "/."])
@pytest.mark.parametrize(("args", "name"), _FILE_OUTPUTS, ids=lambda v: v[0] if isinstance(v, list) else v)
def test_an_output_file_typed_as_a_folder_is_refused(labelled: dict[str, Any], tmp_path: Path,
                                                       args: list[str], name: str, ending: str) -> None:
    # what was wrong: pathlib dropped the '/' of '-o out.csv/' (a folder, as cp and touch take it:
    # 'Not a directory'), so the command wrote the file out.csv; it is now one line, exit code 2,
    # and nothing written
    out = tmp_path / name
    filled = [a.format(model=labelled["model"], data=labelled["data"]) for a in args]
    one_line_error([*filled, f"{out}{ending}"], f"{out}{ending}: ends in '{ending}', which names a "
                   "folder; expected a file name", out=out)
    assert os.listdir(tmp_path) == []


def test_an_input_file_typed_as_a_folder_is_refused(labelled: dict[str, Any], tmp_path: Path) -> None:
    # what was wrong: 'score M data.csv/' read the file data.csv (cat data.csv/: 'Not a
    # directory'); a file given so, an input or an option's (--suppress), is now refused
    out = tmp_path / "out.csv"
    one_line_error(["score", str(labelled["model"]), f"{labelled['data']}/", "-o", str(out)],
                   f"{labelled['data']}/: not a folder, yet it ends in '/'", out=out)
    one_line_error(["score", str(labelled["model"]), str(labelled["data"]), "-o", str(out),
                    "--suppress", f"{labelled['data']}/"], "--suppress", out=out)


def test_a_model_folder_is_the_same_with_or_without_the_slash(labelled: dict[str, Any],
                                                               tmp_path: Path) -> None:
    # a folder may end in '/': the model given as MODEL/ scores as MODEL, and a model written
    # to NEW/ is written to NEW (threshold -o: the same copy either way)
    model = labelled["model"]
    plain, slashed = tmp_path / "plain.csv", tmp_path / "slashed.csv"
    for given, out in ((str(model), plain), (f"{model}/", slashed)):
        res = runner.invoke(app, ["score", given, str(labelled["data"]), "-o", str(out), "-q"])
        assert res.exit_code == 0, res.output
    assert plain.read_bytes() == slashed.read_bytes()
    for given in (str(tmp_path / "a"), f"{tmp_path / 'b'}/"):
        res = runner.invoke(app, ["threshold", str(model), "-o", given, "--threshold", "percentile:99",
                                  "-q"])
        assert res.exit_code == 0, res.output
    configs = [json.loads((tmp_path / d / "config.json").read_text()) for d in "ab"]
    for config in configs:  # (the second each was written in, and the hash that covers it)
        del config["content_hash"], config["info"]["rethresholded_from"]["date"]
    assert configs[0] == configs[1]


# the path options that name no output file: inputs, and the folders a model is written to
_NOT_FILE_OUTPUTS = {
    "train": {"data", "output", "extra_normal", "warm_start", "replay_data"},
    "score": {"model", "data", "suppress"}, "stream": {"model", "input_file", "suppress"},
    "evaluate": {"model", "data", "labels"}, "benchmark": {"data", "test", "data_dir"},
    "explain": {"model", "data"}, "threshold": {"model", "output"},
    "serve": {"api_key_file", "tls_cert", "tls_key"}, "export": {"model", "check_data"},
    "inspect": {"data"}, "demo": {"output"},
}


def test_every_path_option_is_an_output_file_or_not() -> None:
    # a new path option must be named in FILE_OUTPUTS when it is a file written, or a '/' at
    # its end is dropped unseen again (this list: the ones that are not)
    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        paths = {p.name for p in command.params if "Path" in repr(p.type_descriptor.annotation)}
        assert paths == set(FILE_OUTPUTS.get(name, ())) | _NOT_FILE_OUTPUTS.get(name, set()), name


def test_serve_suppress_file_typed_as_a_folder_is_refused(tmp_path: Path) -> None:
    # what was wrong: serve's --suppress is text (FILE or NAME=FILE), made a path later, so
    # 'rules.toml/' read rules.toml; it is now refused as the path options' are
    from hourglass.cli.serve import parse_suppress
    from hourglass.errors import HourglassError

    rules = tmp_path / "rules.toml"
    rules.write_text("")
    assert parse_suppress([str(rules)], ["zeek"]) == {"zeek": rules}
    for given, names in (([f"{rules}/"], ["zeek"]), ([f"zeek={rules}/."], ["zeek", "audit"])):
        with pytest.raises(HourglassError, match="not a folder, yet it ends in '/"):
            parse_suppress(given, names)


# -- (B) feature names ------------------------------------------------------------------------------
def _frame_and_array() -> tuple[Any, Any]:
    import numpy as np
    import pandas as pd

    X = np.random.default_rng(3).normal(size=(120, 3)).astype(np.float32)
    return pd.DataFrame(X, columns=["bytes", "rate", "port"]), X


def test_a_detector_warns_as_scikit_learn_when_one_side_has_no_feature_names() -> None:
    # what was wrong: fitted on a DataFrame and given a bare array (or fitted on an array and
    # given a DataFrame) a detector read it by position without a word, where scikit-learn's
    # estimators warn; the scores are the same (by position), and now so is the warning
    import warnings

    import numpy as np

    from hourglass.detectors import AutoEncoder

    df, X = _frame_and_array()
    on_frame = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0).fit(df)
    on_array = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same kind of input as at fit: no warning
        base = on_frame.score(df)
        assert np.array_equal(on_array.score(X), base)
    with pytest.warns(UserWarning, match="^X does not have valid feature names, but AutoEncoder was "
                      "fitted with feature names$"):
        assert np.array_equal(on_frame.score(X), base)
    with pytest.warns(UserWarning, match="^X has feature names, but AutoEncoder was fitted without "
                      "feature names$"):
        assert np.array_equal(on_array.predict(df), on_array.predict(X))


def test_a_pipeline_reads_its_columns_by_name_in_any_order() -> None:
    # a Pipeline selects its columns by name: the same frame with its columns in another order,
    # or with a column more, scores the same (a detector, which reads by position, refuses both)
    import numpy as np

    from hourglass import Pipeline
    from hourglass.detectors import AutoEncoder
    from hourglass.errors import InputError

    df, _ = _frame_and_array()
    pipe = Pipeline(detector=AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
    base = pipe.score(df)
    assert np.array_equal(pipe.score(df[["port", "bytes", "rate"]]), base)
    assert np.array_equal(pipe.score(df.assign(extra=1.0)), base)
    with pytest.raises(InputError, match="missing: port"):
        pipe.score(df[["bytes", "rate"]])
    with pytest.raises(InputError, match="columns are in another order than at fit"):
        pipe.detector_.__class__(**pipe.detector_.get_params()).fit(df).score(df[["port", "bytes", "rate"]])


def test_a_series_detector_warns_as_a_table_detector_does() -> None:
    # what was wrong: as above, for a time-series detector (its input named 'series')
    import numpy as np
    import pandas as pd

    from hourglass.detectors import LSTMAutoEncoder

    t = np.arange(120)
    df = pd.DataFrame({"cpu": np.sin(t / 5), "mem": np.cos(t / 5)}, dtype=np.float32)
    det = LSTMAutoEncoder(window=8, hidden=4, code=2, epochs=1, verbose=0).fit(df)
    with pytest.warns(UserWarning, match="^series does not have valid feature names, but "
                      "LSTMAutoEncoder was fitted with feature names$"):
        assert np.array_equal(det.score(df.to_numpy()), det.score(df))
