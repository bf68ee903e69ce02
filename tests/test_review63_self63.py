"""Review round 63 (self63): regressions of the round's own changes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hourglass.cli import app
from hourglass.features.tabular import TabularPreprocessor
from tests._cli import runner


def test_a_document_table_with_an_action_is_no_github_audit_log() -> None:
    # What was wrong: any table with a 'document_id' (or 'DocumentId') column beside 'action' was
    # told a GitHub audit log, whose tell is '_document_id': a document store's audit table had its
    # user_id and document_id one-hot as "GitHub audit log's id (an account, repository ...)".
    rng = np.random.default_rng(0)
    n = 300
    docs = pd.DataFrame({"document_id": rng.integers(1, 40, n),
                         "action": rng.choice(["view", "edit", "share"], n),
                         "user_id": rng.integers(1000, 1040, n),
                         "bytes": rng.integers(100, 10_000, n)})
    pre = TabularPreprocessor().fit(docs)
    for c in ("document_id", "user_id"):
        assert "GitHub" not in pre.reasons_[c], (c, pre.reasons_[c])
        assert pre.roles_[c] == "numeric", (c, pre.roles_[c], pre.reasons_[c])
    # GitHub's own records, '_document_id' beside 'action', keep their ids as names
    github = docs.assign(_document_id=[f"xJJFlFOhQ6b-{i}" for i in range(n)])
    assert TabularPreprocessor().fit(github).roles_["user_id"] == "categorical"


def test_a_late_row_after_an_idle_close_blames_the_wall_clock_not_a_source(tmp_path: Path) -> None:
    # What was wrong: with --idle-timeout, buckets closed by the wall clock during a pause made the
    # next rows late, and the warning blamed 'the newest time seen, 00:06:40, came from host h0 at
    # line 3' (a time before the late row's own) and a source whose clock ran ahead; it now says
    # the wall clock closed them.
    from hourglass.cli.stream_entity import EntityStream
    from hourglass.pipeline import load

    t0 = 1_704_067_200
    rows = [{"ts": t0 - 86_400 + 2 * i, "host": f"h{i % 4}", "bytes": 500 + i % 7} for i in range(400)]
    (tmp_path / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = runner.invoke(app, ["train", str(tmp_path / "train.jsonl"), "--entity-col", "host",
                              "--timestamp-col", "ts", "--bucket", "5min", "--epochs", "1",
                              "--hidden", "4,2", "-o", str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    now = [100.0]
    stream = EntityStream(load(tmp_path / "m"), idle_timeout=30, clock=lambda: now[0])
    stream.feed([{"ts": t0 + o, "host": "h0", "bytes": 500} for o in (0, 250, 400)], [1, 2, 3])
    now[0] = 100.0 + 1000  # a long pause: the wall clock closes the 00:00 and 00:05 buckets
    assert stream.tick() is not None and not stream.open
    stream.feed([{"ts": t0 + 420, "host": "h1", "bytes": 500}], [4])  # 00:07:00, its bucket closed
    assert stream.counts["late"] == 1
    assert stream.first_late is not None
    said = stream.first_late[2] + " | " + stream.newest_text()
    assert "newest time seen" not in said and "wall clock" in said and "--idle-timeout" in said, said
    # a row's own time closing the buckets is still named as before
    stream.feed([{"ts": t0 + 2000, "host": "h2", "bytes": 500}], [5])
    assert stream.newest_text().startswith("the newest time seen, 2024-01-01 00:33:20, came from host 'h2'")


def test_two_late_steps_just_behind_a_later_one_are_no_clock_gone_ahead(tmp_path: Path) -> None:
    # What was wrong: a time-series stream (--on-bad-rows skip) given steps 232, 230, 231 (two
    # sent just after a later one) took 231 as a clock gone back: the summary said '1 window
    # restart(s) after a step whose time ran ahead' (none had), and restarted the window twice
    # more (51 of 59 steps scored); such late steps are bad lines again (52 of 58 scored).
    start = np.datetime64("2024-05-01T00:00")
    (tmp_path / "train.csv").write_text("ts,cpu\n" + "".join(
        f"{start + np.timedelta64(i, 'm')},{np.sin(i / 5):.4f}\n" for i in range(200)))
    res = runner.invoke(app, ["train", str(tmp_path / "train.csv"), "--timestamp-col", "ts", "--model",
                              "lstm-ae", "--window", "4", "--epochs", "1", "--hidden", "4", "-o",
                              str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    order = [*range(200, 230), 232, 230, 231, *range(233, 260)]
    (tmp_path / "live.jsonl").write_text("".join(json.dumps(
        {"ts": str(start + np.timedelta64(i, "m")), "cpu": round(float(np.sin(i / 5)), 4)}) + "\n"
        for i in order))
    res = runner.invoke(app, ["stream", str(tmp_path / "m"), "-i", str(tmp_path / "live.jsonl"), "--all",
                              "--on-bad-rows", "skip"])
    assert res.exit_code == 0, res.output
    assert "ran ahead" not in res.stderr, res.stderr
    assert "skipped 2 malformed line(s) (lines 32, 33)" in res.stderr, res.stderr
    assert len(res.stdout.splitlines()) == 52
