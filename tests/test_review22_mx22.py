"""Review 22 (mx22): a huge VUS buffer, missing-value spellings in key columns, ``stream``
appending to an output written by a model of another kind."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.errors import InputError
from hourglass.evaluate import timeseries_metrics, vus_volumes
from tests._cli import runner

_Y = [0, 0, 0, 1, 1, 0, 0, 0] * 20                # 160 steps: a buffer of at most 320
_S = [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0] * 20


@pytest.mark.parametrize("window", [10**12, 2**64, 1e12, 321])
def test_vus_refuses_a_buffer_past_twice_the_series(window: float) -> None:
    # was: vus_volumes(..., sliding_window=10**12) raised MemoryError / OverflowError (2**64)
    # from numpy instead of the module's InputError naming the argument
    with pytest.raises(InputError, match=r"^sliding_window: at most 320 steps .* got "):
        vus_volumes(_Y, _S, window, 8)


def test_vus_takes_a_buffer_of_twice_the_series() -> None:
    # the bound itself is still computed
    assert vus_volumes(_Y, _S, 320, 8)["vus_pr"] is not None


def test_vus_default_buffer_still_taken_on_a_short_series() -> None:
    # the bound must not refuse TSB-AD's default 100 on a series shorter than 50 steps
    m = timeseries_metrics([0, 0, 1, 1, 1, 1, 0, 0], [0, .1, .2, .9, .3, .2, .1, 0],
                           [0, 0, 0, 1, 0, 0, 0, 0])
    assert m["vus_pr"] is not None and m["vus_sliding_window"] == 100


def _jsonl(frame: pd.DataFrame, path: Path) -> Path:
    """``frame`` as JSON lines (a missing cell as null), the way a shipper writes it."""
    with path.open("w") as f:
        for r in frame.to_dict("records"):
            f.write(json.dumps({k: None if isinstance(v, float) and np.isnan(v) else v
                                for k, v in r.items()}) + "\n")
    return path


@pytest.fixture(scope="module")
def entity_case(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An entity-bucket model (entity ``host``) and 30 rows whose host is 'N/A', 'null', '?' or
    missing in 13 of them, as CSV and as JSON lines."""
    folder = tmp_path_factory.mktemp("entity")
    rng = np.random.default_rng(0)
    n = 600
    train = pd.DataFrame({"host": rng.choice(["a", "b", "c"], n),
                          "ts": pd.date_range("2024-01-01", periods=n, freq="10s").astype(str),
                          "bytes": rng.lognormal(5, 1, n).round(1)})
    train.to_csv(folder / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(folder / "train.csv"), "--entity-col", "host",
                              "--timestamp-col", "ts", "--bucket", "5min", "--epochs", "1",
                              "--hidden", "4,2", "-o", str(folder / "m"), "-q"])
    assert res.exit_code == 0, res.output
    test = train.head(30).copy()
    test.loc[:9, "host"] = ["N/A", "null", "?", "N/A", "null", "?", "N/A", "N/A", "N/A", "?"]
    test.loc[10:12, "host"] = None
    test.to_csv(folder / "test.csv", index=False)
    return {"model": folder / "m", "csv": folder / "test.csv",
            "jsonl": _jsonl(test, folder / "test.jsonl"), "folder": folder}


def _score(model: Path, data: Path, out: Path) -> pd.DataFrame:
    res = runner.invoke(app, ["score", str(model), str(data), "-o", str(out)])
    assert res.exit_code == 0, res.output
    return pd.read_csv(out, keep_default_na=False)


def test_entity_spelled_missing_is_the_missing_entity_in_json_lines(entity_case: dict[str, Path]) -> None:
    # was: from JSON lines an entity 'N/A' (or 'null', '?') was an entity of its own, where
    # the same rows of a CSV were the entity '<missing>': another bucket, another score
    folder = entity_case["folder"]
    from_csv = _score(entity_case["model"], entity_case["csv"], folder / "csv.csv")
    from_json = _score(entity_case["model"], entity_case["jsonl"], folder / "json.csv")
    assert from_csv["entity"].tolist() == ["<missing>", "a", "b", "c"]
    pd.testing.assert_frame_equal(from_json, from_csv)


