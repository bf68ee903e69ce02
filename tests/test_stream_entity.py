"""``hourglass stream`` of an entity-bucket model: rows into (entity, bucket) accumulators closed by
an event-time watermark, one line per closed bucket, equal to ``hourglass score``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from hourglass.ingest.synthetic import port_scan_flows
from tests._cli import runner

FAST = ["--epochs", "20", "--hidden", "16,8", "-q"]


def _jsonl(df: pd.DataFrame, path: Path) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in df.to_dict("records")))  # floats round-trip
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("entity_stream")
    train, _ = port_scan_flows(hosts=5, days=1.5, scan_flows=0, seed=1)
    train.to_csv(d / "train.csv", index=False)
    test, scan = port_scan_flows(hosts=5, days=0.7, scan_flows=60, scan_day=0, seed=2)
    test = test.sort_values("ts", kind="stable").reset_index(drop=True)
    test.to_csv(d / "test.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "--entity-col", "src_ip", "--timestamp-col",
                              "ts", "--bucket", "5min", "-o", str(d / "M"), *FAST])
    assert res.exit_code == 0, res.output
    return {"dir": d, "model": d / "M", "csv": d / "test.csv", "jsonl": _jsonl(test, d / "test.jsonl"),
            "scan_start": pd.Timestamp(scan["start"], unit="s").strftime("%Y-%m-%dT%H:%M:%S")}


def _stream(files: dict[str, Path], *args: str, input_text: str | None = None):
    src = [] if input_text is not None else ["--input", str(files["jsonl"])]
    return runner.invoke(app, ["stream", str(files["model"]), *src, *args], input=input_text)


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_stream_equals_score_per_entity_bucket(files: dict[str, Path]) -> None:
    out = files["dir"] / "scored.jsonl"
    res = runner.invoke(app, ["score", str(files["model"]), str(files["csv"]), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    want = {(r["entity"], r["bucket_start"]): r for r in _lines(out.read_text())}
    res = _stream(files, "--all", "--batch", "37")
    assert res.exit_code == 0, res.output
    got_rows = _lines(res.stdout)
    got = {(r["entity"], r["bucket_start"]): r for r in got_rows}
    assert len(got) == len(got_rows) and got.keys() == want.keys()
    keys = sorted(want)
    for field in ("bucket_end", "rows", "flag", "severity"):
        assert [got[k][field] for k in keys] == [want[k][field] for k in keys], field
    # the model scores another batch size: float32 rounding (up to ~2e-6 relative on a GPU, which
    # the calibration's steep parts magnify ~10x)
    for field, rtol in (("score", 1e-5), ("calibrated", 1e-4)):
        np.testing.assert_allclose([got[k][field] for k in keys], [want[k][field] for k in keys],
                                   rtol=rtol, err_msg=field)
    starts = [r["bucket_start"] for r in got_rows]
    assert starts == sorted(starts)  # buckets come out as they close, in time order
    assert f"streamed {len(pd.read_csv(files['csv'])):,} rows" in res.stderr
    assert f"{len(want):,} (entity, 5min bucket) rows scored" in res.stderr
    res = _stream(files)  # flagged buckets only, by default; the port scan among them
    flagged = _lines(res.stdout)
    assert flagged and all(r["flag"] == 1 for r in flagged)
    assert ("10.0.0.3", files["scan_start"]) in {(r["entity"], r["bucket_start"]) for r in flagged}
    assert len(flagged) == sum(r["flag"] for r in want.values())


def test_watermark_closes_buckets_and_drops_late_rows(files: dict[str, Path]) -> None:
    from hourglass.cli.stream_entity import EntityStream
    from hourglass.pipeline import load

    stream = EntityStream(load(files["model"]))  # lateness: one bucket (5 min)
    row = json.loads(files["jsonl"].read_text().splitlines()[0])
    t0 = 1_704_067_200

    def feed(*offsets: float) -> list[str]:
        rows = [{**row, "ts": t0 + o} for o in offsets]
        out, bad = stream.feed(rows, list(range(1, len(rows) + 1)))
        assert bad == []
        return [] if out is None else out["bucket_start"].str[11:16].tolist()

    assert feed(0, 10, 301, 599) == []  # newest 09:59 - 5 min: the 00:00 bucket may still get rows
    assert len(stream.open) == 2
    assert feed(600) == ["00:00"]  # watermark 00:05 reaches its end
    assert feed(5) == [] and stream.counts["late"] == 1  # its bucket is closed: dropped, counted
    assert feed(300) == [] and stream.counts["late"] == 1  # 00:05 is still open
    assert feed(10_000) == ["00:05", "00:10"] and len(stream.open) == 1  # memory: open buckets only
    stream.set_lateness(pd.Timedelta(0))
    assert feed(10_200) == ["02:45"]
    rest = stream.close_all()
    assert rest is not None and rest["bucket_start"].str[11:16].tolist() == ["02:50"] and not stream.open
    assert stream.counts["rows"] == 9 and stream.counts["buckets"] == 5


def test_out_of_order_input_warns_once_and_counts_late_rows(files: dict[str, Path]) -> None:
    lines = files["jsonl"].read_text().splitlines()[:400]
    text = "\n".join([*lines[200:], *lines[:200]]) + "\n"  # the first half arrives late
    res = _stream(files, "--all", "--lateness", "0", input_text=text)
    assert res.exit_code == 0, res.output
    assert res.stderr.count("warning: <stdin>: line 201: late row") == 1  # warned once
    late = int(res.stderr.split(" late row(s) dropped")[0].rsplit(" ", 1)[1].replace(",", ""))
    assert 0 < late <= 200
    assert sum(r["rows"] for r in _lines(res.stdout)) == 400 - late
    res = _stream(files, "--lateness", "soon", input_text=text)
    assert res.exit_code == 2 and "--lateness: expected a time length" in res.stderr


def test_bad_lines_stop_with_their_number_or_are_skipped(files: dict[str, Path]) -> None:
    good = files["jsonl"].read_text().splitlines()[:5]
    row = json.loads(good[0])
    cases = [("{not json", "line 3: not valid JSON"),
             (json.dumps({**row, "ts": "yesterday"}), "column 'ts': line 3 is not a timestamp ('yesterday')"),
             (json.dumps({**row, "ts": None}), "line 3: no field 'ts'"),
             (json.dumps({**row, "bytes": "lots"}), "line 3: field 'bytes' is not a number ('lots')")]
    for bad, message in cases:
        text = "\n".join([*good[:2], bad, *good[2:]]) + "\n"
        res = _stream(files, "--all", input_text=text)
        assert res.exit_code == 2 and message in res.stderr, (message, res.stderr)
        assert "Traceback" not in res.stderr and res.stdout == ""  # its rows' bucket was never closed
        res = _stream(files, "--all", "--on-bad-rows", "skip", input_text=text)
        assert res.exit_code == 0, res.output
        assert sum(r["rows"] for r in _lines(res.stdout)) == 5
        assert "skipped 1 malformed line(s) (lines 3)" in res.stderr
    text = "\n".join([*good[:2], *["{not json"] * 11, *good[2:]]) + "\n"
    res = _stream(files, "--all", "--on-bad-rows", "skip", input_text=text)
    assert res.exit_code == 0 and sum(r["rows"] for r in _lines(res.stdout)) == 5
    assert "skipped 11 malformed line(s) (lines 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 ...)" in res.stderr


def test_stream_explains_flagged_buckets_as_explain_does(files: dict[str, Path]) -> None:
    res = _stream(files, "--explain", "2", "--all")
    assert res.exit_code == 0, res.output
    rows = _lines(res.stdout)
    plain = _lines(_stream(files, "--all").stdout)
    assert [(r["entity"], r["bucket_start"], r["score"], r["flag"]) for r in rows] == \
        [(r["entity"], r["bucket_start"], r["score"], r["flag"]) for r in plain]  # scores unchanged
    assert all((r["why"] is None) == (r["flag"] == 0) for r in rows)
    out = files["dir"] / "why.jsonl"
    res = runner.invoke(app, ["explain", str(files["model"]), str(files["csv"]), "--top", "2",
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    want = {(r["entity"], r["bucket_start"]): r for r in _lines(out.read_text())}
    got = {(r["entity"], r["bucket_start"]): r for r in rows if r["flag"] == 1}
    assert got.keys() == want.keys() and ("10.0.0.3", files["scan_start"]) in got
    assert [got[k]["top_feature"] for k in sorted(got)] == [want[k]["top_feature"] for k in sorted(got)]
    assert "distinct dst_port=" in got[("10.0.0.3", files["scan_start"])]["why"]


def test_options_entity_models_do_not_take_are_refused(files: dict[str, Path]) -> None:
    for args in (["--keep", "proto"], ["--adapt"]):
        res = _stream(files, *args, input_text="")
        assert res.exit_code == 2 and "not available for entity-bucket models" in res.stderr, res.stderr
    res = _stream(files, "--idle-timeout", "0", input_text="")
    said = "--idle-timeout: must be a finite number of seconds > 0, got 0"
    assert res.exit_code == 2 and said in res.stderr, res.stderr
    res = _stream(files, "--alert-format", "ecs", "--all", input_text="")
    assert res.exit_code == 2 and "--alert-format ecs writes alerts only" in res.stderr, res.stderr


def test_idle_timeout_closes_buckets_by_the_wall_clock_and_later_rows_are_late(
        files: dict[str, Path]) -> None:
    """A fake clock: after --idle-timeout seconds without a line, the event time runs on with the
    wall clock from the newest row's arrival, minus the lateness; a row of a bucket closed so is
    late, a row of a later bucket is not."""
    from hourglass.cli.stream_entity import EntityStream
    from hourglass.pipeline import load

    now = [100.0]
    stream = EntityStream(load(files["model"]), idle_timeout=30, clock=lambda: now[0])  # lateness 5 min
    row = json.loads(files["jsonl"].read_text().splitlines()[0])
    t0 = 1_704_067_200

    def feed(*offsets: float) -> list[str]:
        out, bad = stream.feed([{**row, "ts": t0 + o} for o in offsets], list(range(len(offsets))))
        assert bad == []
        return [] if out is None else out["bucket_start"].str[11:16].tolist()

    def tick() -> list[str]:
        out = stream.tick()
        return [] if out is None else out["bucket_start"].str[11:16].tolist()

    assert feed(0, 250, 400) == []  # newest 00:06:40 arrives at wall 100 s; buckets 00:00, 00:05 open
    now[0] = 129.0
    assert tick() == []  # 29 s without a line: not idle yet
    now[0] = 130.0  # idle; event time 00:07:10, watermark 00:02:10: no bucket ends by then
    assert tick() == [] and len(stream.open) == 2
    now[0] = 100.0 + 200  # event time 00:10:00, watermark 00:05:00: the 00:00 bucket is due
    assert tick() == ["00:00"] and list(stream.open) == [(t0 + 300) * 10**9]
    assert feed(100) == [] and stream.counts["late"] == 1  # its bucket was closed: late, counted
    now[0] = 310.0  # the late row was a line: the clock waits for 30 s of quiet again
    assert tick() == []
    now[0] = 341.0
    assert feed(700) == []  # 00:11:40, bucket 00:10: not late (after the last closed bucket)
    assert len(stream.open) == 2
    now[0] = 371.0 + 600  # 10 min after that row: event time 00:21:40, watermark 00:16:40
    assert tick() == ["00:05", "00:10"] and not stream.open
    assert stream.counts["idle_closed"] == 3 and stream.counts["buckets"] == 3
    assert stream.counts["late"] == 1
    assert EntityStream(load(files["model"])).tick() is None  # no --idle-timeout: never


def test_a_quiet_pipe_gets_its_scan_bucket_before_the_input_ends(files: dict[str, Path]) -> None:
    """The real loop on a read() that pauses (a quiet ``tail -F``): with --idle-timeout the scan
    bucket comes out during the pause, not at the end of input; a row for it afterwards is late.
    Without --idle-timeout it comes only at the end of input."""
    import threading
    import time

    from hourglass.cli.stream_entity import EntityStream, run
    from hourglass.pipeline import load

    rows = _lines(files["jsonl"].read_text())
    start = pd.Timestamp(files["scan_start"]).value // 10**9
    end = start + 300
    part1 = [r for r in rows if r["ts"] < end]
    part1.append({**part1[-1], "src_ip": "10.0.0.1", "ts": end - 0.2})  # newest: just before its end
    late = {**part1[-1], "src_ip": "10.0.0.3", "ts": start + 10}
    part2 = [late, *[r for r in rows if r["ts"] >= end][:20]]

    def text(rs: list[dict]) -> bytes:  # type: ignore[type-arg]
        return "".join(json.dumps(r) + "\n" for r in rs).encode()

    pipe = load(files["model"])

    def stream(idle: float | None) -> tuple[bool, EntityStream, list[dict]]:  # type: ignore[type-arg]
        written: list[dict] = []  # type: ignore[type-arg]
        seen = threading.Event()

        class Sink:
            def write(self, docs: list[dict]) -> None:  # type: ignore[type-arg]
                written.extend(docs)
                if any((d["entity"], d["bucket_start"]) == ("10.0.0.3", files["scan_start"]) for d in docs):
                    seen.set()

        chunks = [text(part1), None, text(part2)]
        during_pause = [False]

        def read(_: int) -> bytes:
            if not chunks:
                return b""
            chunk = chunks.pop(0)
            if chunk is None:  # the pause: 1 s of quiet (20 s at most, until the bucket is out)
                during_pause[0] = seen.wait(1.0 if idle is None else 20.0)
                time.sleep(0.3)  # the rows of the pause are fed in a batch of their own
                chunk = chunks.pop(0)
            return chunk

        scorer = EntityStream(pipe, lateness=pd.Timedelta(0), idle_timeout=idle)
        run(scorer, read, Sink(), where="<pipe>", batch=4096, max_delay=0.05, on_bad_rows="error",
            output=None, all_rows=True)
        return during_pause[0], scorer, written

    during, scorer, written = stream(0.2)
    assert during, "the scan bucket did not come out while the input was quiet"
    scan = [d for d in written if (d["entity"], d["bucket_start"]) == ("10.0.0.3", files["scan_start"])]
    assert len(scan) == 1 and scan[0]["flag"] == 1
    assert scorer.counts["late"] == 1 and scorer.counts["idle_closed"] >= 1
    assert scorer.counts["rows"] == len(part1) + len(part2)
    during, scorer, plain = stream(None)
    assert not during and scorer.counts["late"] == 0 and scorer.counts["idle_closed"] == 0
    key = ("10.0.0.3", files["scan_start"])
    assert next(d for d in plain if (d["entity"], d["bucket_start"]) == key)["rows"] == scan[0]["rows"] + 1


def test_idle_timeout_on_a_busy_input_changes_nothing(files: dict[str, Path]) -> None:
    plain = _stream(files, "--all")
    idle = _stream(files, "--all", "--idle-timeout", "3600")
    assert plain.exit_code == idle.exit_code == 0, idle.output
    assert idle.stdout == plain.stdout and "closed by --idle-timeout" not in idle.stderr


def test_stream_and_score_write_ecs_alerts_of_entity_buckets(files: dict[str, Path]) -> None:
    import sqlite3

    from tests.test_ecs import check_document

    model_id = json.loads((files["model"] / "config.json").read_text())["content_hash"]
    plain = _lines(_stream(files, "--explain", "2").stdout)
    res = _stream(files, "--explain", "2", "--alert-format", "ecs")
    assert res.exit_code == 0, res.output
    docs = _lines(res.stdout)
    assert len(docs) == len(plain) > 0
    for doc, alert in zip(docs, plain, strict=True):
        check_document(doc, "hourglass.entity")
        ev = doc["event"]
        start, end = (pd.Timestamp(alert[k]).strftime("%Y-%m-%dT%H:%M:%S.000Z") for k in
                      ("bucket_start", "bucket_end"))
        assert doc["@timestamp"] == ev["start"] == start and ev["end"] == end
        assert ev["duration"] == 300 * 10**9 and "network" in ev["category"]
        assert doc["source"] == {"ip": alert["entity"]} and doc["related"] == {"ip": [alert["entity"]]}
        assert doc["rule"]["id"] == model_id and doc["hourglass"]["timestamp_from"] == "data"
        # the plain alert, under hourglass (but 'flag': every document is an alert, as score's)
        assert "flag" not in doc["hourglass"]
        assert {k: doc["hourglass"][k] for k in alert if k != "flag"} == {k: v for k, v in alert.items()
                                                                         if k != "flag"}
        assert alert["why"] in doc["message"] and f"{alert['rows']} row" in doc["message"]
    scan = [d for d in docs if (d["source"]["ip"], d["hourglass"]["bucket_start"]) ==
            ("10.0.0.3", files["scan_start"])]
    assert len(scan) == 1 and "distinct dst_port=" in scan[0]["message"]
    out = files["dir"] / "buckets.ecs.jsonl"  # score: the same documents, without the explanation
    res = runner.invoke(app, ["score", str(files["model"]), str(files["csv"]), "-o", str(out),
                              "--alert-format", "ecs", "-q"])
    assert res.exit_code == 0, res.output
    scored = _lines(out.read_text())
    for doc in scored:
        check_document(doc, "hourglass.entity")
    assert sorted((d["source"]["ip"], d["@timestamp"], d["event"]["severity"]) for d in scored) == \
        sorted((d["source"]["ip"], d["@timestamp"], d["event"]["severity"]) for d in docs)
    db = files["dir"] / "buckets.ecs.sqlite"
    res = runner.invoke(app, ["score", str(files["model"]), str(files["csv"]), "-o", str(db),
                              "--alert-format", "ecs", "-q"])
    assert res.exit_code == 0, res.output
    with sqlite3.connect(db) as conn:
        got = conn.execute("SELECT timestamp, source_ip, message, doc FROM alerts").fetchall()
    assert len(got) == len(scored) and all(json.loads(d)["event"]["end"] for *_, d in got)
    assert sorted((t, ip) for t, ip, _, _ in got) == \
        sorted((d["@timestamp"], d["source"]["ip"]) for d in scored)


def test_stream_explained_buckets_into_sqlite(files: dict[str, Path]) -> None:
    import sqlite3

    db = files["dir"] / "explained.sqlite"
    res = _stream(files, "--explain", "2", "--all", "-o", str(db))
    assert res.exit_code == 0, res.output
    with sqlite3.connect(db) as conn:
        got = conn.execute("SELECT entity, bucket_start, flag, top_feature, why FROM alerts").fetchall()
    want = _lines(_stream(files, "--explain", "2", "--all").stdout)
    assert got == [(r["entity"], r["bucket_start"], r["flag"], r["top_feature"], r["why"]) for r in want]
    assert any(w is not None for *_, w in got)


def test_stream_to_sqlite(files: dict[str, Path]) -> None:
    import sqlite3

    db = files["dir"] / "alerts.sqlite"
    res = _stream(files, "--all", "-o", str(db))
    assert res.exit_code == 0, res.output
    with sqlite3.connect(db) as conn:
        got = pd.read_sql("SELECT * FROM alerts", conn)
    want = pd.DataFrame(_lines(_stream(files, "--all").stdout))
    assert got[["entity", "bucket_start", "rows", "flag"]].values.tolist() == \
        want[["entity", "bucket_start", "rows", "flag"]].values.tolist()


def test_score_of_a_time_ordered_file_reads_chunks_with_identical_results(
        files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import hourglass.cli.entity as entity_cli
    from hourglass.pipeline import load

    pipe = load(files["model"])
    df = pd.read_csv(files["csv"])
    want_keys, want_X = pipe.features_.transform_with_keys(df)  # the whole file at once
    def chunks(frame: pd.DataFrame) -> list[pd.DataFrame]:
        return [frame.iloc[i:i + 700] for i in range(0, len(frame), 700)]

    done = entity_cli._in_chunks(pipe, chunks(df))
    assert done is not None
    keys, X, n_rows = done
    assert n_rows == len(df) and keys.equals(want_keys) and np.array_equal(X, want_X)
    shuffled = df.sample(frac=1.0, random_state=0)  # out of time order: only a whole read groups it
    assert entity_cli._in_chunks(pipe, chunks(shuffled)) is None
    outs = []
    for size in (20_000, 0):  # small chunks; the readers' default (one chunk here)
        monkeypatch.setattr(entity_cli, "SCORE_CHUNK_BYTES", size)
        out = files["dir"] / f"chunked{size}.jsonl"
        res = runner.invoke(app, ["score", str(files["model"]), str(files["csv"]), "-o", str(out), "-q"])
        assert res.exit_code == 0, res.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and len(_lines(outs[0].decode())) == len(want_keys)
    np.testing.assert_allclose([r["score"] for r in _lines(outs[0].decode())],  # JSON: 15 decimals
                               pipe.detector_.score(want_X), rtol=0, atol=1e-15)
    monkeypatch.setattr(entity_cli, "SCORE_CHUNK_BYTES", 20_000)  # the bad row in a later chunk
    bad = files["dir"] / "bad_late.csv"
    broken = df.astype({"ts": object})
    broken.loc[3000, "ts"] = "yesterday"
    broken.to_csv(bad, index=False)
    res = runner.invoke(app, ["score", str(files["model"]), str(bad), "-o", str(files["dir"] / "x.jsonl")])
    assert res.exit_code == 2 and "column 'ts': line 3002 is not a timestamp" in res.stderr, res.stderr
