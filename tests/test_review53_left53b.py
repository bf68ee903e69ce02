"""Regression tests of review round 53 (helper left53b): items noticed and left alone before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.errors import InputError


def _table_model(tmp_path: Path, detector: object) -> Path:
    from hourglass import Pipeline

    df = pd.DataFrame(np.random.default_rng(0).normal(size=(80, 3)), columns=["a", "b", "c"])
    out = tmp_path / "model"
    Pipeline(detector=detector).fit(df).save(out)
    return out


def test_spark_output_schema_refuses_explain_for_a_model_that_cannot_explain(tmp_path: Path) -> None:
    # What was wrong: output_schema(model, explain=2) built a schema with top_column/why for a
    # LatentIForest model, which has neither a reconstruction error nor gradients; only
    # score_partitions refused it, so a user who built the schema first learnt it later.
    from hourglass.detectors import LatentIForest
    from hourglass.distributed.spark import output_schema, score_partitions

    model = _table_model(tmp_path, LatentIForest(epochs=1, verbose=0))
    with pytest.raises(InputError, match=r"^explain: ") as by_scorer:
        score_partitions(model, explain=2)
    with pytest.raises(InputError, match=r"^explain: ") as by_schema:
        output_schema(model, explain=2)
    assert str(by_schema.value) == str(by_scorer.value)
    assert output_schema(model).startswith("`score` double")  # without explain: accepted


def test_create_app_given_a_fitted_pipeline_says_to_give_its_directory() -> None:
    # What was wrong: create_app(pipe, ...) with a fitted Pipeline (README wrote it
    # create_app(model, ...)) failed inside os.path.abspath with pathlib's raw "expected str,
    # bytes or os.PathLike object, not Pipeline", naming no argument and no way out.
    from hourglass import AutoEncoder, Pipeline
    from hourglass.serve import create_app

    df = pd.DataFrame({"bytes": np.arange(60.0)})
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
    with pytest.raises(TypeError, match=r"^model_dir: expected a model directory .*got Pipeline; "
                                        r"save the Pipeline first \(pipe\.save"):
        create_app(pipe, api_key="0123456789abcdef")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["keys", "events"])
def test_explain_of_a_log_model_names_the_data_it_was_trained_on(tmp_path: Path, kind: str) -> None:
    # What was wrong: 'hourglass explain' on a log model sent the user to 'hourglass score MODEL
    # LOG -o alerts.jsonl' even for a model trained on a key-sequence file or an event table
    # (--key-col), whose data is no log; the Python functions' messages said LOG too.
    from hourglass import load
    from hourglass.cli import app
    from hourglass.explain import explain_rows
    from hourglass.explain.timeseries import series_explainable
    from tests._cli import one_line_error, runner

    rng = np.random.default_rng(0)
    if kind == "keys":
        data = tmp_path / "keys.txt"
        data.write_text("".join(" ".join(str(k) for k in rng.integers(1, 5, 10)) + "\n"
                                for _ in range(40)))
        options = ["--format", "keys"]
        word = "KEYS"
    else:
        data = tmp_path / "events.csv"
        data.write_text("user,event\n" + "".join(f"u{i % 8},e{k}\n" for i, k in
                                                 enumerate(rng.integers(1, 5, 320))))
        options = ["--key-col", "event", "--session-col", "user"]
        word = "EVENTS"
    model = tmp_path / "model"
    res = runner.invoke(app, ["train", str(data), *options, "--model", "deeplog", "--epochs", "1",
                              "--quiet", "-o", str(model)])
    assert res.exit_code == 0, res.output
    one_line_error(["explain", str(model), str(data)], f"'hourglass score {model} {word} -o alerts.jsonl'")
    with pytest.raises(InputError, match=f"'hourglass score MODEL {word} -o alerts.jsonl'"):
        explain_rows(load(model), pd.DataFrame({"a": [1.0]}))
    assert f"'hourglass score MODEL {word} -o alerts.jsonl'" in str(series_explainable(load(model)))


def test_stream_refusals_for_entity_and_series_models_list_every_option_they_take() -> None:
    # What was wrong: 'stream --keep' / '--adapt' on an entity-bucket model answered "they take
    # --lateness, --idle-timeout, --all, --explain, --alert-format, --on-bad-rows, --batch,
    # --output", a hand-kept list that left out --suppress, --drift-window, --max-delay-ms and
    # --sqlite-table, which they take; a time-series model's left out --batch, --output and more.
    # The lists are now derived from the stream command's own options.
    from hourglass.cli.stream_entity import open_entity_scorer
    from hourglass.cli.stream_series import open_series_scorer
    from hourglass.errors import HourglassError

    # (the options are refused before the model is looked at: no model needed)
    with pytest.raises(HourglassError) as entity:
        open_entity_scorer(None, explain=None, keep=["proto"], adapt=False, idle_timeout=None)
    with pytest.raises(HourglassError) as series:
        open_series_scorer(None, Path("m"), explain=None, keep=None, adapt=True, ecs=False,
                           idle_timeout=None)
    entity_takes = set(str(entity.value).split("(they take ")[1].rstrip(")").split(", "))
    series_takes = set(str(series.value).split("(they take ")[1].rstrip(")").split(", "))
    both = {"--input", "--output", "--batch", "--max-delay-ms", "--all", "--explain", "--on-bad-rows",
            "--alert-format", "--sqlite-table", "--quiet", "--drift-window"}
    assert entity_takes == both | {"--idle-timeout", "--lateness", "--suppress"}
    assert series_takes == both | {"--keep"}


def test_a_full_temporary_folder_under_o_dash_says_to_free_it_or_set_tmpdir(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # What was wrong: with '-o -' the output is built in the temporary folder (TMPDIR) before it
    # is copied to standard output; that folder found full said "no space left on device: free
    # some space or write the output elsewhere", where the space needed is TMPDIR's, not the
    # output's (standard output had nothing to free, and named no folder).
    import errno
    import tempfile

    import typer

    from hourglass.cli._output import user_errors
    from hourglass.ingest import atomic_output

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(typer.Exit) as ended, user_errors(), atomic_output("-") as tmp:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp))
    assert ended.value.exit_code == 1
    said = " ".join(capsys.readouterr().err.split())
    assert f"{tmp_path}: no space left on device" in said, said
    assert "set TMPDIR" in said and "write the output elsewhere" not in said, said
