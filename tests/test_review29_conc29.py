"""Two processes at once on the same files: a model saved twice at once, a model read while
another run replaces it, a benchmark's data file generated twice at once. Each race is provoked
deterministically (a hook between two steps), not by timing."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass import AutoEncoder, Pipeline
from hourglass.cli import app
from hourglass.errors import ArtefactError, InputError
from hourglass.pipeline import artefact
from hourglass.pipeline.artefact import load, save

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
runner = CliRunner()


def _pipe(hidden: tuple[int, ...], seed: int) -> Pipeline:
    df = pd.DataFrame({"a": np.arange(60.0), "b": np.arange(60.0) % 7})
    return Pipeline(AutoEncoder(hidden=hidden, epochs=1, verbose=0, random_state=seed)).fit(df)


def test_a_second_save_to_the_same_folder_waits_for_the_first_one_s_swap(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two saves at once to one model folder (two 'train --force -o M' in overlapping cron jobs):
    # the second, run between the first's two renames (M moved aside, the new one not yet in),
    # found no M and renamed its own model in; the first's rename then failed with a raw
    # "OSError: Directory not empty" (a traceback from the CLI), and so did its putting the old
    # model back. Now the saves take turns (a lock on the folder): both succeed, the later
    # model is M, whole, and nothing is left beside it.
    first, second = _pipe((4, 2), 1), _pipe((6, 3), 2)
    model = tmp_path / "M"
    save(first, model)
    real = os.replace
    errors: list[BaseException] = []
    started: list[threading.Thread] = []

    def other() -> None:
        try:
            save(second, model)
        except BaseException as exc:  # (reported below)
            errors.append(exc)

    def replace(src: object, dst: object) -> None:
        real(src, dst)  # type: ignore[arg-type]
        if not started and str(dst).endswith(".M.old"):  # the first save, between its renames
            started.append(threading.Thread(target=other))
            started[0].start()
            started[0].join(timeout=1.0)  # the second save runs now (or waits for the lock)

    monkeypatch.setattr(artefact.os, "replace", replace)
    save(first, model)
    started[0].join()
    assert errors == []
    assert load(model).detector_.hidden == (6, 3)
    assert sorted(os.listdir(tmp_path)) == ["M"]


def _invoke_with_a_model_saved_meanwhile(monkeypatch: pytest.MonkeyPatch, model: Path,
                                         args: list[str]) -> Any:
    """``hourglass ARGS``, with another run's model (hidden 6-3) saved at ``model`` once the
    command's save has passed its check, just before it puts its own model in place."""
    meanwhile = _pipe((6, 3), 2)
    real_lock = artefact._saving_in
    saved: list[Path] = []

    def saving_in(folder: Path) -> object:
        if not saved:  # this run's save, past its check: another run's model saved first
            saved.append(folder)
            save(meanwhile, model)
        return real_lock(folder)

    monkeypatch.setattr(artefact, "_saving_in", saving_in)
    try:
        return runner.invoke(app, args)
    finally:
        monkeypatch.setattr(artefact, "_saving_in", real_lock)


def _refused_as_saved_meanwhile(res: Any) -> None:
    """The command stopped in one line, exit code 2, keeping the model saved meanwhile."""
    assert res.exit_code == 2, res.output
    last = res.output.strip().splitlines()[-1]  # (after the threshold's warning on so few rows)
    assert last.startswith("error: ") and "a model was saved there meanwhile" in last \
        and "pass --force to replace it" in last and "Traceback" not in res.output, res.output


def test_train_without_force_keeps_a_model_another_run_saved_meanwhile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two 'train -o M' without --force, M absent when both started: both passed the check
    # "a model is saved there already; pass --force", and the later one replaced the earlier
    # one's model with no word, as --force would. Now the save that finds a model saved there
    # meanwhile keeps it and fails in one line (exit code 2).
    rng = np.random.default_rng(0)
    data = tmp_path / "train.csv"
    pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)}).to_csv(data, index=False)
    model = tmp_path / "M"
    res = _invoke_with_a_model_saved_meanwhile(monkeypatch, model, [
        "--threads", "1", "train", str(data), "-o", str(model), "--epochs", "1", "-q",
        "--param", "hidden=[4,2]"])
    _refused_as_saved_meanwhile(res)
    assert load(model).detector_.hidden == (6, 3)
    assert sorted(os.listdir(tmp_path)) == ["M", "train.csv"]
    save(_pipe((4, 2), 1), model)  # a later save (no command's setting left over) replaces
    assert load(model).detector_.hidden == (4, 2)
    with pytest.raises(InputError, match="meanwhile"):
        save(_pipe((6, 3), 2), model, replace=False)


