"""Review regressions of the CLI: each refusal is one line, exit code 2, said before any work, and
nothing the user owns is deleted or written half-way."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import load
from hourglass.cli import app
from hourglass.cli.train import DEMO_SOURCE, _refuse_demo_output
from hourglass.errors import HourglassError
from tests._cli import digest, one_line_error, runner

FAST = ["--epochs", "1", "--hidden", "4,2", "-q"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("review-cli")
    rng = np.random.default_rng(0)
    n = 300
    table = pd.DataFrame({"bytes": rng.exponential(100, n), "dur": rng.exponential(1, n),
                          "proto": rng.choice(["tcp", "udp"], n), "label": "benign"})
    table.loc[:19, ["bytes", "label"]] = [5000.0, "attack"]
    table.to_csv(d / "flows.csv", index=False)
    model = d / "M"
    res = runner.invoke(app, ["train", str(d / "flows.csv"), "--label-col", "label", "--normal",
                              "benign", *FAST, "-o", str(model)])
    assert res.exit_code == 0, res.output
    return {"dir": d, "flows": d / "flows.csv", "model": model}


def _user_folder(folder: Path, config: dict | None = None) -> dict[str, str]:
    """A folder of the user's with another program's config.json, a note and a data file."""
    folder.mkdir()
    contents = {"config.json": json.dumps(config or {"app": 1}), "keep.txt": "mine",
                "data.csv": "a,b\n1,2\n"}
    for name, text in contents.items():
        (folder / name).write_text(text)
    return contents


def _unchanged(folder: Path, contents: dict[str, str]) -> None:
    assert sorted(p.name for p in folder.iterdir()) == sorted(contents)
    assert all((folder / name).read_text() == text for name, text in contents.items())


# --- 1. --force never deletes what is not the model's -----------------------------------------


def test_train_force_never_wipes_a_folder_with_another_programs_config(files: dict[str, Path]) -> None:
    proj = files["dir"] / "proj"
    contents = _user_folder(proj)
    flows = str(files["flows"])
    # another program's config.json is no model: no claim that one is saved there, --force or not
    for force in ([], ["--force"]):
        one_line_error(["train", flows, *FAST, "-o", str(proj), *force],
                       f"--output {proj}: exists and is not a model directory")
        _unchanged(proj, contents)
    # the data inside the folder --force would replace
    one_line_error(["train", str(proj / "data.csv"), *FAST, "-o", str(proj), "--force"],
                   f"--output {proj}: holds the input {proj / 'data.csv'}")
    _unchanged(proj, contents)


def test_train_force_never_deletes_files_beside_a_model(files: dict[str, Path]) -> None:
    model = files["dir"] / "M-notes"
    shutil.copytree(files["model"], model)
    (model / "notes.txt").write_text("mine")
    before = digest(model)
    for force in (["--force"], []):  # without --force too: 'pass --force' would be false advice
        one_line_error(["train", str(files["flows"]), *FAST, "-o", str(model), *force],
                       f"--output {model}: holds notes.txt, which is not part of the model there")
    assert digest(model) == before and (model / "notes.txt").read_text() == "mine"
    (model / "notes.txt").unlink()
    res = runner.invoke(app, ["train", str(files["flows"]), *FAST, "--seed", "3", "-o", str(model),
                              "--force"])
    assert res.exit_code == 0, res.output
    assert load(model).detector_.random_state == 3
    assert sorted(p.name for p in model.iterdir()) == ["config.json", "weights.safetensors"]


def test_threshold_force_never_wipes_the_users_files(files: dict[str, Path]) -> None:
    proj = files["dir"] / "proj-threshold"
    contents = _user_folder(proj)
    args = ["threshold", str(files["model"]), "--threshold", "percentile:90", "-o", str(proj), "--force"]
    one_line_error(args, f"--output {proj}: exists and is not a model directory")
    _unchanged(proj, contents)
    beside = files["dir"] / "M-threshold"
    shutil.copytree(files["model"], beside)
    (beside / "keep.txt").write_text("mine")
    args[-2] = str(beside)
    one_line_error(args, "holds keep.txt, which is not part of the model there")
    assert (beside / "keep.txt").read_text() == "mine"


def test_library_save_refuses_a_folder_with_other_files(files: dict[str, Path]) -> None:
    pipe = load(files["model"])
    proj = files["dir"] / "proj-save"
    contents = _user_folder(proj, config={"format": "hourglass-artefact"})
    with pytest.raises(HourglassError, match=r"holds data\.csv, which is not part of the model"):
        pipe.save(proj)
    _unchanged(proj, contents)


def test_demo_never_deletes_files_added_to_an_earlier_demo_model(tmp_path: Path) -> None:
    earlier = tmp_path / "demo-model"
    earlier.mkdir()
    (earlier / "config.json").write_text(json.dumps({"format": "hourglass-artefact",
                                                     "info": {"source": DEMO_SOURCE}}))
    (earlier / "weights.safetensors").write_bytes(b"")
    _refuse_demo_output(earlier, force=False)  # make demo twice: the second replaces the first
    (earlier / "d1.txt").write_text("mine")
    for force in (False, True):
        with pytest.raises(HourglassError, match=r"holds d1\.txt, which is not part of the model"):
            _refuse_demo_output(earlier, force=force)
    one_line_error(["demo", "-o", str(earlier), "-q"], "holds d1.txt")
    assert (earlier / "d1.txt").read_text() == "mine"
    # another program's config.json is no earlier demo, nor a model
    other = tmp_path / "other"
    _user_folder(other)
    one_line_error(["demo", "-o", str(other), "-q", "--force"], "exists and is not a model directory")


# --- 4. -o . / -o .. -----------------------------------------------------------------------------


def test_the_current_folder_as_output_is_refused_before_training(
        files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    for out in (".", ".."):  # used to train in full, then fail on "PosixPath('.') has an empty name"
        one_line_error(["train", str(files["flows"]), *FAST, "-o", out],
                       f"--output {out}: is the current folder or one above it")
    assert not any(here.iterdir())
    res = runner.invoke(app, ["train", str(files["flows"]), *FAST, "-o", "sub/."])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (here / "sub").iterdir()) == ["config.json", "weights.safetensors"]


def test_library_save_to_a_dot_path_works(files: dict[str, Path], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "m").mkdir()
    monkeypatch.chdir(tmp_path / "m")
    pipe = load(files["model"])
    pipe.save(".")  # was "PosixPath('.') has an empty name" after the whole training
    df = pd.read_csv(files["flows"]).drop(columns="label")
    assert np.array_equal(load(tmp_path / "m").score(df), pipe.score(df))
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["config.json", "weights.safetensors"]


# --- 2. a categorical column whose values changed type ---------------------------------------


def _unseen_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelname == "WARNING" and "seen in training" in r.getMessage()]


def test_a_categorical_column_written_another_way_is_warned_about_once(
        files: dict[str, Path], caplog: pytest.LogCaptureFixture) -> None:
    df = pd.read_csv(files["flows"]).drop(columns="label")
    numbers = df.assign(proto=df["proto"].map({"tcp": 6, "udp": 17}))
    pipe = load(files["model"])
    with caplog.at_level("WARNING"):
        pipe.score(df)  # the values it was trained on
        pipe.score(numbers.iloc[:40])  # a few rows: a new value is normal there
        pipe.score(df.assign(proto=["icmp"] * 40 + list(df["proto"][40:])))  # some new: an attack
        assert _unseen_warnings(caplog) == []
        pipe.score(numbers)
        pipe.score(numbers)
    [msg] = _unseen_warnings(caplog)  # once per column
    assert msg.startswith(f"column proto: none of {len(df)} values scored were seen in training")
    assert "'6'" in msg or "'17'" in msg
    assert "'tcp', 'udp'" in msg
    assert msg.endswith("written another way (numbers for names?), or are its values new")
    # the scores themselves are as before
    assert np.array_equal(pipe.score(numbers), load(files["model"]).score(numbers))


def test_the_cli_shows_the_unseen_values_warning(files: dict[str, Path]) -> None:
    df = pd.read_csv(files["flows"])
    path = files["dir"] / "numbers.csv"
    df.assign(proto=df["proto"].map({"tcp": 6, "udp": 17})).to_csv(path, index=False)
    res = runner.invoke(app, ["evaluate", str(files["model"]), str(path), "--label-col", "label",
                              "--normal", "benign"])
    assert res.exit_code == 0, res.output
    assert "column proto: none of 300 values scored were seen in training" in res.stderr


# --- 3. --replay-data that is DATA ---------------------------------------------------------------


def test_replay_data_that_is_data_itself_is_refused(files: dict[str, Path],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(files["dir"])
    out = files["dir"] / "W"
    # the same file under another spelling; said before reading anything
    one_line_error(["train", str(files["flows"]), "--warm-start", str(files["model"]), "--replay-data",
                    "./flows.csv", "--epochs", "1", "-q", "-o", str(out)],
                   "--replay-data flows.csv: is DATA itself", out)


# --- 5. explain --keep COL --keep COL -----------------------------------------------------------


def test_explain_keeps_a_column_given_twice_once(files: dict[str, Path]) -> None:
    out = files["dir"] / "why.csv"
    res = runner.invoke(app, ["explain", str(files["model"]), str(files["flows"]), "--keep", "proto",
                              "--keep", "proto", "-o", str(out)])
    assert res.exit_code == 0, res.output  # was "Buffer has wrong number of dimensions"
    assert list(pd.read_csv(out).columns).count("proto") == 1


# --- 6. array shapes in a saved model ---------------------------------------------------------


@pytest.mark.parametrize("array", ["input_offset", "input_scale", "gradient_baseline"])
def test_a_saved_array_cut_short_is_refused_naming_it(files: dict[str, Path], tmp_path: Path,
                                                     array: str) -> None:
    import hashlib

    import safetensors.numpy

    from hourglass.errors import ArtefactError
    from hourglass.pipeline.artefact import _content_hash

    model = tmp_path / "tampered"
    shutil.copytree(files["model"], model)
    weights = safetensors.numpy.load((model / "weights.safetensors").read_bytes())
    assert f"detector.{array}" in weights
    weights[f"detector.{array}"] = weights[f"detector.{array}"][:1]  # loaded, then broadcast
    raw = safetensors.numpy.save(weights)
    (model / "weights.safetensors").write_bytes(raw)
    config = json.loads((model / "config.json").read_text())
    config["weights_sha256"] = hashlib.sha256(raw).hexdigest()
    config["content_hash"] = _content_hash(config, raw)  # as a careful hand-edit would
    (model / "config.json").write_text(json.dumps(config))
    width = load(files["model"]).detector_.n_features_in_
    with pytest.raises(ArtefactError, match=rf"array '{array}' has shape \(1,\), expected \({width},\)"):
        load(model)
    one_line_error(["explain", str(model), str(files["flows"])], f"array '{array}' has shape (1,)")


# --- 7. train --threshold best-f1: no warning about the placeholder rule ------------------------


def test_best_f1_training_says_nothing_of_the_placeholder_percentile(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame({"bytes": rng.exponential(100, n), "dur": rng.exponential(1, n), "label": "benign"})
    df.loc[:39, ["bytes", "label"]] = [5000.0, "attack"]
    df.to_csv(tmp_path / "flows.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "flows.csv"), "--label-col", "label", "--normal",
                              "benign", "--threshold", "best-f1", *FAST, "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    assert "percentile 99" not in res.stderr, res.stderr  # was: a small-sample warning about it
    assert load(tmp_path / "m").threshold_.describe().startswith("best F1")
    # a percentile rule that is kept still warns
    res = runner.invoke(app, ["train", str(tmp_path / "flows.csv"), "--label-col", "label", "--normal",
                              "benign", *FAST, "-o", str(tmp_path / "p")])
    assert res.exit_code == 0, res.output
    assert "percentile 99 of" in res.stderr


# --- 8. --dataset X --format Y -------------------------------------------------------------------


def test_dataset_and_format_that_differ_are_refused(files: dict[str, Path]) -> None:
    out = files["dir"] / "DF"
    one_line_error(["train", str(files["flows"]), "--dataset", "nsl-kdd", "--format", "csv", *FAST,
                    "-o", str(out)], "--dataset nsl-kdd and --format csv: name different formats", out)
    res = runner.invoke(app, ["score", str(files["model"]), str(files["flows"]), "--dataset", "CSV",
                              "--format", "csv", "-o", str(files["dir"] / "same.csv")])
    assert res.exit_code == 0, res.output  # the same format twice is no contradiction


# --- 9. export --check-data: the one-sided warning's advice -------------------------------------


def test_export_check_data_one_sided_advises_more_rows(files: dict[str, Path]) -> None:
    pytest.importorskip("onnxruntime")
    normal = files["dir"] / "normal.csv"
    pd.read_csv(files["flows"]).iloc[20:].to_csv(normal, index=False)  # no attacks: none flagged
    res = runner.invoke(app, ["export", str(files["model"]), "--onnx", str(files["dir"] / "m.onnx"),
                              "--check-data", str(normal), "--check-rows", "10"])
    assert res.exit_code == 0, res.output
    assert "none of the 10 rows checked was flagged" in res.stderr, res.stderr
    assert "(--check-data FILE)" not in res.stderr  # it was given
    assert "check more rows (--check-rows, now 10) or a file with rows on both sides" in res.stderr


# --- 10. the label column under a column option ---------------------------------------------------


@pytest.mark.parametrize(("option", "value", "shown"), [("--categorical", "label", "label"),
                                                       ("--drop", "label", "label"),
                                                       ("--role", "label=numeric", "label=numeric")])
def test_a_column_option_on_the_label_column_is_refused(files: dict[str, Path], option: str,
                                                        value: str, shown: str) -> None:
    out = files["dir"] / "LBL"
    one_line_error(["train", str(files["flows"]), "--label-col", "label", "--normal", "benign",
                    option, value, *FAST, "-o", str(out)],
                   f"{option} {shown}: is the label column, which is never a feature", out)


# --- 11. a format_version of the wrong type --------------------------------------------------------


def test_a_format_version_that_is_a_string_is_named_as_such(files: dict[str, Path], tmp_path: Path) -> None:
    from hourglass.pipeline.artefact import _content_hash

    model = tmp_path / "ver"
    shutil.copytree(files["model"], model)
    config = json.loads((model / "config.json").read_text())
    config["format_version"] = "1"
    config["content_hash"] = _content_hash(config, (model / "weights.safetensors").read_bytes())
    (model / "config.json").write_text(json.dumps(config))
    # was "artefact format version 1 is not supported ... (reads version 1)"
    one_line_error(["score", str(model), str(files["flows"]), "-o", str(tmp_path / "s.csv")],
                   "'format_version' must be an integer, found str '1'", tmp_path / "s.csv")


# --- 12. threshold -o: the small-sample warning once ---------------------------------------------


def test_threshold_output_warns_of_a_small_sample_once(files: dict[str, Path]) -> None:
    out = files["dir"] / "M-99.9"
    res = runner.invoke(app, ["threshold", str(files["model"]), "--threshold", "percentile:99.9",
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert res.stderr.count("to score above it, not 0.1%") == 1, res.stderr  # was twice
    one_line_error(["threshold", str(files["model"]), "--threshold", "fpr:0.00001", "-o",
                    str(files["dir"] / "M-fpr")], "--threshold fpr:0.00001: ", files["dir"] / "M-fpr")


# --- 13. an output folder that takes no file --------------------------------------------------------


def test_an_unwritable_output_folder_is_refused_before_any_work(
        files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    def refused(*args: object, **kwargs: object) -> None:  # what a read-only folder answers (root
        raise PermissionError(13, "Permission denied")     # passes chmod, so it is simulated)

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refused)
    out = tmp_path / "report.json"
    # a missing model would be the error if the model were loaded first
    one_line_error(["evaluate", str(tmp_path / "no-model"), str(files["flows"]), "--label-col", "label",
                    "--normal", "benign", "--json", str(out)],
                   f"--json {out}: cannot write in {tmp_path} (Permission denied)", out)


def test_a_write_that_fails_late_names_the_users_path(tmp_path: Path) -> None:
    from hourglass.ingest.readers import atomic_output

    target = tmp_path / "scores.csv"
    with pytest.raises(OSError, match="No space left on device") as info:
        with atomic_output(target) as tmp:
            raise OSError(28, "No space left on device", str(tmp))  # the disk filled up
    assert info.value.filename == str(target)  # was the hidden temp file
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_train_onto_its_own_input_file_says_so(files: dict[str, Path], tmp_path: Path) -> None:
    data = tmp_path / "t.csv"
    shutil.copy(files["flows"], data)
    one_line_error(["train", str(data), *FAST, "-o", str(data)], f"--output {data}: is the input file")


def test_stream_appends_to_a_file_whose_folder_takes_no_new_file(
        files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a service user appending to a pre-created alerts file in a folder it cannot create files in
    import tempfile

    def refused(*args: object, **kwargs: object) -> None:  # root passes chmod: simulated
        raise PermissionError(13, "Permission denied")

    rows = tmp_path / "rows.jsonl"
    rows.write_text(pd.read_csv(files["flows"]).head(5).drop(columns=["label"]).to_json(
        orient="records", lines=True))
    alerts = tmp_path / "alerts.jsonl"
    alerts.write_text("")
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refused)
    res = runner.invoke(app, ["stream", str(files["model"]), "--input", str(rows), "--output", str(alerts),
                              "--all"])
    assert res.exit_code == 0, res.output
    assert len(alerts.read_text().splitlines()) == 5
    new = tmp_path / "new.jsonl"  # a file to create: the folder must take it
    one_line_error(["stream", str(files["model"]), "--input", str(rows), "--output", str(new)],
                   f"--output {new}: cannot write in {tmp_path} (Permission denied)")
