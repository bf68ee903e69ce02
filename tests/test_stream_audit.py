"""``hourglass stream`` run the way it runs in production: long lines, bad rows skipped, an
appended output file, SIGTERM from systemd or docker, Ctrl-C while a batch waits."""

from __future__ import annotations

import io
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hourglass.cli import app
from hourglass.cli.stream import LineBatcher
from tests._cli import runner
from tests._procs import interrupt, reaped, sigint_default, taken_in
from tests.test_stream import _flows

ATTACK = {"proto": "tcp", "bytes": 1e7, "duration": 1.0, "rate": 40.0}
SRC = str(Path(__file__).resolve().parents[1] / "src")


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("stream_audit")
    _flows(300, 0).to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "-o", str(d / "model"), "--hidden", "8,4",
                              "--epochs", "2", "--label-col", "label", "--normal", "benign", "-q"])
    assert res.exit_code == 0, res.output
    return d / "model"


def _lines(*rows: object) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)


def _alerts(text: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_a_very_long_line_is_read_in_linear_time() -> None:
    # a minified JSON export is one line of many megabytes: reading it piece by piece once cost
    # its length squared (28 s for 40 MB)
    data = b'{"a": "' + b"x" * 40_000_000 + b'"}\n{"b": 1}'
    start = time.process_time()  # CPU seconds (all threads), not inflated by load
    batches = [[getattr(line, "length", len(line)) for _, line in b]  # past 16 MiB: counted, not kept
               for b in LineBatcher(io.BytesIO(data).read, size=4, max_delay=0.2)]
    assert batches == [[40_000_009, 8]]
    assert time.process_time() - start < 5


def test_a_backlog_goes_in_full_batches_even_with_no_delay() -> None:
    # with --max-delay-ms 0 every batch was one line, queued lines or not: 336 rows/s instead
    # of 20,000 on a 3,000-row file
    lines = [b'{"n": %d}\n' % i for i in range(100)]
    parts = [b"".join(lines[:20]), b"".join(lines[20:])]
    queued = threading.Event()

    def read(n: int) -> bytes:
        if len(parts) == 1:  # the reader has queued what the queue holds (20 lines): it asks for
            queued.set()  # more only then (a fixed sleep for it was a guess at the time)
        return parts.pop(0) if parts else b""

    batcher = LineBatcher(read, size=10, max_delay=0)
    assert queued.wait(60)
    sizes = [len(b) for b in batcher]
    assert sizes[0] == 10 and sum(sizes) == 100


def test_skip_counts_rows_the_model_refuses_and_scores_the_others(model: Path) -> None:
    # text or true/false in a numeric column and a missing column stopped the stream even with
    # --on-bad-rows skip
    text = _lines(ATTACK, {**ATTACK, "bytes": "big"}, "null", {**ATTACK, "bytes": True},
                  {k: v for k, v in ATTACK.items() if k != "rate"}, ATTACK)
    for extra in ([], ["--batch", "1"], ["--group-by", "proto", "--group-window", "100"]):
        res = runner.invoke(app, ["stream", str(model), "--on-bad-rows", "skip", *extra], input=text)
        assert res.exit_code == 0, res.output
        assert "streamed 2 rows" in res.stderr and "2 flagged" in res.stderr
        assert "skipped 4 malformed line(s) (lines 2, 3, 4, 5)" in res.stderr
        got = _alerts(res.stdout)
        # (data rows since review 24: the four skipped lines keep theirs)
        assert (got[0]["count"], got[0]["last_row"]) == (2, 5) if extra[:1] == ["--group-by"] else \
            [a["row"] for a in got] == [0, 5]


def test_a_grouped_stream_stopped_by_a_bad_line_writes_the_groups_of_the_rows_before_it(
        model: Path) -> None:
    # the flagged rows before the bad line were counted in the summary, but their open group
    # was never written
    no_proto = {k: v for k, v in ATTACK.items() if k != "proto"}
    for bad, said in (("{not json", "line 3: not valid JSON"),
                      (no_proto, "no field 'proto' on <stdin> line 3")):
        res = runner.invoke(app, ["stream", str(model), "--group-by", "proto", "--group-window", "100"],
                            input=_lines(ATTACK, ATTACK, bad, ATTACK))
        assert res.exit_code == 2 and said in res.stderr, res.output
        assert [(g["proto"], g["count"]) for g in _alerts(res.stdout)] == [("tcp", 2)]
        assert "2 flagged" in res.stderr and "-> 1 alert " in res.stderr


def test_appending_to_a_file_whose_last_line_is_unended_starts_a_new_line(model: Path,
                                                                          tmp_path: Path) -> None:
    # the first alert ran into the last line of a stream killed while writing
    out = tmp_path / "alerts.jsonl"
    out.write_text('{"row": 7, "score": 1.5}\n{"row": 8, "sco')
    res = runner.invoke(app, ["stream", str(model), "-o", str(out)], input=_lines(ATTACK))
    assert res.exit_code == 0, res.output
    lines = out.read_text().splitlines()
    assert lines[:2] == ['{"row": 7, "score": 1.5}', '{"row": 8, "sco']
    assert json.loads(lines[2])["row"] == 0 and len(lines) == 3


def _waiting_stream(model: Path, *args: str) -> subprocess.Popen[bytes]:
    """A stream (batches of 3 rows, or what came within a minute) whose first batch is written
    (with --group-by: in windows of 3 rows) and whose fourth row waits in the next batch."""
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "hourglass", "stream", str(model), "--batch", "3",
                             "--max-delay-ms", "60000", *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            preexec_fn=sigint_default)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(_lines(ATTACK, ATTACK, ATTACK).encode())
    proc.stdin.flush()
    ready, _, _ = select.select([proc.stdout], [], [], 120)  # the model is loaded: alerts came
    assert ready, "no alert within 120 s"
    proc.stdin.write(_lines(ATTACK).encode())
    proc.stdin.flush()
    assert taken_in(proc), "the fourth row not read within 60 s"  # waiting for its batch to fill
    return proc


