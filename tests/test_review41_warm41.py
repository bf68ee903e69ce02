"""Warm start and re-thresholding against a fresh fit: ``train --warm-start`` beside the model it
starts from, ``hourglass threshold -o`` beside ``train --threshold``, for table, time-series and
log models, on small generated data."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import load
from hourglass.cli import app
from tests._cli import one_line_error, runner
from tests._warm_series import series_frame


def _table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"bytes": rng.exponential(100, n).round(2), "port": rng.integers(0, 9, n),
                         "proto": rng.choice(["tcp", "udp"], n), "dur": rng.random(n).round(4)})


def _ok(*args: object) -> str:
    res = runner.invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.stderr


def _log(path: Path, n_blocks: int, offset: int) -> Path:
    ops = ["open file", "read block", "close file"]
    path.write_text("\n".join(f"{ops[i % 3]} blk_{offset + i // 3} done" for i in range(3 * n_blocks))
                    + "\n")
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("warm41")
    _table(600, 0).to_csv(d / "old.csv", index=False)
    _table(300, 1).to_csv(d / "new.csv", index=False)
    _ok("train", d / "old.csv", "--epochs", 2, "--seed", 3, "-o", d / "M", "-q")
    return {"dir": d, "old": d / "old.csv", "new": d / "new.csv", "model": d / "M"}


def _flags(model: Path, data: Path, out: Path) -> pd.DataFrame:
    _ok("score", model, data, "-o", out, "-q")
    return pd.read_csv(out)


def test_unseen_category_warning_counts_the_whole_new_file(files: dict[str, Path]) -> None:
    # what was wrong: 'train NEW --warm-start M' checked NEW's schema on its first 64 rows, and the
    # unseen-category warning (given once per column) fired on those rows alone: a file of 1,200
    # rows whose first 64 had a new 'proto' printed "column proto: none of 64 values scored were
    # seen in training" (where 'hourglass score M' of the same file says nothing), and a file
    # whose every row was new said "none of 64" instead of its count
    d = files["dir"]
    head = pd.concat([pd.read_csv(files["new"])] * 4, ignore_index=True)
    head.loc[:63, "proto"] = "icmp"
    head.to_csv(d / "head.csv", index=False)
    err = _ok("train", d / "head.csv", "--warm-start", files["model"], "-o", d / "W_head",
              "--epochs", 1)
    assert "values scored were seen" not in err, err
    assert "values scored were seen" not in _ok("score", files["model"], d / "head.csv", "-o",
                                                 d / "head_scores.csv")
    pd.read_csv(files["new"]).assign(proto="icmp").to_csv(d / "all_new.csv", index=False)
    err = _ok("train", d / "all_new.csv", "--warm-start", files["model"], "-o", d / "W_all",
              "--epochs", 1)
    assert "column proto: none of 300 values scored were seen" in " ".join(err.split()), err


def test_warm_start_on_reordered_or_extra_columns_equals_the_ordered_one(files: dict[str, Path]) -> None:
    # pin (no defect): the frozen preprocessing reads columns by name, so NEW with its columns
    # reordered, or with a column the model never had, trains the same model as NEW itself
    d, new = files["dir"], pd.read_csv(files["new"])
    _ok("train", files["new"], "--warm-start", files["model"], "-o", d / "W_plain", "--epochs", 1, "-q")
    plain = load(d / "W_plain")
    for name, frame in [("reordered", new[["dur", "proto", "bytes", "port"]]),
                        ("extra", new.assign(extra=1.0))]:
        frame.to_csv(d / f"{name}.csv", index=False)
        _ok("train", d / f"{name}.csv", "--warm-start", files["model"], "-o", d / f"W_{name}",
            "--epochs", 1, "-q")
        other = load(d / f"W_{name}")
        assert np.array_equal(plain.score(new), other.score(new)), name
        assert plain.threshold_.to_dict() == other.threshold_.to_dict(), name


@pytest.mark.parametrize("spec", ["percentile:95", "fpr:0.1", "pot:0.01", "contamination:0.05",
                                  "budget:5/10k"])
def test_rethreshold_scores_as_training_with_the_rule(files: dict[str, Path], spec: str) -> None:
    # pin (no defect): 'threshold M --threshold SPEC -o R' flags the same rows, with the same
    # calibration and severity, as 'train --threshold SPEC' with M's seed; and a warm start of
    # either keeps SPEC and ends the same
    d, tag = files["dir"], spec.replace(":", "_").replace("/", "_")
    trained, rethresholded = d / f"T_{tag}", d / f"R_{tag}"
    _ok("train", files["old"], "--epochs", 2, "--seed", 3, "--threshold", spec, "-o", trained, "-q")
    _ok("threshold", files["model"], "--threshold", spec, "-o", rethresholded)
    a = _flags(trained, files["new"], d / f"a_{tag}.csv")
    b = _flags(rethresholded, files["new"], d / f"b_{tag}.csv")
    pd.testing.assert_frame_equal(a, b)
    for m in (trained, rethresholded):
        _ok("train", files["new"], "--warm-start", m, "-o", d / f"{m.name}W", "--epochs", 1, "--seed", 3,
            "-q")
    wa, wb = load(d / f"{trained.name}W"), load(d / f"{rethresholded.name}W")
    assert wa.threshold_.to_dict() == wb.threshold_.to_dict()
    new = pd.read_csv(files["new"])
    assert np.array_equal(wa.predict(new), wb.predict(new))


def test_python_warm_start_saved_and_loaded_scores_as_in_memory(files: dict[str, Path]) -> None:
    # pin (no defect): Pipeline.warm_start's result, saved and loaded, scores, calibrates and
    # flags as the one in memory; the parent's preprocessing and rule stay, its threshold value
    # is refitted on the new held-out slice
    parent, new = load(files["model"]), pd.read_csv(files["new"])
    warm = parent.warm_start(pd.concat([new] * 3, ignore_index=True), epochs=1)
    warm.save(files["dir"] / "P")
    again = load(files["dir"] / "P")
    assert np.array_equal(warm.score(new), again.score(new))
    assert np.array_equal(warm.calibrated_score(new), again.calibrated_score(new))
    assert np.array_equal(warm.predict(new), again.predict(new))
    assert warm.threshold_.to_dict() == again.threshold_.to_dict()
    assert warm.threshold_.to_dict()["params"] == parent.threshold_.to_dict()["params"]
    assert warm.features_.to_dict() == parent.features_.to_dict()


@pytest.mark.parametrize("family", ["series", "logs"])
def test_rethreshold_of_series_and_log_models_scores_as_training_with_the_rule(
        tmp_path: Path, family: str) -> None:
    # pin (no defect): as above for a time-series model (its stream threshold included) and a
    # log model
    if family == "series":
        series_frame(300, 1).to_csv(tmp_path / "old.csv", index=False)
        series_frame(120, 2).to_csv(tmp_path / "new.csv", index=False)
        old, new = tmp_path / "old.csv", tmp_path / "new.csv"
        args: list[object] = ["-m", "lstm-ae", "--timestamp-col", "ts", "--window", 16]
    else:
        old, new = _log(tmp_path / "old.log", 80, 0), _log(tmp_path / "new.log", 30, 1000)
        args = ["--format", "raw", "--session-regex", r"blk_\d+", "-m", "event-count-autoencoder"]
    _ok("train", old, *args, "--epochs", 1, "-o", tmp_path / "M", "-q")
    _ok("train", old, *args, "--epochs", 1, "--threshold", "contamination:0.05", "-o", tmp_path / "T", "-q")
    _ok("threshold", tmp_path / "M", "--threshold", "contamination:0.05", "-o", tmp_path / "R")
    a = _flags(tmp_path / "T", new, tmp_path / "a.csv")
    b = _flags(tmp_path / "R", new, tmp_path / "b.csv")
    pd.testing.assert_frame_equal(a, b)
    ta, tb = load(tmp_path / "T"), load(tmp_path / "R")
    assert ta.threshold_.to_dict() == tb.threshold_.to_dict()
    sa, sb = ta.stream_threshold_, tb.stream_threshold_
    assert (sa is None) == (sb is None) and (sa is None or sa.to_dict() == sb.to_dict())
    shutil.rmtree(tmp_path / "M")


def _text_at(files: dict[str, Path], row: int, name: str) -> Path:
    frame = pd.read_csv(files["new"])
    frame["bytes"] = frame["bytes"].astype(object)
    frame.loc[row, "bytes"] = "abc"
    frame.to_csv(files["dir"] / name, index=False)
    return files["dir"] / name


def test_text_in_a_numeric_column_past_the_first_64_rows(files: dict[str, Path]) -> None:
    # what was wrong: a warm start checked NEW's values on its first 64 rows only; text in a
    # numeric column on line 102 was refused by the fit as "column 'bytes': expected numbers,
    # found 'abc' (line 102)", without the file, and in --replay-data OLD as "(row 401)" (a row
    # of NEW and OLD together, OLD not named). Now both name the file and the line, as the
    # check of the first 64 rows does (with --on-bad-rows skip too: a warm start, like train,
    # does not skip such a row)
    d = files["dir"]
    late = _text_at(files, 100, "late.csv")
    said = "late.csv: column 'bytes': expected numbers, found 'abc' (line 102)"
    one_line_error(["train", str(late), "--warm-start", str(files["model"]), "-o", str(d / "X1")],
                   said, d / "X1")
    one_line_error(["train", str(files["new"]), "--warm-start", str(files["model"]), "-o", str(d / "X2"),
                    "--replay-data", str(late)], said, d / "X2")
    one_line_error(["train", str(late), "--warm-start", str(files["model"]), "-o", str(d / "X3"),
                    "--on-bad-rows", "skip"], said, d / "X3")
    early = _text_at(files, 3, "early.csv")  # in the schema check's rows: as it was
    one_line_error(["train", str(early), "--warm-start", str(files["model"]), "-o", str(d / "X4")],
                   "early.csv: column 'bytes': expected numbers, found 'abc' (line 5)", d / "X4")
