"""Review 51 (conc51): two runs writing one model folder or one result file at once, and a
result file cut short by an interruption or a full disk."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass import AutoEncoder, Pipeline
from hourglass.cli import app
from hourglass.pipeline import artefact
from hourglass.pipeline.artefact import load, save

runner = CliRunner()


def _pipe(hidden: tuple[int, ...], seed: int) -> Pipeline:
    df = pd.DataFrame({"a": np.arange(60.0), "b": np.arange(60.0) % 7})
    return Pipeline(AutoEncoder(hidden=hidden, epochs=1, verbose=0, random_state=seed)).fit(df)


@pytest.fixture()
def quick_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    """``hourglass demo`` training one epoch of a small network (the command's own steps)."""
    from hourglass.cli import tables

    real = tables.train_pipeline

    def train_pipeline(*args: Any, **kwargs: Any) -> Any:
        kwargs["params"] = {**kwargs.get("params", {}), "epochs": 1, "hidden": (8, 4)}
        return real(*args, **kwargs)

    monkeypatch.setattr(tables, "train_pipeline", train_pipeline)


def _demo_with_a_model_saved_meanwhile(monkeypatch: pytest.MonkeyPatch, model: Path,
                                       meanwhile: Pipeline, args: list[str]) -> Any:
    """``hourglass demo -o MODEL ARGS`` with ``meanwhile`` saved at ``model`` by another run
    once the demo's save has passed its first check, just before it puts its model in place."""
    real_lock = artefact._saving_in
    saved: list[Path] = []

    def saving_in(folder: Path) -> object:
        if not saved:
            saved.append(folder)
            save(meanwhile, model)
        return real_lock(folder)

    monkeypatch.setattr(artefact, "_saving_in", saving_in)
    try:
        return runner.invoke(app, ["--threads", "1", "demo", "-o", str(model), "-q", *args])
    finally:
        monkeypatch.setattr(artefact, "_saving_in", real_lock)


def test_demo_keeps_a_users_model_another_run_saved_meanwhile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quick_demo: None) -> None:
    # 'hourglass demo' replaces an earlier demo's model, any other only with --force: it checked
    # so before training, then saved over whatever was there by then, so a model 'train -o
    # demo-model' saved meanwhile was replaced with no word. Now the demo's save checks again
    # as it puts its model in place: the user's model is kept, one line, exit code 2.
    model = tmp_path / "demo-model"
    user = _pipe((6, 3), 2)
    res = _demo_with_a_model_saved_meanwhile(monkeypatch, model, user, [])
    assert res.exit_code == 2, res.output
    last = res.output.strip().splitlines()[-1]
    assert last == (f"error: {model}: a model was saved there meanwhile (by another run); it is kept "
                    "and this one is not saved (pass --force to replace it)"), res.output
    assert load(model).detector_.hidden == (6, 3)
    assert sorted(os.listdir(tmp_path)) == ["demo-model"]
    # an earlier demo's model saved meanwhile is the demo's to replace, and --force replaces any
    earlier = _pipe((6, 3), 3)
    earlier.info = {**earlier.info, "source": "bundled NSL-KDD sample (train)"}
    res = _demo_with_a_model_saved_meanwhile(monkeypatch, tmp_path / "other", earlier, [])
    assert res.exit_code == 0, res.output
    assert load(tmp_path / "other").detector_.hidden == (8, 4)
    res = _demo_with_a_model_saved_meanwhile(monkeypatch, tmp_path / "forced", _pipe((6, 3), 4), ["--force"])
    assert res.exit_code == 0, res.output
    assert load(tmp_path / "forced").detector_.hidden == (8, 4)


