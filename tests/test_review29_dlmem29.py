"""Scoring a DeepLog-style key file a block of sessions at a time: the outputs, counts and
messages of one block, in memory bounded by the block (``--chunk-mb``)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.cli import logs as log_cli
from hourglass.features.sessions.keys import key_sequence_blocks, read_key_sequences

runner = CliRunner()

#: sessions past one scoring block (logs.SCORE_BLOCK_SESSIONS), so that a small --chunk-mb
#: scores the file in two blocks
N_SESSIONS = log_cli.SCORE_BLOCK_SESSIONS + 700


def _key_lines(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        seq = rng.integers(1, 8, size=int(rng.integers(2, 12))).tolist()
        if i % 97 == 5:
            seq.append(42)  # a key never seen in training
        out.append(" ".join(map(str, seq)))
    return out


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("keys")
    train = d / "train"
    train.write_text("\n".join(_key_lines(300, 1)) + "\n")
    r = runner.invoke(app, ["--threads", "1", "train", str(train), "--format", "keys", "--model",
                            "event-count-autoencoder", "--epochs", "1", "-o", str(d / "M")])
    assert r.exit_code == 0, r.output
    lines = _key_lines(N_SESSIONS, 2)
    lines[10] = "not keys"  # an unmatched line in the first block, an empty one in the second
    lines[N_SESSIONS - 50] = ""
    data = d / "test"
    data.write_text("\n".join(lines) + "\n")
    return d / "M", data


def _summary(output: str) -> str:
    line = next(ln for ln in output.splitlines() if "scored" in ln)
    return line.split("(")[0] + line.split(")")[-1]  # without the rate (sessions/s)


@pytest.mark.parametrize("out", ["s.csv", "s.parquet", "a.jsonl"])
def test_key_file_scored_in_blocks_as_in_one(model: tuple[Path, Path], tmp_path: Path,
                                             out: str) -> None:
    # what was wrong: score held every session of a key file at once (600 MB for DeepLog's
    # HDFS test files) and refused --chunk-mb for log models; now a key file is read and scored
    # a block of sessions at a time: a small --chunk-mb (several blocks) writes the output one
    # block gives, byte for byte, with the same counts
    m, data = model
    one = runner.invoke(app, ["--threads", "1", "score", str(m), str(data), "-o", str(tmp_path / f"1{out}")])
    many = runner.invoke(app, ["--threads", "1", "score", str(m), str(data), "--chunk-mb", "0.001",
                               "-o", str(tmp_path / f"2{out}")])
    assert one.exit_code == 0 and many.exit_code == 0, one.output + many.output
    assert (tmp_path / f"1{out}").read_bytes() == (tmp_path / f"2{out}").read_bytes() or \
        out.endswith(".parquet")  # (Parquet: row groups per block; compared as a table below)
    if out.endswith(".parquet"):
        import pandas as pd

        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"1{out}"),
                                      pd.read_parquet(tmp_path / f"2{out}"))
    assert _summary(one.output) == _summary(many.output)
    assert "1 was not a key sequence" in _summary(many.output)
    assert "1 empty session skipped" in _summary(many.output)
    assert many.output.count("not integer key sequences") == 1  # said once, for the file


def test_key_blocks_read_as_one_read(caplog: pytest.LogCaptureFixture) -> None:
    # what was wrong: (new) the block reader must give the sessions, numbering and counts of
    # one read of all the lines, and log the lines skipped once, with the whole file's counts
    lines = ["5 5", "", "x", "7 1", "y", "9"] * 50
    ids, seqs, counts = read_key_sequences(lines)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        blocks = list(key_sequence_blocks(iter(lines), block_bytes=7))
    assert len(blocks) > 10
    assert [i for b in blocks for i in b[0]] == ids
    assert [s.tolist() for b in blocks for s in b[1]] == [s.tolist() for s in seqs]
    assert sum(b[2]["unmatched"] for b in blocks) == counts["unmatched"] == 100
    assert blocks[0][2]["first_unmatched"] == counts["first_unmatched"] == 3
    said = [r.getMessage() for r in caplog.records if "not integer key sequences" in r.getMessage()]
    assert said == ["input: 100 line(s) were not integer key sequences (first: line 3); skipped"]


def test_key_file_without_sessions_in_blocks(model: tuple[Path, Path], tmp_path: Path) -> None:
    # what was wrong: (new) a key file of no key sequence, or of none at all, read in blocks
    # must stop with the one-line error of one read, exit 2, and no output file
    m, _ = model
    bad = tmp_path / "bad"
    bad.write_text("a b\n" * 3000)
    empty = tmp_path / "empty"
    empty.write_text("\n\n")
    for data, said in ((bad, "no line is a key sequence"), (empty, "no sessions found")):
        out = tmp_path / "s.csv"
        r = runner.invoke(app, ["score", str(m), str(data), "--chunk-mb", "0.001", "-o", str(out)])
        assert r.exit_code == 2 and said in r.output, r.output
        assert "Traceback" not in r.output and not out.exists()


def test_chunk_mb_still_refused_for_a_raw_log_model(tmp_path: Path) -> None:
    # what was wrong: (new) --chunk-mb is used by key-file models only: a raw log's sessions
    # gather lines from anywhere in it, so it is read whole and the option is refused, as before
    log = tmp_path / "app.log"
    log.write_text("".join(f"081109 2036{i % 60:02d} 148 INFO dfs.DataNode: block blk_{i % 7} "
                           f"{'served' if i % 2 else 'received'}\n" for i in range(200)))
    r = runner.invoke(app, ["train", str(log), "--format", "hdfs", "--session-regex", r"blk_\d+",
                            "--model", "event-count-autoencoder", "--epochs", "1",
                            "-o", str(tmp_path / "M")])
    if r.exit_code != 0 and "logs" in r.output:
        pytest.skip("the logs extra (drain3) is not installed")
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["score", str(tmp_path / "M"), str(log), "--chunk-mb", "1",
                            "-o", str(tmp_path / "s.csv")])
    assert r.exit_code == 2 and "--chunk-mb" in r.output, r.output
