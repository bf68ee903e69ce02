"""Commands that should say the same thing do: ``stream --group-by --on-bad-rows skip`` scores a
row without a readable time as ``score`` does (a flagged one its own alert, no window)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner

T0 = 1_704_067_200  # 2024-01-01 00:00 UTC
SCANNER = "10.0.0.66"


def _normal(n: int, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame({"bytes": rng.lognormal(6, 0.5, n).round(), "duration": rng.exponential(1.0, n),
                         "rate": rng.uniform(0, 1, n)})


def _iso(seconds: np.ndarray) -> list[str]:
    return list(pd.to_datetime(seconds, unit="s").strftime("%Y-%m-%d %H:%M:%S"))


@pytest.fixture(scope="module")
def untimed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A table model with a time column, and 300 time-ordered rows (one a second) where
    SCANNER's 10 rows are flagged; row 100 (a flagged one) reads 'garbage', row 101 (normal)
    'soon'. The same rows as CSV (for score) and JSON lines (for stream)."""
    d = tmp_path_factory.mktemp("untimed")
    train = _normal(300, np.random.default_rng(0))
    train.insert(0, "ts", _iso(T0 - 86400 + np.arange(300) * 60))
    train.to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--timestamp-col", "ts", "-o", str(d / "m"),
                              "--hidden", "8,4", "--epochs", "3", "-q"])
    assert res.exit_code == 0, res.output
    rng = np.random.default_rng(1)
    test = _normal(300, rng)
    test.insert(0, "ts", _iso(T0 + np.arange(300)))
    test.insert(1, "src_ip", [f"10.0.0.{k}" for k in rng.integers(1, 6, 300)])
    test.loc[np.arange(40, 240, 20), ["src_ip", "bytes", "rate"]] = [SCANNER, 5e7, 50.0]
    test.loc[[100, 101], "ts"] = ["garbage", "soon"]
    test.to_csv(d / "bad.csv", index=False)
    (d / "bad.jsonl").write_text("".join(json.dumps(r) + "\n" for r in test.to_dict("records")))
    return {"dir": d, "model": d / "m", "csv": d / "bad.csv", "jsonl": d / "bad.jsonl"}


def _docs(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _same(doc: dict) -> dict:
    # scores to a relative 1e-5: on a GPU a score depends on the batch it was computed in by ~1e-7
    # (rounding to a number of digits is no tolerance: two such scores can round apart)
    return {k: (pytest.approx(v, rel=1e-5) if isinstance(v, float) else v) for k, v in doc.items()}


def test_stream_scores_a_row_without_a_readable_time_as_score_does(untimed: dict[str, Path]) -> None:
    d = untimed["dir"]
    res = runner.invoke(app, ["score", str(untimed["model"]), str(untimed["csv"]), "-o", str(d / "s.jsonl"),
                              "--group-by", "src_ip", "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert "1 flagged row(s) without a readable time, each its own alert" in res.stderr
    scored = _docs((d / "s.jsonl").read_text())
    alone = [g for g in scored if g["window_start"] is None]
    assert len(alone) == 1 and alone[0]["first_row"] == 100 and alone[0]["count"] == 1
    assert all(alone[0][k] is None for k in ("window_end", "first_time", "last_time"))
    for batch in ("1024", "7", "1"):
        args = ["stream", str(untimed["model"]), "--input", str(untimed["jsonl"]), "--group-by", "src_ip",
                "--on-bad-rows", "skip", "--batch", batch]
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
        assert "streamed 300 rows" in res.stderr and "malformed" not in res.stderr, res.stderr
        assert "1 flagged row(s) without a readable time, each its own alert" in res.stderr
        assert ("2 row(s) without a readable time in column 'ts' (first: line 101, 'garbage') were "
                "scored but placed in no window; 1 of them flagged") in res.stderr
        streamed = _docs(res.stdout)
        key = lambda g: (g["first_row"], g["window_start"] or "")  # noqa: E731
        assert [_same(g) for g in sorted(streamed, key=key)] == [_same(g) for g in sorted(scored, key=key)]
        # the row's own alert goes out at once: before the window that holds the rows around it
        at = [g["first_row"] for g in streamed]
        assert at.index(100) < at.index(min(g["first_row"] for g in streamed if g["last_row"] > 100
                                            and g["window_start"] is not None))


def test_without_skip_the_stream_stops_at_the_row_naming_its_line(untimed: dict[str, Path]) -> None:
    res = runner.invoke(app, ["stream", str(untimed["model"]), "--input", str(untimed["jsonl"]),
                              "--group-by", "src_ip"])
    assert res.exit_code == 2 and "Traceback" not in res.stderr, res.output
    assert "line 101" in res.stderr and "garbage" in res.stderr, res.stderr
    assert all(g["last_row"] < 100 for g in _docs(res.stdout))


def _flows(n: int, entities: int, step_s: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"src_ip": [f"10.0.1.{k % entities}" for k in range(n)],
                         "ts": _iso(T0 + np.arange(n) * step_s),
                         "bytes": rng.lognormal(6, 0.5, n).round(), "duration": rng.exponential(1.0, n)})


def test_the_entity_warm_start_warns_of_its_bucket_as_train_does(tmp_path: Path) -> None:
    # the parent: 1h buckets of 8 entities over two days; NEW: 60 rows, one per entity each 20 s
    # (20 min in all): few buckets over 19 min 40 s, the bucket longer than that, single-row buckets
    _flows(2880, 8, 60, 0).to_csv(tmp_path / "old.csv", index=False)
    _flows(60, 60, 20, 1).to_csv(tmp_path / "new.csv", index=False)
    entity = ["--entity-col", "src_ip", "--timestamp-col", "ts", "--bucket", "1h"]
    fast = ["--hidden", "8,4", "--epochs", "2", "-q"]
    res = runner.invoke(app, ["train", str(tmp_path / "old.csv"), *entity, "-o", str(tmp_path / "M"), *fast])
    assert res.exit_code == 0, res.output
    trained = runner.invoke(app, ["train", str(tmp_path / "new.csv"), *entity, "-o", str(tmp_path / "T"),
                                  *fast])
    warm = runner.invoke(app, ["train", str(tmp_path / "new.csv"), "--warm-start", str(tmp_path / "M"),
                               "-o", str(tmp_path / "W"), "--epochs", "2", "-q"])
    assert trained.exit_code == 0 and warm.exit_code == 0, (trained.output, warm.output)
    for res in (trained, warm):  # the rows' span (19 min 40 s), not the buckets' (1 h)
        assert "only 60 (entity, 1h bucket) rows to train on (60 entities over 19 min 40 s)" in res.stderr
        assert "is longer than the data's time span (19 min 40 s)" in res.stderr, res.stderr
        assert "100% of the 60 (entity, 1h bucket) rows hold a single table row" in res.stderr
    assert "--bucket 1h is longer" in trained.stderr
    assert "the parent model's bucket 1h is longer" in warm.stderr
    assert "train a new model (not --warm-start) with a longer --bucket" in warm.stderr
    # and times of 1970 (small numbers given as the time column) are said by the warm start too
    relative = _flows(60, 60, 20, 2).assign(ts=np.arange(60) * 20)
    relative.to_csv(tmp_path / "relative.csv", index=False)
    early = runner.invoke(app, ["train", str(tmp_path / "relative.csv"), "--warm-start", str(tmp_path / "M"),
                                "-o", str(tmp_path / "W2"), "--epochs", "2", "-q"])
    assert early.exit_code == 0, early.output
    assert "every time in column 'ts' falls in 1970" in early.stderr