def test_a_gan_benchmark_piece_cut_short_leaves_the_one_it_had(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # benchmarks/gan.py saves its piece (results/gan_<part>.json) after each data set "so that a
    # stopped run keeps what it finished", but wrote it in place: a run stopped while writing, or
    # a disk that filled, left half a JSON file where the last whole piece was, and '--part
    # report' then stopped on a JSONDecodeError traceback. Now the piece goes through a temporary
    # file: the one it had stays, and the script ends with one line naming it.
    import argparse
    import errno
    import sys

    bench = Path(__file__).resolve().parent.parent / "benchmarks"
    sys.path.insert(0, str(bench))
    try:
        import gan
    finally:
        sys.path.remove(str(bench))
    monkeypatch.setattr(gan, "RESULTS", tmp_path)
    args = argparse.Namespace(part="nsl", tag="", no_write=False, models="autoencoder")
    assert gan._save(args, [{"set": "a", "model": "autoencoder", "auc": 0.5}]) == \
        f"written to {tmp_path / 'gan_nsl.json'}"
    whole = (tmp_path / "gan_nsl.json").read_text()
    real = Path.write_text

    def full_disk(self: Path, text: str, *a: Any, **k: Any) -> int:
        real(self, text[:len(text) // 2], *a, **k)
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_text", full_disk)
    with pytest.raises(SystemExit, match=r"cannot write .*gan_nsl\.json: No space left on device"):
        gan._save(args, [{"set": "b", "model": "autoencoder", "auc": 0.7}])
    monkeypatch.setattr(Path, "write_text", real)
    assert (tmp_path / "gan_nsl.json").read_text() == whole
    assert sorted(os.listdir(tmp_path)) == ["gan_nsl.json"]
    assert [r["set"] for r in gan._load(tmp_path)[0]] == ["a"]


def _cli(args: list[str], stdin: Path, cwd: Path) -> Any:
    """``hourglass ARGS`` as a process whose standard input is the file ``stdin`` (``< FILE``)."""
    import subprocess
    import sys

    src = str(Path(__file__).resolve().parent.parent / "src")
    env = {**os.environ, "PYTHONPATH": src, "OMP_NUM_THREADS": "1"}
    with open(stdin, "rb") as fh:
        return subprocess.run([sys.executable, "-m", "hourglass", "--threads", "1", *args], stdin=fh,
                              capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def test_an_output_that_standard_input_reads_is_refused(tmp_path: Path) -> None:
    # 'score M DATA -o DATA' and 'stream M -i IN -o IN' are refused ("is the input file"), but the
    # same file given as standard input was not: 'score M - -o data.csv < data.csv' replaced the
    # data with its scores, and 'stream M -o alerts.jsonl < alerts.jsonl' read its own alerts back
    # as rows, appending them to the file it read until one stopped it ("line 41: missing column
    # 'a'"). Now both are refused before any work, one line, exit code 2, the file untouched.
    model = tmp_path / "M"
    _pipe((4, 2), 0).save(model)
    rows = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) % 7})
    data, lines = tmp_path / "data.csv", tmp_path / "rows.jsonl"
    rows.to_csv(data, index=False)
    rows.to_json(lines, orient="records", lines=True)
    before = data.read_bytes(), lines.read_bytes()
    for args, same in ((["score", "M", "-", "-o", "data.csv"], data),
                       (["stream", "M", "--all", "-o", "rows.jsonl"], lines)):
        res = _cli(args, same, tmp_path)
        assert res.returncode == 2, res.stderr
        assert res.stderr.strip() == (f"error: --output {same.name}: is the file standard input reads "
                                      "(the input); choose another path"), res.stderr
    assert (data.read_bytes(), lines.read_bytes()) == before
    # another file as standard input is read as before
    res = _cli(["stream", "M", "--all", "-o", "alerts.jsonl"], lines, tmp_path)
    assert res.returncode == 0, res.stderr
    assert len((tmp_path / "alerts.jsonl").read_text().splitlines()) == 40


def test_fits_and_loads_in_threads_at_once_give_each_seed_its_own_model(tmp_path: Path) -> None:
    # torch has one random-number generator per process: four VAEs fitted at once in four
    # threads (each its own detector, a grid search on a thread pool) drew from it together,
    # each one's seeding reset the others' sequences and a model loaded meanwhile set it back as
    # its fork ended, so no fit gave the model its random_state gives alone (0 of 4 equal; the
    # denoising autoencoder and Deep SVDD: 1 to 3 of 4). Now such blocks take turns: every fit
    # gives its own model, bit for bit.
    from concurrent.futures import ThreadPoolExecutor

    from hourglass import load
    from hourglass.detectors import VariationalAutoEncoder

    X = np.random.default_rng(0).normal(size=(300, 6)).astype(np.float32)
    saved = tmp_path / "M"
    _pipe((4, 2), 0).save(saved)

    def fit(seed: int) -> np.ndarray:
        if seed < 0:  # a load in another thread meanwhile
            return load(saved).score(pd.DataFrame({"a": [1.0], "b": [2.0]}))
        det = VariationalAutoEncoder(hidden=(8, 4), epochs=3, verbose=0, random_state=seed)
        return det.fit(X).score(X[:40])

    alone = [fit(s) for s in range(4)]
    with ThreadPoolExecutor(6) as pool:
        together = list(pool.map(fit, [0, -1, 1, 2, -1, 3]))
    for a, b in zip(alone, [together[i] for i in (0, 2, 3, 5)], strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_spark_job_stops_when_its_model_is_replaced_while_it_runs(tmp_path: Path) -> None:
    # score_partitions(DIR) is shipped to the executors as the folder's path, and each task loads
    # DIR when it starts: a model retrained into DIR while the job ran ('train --force -o DIR',
    # a nightly retrain) scored the later partitions while the earlier ones had the old model's
    # scores and flags, one output of two models, not a word. Now the driver's read pins the
    # model's content hash: a task that loads another model stops the job naming both.
    import pickle

    from hourglass.distributed.spark import score_partitions
    from hourglass.errors import InputError

    model = tmp_path / "M"
    old = _pipe((4, 2), 0)
    old.save(model)
    fn = pickle.loads(pickle.dumps(score_partitions(model)))  # (as Spark ships it)
    batch = pd.DataFrame({"a": np.arange(5.0), "b": np.arange(5.0) % 7})
    [first] = fn(iter([batch]))
    np.testing.assert_array_equal(first["score"].to_numpy(), old.score(batch))
    old_hash = load(model).artefact_["content_hash"]
    new = _pipe((6, 3), 1)
    new.save(model)  # retrained in place while the job runs
    new_hash = load(model).artefact_["content_hash"]
    with pytest.raises(InputError) as caught:
        list(fn(iter([batch])))
    assert str(caught.value) == (
        f"{model}: holds another model than the one this job started with (content hash "
        f"{new_hash[:12]}..., not {old_hash[:12]}...): it was replaced while the job ran, and the "
        "job's tasks would score with two models; run the job again (or save the new model to "
        "another folder)")
    # without the driver's read (check=False) each task scores with what it loads, as before
    [later] = score_partitions(model, check=False)(iter([batch]))
    np.testing.assert_array_equal(later["score"].to_numpy(), new.score(batch))


def test_an_in_place_rethreshold_keeps_a_model_retrained_there_meanwhile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 'hourglass threshold M --threshold R -o M --force' re-thresholds M in place: it read M, then
    # saved the re-thresholded copy over whatever M held by then, so a model another run retrained
    # into M meanwhile ('train --force -o M') was replaced by a re-thresholded copy of the old
    # one, the retrain lost with no word. Now the save checks that M still holds the model read:
    # the retrained one is kept, one line, exit code 2; with M unchanged it re-thresholds as before.
    model = tmp_path / "M"
    save(_pipe((4, 2), 0), model)
    real_lock = artefact._saving_in
    saved: list[Path] = []

    def saving_in(folder: Path) -> object:
        if not saved:
            saved.append(folder)
            save(_pipe((6, 3), 2), model)  # retrained there meanwhile
        return real_lock(folder)

    monkeypatch.setattr(artefact, "_saving_in", saving_in)
    args = ["threshold", str(model), "--threshold", "percentile:95", "-o", str(model), "--force"]
    res = runner.invoke(app, args)
    monkeypatch.setattr(artefact, "_saving_in", real_lock)
    assert res.exit_code == 2, res.output
    assert res.output.strip().splitlines()[-1] == (
        f"error: -o {model}: {model} holds another model than the one read (saved there meanwhile by "
        "another run); it is kept and the re-thresholded copy is not saved: run the command again to "
        "re-threshold the new one"), res.output
    assert load(model).detector_.hidden == (6, 3)
    assert "rethresholded_from" not in load(model).info
    assert sorted(os.listdir(tmp_path)) == ["M"]
    res = runner.invoke(app, args)  # nothing meanwhile: re-thresholded in place
    assert res.exit_code == 0, res.output
    assert load(model).detector_.hidden == (6, 3) and "rethresholded_from" in load(model).info