def test_ctrl_c_scores_the_rows_already_read_before_the_summary(model: Path) -> None:
    # the rows waiting for their batch to fill were dropped: their alerts never came out
    with reaped(_waiting_stream(model)) as proc:
        err = interrupt(proc).decode()
        out = proc.stdout.read().decode() if proc.stdout is not None else ""
    assert proc.returncode == 130, err
    assert [a["row"] for a in _alerts(out)] == [0, 1, 2, 3]
    assert "streamed 4 rows" in err and "Traceback" not in err


def test_sigterm_ends_the_stream_as_ctrl_c_does_then_by_the_signal(model: Path) -> None:
    # systemd and 'docker stop' send SIGTERM: the process died at once, without the summary,
    # the waiting rows or the open groups
    with reaped(_waiting_stream(model, "--group-by", "proto", "--group-window", "3")) as proc:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        out = proc.stdout.read().decode() if proc.stdout is not None else ""
        err = proc.stderr.read().decode() if proc.stderr is not None else ""
    assert proc.returncode == -signal.SIGTERM, err  # exit status 143 in a shell: a clean stop
    assert [(g["count"], g["last_row"]) for g in _alerts(out)] == [(3, 2), (1, 3)]
    assert "streamed 4 rows" in err and "-> 2 alerts" in err and "Traceback" not in err


def _strict(text: str) -> list[dict]:  # type: ignore[type-arg]
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} is no JSON")

    return [json.loads(line, parse_constant=refuse) for line in text.splitlines() if line.strip()]


def test_alerts_are_strict_json_when_a_kept_field_is_nan_or_infinity(model: Path) -> None:
    # a --keep field of NaN or Infinity (Python's json reads them) went out as bare NaN/Infinity,
    # which a SIEM's JSON reader refuses
    text = _lines(ATTACK).replace("}", ', "src": NaN, "x": [Infinity, 1]}')
    for extra in ([], ["--group-by", "proto"], ["--alert-format", "ecs"]):
        res = runner.invoke(app, ["stream", str(model), "--keep", "src", "--keep", "x", *extra], input=text)
        assert res.exit_code == 0, res.output
        (alert,) = _strict(res.stdout)
        kept = alert["hourglass"]["fields"] if extra[-1:] == ["ecs"] else alert
        assert kept["src"] is None and kept["x"] in ([None, 1], "[null, 1]")


def test_a_json_array_of_rows_is_refused_with_how_to_send_it(model: Path) -> None:
    res = runner.invoke(app, ["stream", str(model)], input=f"[{json.dumps(ATTACK)}, {json.dumps(ATTACK)}]\n")
    assert res.exit_code == 2 and res.stdout == ""
    (line,) = res.stderr.strip().splitlines()
    assert "line 1: expected a JSON object, got an array of objects" in line and "jq -c '.[]'" in line


