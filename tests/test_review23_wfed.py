"""Review 23 (wfed): README sections Federated training, What is saved, Errors, Layout, Bundled data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._cli import one_line_error


@pytest.mark.parametrize(("given", "named"), [
    (["--step", "3"], "--step: it groups log lines"),
    (["--window", "3", "--step", "2"], "--window/--step: these group")])
def test_log_grouping_options_on_a_table_name_the_options_given(tmp_path: Path, given: list[str],
                                                                named: str) -> None:
    # what was wrong: `hourglass train flows.csv --step 3` (a table, no log format) was refused as
    # "--session-regex/--session-col/--window: these group log lines", naming three options the
    # user did not give and not --step, the one given
    data = tmp_path / "flows.csv"
    data.write_text("a,b\n" + "".join(f"{i},{i % 7}\n" for i in range(40)))
    one_line_error(["train", str(data), *given, "-o", str(tmp_path / "m")], named, tmp_path / "m")


def _saved_with(tmp_path: Path, edit: dict[str, object]) -> tuple[Path, Path]:
    """(data, model): a small table and a model trained on it by 'hourglass train', its saved
    detector parameters edited by ``edit`` (the hash recomputed), as an earlier version saved."""
    from tests._artefacts import rehashed
    from tests._cli import small_labelled_model

    kit = small_labelled_model(tmp_path)
    old = rehashed(kit["model"], tmp_path / "old", lambda c: c["detector"]["params"].update(edit))
    return kit["data"], old


@pytest.mark.parametrize("edit", [{"standardize": 2}, {"batch_norm": 3}])
def test_the_cli_warm_starts_a_model_saved_with_a_kind_an_earlier_version_took(
        tmp_path: Path, edit: dict[str, object]) -> None:
    # what was wrong: README (What is saved) says a model saved with --param standardize=2 "still
    # loads, reads as it did and warm-starts", and BaseDetector.warm_start takes it, but
    # 'hourglass train --warm-start' checked the saved settings as a fresh fit does and refused
    # it ('standardize must be true or false, got 2', exit 2): it could never be retrained there
    from hourglass.cli import app
    from tests._cli import runner

    data, old = _saved_with(tmp_path, edit)
    res = runner.invoke(app, ["train", str(data), "--label-col", "label", "--normal", "normal",
                              "--warm-start", str(old), "--epochs", "1", "-o", str(tmp_path / "new"), "-q"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "new" / "weights.safetensors").exists()


def test_a_warm_start_names_a_bad_training_setting_saved_in_the_model_as_the_models(tmp_path: Path) -> None:
    # what was wrong: a model saved with lr=true (an earlier version's kind) was refused at
    # 'train --warm-start' as "--lr must be a number, got True", an option the user never gave
    data, old = _saved_with(tmp_path, {"lr": True})
    args = ["train", str(data), "--label-col", "label", "--normal", "normal", "--warm-start", str(old)]
    one_line_error([*args, "-o", str(tmp_path / "new")],
                   "the model's saved lr must be a number, got True; give --lr", tmp_path / "new")
    from hourglass.cli import app
    from tests._cli import runner

    res = runner.invoke(app, [*args, "--lr", "0.001", "--epochs", "1", "-o", str(tmp_path / "new"), "-q"])
    assert res.exit_code == 0, res.output


def test_a_single_training_row_of_numbers_is_refused_as_one_row(tmp_path: Path) -> None:
    # what was wrong: README (Errors) lists "a single training row" among the refused inputs; a
    # table of one numeric row was refused as "no usable feature column: every column is
    # constant, dropped or an identifier", which sends the user to their columns, not their rows
    data = tmp_path / "one.csv"
    data.write_text("a,b\n1,2\n")
    from hourglass.cli import app
    from tests._cli import runner

    res = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "m")])
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert res.exit_code == 2 and len(errors) == 1 and "Traceback" not in res.stderr, res.stderr
    assert "(1 training row, in which every value is constant; training needs at least 2)" in errors[0]
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("command", ["score", "evaluate"])
def test_a_time_series_dataset_given_to_a_table_model_is_named_as_one(tmp_path: Path, command: str) -> None:
    # what was wrong: 'hourglass score TABLE-MODEL series.csv --dataset nab' (README, Errors: the
    # named time-series datasets nab, asd, smd, skab) was refused as "--dataset nab: unknown
    # format", as though hourglass did not know the name
    from tests._cli import small_labelled_model

    kit = small_labelled_model(tmp_path)
    out = ["-o", str(tmp_path / "s.csv")] if command == "score" else []
    one_line_error([command, str(kit["model"]), str(kit["data"]), "--dataset", "nab", *out],
                   "--dataset nab: a time-series dataset, which only a time-series model reads",
                   tmp_path / "s.csv")
