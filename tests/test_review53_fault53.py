"""Review round 53 (fault53): faults injected into the reads and writes of the CLI's outputs —
a disk's I/O error on a write or a rename, a model's save — end in one line naming the user's
path, exit code 2, the old output kept whole and no temporary file left."""

from __future__ import annotations

import errno
import io
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests._cli import console_refusal, runner, small_labelled_model


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("fault53"))


def _eio(*_: Any, **__: Any) -> None:
    raise OSError(errno.EIO, os.strerror(errno.EIO))


class _FailingFile(io.FileIO):
    """A file opened for writing whose write past ``budget`` bytes fails with a disk's I/O
    error, its first ``budget`` bytes written (a partial temporary file is there then)."""

    budget = 64

    def write(self, data: Any) -> int:
        if len(data) > _FailingFile.budget:
            super().write(bytes(data)[:_FailingFile.budget])
            _eio()
        _FailingFile.budget -= len(data)
        return super().write(data)


def _failing_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
    if "w" not in mode and "a" not in mode:
        return open(file, mode, *args, **kwargs)
    raw = _FailingFile(file, mode.replace("t", "").replace("b", "") or "w")
    return raw if "b" in mode else io.TextIOWrapper(raw, encoding=kwargs.get("encoding") or "utf-8")


def _one_line(res: Any) -> str:
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert "Traceback" not in res.stderr and len(lines) == 1, res.stderr
    return lines[0]


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))



def _mkdtemp_refused(monkeypatch: pytest.MonkeyPatch, tried: str) -> str:
    """Make ``tempfile.mkdtemp`` refuse (EACCES, naming the folder ``tried``); the cause said."""
    def refused(*args: Any, **kwargs: Any) -> str:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), tried)

    monkeypatch.setattr(tempfile, "mkdtemp", refused)
    return os.strerror(errno.EACCES)

