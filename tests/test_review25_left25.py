"""Review 25 (left25): a stream whose output failed, Ctrl-C while the CLI imports, a saved
model's preprocessing settings of the wrong type."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hourglass.cli import app
from tests._cli import runner
from tests.test_stream import _flows

ATTACK = {"proto": "tcp", "bytes": 1e7, "duration": 1.0, "rate": 40.0}
SRC = str(Path(__file__).resolve().parents[1] / "src")
ENV = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
       "OMP_NUM_THREADS": "1"}


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("left25")
    _flows(300, 0).to_csv(d / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(d / "train.csv"), "-o", str(d / "model"), "--hidden", "8,4",
                              "--epochs", "2", "--label-col", "label", "--normal", "benign", "-q"])
    assert res.exit_code == 0, res.output
    return d / "model"


def _attacks(n: int) -> bytes:
    return "".join(json.dumps(ATTACK) + "\n" for _ in range(n)).encode()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a disk that is full)")
def test_a_full_disk_summary_says_how_many_alerts_were_written(model: Path) -> None:
    # the summary after 'no space left on device' said "streamed 100 rows, 100 flagged" as if
    # the alerts were written, although none was
    for extra in ([], ["--group-by", "proto"]):
        res = subprocess.run([sys.executable, "-m", "hourglass", "stream", str(model), "-o",
                              "/dev/full", "--batch", "100", *extra],
                             input=_attacks(300), capture_output=True, env=ENV, timeout=120)
        err = res.stderr.decode()
        assert res.returncode == 1 and "Traceback" not in err, err
        assert "error: no space left on device" in err
        assert "the output failed: 0 of " in err and "alerts written" in err, err


def test_a_closed_reader_summary_counts_only_the_alerts_written(model: Path) -> None:
    # a reader that closed the pipe after the first batch: the summary counted every flagged
    # row of the batch that could not be written too
    code = ("import sys; sys.stdin.buffer.readline(); sys.stdin.close()")
    reader = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE)
    try:
        res = subprocess.run([sys.executable, "-m", "hourglass", "stream", str(model), "--batch", "100",
                              "--max-delay-ms", "0"],
                             input=_attacks(3000), stdout=reader.stdin, stderr=subprocess.PIPE,
                             env=ENV, timeout=120)
    finally:
        assert reader.stdin is not None
        reader.stdin.close()
        reader.wait(timeout=60)
    err = res.stderr.decode()
    assert res.returncode == 1 and "output closed by its reader; stopping" in err, err
    summary = next(line for line in err.splitlines() if line.startswith("streamed "))
    flagged = int(summary.split(" flagged")[0].rsplit(" ", 1)[1].replace(",", ""))
    written, offered = summary.split("the output failed: ")[1].split(" alerts")[0].split(" of ")
    assert int(offered.replace(",", "")) == flagged
    assert int(written.replace(",", "")) < flagged and int(written.replace(",", "")) % 100 == 0


def test_a_sink_counts_what_it_wrote() -> None:
    # (the counts the summary reads) a write that failed was counted as written
    import io

    from hourglass.serve.sinks import JsonLinesSink

    class Full(io.BytesIO):
        def flush(self) -> None:
            if self.getvalue():
                raise OSError(28, "No space left on device")

    sink = JsonLinesSink(io.BytesIO())
    sink.write([{"row": 1}, {"row": 2}])
    assert (sink.offered, sink.written, sink.failed) == (2, 2, False)
    full = JsonLinesSink(Full())
    with pytest.raises(OSError):
        full.write([{"row": 1}])
    assert (full.offered, full.written, full.failed) == (1, 0, True)


@pytest.mark.parametrize("start", [
    "import sys; from hourglass.cli import main; READY; sys.exit(main())",  # the console script
    # __main__.py's own code, as 'python -m hourglass' runs it once the interpreter and runpy
    # have found it (a signal before that, in Python's start-up, is no hourglass code's to catch)
    "import sys, hourglass.cli; p = hourglass.cli.__file__.replace('cli/__init__.py', "
    "'__main__.py'); c = compile(open(p).read(), p, 'exec'); READY; exec(c, {'__name__': '__main__'})",
], ids=["console-script", "python-m"])
def test_ctrl_c_while_the_cli_imports_is_one_line_and_exit_130(start: str) -> None:
    # Ctrl-C while hourglass.cli imported its app (and while typer built the command, before
    # click handles Ctrl-C) was a bare KeyboardInterrupt traceback
    import signal
    import time

    from tests._procs import sigint_default

    code = start.replace("READY", "sys.stderr.write('ready\\n'); sys.stderr.flush()")
    one_line = ("error: interrupted before the command finished; no output was written (models and "
                "files appear only when complete)\n")
    outcomes = set()
    for delay in (0.0, 0.02, 0.05, 0.08, 0.12, 0.16, 0.2, 0.3):
        proc = subprocess.Popen([sys.executable, "-c", code, "--version"], env=ENV,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                preexec_fn=sigint_default)
        assert proc.stderr is not None
        assert proc.stderr.readline() == b"ready\n"  # the entry point has started importing
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        text = err.decode()
        if text == ('Traceback (most recent call last):\n  File "<string>", line 1, in <module>\n'
                    "KeyboardInterrupt\n"):
            continue  # the signal came in this harness's own frame (just before or after main())
        assert "Traceback" not in text, text
        if proc.returncode == 130:  # (on a loaded machine the signal may come just after the
            # version was printed, before the process ended: the line is still the one line)
            assert text == one_line and (out == b"" or out.startswith(b"hourglass ")), out
        else:  # it finished first (the signal may then end it at exit, quietly)
            assert proc.returncode in (0, -signal.SIGINT) and out.startswith(b"hourglass "), (
                proc.returncode, text)
        outcomes.add(proc.returncode)
    assert 130 in outcomes


def test_the_entry_module_gives_the_typer_app_however_imported() -> None:
    # the Ctrl-C guard wraps the app's import in 'hourglass.cli': 'app' is still the typer app
    code = ("import hourglass.cli as c; import hourglass.cli.app; from hourglass.cli import app; "
            "print(type(app).__name__, type(c.app).__name__)")
    res = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, timeout=120)
    assert res.stdout.decode().split() == ["Typer", "Typer"], res.stderr.decode()


def _sessions_state() -> dict:  # type: ignore[type-arg]
    from hourglass.features.sessions.events import EventSessions

    return EventSessions(format="keys").fit(None).to_dict()


@pytest.mark.parametrize(("edit", "field"), [
    (lambda p: {"params": []}, "features.params must be an object, got list"),
    (lambda p: {"params": {k: v for k, v in p.items() if k != "format"}},
     "features.params.format is missing"),
    (lambda p: {"params": {**p, "format": 5}}, "features.params.format must be text, got 5"),
    (lambda p: {"params": {**p, "session_regex": 5}}, "features.params.session_regex must be text"),
    (lambda p: {"params": {**p, "session_column": ["a"]}}, "features.params.session_column must be text"),
])
def test_a_log_models_settings_of_the_wrong_kind_are_refused_at_load(edit: object, field: str) -> None:
    # a hand-edited config.json (params [], format deleted or 5) loaded with the defaults or
    # the number; 'score' then blamed the user's options (sessions: give exactly one of ...)
    from hourglass.errors import InputError
    from hourglass.features.sessions.events import EventSessions

    state = _sessions_state()
    with pytest.raises(InputError, match="session preprocessing state is malformed") as info:
        EventSessions.from_dict({**state, **edit(state["params"])})  # type: ignore[operator]
    assert field in str(info.value)
    assert EventSessions.from_dict(state).format == "keys"  # as saved: loads


def test_a_series_models_timestamp_column_of_the_wrong_kind_is_refused_at_load() -> None:
    # timestamp_col [] or 5 (the column saved as 'ts') loaded; scoring refused the data later
    import pandas as pd

    from hourglass.errors import InputError
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    df = pd.DataFrame({"ts": pd.date_range("2026-01-01", periods=6, freq="s"), "a": [1.0, 2, 3, 4, 5, 6]})
    state = TimeSeriesPreprocessor(timestamp_col="ts").fit(df).to_dict()
    for value, says in (([], "timestamp_col must be text or an integer (a column's name), got []"),
                        (5, "timestamp_col 5 is not the timestamp column saved last in features.columns")):
        with pytest.raises(InputError, match="preprocessing state is malformed") as info:
            TimeSeriesPreprocessor.from_dict({**state, "params": {**state["params"], "timestamp_col": value}})
        assert says in str(info.value)
    with pytest.raises(InputError, match=r"features\.params must be an object"):
        TimeSeriesPreprocessor.from_dict({**state, "params": []})
    # a column named by a number (a fit through the API on such a table) still loads
    numbered = TimeSeriesPreprocessor(timestamp_col=5).fit(df.rename(columns={"ts": 5})).to_dict()
    assert TimeSeriesPreprocessor.from_dict(numbered).timestamp_col == 5
    assert TimeSeriesPreprocessor.from_dict(state).timestamp_col == "ts"


def test_score_names_the_model_and_the_field_and_exits_2(tmp_path: Path) -> None:
    # the CLI: a series model whose timestamp_col was edited to [] loaded, and score blamed the data
    from tests._artefacts import rehashed
    from tests._warm_series import series_parent

    parent = series_parent(tmp_path)
    bad = rehashed(parent["model"], tmp_path / "bad",
                   lambda c: c["features"]["params"].__setitem__("timestamp_col", []))
    res = runner.invoke(app, ["score", str(bad), str(parent["new"]), "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert (f"{bad}: preprocessing state is malformed (features.params.timestamp_col must be "
            "text") in res.stderr
    assert not (tmp_path / "o.csv").exists()
