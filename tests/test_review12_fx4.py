"""Entity scoring in chunks and warm start with numeric dates: regression tests."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline, load
from hourglass.detectors import AutoEncoder
from hourglass.features.entity import EntityWindows


def _flows(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"host": rng.choice(["a", "b", "c"], n),
                         "ts": np.sort(rng.integers(1_700_000_000, 1_700_000_000 + 6 * 3600, n)),
                         "bytes": rng.integers(1, 1000, n).astype(float)})


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained on epoch times: it keeps no date order."""
    ew = EntityWindows("host", "ts", bucket="10min", numeric=("bytes",))
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0), features=ew)
    path = tmp_path_factory.mktemp("fx4") / "M"
    pipe.fit(_flows()).save(path)
    return path


def _score(model: Path, data: Path, out: Path) -> pd.DataFrame:
    import hourglass.cli.entity as ce

    ce.score_entity(load(model), data, out, fmt="auto", on_bad_rows="error", anomalies_only=False,
                    table="alerts")
    return pd.read_json(out, lines=True, dtype={"bucket_start": str, "bucket_end": str})


def _numeric_dates_file(path: Path) -> Path:
    rows = [{"host": h, "ts": f"{d:02d}/02/2026 {hour:02d}:05:00", "bytes": 10.0 + hour}
            for d in (1, 13) for hour in range(24) for h in "abc"]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("chunk_bytes", [0, 1500])
def test_numeric_dates_read_whole_say_why_not_out_of_time_order(
        model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        chunk_bytes: int) -> None:
    # a file in time order of numeric dates, scored with a model that keeps no date order, was
    # read whole with the log line 'rows not in time order (within 1h): read whole'
    import hourglass.cli.entity as ce

    data = _numeric_dates_file(tmp_path / "d.csv")
    monkeypatch.setattr(ce, "SCORE_CHUNK_BYTES", chunk_bytes)
    with caplog.at_level(logging.INFO, logger="hourglass"):
        out = _score(model, data, tmp_path / "o.jsonl")
    said = caplog.text
    assert "numeric dates and a model that keeps no date order: read whole" in said, said
    assert "not in time order" not in said, said
    assert sorted(set(out["bucket_start"].str[:10])) == ["2026-02-01", "2026-02-13"]


def test_a_file_out_of_time_order_still_says_so(
        model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        ) -> None:
    import hourglass.cli.entity as ce

    df = _flows(600, 1)
    df = pd.concat([df.iloc[300:], df.iloc[:300]])  # the later half first: hours out of order
    df.to_csv(tmp_path / "d.csv", index=False)
    monkeypatch.setattr(ce, "SCORE_CHUNK_BYTES", 1500)
    with caplog.at_level(logging.INFO, logger="hourglass"):
        _score(model, tmp_path / "d.csv", tmp_path / "o.jsonl")
    assert "rows not in time order (within 1h): read whole" in caplog.text, caplog.text
    assert "numeric dates" not in caplog.text


def test_chunks_of_numeric_dates_do_not_warn_of_an_order_the_whole_read_does_not_take(
        model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        ) -> None:
    # the first chunk (no day above 12) was read on its own first: 'no day above 12 tells ...
    # read month first (MM/DD/YYYY)', then the whole file was read day first (13/02/2026)
    import hourglass._times as times
    import hourglass.cli.entity as ce

    monkeypatch.setattr(times, "_WARNED", set())  # as in a fresh process: the warning is once a column
    data = _numeric_dates_file(tmp_path / "d.csv")
    monkeypatch.setattr(ce, "SCORE_CHUNK_BYTES", 1500)
    with caplog.at_level(logging.INFO, logger="hourglass"):
        out = _score(model, data, tmp_path / "o.jsonl")
    assert "no day above 12" not in caplog.text, caplog.text
    assert len(out) == 2 * 24 * 3
    assert sorted(set(out["bucket_start"].str[:10])) == ["2026-02-01", "2026-02-13"]


