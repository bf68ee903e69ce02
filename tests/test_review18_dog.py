"""Real-data walks through the command line: what train, score and evaluate say of the same log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests._cli import runner

pytest.importorskip("drain3")

HDFS = "081110 {t:06d} 100 INFO dfs.DataNode: {msg}"


def _hdfs_lines(blocks: int) -> list[str]:
    ops = ("Receiving block blk_{b} src: /10.0.0.{n}:50010",
           "PacketResponder {n} for block blk_{b} terminating", "Verification succeeded for blk_{b}")
    return [HDFS.format(t=100000 + 3 * b + i, msg=op.format(b=b, n=b % 7))
            for b in range(blocks) for i, op in enumerate(ops)]


def test_train_counts_events_without_a_session_as_score_does(tmp_path: Path) -> None:
    """A raw log's lines that carry no session id are counted in train's summary and in the
    model's saved parse counts, as score counts them (train said so only in a warning)."""
    from hourglass.cli.app import app

    lines = _hdfs_lines(40)
    lines[7:7] = [HDFS.format(t=99999, msg="Deleting block file without an id"),
                  HDFS.format(t=99998, msg="Starting thread to transfer nothing")]
    data = tmp_path / "train.log"
    data.write_text("\n".join(lines) + "\n")
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "--format", "hdfs", "--session-regex", r"blk_-?\d+",
                              "--model", "deeplog", "--epochs", "1", "-o", str(model)])
    assert res.exit_code == 0, res.output
    summary = [ln for ln in res.stderr.splitlines() if ln.startswith(f"{len(lines)} lines")]
    assert summary == [f"{len(lines)} lines, 2 events had no session id"], res.stderr
    parse = json.loads((model / "config.json").read_text())["info"]["parse"]
    assert parse["events_without_session"] == 2
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output
    assert f"{len(lines)} lines, 2 events had no session id; scored 40 sessions" in res.stderr


def test_train_counts_empty_windows_as_evaluate_does(tmp_path: Path) -> None:
    """Time windows with no line (a quiet night in a BGL log) are counted in train's summary as
    score and evaluate count them: '... lines, N time windows had no line (no session)'."""
    from hourglass.cli.app import app

    lines = _hdfs_lines(30)
    lines += [HDFS.format(t=120000 + i, msg=f"Receiving block blk_{900 + i} src: /10.0.0.1:50010")
              for i in range(5)]
    data = tmp_path / "train.log"
    data.write_text("\n".join(lines) + "\n")
    model = tmp_path / "m"
    res = runner.invoke(app, ["train", str(data), "--format", "hdfs", "--window", "10",
                              "--model", "event-count-autoencoder", "--epochs", "1", "-o", str(model)])
    assert res.exit_code == 0, res.output
    summary = [ln for ln in res.stderr.splitlines() if ln.startswith(f"{len(lines)} lines")]
    assert len(summary) == 1 and "time windows had no line (no session)" in summary[0], res.stderr
    parse = json.loads((model / "config.json").read_text())["info"]["parse"]
    assert parse["empty_sessions_skipped"] > 0
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output
    assert f"{summary[0]}; scored" in res.stderr
