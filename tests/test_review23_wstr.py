"""Review 23, README section "Streaming" (stream, grouped alerts, SQLite, suppression)."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from hourglass.cli.app import app

runner = CliRunner()


def _flows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "src_ip": rng.choice(["10.0.0.1", "10.0.0.2"], n),
        "service": rng.choice(["http", "dns"], n),
        "bytes": rng.lognormal(6, 0.3, n).round(),
        "rate": rng.uniform(0, 1, n),
    })


@pytest.fixture(scope="module")
def table_model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("r23wstr")
    _flows(300, 0).to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "-o", str(d / "model"), "--hidden", "8,4",
                              "--epochs", "2", "-q"])
    assert res.exit_code == 0, res.output
    test = _flows(40, 1)
    test.loc[[3, 17], ["bytes", "rate"]] = [1e7, 40.0]
    test.to_json(d / "test.jsonl", orient="records", lines=True)
    return {"dir": d, "model": d / "model", "jsonl": d / "test.jsonl"}


def test_stream_with_every_suppression_rule_expired_streams(table_model: dict[str, Path]) -> None:
    # What was wrong: 'stream --suppress' with a file whose every rule had expired ('until'
    # passed: warned and not applied, as the README says) stopped at the first flagged row with
    # "error: shape mismatch: value array of shape (0,) ...": the flagged rows' frame was built
    # from the rules' columns, none left, and so held no row. Now the stream goes on unsuppressed.
    rules = table_model["dir"] / "expired.toml"
    rules.write_text('[[rule]]\nname = "old"\nmatch = { src_ip = "10.0.0.1" }\nuntil = 2020-01-01\n',
                     encoding="utf-8")
    res = runner.invoke(app, ["stream", str(table_model["model"]), "--input", str(table_model["jsonl"]),
                              "--suppress", str(rules)])
    assert res.exit_code == 0, res.output
    alerts = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    assert {a["row"] for a in alerts} >= {3, 17}
    assert "expired" in res.stderr and "0 suppressed" in res.stderr


def test_serve_with_every_suppression_rule_expired_answers(table_model: dict[str, Path]) -> None:
    # What was wrong: the same crash in 'serve --suppress' (one TableScorer): a request with a
    # flagged row failed while every rule of the file had expired. Now it answers, nothing silenced.
    from fastapi.testclient import TestClient

    from hourglass.serve import create_app
    from hourglass.serve.suppress import Suppressions

    key = "r23-wstr-key-0123456789abcdef"
    rules = Suppressions.parse('[[rule]]\nname = "old"\nmatch = { src_ip = "10.0.0.1" }\n'
                               'until = 2020-01-01\n', "r.toml")
    rows = [json.loads(line) for line in table_model["jsonl"].read_text(encoding="utf-8").splitlines()]
    with TestClient(create_app(table_model["model"], api_key=key, suppress=rules)) as c:
        r = c.post("/score", json={"rows": rows}, headers={"X-API-Key": key})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["flags"][3] == 1 and body["flags"][17] == 1 and set(body["suppressed"]) == {""}


def _write_lock(path: Path) -> sqlite3.Connection:
    """Another program's open write transaction on a rollback-journal database at ``path``."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE t (x)")
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (1)")
    return other


def test_stream_sqlite_waits_for_a_write_transaction_to_end(tmp_path: Path) -> None:
    # What was wrong: 'stream -o live.sqlite' on a database (not yet in WAL mode: one 'score'
    # or another program wrote) in which another program held a write transaction was refused
    # at once, "database is locked", though the README says it waits up to 30 seconds: SQLite
    # does not wait on the WAL pragma (no busy handler there). Now it is tried until the timeout.
    from hourglass.ingest.sqlite import connect

    path = tmp_path / "live.sqlite"
    other = _write_lock(path)
    threading.Timer(0.5, lambda: other.execute("COMMIT")).start()
    conn = connect(path, wal=True)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        conn.close()
        other.close()


def test_stream_sqlite_locked_past_the_timeout_is_one_line(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # (the timeout still ends the wait: one line saying the database is locked)
    import hourglass.ingest.sqlite as sq
    from hourglass.errors import HourglassError

    monkeypatch.setattr(sq, "_BUSY_TIMEOUT_S", 0.3)
    path = tmp_path / "live.sqlite"
    other = _write_lock(path)
    try:
        with pytest.raises(HourglassError, match="locked"):
            sq.connect(path, wal=True)
    finally:
        other.close()