def test_warm_start_reads_new_numeric_dates_in_the_whole_files_order(tmp_path: Path,
                                                                      model: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      ) -> None:
    # the parent (epoch times) keeps no date order: the buckets to leave out were cut day first
    # (the attack row holds the only day above 12), then the fit read the normal rows alone
    # month first ('no day above 12 tells ... read month first'): 05/02/2026 as 2 May
    import hourglass._times as times
    from hourglass.cli import app
    from tests._cli import runner

    monkeypatch.setattr(times, "_WARNED", set())  # as in a fresh process: the warning is once a column
    rng = np.random.default_rng(3)
    t = pd.Timestamp("2026-02-05") + pd.to_timedelta(np.sort(rng.integers(0, 86_000, 400)), unit="s")
    df = pd.DataFrame({"host": rng.choice(["a", "b"], 400), "ts": t.strftime("%d/%m/%Y %H:%M:%S"),
                       "bytes": rng.integers(1, 100, 400).astype(float), "label": "normal"})
    df.loc[len(df)] = ["a", "13/02/2026 10:00:00", 5.0, "attack"]
    df.to_csv(tmp_path / "d.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "d.csv"), "--warm-start", str(model), "-o",
                              str(tmp_path / "W"), "--label-col", "label", "--normal", "normal"])
    assert res.exit_code == 0, res.output
    assert "no day above 12" not in res.stderr, res.stderr
    assert load(model).features_.dayfirst_ is None
    child = load(tmp_path / "W").features_
    assert child.dayfirst_ is True  # the order NEW was read and trained in
    starts = child.row_keys(df.iloc[:400])[1]
    assert set(starts.month) == {2} and set(starts.day) == {5}


def _dated(start: str, n: int, seed: int, fmt: str) -> pd.DataFrame:
    r = np.random.default_rng(seed)
    t = pd.Timestamp(start) + pd.to_timedelta(np.sort(r.integers(0, 86_000, n)), unit="s")
    return pd.DataFrame({"host": r.choice(["a", "b"], n), "ts": t.strftime(fmt),
                         "bytes": r.integers(1, 100, n).astype(float)})


def test_warm_start_replay_reads_both_files_in_the_order_either_shows(tmp_path: Path, model: Path,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       ) -> None:
    # NEW (days 1-12 only) guessed month first, and OLD (day 20, plainly day first) was then
    # refused as 'the order of the model's training data'; now OLD's dates decide for both
    import hourglass._times as times
    from hourglass.cli import app
    from tests._cli import one_line_error, runner

    monkeypatch.setattr(times, "_WARNED", set())
    dmy = "%d/%m/%Y %H:%M:%S"
    _dated("2026-02-05", 400, 1, dmy).to_csv(tmp_path / "new.csv", index=False)
    _dated("2026-01-20", 400, 2, dmy).to_csv(tmp_path / "old.csv", index=False)
    res = runner.invoke(app, ["train", str(tmp_path / "new.csv"), "--warm-start", str(model), "-o",
                              str(tmp_path / "W"), "--replay-data", str(tmp_path / "old.csv")])
    assert res.exit_code == 0, res.output
    assert "no day above 12" not in res.stderr, res.stderr
    child = load(tmp_path / "W").features_
    assert child.dayfirst_ is True
    assert set(child.row_keys(pd.read_csv(tmp_path / "new.csv"))[1].month) == {2}
    # each file plainly in another order: one line naming both, not 'the model's training data'
    _dated("2026-02-13", 400, 1, dmy).to_csv(tmp_path / "new.csv", index=False)
    _dated("2026-01-20", 400, 2, "%m/%d/%Y %H:%M:%S").to_csv(tmp_path / "old.csv", index=False)
    one_line_error(["train", str(tmp_path / "new.csv"), "--warm-start", str(model), "-o",
                    str(tmp_path / "W2"), "--replay-data", str(tmp_path / "old.csv")],
                   "its dates put the month first (MM/DD/YYYY)", tmp_path / "W2")


def test_warm_start_replay_of_a_file_mixing_date_orders_names_that_file(tmp_path: Path, model: Path,
                                                                        ) -> None:
    # with --replay-data the mixed NEW was blamed on 'the model's training data' or on OLD
    from tests._cli import one_line_error

    dmy, mdy = "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S"
    pd.concat([_dated("2026-02-13", 200, 1, dmy), _dated("2026-02-13", 200, 3, mdy)]
              ).to_csv(tmp_path / "new.csv", index=False)
    _dated("2026-01-20", 400, 2, mdy).to_csv(tmp_path / "old.csv", index=False)
    one_line_error(["train", str(tmp_path / "new.csv"), "--warm-start", str(model), "-o",
                    str(tmp_path / "W"), "--replay-data", str(tmp_path / "old.csv")],
                   "new.csv: column 'ts': line 2", tmp_path / "W")