def test_entity_spelled_missing_in_stream_and_service(entity_case: dict[str, Path]) -> None:
    # was: the stream and the service grouped 'N/A' as an entity; the stream counted only the
    # null and blank ones as rows without an entity (3, not 13)
    from tests._serve import AUTH, client_of

    lines = entity_case["jsonl"].read_text()
    res = runner.invoke(app, ["stream", str(entity_case["model"])], input=lines)
    assert res.exit_code == 0, res.output
    assert "13 row(s) without a 'host' value" in res.stderr
    streamed = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    assert {r["entity"] for r in streamed} <= {"<missing>", "a", "b", "c"}
    rows = [json.loads(x) for x in lines.splitlines()]
    with client_of(entity_case["model"]) as c:
        r = c.post("/score", json={"rows": rows}, headers=AUTH)
    assert r.status_code == 200, r.text
    buckets = r.json()["buckets"]
    assert [b["entity"] for b in buckets] == ["<missing>", "a", "b", "c"]
    assert buckets[0]["rows"] == 13


@pytest.fixture(scope="module")
def session_case(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A log model of an event table (``--session-col u --key-col e``) and six events whose
    session is 'N/A', 'null' or '?' in four, as CSV and as JSON lines."""
    folder = tmp_path_factory.mktemp("sessions")
    pd.DataFrame({"u": [f"u{i % 4}" for i in range(40)], "e": list("abcd") * 10,
                  "t": range(40)}).to_csv(folder / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(folder / "train.csv"), "--model", "deeplog",
                              "--session-col", "u", "--key-col", "e", "--timestamp-col", "t",
                              "--epochs", "1", "-o", str(folder / "m"), "-q"])
    assert res.exit_code == 0, res.output
    test = pd.DataFrame([("N/A", "a", 1), ("N/A", "b", 2), ("x", "a", 3), ("null", "c", 4),
                         ("?", "a", 5), ("x", "b", 6)], columns=["u", "e", "t"])
    test.to_csv(folder / "test.csv", index=False)
    return {"model": folder / "m", "csv": folder / "test.csv",
            "jsonl": _jsonl(test, folder / "test.jsonl"), "folder": folder}


def test_session_spelled_missing_is_no_session_in_json_lines(session_case: dict[str, Path]) -> None:
    # was: from JSON lines 'N/A', 'null' and '?' named sessions of their own; a CSV reads them as
    # missing: the events have no session id
    folder = session_case["folder"]
    from_csv = _score(session_case["model"], session_case["csv"], folder / "csv.csv")
    from_json = _score(session_case["model"], session_case["jsonl"], folder / "json.csv")
    assert from_csv["session"].tolist() == ["x"]
    pd.testing.assert_frame_equal(from_json, from_csv)


def test_session_spelled_missing_in_the_service(session_case: dict[str, Path]) -> None:
    # was: the service answered sessions 'N/A', 'null' and '?'
    from tests._serve import AUTH, client_of

    rows = [json.loads(x) for x in session_case["jsonl"].read_text().splitlines()]
    with client_of(session_case["model"]) as c:
        r = c.post("/score", json={"rows": rows}, headers=AUTH)
    assert r.status_code == 200, r.text
    assert [s["session"] for s in r.json()["sessions"]] == ["x"]
    assert r.json()["parse"]["events_without_session"] == 4


def test_session_spelled_missing_in_training_from_json_lines(session_case: dict[str, Path]) -> None:
    # the grouping itself: a frame (as JSON lines read it) with 'N/A' sessions trains on the
    # sessions a CSV of it gives
    from hourglass.features.sessions import EventSessions

    frame = pd.DataFrame({"u": ["N/A", "x", "null", "x", "?", "y"], "e": list("abcabc")})
    seqs = EventSessions(session_column="u", key_column="e").fit_transform(frame)
    assert len(seqs) == 2


@pytest.fixture(scope="module")
def table_and_log_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A table model and a log model (key sequences) that stream, with an input for each."""
    folder = tmp_path_factory.mktemp("kinds")
    rng = np.random.default_rng(0)
    flows = pd.DataFrame({"bytes": rng.lognormal(5, 1, 300), "pkts": rng.poisson(8, 300)})
    flows.to_csv(folder / "flows.csv", index=False)
    live = flows.head(50).copy()
    live.loc[len(live)] = {"bytes": 1e9, "pkts": 5000}
    res = runner.invoke(app, ["train", str(folder / "flows.csv"), "--epochs", "1", "--hidden", "4,2",
                              "-o", str(folder / "table"), "-q"])
    assert res.exit_code == 0, res.output
    (folder / "keys").write_text("\n".join(["1 2 3 4 5 6"] * 60) + "\n")
    res = runner.invoke(app, ["train", str(folder / "keys"), "--format", "keys", "--model", "deeplog",
                              "--epochs", "3", "--param", "window=3", "--param", "top_g=1",
                              "--hidden", "8", "-o", str(folder / "log"), "-q"])
    assert res.exit_code == 0, res.output
    (folder / "live_keys").write_text("1 2 3 4 5 6\n1 2 4 3 5 6\n1 2 3 9 5 6\n1 2 3\n")
    return {"table": folder / "table", "log": folder / "log", "folder": folder,
            "rows": _jsonl(live, folder / "rows.jsonl"), "keys": folder / "live_keys"}


def test_stream_refuses_appending_alerts_of_another_kind_of_model(
        table_and_log_models: dict[str, Path], tmp_path: Path) -> None:
    # was: a log model's session alerts were appended after a table model's row alerts (and the
    # reverse) without a word: one file of two shapes, neither naming its model
    from tests._cli import one_line_error

    m = table_and_log_models
    table = ["stream", str(m["table"]), "--input", str(m["rows"])]
    log = ["stream", str(m["log"]), "--input", str(m["keys"])]
    out = tmp_path / "alerts.jsonl"
    assert runner.invoke(app, [*table, "-o", str(out)]).exit_code == 0
    before = out.read_bytes()
    assert before
    one_line_error([*log, "-o", str(out)], f"--output {out}: holds row alerts of a table model "
                   "(its last line); this stream writes session alerts of a log model")
    assert out.read_bytes() == before  # nothing appended
    assert runner.invoke(app, [*table, "-o", str(out)]).exit_code == 0  # the same kind appends
    other = tmp_path / "sessions.jsonl"
    assert runner.invoke(app, [*log, "-o", str(other)]).exit_code == 0
    one_line_error([*table, "-o", str(other)], "holds session alerts of a log model (its last "
                   "line); this stream writes row alerts of a table model")
    # a CSV output is refused by its name before anything is made; ECS documents of both mix
    one_line_error([*table, "-o", str(tmp_path / "a.csv")], "stream appends JSON lines, not CSV",
                   tmp_path / "a.csv")
    ecs = tmp_path / "ecs.jsonl"
    assert runner.invoke(app, [*table, "-o", str(ecs), "--alert-format", "ecs"]).exit_code == 0
    res = runner.invoke(app, [*log, "-o", str(ecs), "--alert-format", "ecs"])
    assert res.exit_code == 0, res.output


def test_kept_field_named_like_another_kinds_does_not_change_the_kind() -> None:
    # the kind is told by the fields written first: a table alert keeping a column 'session'
    # is still a table model's
    from hourglass.cli.stream import _alert_kind

    assert _alert_kind({"row": 1, "score": 2.0, "session": "s", "line": 3}) == "table"
    assert _alert_kind({"entity": "a", "bucket_start": "2024-01-01", "row": 2}) == "entity"