def test_a_number_of_more_digits_than_python_reads_is_a_bad_line(model: Path) -> None:
    # json raised a ValueError that is no JSONDecodeError: one line without the line's number
    huge = json.dumps(ATTACK).replace("40.0", "1" + "0" * 5000)
    res = runner.invoke(app, ["stream", str(model)], input=_lines(ATTACK, "") + huge + "\n")
    assert res.exit_code == 2 and len(_alerts(res.stdout)) == 1
    assert "error: <stdin>: line 3: not valid JSON (Exceeds the limit" in res.stderr
    assert "set_int_max_str_digits" not in res.stderr
    res = runner.invoke(app, ["stream", str(model), "--on-bad-rows", "skip"], input=huge + "\n")
    assert res.exit_code == 0 and "skipped 1 malformed line(s) (lines 1)" in res.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a disk that is full)")
def test_a_full_disk_is_one_line_and_no_traceback(model: Path) -> None:
    # the output file's close after the failed write raised again: a traceback after the line
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "OMP_NUM_THREADS": "1"}
    res = subprocess.run([sys.executable, "-m", "hourglass", "stream", str(model), "-o", "/dev/full"],
                         input=_lines(ATTACK).encode(), capture_output=True, env=env, timeout=120)
    err = res.stderr.decode()
    assert res.returncode == 1 and "Traceback" not in err, err
    assert "error: no space left on device" in err and "streamed 1 row from" in err


def test_the_sqlite_doc_column_is_strict_json_too(model: Path, tmp_path: Path) -> None:
    import sqlite3

    text = _lines(ATTACK).replace("}", ', "x": Infinity}')
    out = tmp_path / "alerts.sqlite"
    res = runner.invoke(app, ["stream", str(model), "--keep", "x", "--alert-format", "ecs", "-o", str(out)],
                        input=text)
    assert res.exit_code == 0, res.output
    conn = sqlite3.connect(out)
    try:
        (doc,) = conn.execute("SELECT doc FROM alerts").fetchone()
    finally:
        conn.close()
    assert _strict(doc)[0]["hourglass"]["fields"]["x"] is None


def test_a_grouped_stream_stopped_by_a_missing_keep_field_writes_the_groups_before_it(
        model: Path) -> None:
    # the flagged rows of the batch before the line were neither counted nor written
    with_ip = {**ATTACK, "src_ip": "10.0.0.7"}
    res = runner.invoke(app, ["stream", str(model), "--group-by", "proto", "--keep", "src_ip"],
                        input=_lines(with_ip, with_ip, ATTACK, with_ip))
    assert res.exit_code == 2 and "--keep: no field 'src_ip' on <stdin> line 3" in res.stderr
    assert [(g["count"], g["src_ip"]) for g in _alerts(res.stdout)] == [(2, "10.0.0.7")]
    assert "streamed 2 rows" in res.stderr and "2 flagged" in res.stderr


def test_a_row_without_a_readable_time_stops_a_grouped_stream_after_the_rows_before_it(
        model: Path) -> None:
    # the whole batch was dropped; with --on-bad-rows skip the row is scored as score scores it,
    # a flagged one written at once as its own alert (no window, no time)
    rows = [{**ATTACK, "ts": f"2024-01-01T00:0{i}:00"} for i in range(3)]
    text = _lines(rows[0], rows[1], {**ATTACK, "ts": "soon"}, rows[2])
    args = ["stream", str(model), "--group-by", "proto", "--timestamp-col", "ts"]
    res = runner.invoke(app, args, input=text)
    assert res.exit_code == 2 and "line 3 is not a timestamp ('soon')" in res.stderr, res.output
    assert [(g["count"], g["last_time"]) for g in _alerts(res.stdout)] == [(2, "2024-01-01T00:01:00")]
    for batch in ("1024", "1"):
        res = runner.invoke(app, [*args, "--on-bad-rows", "skip", "--batch", batch], input=text)
        assert res.exit_code == 0 and "malformed" not in res.stderr, res.output
        assert "(first: line 3, 'soon')" in res.stderr, res.stderr
        assert [(g["count"], g["last_time"]) for g in _alerts(res.stdout)] == [
            (1, None), (3, "2024-01-01T00:02:00")]