def test_a_model_read_between_a_save_s_two_renames_is_read_once_in_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 'score M' while 'train --force -o M' replaces M: a read between the save's two renames
    # (M moved aside to .M.old, the new model not yet in) said "no model here, but a save there
    # was interrupted; ... rename it back" and stopped, while the save was running fine. Now the
    # read waits and reads again: the new model, whole.
    model = tmp_path / "M"
    save(_pipe((4, 2), 1), model)
    os.replace(model, tmp_path / ".M.old")  # the moment between the two renames
    new = _pipe((6, 3), 2)
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # the save goes on meanwhile: its new model put in place
        waits.append(seconds)
        if len(waits) == 1:
            (tmp_path / ".M.old" / "config.json").unlink()
            (tmp_path / ".M.old" / "weights.safetensors").unlink()
            (tmp_path / ".M.old").rmdir()
            save(new, model)

    monkeypatch.setattr(artefact.time, "sleep", sleep)
    assert load(model).detector_.hidden == (6, 3)


def test_a_changed_model_is_refused_at_once_not_read_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # (pins that reading again is only for a folder swapped in place: a file changed in the same
    # folder is a mismatch said at once, with no wait)
    model = tmp_path / "M"
    save(_pipe((4, 2), 1), model)
    with open(model / "weights.safetensors", "r+b") as f:
        f.seek(-1, os.SEEK_END)
        last = f.read(1)
        f.seek(-1, os.SEEK_END)
        f.write(bytes([last[0] ^ 1]))
    monkeypatch.setattr(artefact.time, "sleep", lambda s: pytest.fail("waited for a changed file"))
    with pytest.raises(ArtefactError, match="content hash mismatch"):
        load(model)


def test_two_runs_generating_the_scale_benchmark_s_data_file_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # benchmarks/scale.py (and latency.py, through it) generate their flow CSV into a fixed
    # 'NAME.tmp' beside it: a second run generating the same file (the default /tmp path) while
    # the first was writing truncated and rewrote the same temporary, the first then wrote its
    # chunks into the file the second had renamed into place (a mix), and its own rename failed
    # with FileNotFoundError. Now each run writes a temporary of its own.
    sys.path.insert(0, str(BENCH))
    try:
        import scale
    finally:
        sys.path.remove(str(BENCH))
    alone = tmp_path / "alone.csv"
    scale.generate(alone, 300)
    path = tmp_path / "flows.csv"
    real = scale.pacsv.CSVWriter
    made: list[object] = []

    def writer(*args: object, **kwargs: object) -> object:
        mine = real(*args, **kwargs)  # the first run's temporary open, its header written
        made.append(mine)
        if len(made) == 1:
            scale.generate(path, 300)  # a second run, from start to end
        return mine

    monkeypatch.setattr(scale.pacsv, "CSVWriter", writer)
    scale.generate(path, 300)
    assert path.read_bytes() == alone.read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["alone.csv", "flows.csv"]


def test_threshold_without_force_keeps_a_model_another_run_saved_meanwhile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 'hourglass threshold M --threshold percentile:95 -o NEW' without --force checked that NEW held
    # no model, then replaced one another run saved there meanwhile with no word (train already
    # kept it): now it keeps that model too and fails in one line (exit code 2)
    parent, new = tmp_path / "M", tmp_path / "NEW"
    save(_pipe((4, 2), 0), parent)
    res = _invoke_with_a_model_saved_meanwhile(
        monkeypatch, new, ["threshold", str(parent), "--threshold", "percentile:95", "-o", str(new)])
    _refused_as_saved_meanwhile(res)
    assert load(new).detector_.hidden == (6, 3)
    res = runner.invoke(app, ["threshold", str(parent), "--threshold", "percentile:95", "-o", str(new),
                              "--force"])
    assert res.exit_code == 0, res.output
    assert load(new).detector_.hidden == (4, 2)
