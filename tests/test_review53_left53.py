"""Review round 53 (left53): items earlier rounds noticed and left alone, decided on evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hourglass.errors import InputError
from hourglass.ingest.cloudtrail import CLOUDTRAIL
from hourglass.ingest.okta import OKTA


def _okta(i: int, published: bool) -> dict[str, object]:
    event: dict[str, object] = {"uuid": f"u{i}", "eventType": "user.session.start",
                                "actor": {"type": "User", "alternateId": f"user{i % 3}@example.com"}}
    if published:
        event["published"] = f"2026-01-05T08:00:{i % 60:02d}.000Z"
    return event


def _trail(i: int, time: bool) -> dict[str, object]:
    event: dict[str, object] = {"eventName": "GetObject", "eventSource": "s3.amazonaws.com",
                                "awsRegion": "eu-west-1"}
    if time:
        event["eventTime"] = f"2026-01-05T08:00:{i % 60:02d}Z"
    return event


@pytest.mark.parametrize(("spec", "make", "field"), [(OKTA, _okta, "published"),
                                                     (CLOUDTRAIL, _trail, "eventTime")])
def test_required_fields_same_whatever_the_chunk_size(tmp_path: Path, spec, make, field) -> None:
    # What was wrong: Okta/Entra/GCP/Kubernetes audit files had their required fields checked in
    # every chunk, CloudTrail in the first only: events lacking 'published' after the first
    # 16 MiB were scored when read in one chunk but stopped "no 'published' field; is this an
    # Okta System Log?" with a small --chunk-mb (stream takes such events); the reverse (the
    # first chunk's events lack it, later ones have it) was refused or taken by chunk size too.
    # A file is refused only when none of its events has the field, whatever the chunks.
    for name, flags in (("late", [True] * 200 + [False] * 200), ("early", [False] * 200 + [True] * 200)):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps(make(i, f)) + "\n" for i, f in enumerate(flags)))
        whole = sum(len(df) for df in spec.iter_chunks(path))
        cut = [len(df) for df in spec.iter_chunks(path, chunk_bytes=2048)]
        assert len(cut) > 2 and sum(cut) == whole == 400, name
    other = tmp_path / "flows.jsonl"  # another kind of file: refused at its first chunk, by name
    other.write_text("".join(json.dumps({"bytes": i, "proto": "tcp"}) + "\n" for i in range(400)))
    with pytest.raises(InputError, match=f"no '{field}' field; is this"):
        next(iter(spec.iter_chunks(other, chunk_bytes=2048)))
    none = tmp_path / "none.jsonl"
    none.write_text("".join(json.dumps(make(i, False)) + "\n" for i in range(400)))
    for size in (2048, 16 << 20):
        with pytest.raises(InputError, match=f"no '{field}' field; is this"):
            list(spec.iter_chunks(none, chunk_bytes=size))


def test_score_takes_an_optional_column_no_row_has_as_stream_and_the_service_do(tmp_path: Path) -> None:
    # What was wrong: a column with missing values in training ('"optional": true' in /health)
    # may be left out of every row sent to stream or the service (scored as missing), but
    # `hourglass score` of a JSON-lines file none of whose rows has it stopped with
    # "column(s) the model needs are missing: opt". It is scored as missing there too, with the
    # service's scores; a required column no row has is still refused.
    import numpy as np
    import pandas as pd
    from typer.testing import CliRunner

    from hourglass.cli.app import app
    from hourglass.serve import TableScorer
    from tests._serve import optional_field_model

    pipe, train = optional_field_model(tmp_path, epochs=2)
    rows = [{"bytes": float(b), "port": float(p)} for b, p in zip(train["bytes"][:20], train["port"][:20],
                                                                   strict=True)]
    data = tmp_path / "new.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = CliRunner().invoke(app, ["score", str(tmp_path / "m"), str(data), "-o", str(tmp_path / "s.csv"),
                                   "-q"])
    assert res.exit_code == 0, res.output
    got = pd.read_csv(tmp_path / "s.csv")["score"].to_numpy()
    want = np.asarray(TableScorer.from_pipeline(pipe).score(rows)["scores"])
    np.testing.assert_allclose(got, want, rtol=1e-5)
    data.write_text("".join(json.dumps({"bytes": r["bytes"], "opt": 1.0}) + "\n" for r in rows))
    res = CliRunner().invoke(app, ["score", str(tmp_path / "m"), str(data), "-o", str(tmp_path / "t.csv")])
    assert res.exit_code == 2 and "column(s) the model needs are missing: port" in res.output
    assert not (tmp_path / "t.csv").exists()


def test_cli_lines_quoting_a_file_name_escape_its_control_characters(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: error lines show a path's control characters escaped (on_screen), but the
    # CLI's other lines printed them raw: `score ... -o $'x\x1b[2Jy.csv'` wrote "wrote
    # x<ESC>[2Jy.csv", an escape sequence that clears the analyst's terminal, as did
    # report_skipped's "skipped 1 malformed row(s) in DATA" for such a DATA, and a newline in a
    # name broke the line in two. The consoles now escape them as the error lines do.
    import io

    from hourglass.cli import _output
    from hourglass.ingest import ReadStats

    name = tmp_path / "x\x1b[2Jy\rz\u202e.csv"
    for console in ("out", "err"):
        fake = _output._Console(file=io.StringIO(), soft_wrap=True, markup=False, width=300)
        monkeypatch.setattr(_output, console, fake)
    _output.say_wrote(name)
    _output.report_skipped(ReadStats(bad_rows=1), name)
    monkeypatch.setattr("sys.argv", ["hourglass", "train", "-o", f"{tmp_path}/m\nx"])  # (as typed)
    _output.err.print(f"model saved to {tmp_path}/m\nx")
    text = _output.out.file.getvalue() + _output.err.file.getvalue()
    assert "\x1b" not in text and "\r" not in text and "\u202e" not in text, repr(text)
    assert text.count("x\\x1b[2Jy\\x0dz\\u202e.csv") == 2, text
    assert len(text.splitlines()) == 3 and "m\\x0ax" in text, text


def test_time_parsing_quiets_pandas_notes_in_its_own_thread_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: reading times (every model with a time column: the service's entity and
    # series models, per request, in worker threads) wrapped pandas in warnings.catch_warnings()
    # + simplefilter("ignore", UserWarning), which changes the whole process' filters: another
    # thread's warnings (hourglass' own advice is a UserWarning) were ignored meanwhile, and two
    # threads that parsed times at once restored each other's copies, leaving "ignore
    # UserWarning" in the filters for good. Now quiet_warnings ignores them in its own thread.
    import threading
    import warnings

    import pandas as pd

    from hourglass import _times

    real = pd.to_datetime
    inside, done = threading.Event(), threading.Event()

    def slow(*args: object, **kwargs: object) -> object:  # A waits inside its quiet block
        inside.set()
        done.wait(10)
        return real(*args, **kwargs)

    values = pd.Series(["2026-01-05 08:00:00", "not a time"])
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="probe")
        before = list(warnings.filters)
        monkeypatch.setattr(pd, "to_datetime", slow)
        a = threading.Thread(target=_times._coerced, args=(values, {}))
        a.start()
        assert inside.wait(10)
        raised = []
        try:
            warnings.warn("probe from another thread", UserWarning, stacklevel=1)
        except UserWarning:
            raised.append(True)
        done.set()
        a.join(10)
        monkeypatch.setattr(pd, "to_datetime", real)
        assert raised, "another thread's warning was ignored while a time column was read"
        # two threads reading times at once leave the filters as they found them
        threads = [threading.Thread(target=lambda: [_times._coerced(values, {}) for _ in range(30)])
                   for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert list(warnings.filters) == before


def test_threads_of_one_in_process_command_do_not_carry_into_the_next() -> None:
    # What was wrong: `hourglass --threads 1 ...` run in-process (typer's app called from a
    # notebook or tests) left torch on 1 thread after it returned: the next command without
    # --threads, and the caller's own torch work, ran on it (the default takes at most torch's
    # count, so it never came back), slower and rounding sums otherwise. The count is put back
    # when the command closes.
    import torch
    from typer.testing import CliRunner

    from hourglass.cli.app import app

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        res = CliRunner().invoke(app, ["--threads", "1", "models"], env={"OMP_NUM_THREADS": "2"})
        assert res.exit_code == 0, res.output
        assert torch.get_num_threads() == 2
        res = CliRunner().invoke(app, ["models"], env={"OMP_NUM_THREADS": "2"})
        assert res.exit_code == 0 and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_a_full_disk_cut_back_spares_another_stream_appending_to_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: when the disk filled part-way through a batch, a stream's JSON-lines output
    # was cut back to the file's size before the batch plus its whole lines; a second stream
    # appending to the same file (-o alerts.jsonl of two sensors) that wrote in between had its
    # alert cut in half there (or its whole lines removed), leaving a broken line for the next
    # alert to run into. Each batch's write and cut-back now hold the file's lock (flock), so
    # appending streams take turns.
    import errno
    import os
    import threading

    from hourglass.serve import sinks

    path = tmp_path / "alerts.jsonl"
    a = sinks.JsonLinesSink(open(path, "ab"))
    b = sinks.JsonLinesSink(open(path, "ab"))
    real_write, other_done, calls = os.write, threading.Event(), []

    def other() -> None:
        b.write([{"stream": "b", "row": 1}])
        other_done.set()

    def full_disk(fd: int, data: object) -> int:
        if fd != a.fileno():
            return real_write(fd, data)
        calls.append(1)
        if len(calls) == 1:  # the other stream appends meanwhile (or waits for its turn)
            threading.Thread(target=other).start()
            other_done.wait(0.5)
            return real_write(fd, bytes(memoryview(data)[:15]))  # part of a line, then full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(sinks.os, "write", full_disk)
    with pytest.raises(OSError):
        a.write([{"stream": "a", "row": 1}, {"stream": "a", "row": 2}])
    assert other_done.wait(10)
    monkeypatch.setattr(sinks.os, "write", real_write)
    a.close()
    b.close()
    assert path.read_bytes() == b'{"stream":"b","row":1}\n'  # a's part line cut, b's alert whole


def test_a_table_title_naming_data_escapes_its_control_characters(tmp_path: Path) -> None:
    # What was wrong: the tables' cells showed a value's escape sequences quoted, but a title
    # naming DATA (evaluate's "DATA: threshold ..." metrics table) printed a file name's
    # ESC [2J raw, clearing the analyst's terminal. Titles are escaped as the lines are.
    import io

    from hourglass.cli import _output

    console = _output._Console(file=io.StringIO(), soft_wrap=True, markup=False, width=120)
    table = _output.rich_table("", ["metric", "value"], [["f1", "0.5"]])
    table.title = "x\x1b[2Jy.csv: threshold 0.5"  # (as metrics_table titles it)
    console.print(table)
    text = console.file.getvalue()
    assert "\x1b" not in text and "x\\x1b[2Jy.csv: threshold 0.5" in text, text


def test_export_check_data_takes_an_optional_column_no_row_has_as_score_does(tmp_path: Path) -> None:
    # What was wrong: `export --check-data` of a JSON-lines file none of whose rows has a column
    # with missing values in training (optional) stopped with "column(s) the model needs are
    # missing: opt", where score (since this round), stream and the service score such rows
    # with the column missing; a required column no row has is still refused by name.
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    import numpy as np
    import pandas as pd
    from typer.testing import CliRunner

    from hourglass import AutoEncoder, Pipeline
    from hourglass.cli.app import app

    rng = np.random.default_rng(1)
    train = pd.DataFrame({"bytes": rng.exponential(100, 120), "port": rng.choice([22.0, 80.0], 120),
                          "opt": np.where(np.arange(120) % 3 == 0, rng.normal(size=120), np.nan)})
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0, random_state=0)).fit(train).save(tmp_path / "m")
    data = tmp_path / "new.jsonl"
    data.write_text("".join(json.dumps({"bytes": float(b), "port": float(p)}) + "\n"
                            for b, p in zip(train["bytes"][:30], train["port"][:30], strict=True)))
    res = CliRunner().invoke(app, ["export", str(tmp_path / "m"), "--onnx", str(tmp_path / "m.onnx"),
                                   "--check-data", str(data), "-q"])
    assert res.exit_code == 0, res.output
    data.write_text("".join(json.dumps({"bytes": float(b)}) + "\n" for b in train["bytes"][:30]))
    res = CliRunner().invoke(app, ["export", str(tmp_path / "m"), "--onnx", str(tmp_path / "n.onnx"),
                                   "--check-data", str(data), "-q"])
    assert res.exit_code == 2 and "column(s) the model needs are missing: port" in res.output
    assert not (tmp_path / "n.onnx").exists()