def test_io_error_writing_an_output_is_one_line_naming_it(trained: dict[str, Any], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: an output write that failed with anything but a full disk (EIO from a
    # failing disk, ESTALE on NFS, ...) escaped as a traceback with exit code 1 from every
    # command (score -o, explain -o, evaluate --json, export --onnx, train -o, ...), and the
    # error named no file. Now it is one line naming the output, exit code 2; the old output is
    # kept whole and the temporary file removed.
    import hourglass.ingest.writers as writers

    out = tmp_path / "scores.csv"
    out.write_text("old\n")
    _FailingFile.budget = 64
    monkeypatch.setattr(writers, "open", _failing_open, raising=False)
    res = runner.invoke(__import__("hourglass.cli", fromlist=["app"]).app,
                        ["score", str(trained["model"]), str(trained["data"]), "-o", str(out)])
    assert res.exit_code == 2, res.output
    assert _one_line(res) == f"error: {out}: Input/output error"
    assert out.read_text() == "old\n" and _hidden(tmp_path) == []


def test_io_error_renaming_an_output_into_place_is_one_line(trained: dict[str, Any], tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: the rename that puts a finished output in place failing with EIO was a
    # traceback (exit code 1). Now it is one line naming the output, exit code 2, nothing left.
    from hourglass.cli import app

    out = tmp_path / "metrics.json"
    monkeypatch.setattr(os, "replace", _eio)
    res = runner.invoke(app, ["evaluate", str(trained["model"]), str(trained["data"]), "--label-col",
                              "label", "--normal", "normal", "--json", str(out)])
    assert res.exit_code == 2, res.output
    assert _one_line(res) == f"error: {out}: Input/output error"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fault", ["write", "rename"])
def test_a_model_save_that_fails_names_the_model_not_its_hidden_folder(
        trained: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str) -> None:
    # What was wrong: a model save (train -o, threshold -o) whose file write failed said a bare
    # 'error: Input/output error' (a traceback before the fix above), and one whose write or
    # rename into place was refused named the save's hidden temporary folder, gone by the time
    # the line is read ('error: /x/.m2.or92oxdu/weights.safetensors: Permission denied'). Now
    # the line names the model folder given; a model there before is kept whole.
    import shutil

    from hourglass.cli import app
    from tests._cli import digest

    out = tmp_path / "m2"
    if fault == "write":  # (a rename of the new model to a free name: none there before)
        shutil.copytree(trained["model"], out)
    before = digest(out) if out.exists() else None
    if fault == "write":
        def refused(self: Path, data: bytes) -> int:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))

        monkeypatch.setattr(Path, "write_bytes", refused)
    else:
        monkeypatch.setattr(os, "replace", lambda a, b: (_ for _ in ()).throw(
            OSError(errno.EIO, os.strerror(errno.EIO), str(a), None, str(b))))
    res = runner.invoke(app, ["threshold", str(trained["model"]), "--threshold", "percentile:95",
                              "-o", str(out), "--force", "-q"])
    assert res.exit_code == 2, res.output
    cause = "Permission denied" if fault == "write" else "Input/output error"
    assert _one_line(res) == f"error: {out}: {cause}"
    assert (digest(out) if out.exists() else None) == before and _hidden(tmp_path) == []


@pytest.mark.parametrize("fault", ["close", "ctrl-c"])
def test_no_temporary_file_left_when_the_output_fails_before_its_block(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str) -> None:
    # What was wrong: atomic_output closed the temporary file's descriptor and read the mode of
    # the file replaced after making the temporary file but before the 'try' that removes it: a
    # close that failed (EIO) or a Ctrl-C there left '.metrics.json.XXXXXXXX.tmp' behind
    # (evaluate --json, --report, benchmark --json), and the EIO named no file. Now the file is
    # removed whatever happens, and the error names the output.

    import hourglass.ingest.readers as readers

    out = tmp_path / "metrics.json"
    if fault == "close":
        made: list[int] = []
        real_mkstemp, real_close = tempfile.mkstemp, os.close

        def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
            fd, name = real_mkstemp(*args, **kwargs)
            made.append(fd)
            return fd, name

        def close(fd: int) -> None:
            real_close(fd)
            if fd in made:
                made.remove(fd)
                _eio()

        monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
        monkeypatch.setattr(os, "close", close)
        with pytest.raises(OSError) as raised, readers.atomic_output(out):
            pass
        assert raised.value.errno == errno.EIO and raised.value.filename == str(out)
    else:
        def interrupted(target: Path) -> int:
            raise KeyboardInterrupt

        monkeypatch.setattr(readers, "_replaced_mode", interrupted)
        with pytest.raises(KeyboardInterrupt), readers.atomic_output(out):
            pass
    assert list(tmp_path.iterdir()) == []


def test_stream_output_io_error_names_the_file_and_says_the_summary(
        trained: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: 'stream -o FILE' whose append failed with EIO (not a full disk) ended in a
    # traceback (a bare 'error: Input/output error' after the first fix above), without the
    # summary that says how many alerts were written, which a full disk gives. Now: one line
    # naming the file, the summary ('the output failed: N of M alerts written'), exit code 2;
    # the alerts of the batches before stay, whole lines.
    import json

    import hourglass.serve.sinks as sinks
    from hourglass.cli import app

    events = tmp_path / "events.jsonl"
    frame = trained["frame"].drop(columns="label")
    frame.to_json(events, orient="records", lines=True)
    out = tmp_path / "alerts.jsonl"
    real = sinks._write_whole_lines
    calls = {"n": 0}

    def second_fails(fd: int, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            _eio()
        real(fd, data)

    monkeypatch.setattr(sinks, "_write_whole_lines", second_fails)
    res = runner.invoke(app, ["stream", str(trained["model"]), "-i", str(events), "-o", str(out),
                              "--all", "--batch", "100"])
    assert res.exit_code == 2, res.output
    assert _one_line(res) == f"error: {out}: Input/output error"
    assert "the output failed: 100 of 200 alerts written" in res.stderr, res.stderr
    assert [json.loads(line)["row"] for line in out.read_text().splitlines()] == list(range(100))


def _copy_fails_to_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
    if "w" in mode:
        _eio()
    return open(file, mode, *args, **kwargs)


@pytest.mark.parametrize("fault", ["mkdtemp", "open"])
def test_a_folder_copy_that_cannot_be_made_is_said_as_such(
        trained: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any,
        fault: str) -> None:
    # What was wrong: DATA given as a folder is first copied to one file in the system's
    # temporary folder. The copy's folder refused (EACCES) was a PermissionError traceback naming
    # the random folder name tried; the copy's file failing to open (EIO) blamed the input:
    # 'DATA: cannot read (Input/output error)'. Now both are one line saying the copy could not
    # be written in the temporary folder, and why.

    import hourglass.cli._spool as spool

    folder = tmp_path / "flows"
    folder.mkdir()
    trained["frame"].to_csv(folder / "a.csv", index=False)
    if fault == "mkdtemp":
        cause = _mkdtemp_refused(monkeypatch, "/tmp/hourglass-folder-x1")
    else:
        monkeypatch.setattr(spool, "open", _copy_fails_to_open, raising=False)
        cause = "Input/output error"
    line = console_refusal(["score", str(trained["model"]), str(folder), "-o", str(tmp_path / "s.csv")],
                           capsys, monkeypatch)
    assert f"{folder}: cannot write its copy in {tempfile.gettempdir()} ({cause}); set TMPDIR to " \
           "another folder" in line, line
    assert not (tmp_path / "s.csv").exists()


def test_stdin_copy_io_error_does_not_advise_freeing_space(
        trained: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    # What was wrong: the copy of standard input failing with EIO said '([Errno 5] Input/output
    # error); free space there or set TMPDIR': Python's repr of the error, and advice for a full
    # disk that mends no I/O error. Now the system's words and, for a failure other than a full
    # disk, 'set TMPDIR to another folder'.
    import hourglass.cli._spool as spool

    _FailingFile.budget = 64
    monkeypatch.setattr(spool, "open", _failing_open, raising=False)
    stdin = io.TextIOWrapper(io.BytesIO(trained["data"].read_bytes()), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", stdin)
    line = console_refusal(["score", str(trained["model"]), "-", "-o", str(tmp_path / "s.csv")],
                           capsys, monkeypatch)
    assert "'-': cannot write the copy of standard input in " in line, line
    assert "(Input/output error); set TMPDIR to another folder" in line, line
    assert "[Errno" not in line and "free space" not in line


@pytest.mark.parametrize("name", ["config.json", "weights.safetensors"])
def test_a_model_file_that_fails_to_read_is_named(trained: dict[str, Any], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    # What was wrong: a model's config.json or weights.safetensors whose read failed with EIO (a
    # failing disk, a stale NFS handle) was a traceback (a bare 'error: Input/output error' after
    # the first fix above): no file named. Now 'error: MODEL/FILE: cannot read (Input/output
    # error)', exit code 2, for every command that loads a model.
    from hourglass.cli import app

    model = trained["model"]
    if name == "config.json":
        real_open = Path.open

        def failing_open(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            fh = real_open(self, mode, *args, **kwargs)
            return _UnreadableFile(fh) if self.name == name else fh

        monkeypatch.setattr(Path, "open", failing_open)
    else:
        real_read = Path.read_bytes
        monkeypatch.setattr(Path, "read_bytes",
                            lambda self: _eio() if self.name == name else real_read(self))
    res = runner.invoke(app, ["score", str(model), str(trained["data"]), "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 2, res.output
    assert _one_line(res) == f"error: {model / name}: cannot read (Input/output error)"
    assert list(tmp_path.iterdir()) == []


class _UnreadableFile:
    """An open file whose reads fail with a disk's I/O error (its descriptor is the file's)."""

    def __init__(self, fh: Any) -> None:
        self._fh = fh

    def __enter__(self) -> _UnreadableFile:
        return self

    def __exit__(self, *_: Any) -> None:
        self._fh.close()

    def fileno(self) -> int:
        return int(self._fh.fileno())

    def read(self, *_: Any) -> bytes:
        _eio()
        return b""


def test_output_to_standard_output_that_fails_names_it(trained: dict[str, Any], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: an output of '-' (or a named pipe, a device) is built in a temporary file
    # and copied out at the end; a copy that failed with EIO (a terminal hung up, a device's
    # error) was a traceback, then a bare 'error: Input/output error' naming nothing. Now
    # 'error: standard output: Input/output error' (a pipe or device: its path), exit code 2.
    import shutil

    from hourglass.cli import app

    monkeypatch.setattr(shutil, "copyfileobj", _eio)
    res = runner.invoke(app, ["score", str(trained["model"]), str(trained["data"]), "-o", "-"])
    assert res.exit_code == 2, res.output
    assert _one_line(res) == "error: standard output: Input/output error"


class _FailingRaw(io.RawIOBase):
    """A stream whose writes fail with a disk's I/O error (standard output redirected to a
    file on a failing disk, a terminal hung up)."""

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        _eio()
        return 0


def test_a_command_whose_printing_fails_names_standard_output(monkeypatch: pytest.MonkeyPatch,
                                                              capsys: Any) -> None:
    # What was wrong: 'hourglass models > file' (or evaluate's, explain's table) whose write
    # failed with EIO was a traceback from inside rich, then a bare 'error: Input/output
    # error' naming nothing. Now 'error: standard output: Input/output error', exit code 2.
    import sys

    capsys.readouterr()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BufferedWriter(_FailingRaw()), encoding="utf-8"))
    line = console_refusal(["models"], capsys, monkeypatch)
    assert line == "error: standard output: Input/output error"


def test_outputs_and_models_reach_the_disk_before_their_rename(trained: dict[str, Any], tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: the README says a power cut leaves the old output or model whole, yet a
    # finished output (and a model's files and folder) was renamed into place without an
    # fsync: a file system may then persist the rename before the data, so that after a power
    # cut the name holds an empty or partial file and the old one is gone. Each is now synced
    # before its rename.
    import hourglass
    from hourglass.ingest import atomic_output

    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src: Any, dst: Any) -> None:
        events.append(("replace", str(src)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    with atomic_output(tmp_path / "out.csv") as tmp:
        tmp.write_text("a\n")
    assert events == [("fsync", str(tmp)), ("replace", str(tmp))]
    events.clear()
    hourglass.load(trained["model"]).save(tmp_path / "m")
    renamed = next(src for op, src in events if op == "replace")
    synced = [path for op, path in events[:events.index(("replace", renamed))] if op == "fsync"]
    assert synced == [f"{renamed}/weights.safetensors", f"{renamed}/config.json", renamed], events


def test_a_parquet_output_failing_while_it_retypes_names_the_output(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: a Parquet output whose first chunk left a column empty is copied under
    # the typed schema once a later chunk has values there, through a '.retype' file beside the
    # temporary one; a failure there (EIO, EACCES) named that hidden file,
    # '.alerts.parquet.k2j3abcd.tmp.retype: Input/output error', not the output. Now the output.
    import pandas as pd

    import hourglass.ingest.writers as writers
    from hourglass.ingest.writers import chunk_writer

    def failing_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if str(file).endswith(".retype"):
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(file))
        return open(file, mode, *args, **kwargs)

    out = tmp_path / "alerts.parquet"
    monkeypatch.setattr(writers, "open", failing_open, raising=False)
    with pytest.raises(OSError) as raised, chunk_writer(out) as writer:
        writer.write(pd.DataFrame({"row": [0], "port": [None]}))
        writer.write(pd.DataFrame({"row": [1], "port": [443]}))
    assert raised.value.filename == str(out) and raised.value.errno == errno.EIO
    assert list(tmp_path.iterdir()) == []


def test_a_federated_save_that_fails_on_a_site_leaves_the_earlier_models(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: FederatedServer.save saved the shared model, then each site's, one after
    # the other: a full disk (or an I/O error) on the last site's left this run's shared model
    # beside an earlier run's model of that site, the mix its docstring says a save must never
    # leave. Now every model is written before any is put in place: the earlier run's stay.
    import numpy as np
    import pandas as pd

    from hourglass.detectors import AutoEncoder
    from hourglass.distributed.federated import FederatedServer, Site
    from tests._cli import digest

    def server(seed: int) -> FederatedServer:
        det = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=seed)
        rng = np.random.default_rng(seed)
        return FederatedServer(det, rounds=1).run(
            [Site(pd.DataFrame({"a": rng.normal(size=50), "b": rng.normal(size=50)}), det, name=n)
             for n in ("east", "west")])

    paths = server(0).save(tmp_path / "model")
    before = {key: digest(p) for key, p in paths.items()}
    real = Path.write_bytes

    def full_at_west(self: Path, data: bytes) -> int:
        if self.parent.name.startswith(".model-site-west."):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full_at_west)
    with pytest.raises(OSError) as raised:
        server(1).save(tmp_path / "model")
    assert raised.value.errno == errno.ENOSPC
    assert {key: digest(p) for key, p in paths.items()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model", "model-site-east", "model-site-west"]


@pytest.mark.parametrize("fault", ["mkdtemp", "write"])
def test_output_to_standard_output_built_in_a_failing_temporary_folder(
        trained: dict[str, Any], monkeypatch: pytest.MonkeyPatch, fault: str) -> None:
    # What was wrong: 'score -o -' builds its data in the system's temporary folder first. That
    # folder refusing the copy's folder named the random name tried, gone by then ('error:
    # /tmp/hourglass-output-v8uqx8rw: Permission denied'); a write there failing with EIO named
    # nothing ('error: Input/output error'). Now the line names the temporary folder.

    import hourglass.ingest.writers as writers
    from hourglass.cli import app

    if fault == "mkdtemp":
        cause = _mkdtemp_refused(monkeypatch, "/tmp/hourglass-output-x1")
    else:
        _FailingFile.budget = 64
        monkeypatch.setattr(writers, "open", _failing_open, raising=False)
        cause = "Input/output error"
    res = runner.invoke(app, ["score", str(trained["model"]), str(trained["data"]), "-o", "-"])
    assert res.exit_code == 2, res.output
    assert _one_line(res) == f"error: {tempfile.gettempdir()}: {cause}"


def test_no_memory_left_from_the_system_is_the_out_of_memory_line(
        trained: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: an OSError ENOMEM ('Cannot allocate memory', from a mapping or a write the
    # kernel had no memory for) was a traceback, and the I/O fallback of this round would have
    # blamed the output file for it ('scores.csv: Cannot allocate memory', exit code 2). It is
    # the out-of-memory line with the command's advice, exit code 1, as a MemoryError is.
    import hourglass.ingest.writers as writers
    from hourglass.cli import app

    def no_memory(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOMEM, os.strerror(errno.ENOMEM))

    monkeypatch.setattr(writers.ChunkWriter, "write", no_memory)
    out = tmp_path / "scores.csv"
    res = runner.invoke(app, ["score", str(trained["model"]), str(trained["data"]), "-o", str(out)])
    assert res.exit_code == 1, res.output
    assert _one_line(res) == "error: out of memory: free some memory, or give a smaller --chunk-mb"
    assert list(tmp_path.iterdir()) == []


def test_a_model_whose_config_cannot_be_read_is_not_taken_for_no_model(
        trained: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    # What was wrong: is_artefact took any error reading a folder's config.json for 'no model
    # there': an EIO made 'threshold -o M2' (train -o, a save) over a saved model say 'M2: exists
    # and is not a model directory', and a DATA folder holding such a config.json, once it said
    # so, was a traceback from the DATA check. A failed read is now said as such, in one line.
    import shutil

    from hourglass.cli import app

    out = tmp_path / "m2"
    shutil.copytree(trained["model"], out)
    real = Path.read_text

    def failing(self: Path, *args: Any, **kwargs: Any) -> str:
        if self == out / "config.json":
            _eio()
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", failing)
    res = runner.invoke(app, ["threshold", str(trained["model"]), "--threshold", "percentile:95",
                              "-o", str(out), "-q"])
    assert res.exit_code == 2, res.output
    assert _one_line(res) == f"error: --output {out}/config.json: cannot read (Input/output error)"
    line = console_refusal(["score", str(trained["model"]), str(out), "-o", str(tmp_path / "s.csv")],
                           capsys, monkeypatch)
    assert f"{out}/config.json: cannot read (Input/output error)" in line, line


def test_stream_to_standard_output_that_fails_names_it(trained: dict[str, Any], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    # What was wrong: 'stream' writing its alerts to standard output (no -o) that failed with
    # EIO (a terminal hung up, a redirect to a failing disk) ended in a bare 'error:
    # Input/output error' (a traceback before this round). Now 'error: standard output:
    # Input/output error', with the summary, exit code 2.
    import sys

    from hourglass.cli import main

    events = tmp_path / "events.jsonl"
    trained["frame"].drop(columns="label").to_json(events, orient="records", lines=True)
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BufferedWriter(_FailingRaw()), encoding="utf-8"))
    monkeypatch.setattr(sys, "argv", ["hourglass", "stream", str(trained["model"]), "-i", str(events),
                                      "--all"])
    with pytest.raises(SystemExit) as ended:
        main()
    err = capsys.readouterr().err
    assert ended.value.code == 2, err
    assert [ln for ln in err.splitlines() if ln.startswith("error:")] == [
        "error: standard output: Input/output error"], err
    assert "the output failed: 0 of 300 alerts written" in err, err
