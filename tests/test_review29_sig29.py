"""Review 29 (sig29): a command interrupted at any moment, by SIGHUP as a closed terminal sends it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP") or os.name != "posix",
                                reason="POSIX signals")

_RUN = """
import os, signal, sys
{patch}
from hourglass.cli.app import main
sys.argv = ["hourglass", *{argv!r}]
main()
"""


def _run(tmp_path: Path, patch: str, argv: list[str], stdin: bytes = b"",
         hup: Any = signal.SIG_DFL) -> subprocess.CompletedProcess[bytes]:
    import hourglass

    env = dict(os.environ, TMPDIR=str(tmp_path / "tmp"), OMP_NUM_THREADS="1",
               PYTHONPATH=str(Path(hourglass.__file__).resolve().parents[1]))  # this checkout's
    (tmp_path / "tmp").mkdir()
    script = _RUN.format(patch=textwrap.dedent(patch), argv=argv)
    return subprocess.run([sys.executable, "-c", script], input=stdin, capture_output=True,
                          env=env, cwd=tmp_path, timeout=120,
                          preexec_fn=lambda: signal.signal(signal.SIGHUP, hup))


_HUP_IN_SPOOL = """
import hourglass.cli._spool as spool
_orig = spool._json_lines
def _json_lines(*a):
    signal.raise_signal(signal.SIGHUP)
    return _orig(*a)
spool._json_lines = _json_lines
"""


def test_sighup_removes_the_copy_of_stdin(tmp_path: Path) -> None:
    # SIGHUP (the terminal closed, an ssh session gone) killed the process on the spot, as
    # kill -9 does: the copy of standard input stayed in $TMPDIR (hourglass-stdin-*) and nothing
    # was said; it now unwinds as SIGTERM does, then the process ends by SIGHUP
    res = _run(tmp_path, _HUP_IN_SPOOL, ["inspect", "-"], b"a,b\n1,2\n3,4\n")
    assert res.returncode == -signal.SIGHUP, res.stderr
    assert list((tmp_path / "tmp").iterdir()) == []
    lines = res.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "stopped by SIGHUP before the command finished" in lines[0], lines


def test_sighup_removes_the_hidden_output(tmp_path: Path) -> None:
    # the output being written beside its final name (.report.json.XXXX.tmp) was left behind
    (tmp_path / "d.csv").write_text("a,b\n1,2\n3,4\n")
    patch = """
    _replace = os.replace
    def replace(src, dst, *a, **k):
        if str(src).endswith(".tmp"):
            signal.raise_signal(signal.SIGHUP)
        return _replace(src, dst, *a, **k)
    os.replace = replace
    """
    res = _run(tmp_path, patch, ["inspect", "d.csv", "--json", "report.json"])
    assert res.returncode == -signal.SIGHUP, res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "tmp"]
    assert b"Traceback" not in res.stderr


def test_an_ignored_sighup_stays_ignored(tmp_path: Path) -> None:
    # (pins what the fix must keep) under nohup SIGHUP is ignored: the command runs on to its end
    res = _run(tmp_path, _HUP_IN_SPOOL, ["inspect", "-"], b"a,b\n1,2\n3,4\n", hup=signal.SIG_IGN)
    assert res.returncode == 0, res.stderr
    assert list((tmp_path / "tmp").iterdir()) == []


def test_sighup_ends_a_stream_as_sigterm_does(tmp_path: Path) -> None:
    # a stream killed by SIGHUP mid-run lost the lines read but not scored and its summary; it
    # now ends as on SIGTERM (the lines read scored, the summary), then by SIGHUP
    import pandas as pd

    from hourglass.detectors import AutoEncoder
    from hourglass.features import TabularPreprocessor
    from hourglass.pipeline import Pipeline

    df = pd.DataFrame(np.random.default_rng(0).normal(size=(300, 3)), columns=["a", "b", "c"])
    Pipeline(detector=AutoEncoder(hidden=(4,), epochs=2, random_state=0, verbose=0),
             features=TabularPreprocessor()).fit(df).save(tmp_path / "m")
    rows = "".join(json.dumps(r) + "\n" for r in df.head(20).to_dict("records"))
    patch = """
    import hourglass.cli.stream as st
    _orig = st._parse
    def _parse(*a, **k):
        signal.raise_signal(signal.SIGHUP)
        return _orig(*a, **k)
    st._parse = _parse
    """
    res = _run(tmp_path, patch, ["stream", str(tmp_path / "m"), "--all"], rows.encode())
    assert res.returncode == -signal.SIGHUP, res.stderr
    assert b"streamed 20 rows" in res.stderr and b"Traceback" not in res.stderr
    assert len(res.stdout.decode().splitlines()) == 20


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_after_the_output_is_in_place_does_not_say_none_was_written(
        tmp_path: Path, signum: int) -> None:
    # Ctrl-C or SIGTERM after the output was renamed into place, while the command still printed
    # its table (explain -o: seconds of it), said "no output was written" beside a complete file;
    # it now names the file written in full
    (tmp_path / "d.csv").write_text("a,b\n1,2\n3,4\n")
    patch = f"""
    import hourglass.cli.info as info
    _orig = info.table_console
    def table_console(*a, **k):
        signal.raise_signal({int(signum)})
        return _orig(*a, **k)
    info.table_console = table_console
    """
    res = _run(tmp_path, patch, ["inspect", "d.csv", "--json", "report.json"])
    assert res.returncode == (-signal.SIGTERM if signum == signal.SIGTERM else 130), res.stderr
    assert "n_features" in json.loads((tmp_path / "report.json").read_text())
    lines = res.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "no output was written" not in lines[0], lines
    assert lines[0].endswith("before the command finished; report.json written in full"), lines


def test_serve_shuts_down_gracefully_on_sighup(monkeypatch: pytest.MonkeyPatch) -> None:
    # SIGHUP (its terminal closed) ended `serve` mid-request, as kill -9 does, or (once SIGHUP
    # unwound commands) as an exception raised inside uvicorn's loop, a traceback; uvicorn's
    # graceful shutdown now runs first, as on SIGTERM, and the process then ends by SIGHUP
    import types

    from hourglass.cli import _output
    from hourglass.cli.serve import run_server

    calls: list[str] = []

    class Server:
        def __init__(self, config: object) -> None:
            self.started = True

        def handle_exit(self, sig: int, frame: object) -> None:
            calls.append(f"shutdown {signal.Signals(sig).name}")

        def run(self, sockets: object = None) -> None:
            signal.raise_signal(signal.SIGHUP)
            calls.append("served")

    fake = types.SimpleNamespace(Server=Server, Config=lambda app, **k: None)
    monkeypatch.setitem(sys.modules, "uvicorn", fake)
    before = signal.signal(signal.SIGHUP, _output._on_sigterm)  # as the console script sets it
    _output._SIGTERM["seen"] = False
    try:
        run_server(object(), [])
        assert calls == ["shutdown SIGHUP", "served"]
        assert _output.sigterm_seen() and _output.sigterm_name() == "SIGHUP"
    finally:
        signal.signal(signal.SIGHUP, before)
        _output._SIGTERM.update(seen=False, signal=signal.SIGTERM)


def test_sigterm_as_the_final_rename_returns_names_the_output(tmp_path: Path) -> None:
    # SIGTERM arriving just as the output was renamed into place (the file complete) said "no
    # output was written"
    (tmp_path / "d.csv").write_text("a,b\n1,2\n3,4\n")
    patch = """
    _replace = os.replace
    def replace(src, dst, *a, **k):
        _replace(src, dst, *a, **k)
        if str(src).endswith(".tmp"):
            signal.raise_signal(signal.SIGTERM)
    os.replace = replace
    """
    res = _run(tmp_path, patch, ["inspect", "d.csv", "--json", "report.json"])
    assert res.returncode == -signal.SIGTERM, res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "report.json", "tmp"]
    assert "n_features" in json.loads((tmp_path / "report.json").read_text())
    lines = res.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith("report.json written in full"), lines


def test_sigterm_during_the_closing_clean_up_still_removes_the_copy_of_stdin(tmp_path: Path) -> None:
    # SIGTERM that came as the command closed, while its copy of standard input was being
    # removed, left the copy in $TMPDIR: it was taken off the list before it was deleted
    patch = """
    import hourglass.cli._spool as spool
    _rmtree = spool.shutil.rmtree
    sent = []
    class _Shutil:
        def __getattr__(self, name):
            return getattr(__import__("shutil"), name)
        @staticmethod
        def rmtree(path, *a, **k):
            if not sent:  # (one signal: a second SIGTERM ends the process at once)
                sent.append(1)
                signal.raise_signal(signal.SIGTERM)
            return _rmtree(path, *a, **k)
    spool.shutil = _Shutil()
    """
    res = _run(tmp_path, patch, ["inspect", "-"], b"a,b\n1,2\n3,4\n")
    assert res.returncode == -signal.SIGTERM, res.stderr
    assert list((tmp_path / "tmp").iterdir()) == []
    assert b"Traceback" not in res.stderr


def test_the_placed_outputs_do_not_grow_in_a_long_lived_process() -> None:
    # What was wrong: every Pipeline.save and table write noted its path in a module-level list
    # that only the CLI clears, so a notebook or service saving models for days grew it forever
    from hourglass import _placed

    _placed.placed_outputs()
    for i in range(1000):
        _placed.note_placed(f"model-{i}")
    kept = _placed.placed_outputs()
    assert len(kept) == 64 and kept[-1] == "model-999"
    assert _placed.placed_outputs() == []


def test_ctrl_c_as_a_model_replacing_another_is_renamed_keeps_the_new_one(tmp_path: Path,
                                                                         monkeypatch) -> None:
    # Ctrl-C as the new model folder's rename into place returned sent the save to put the old
    # model back over it, which failed ('Directory not empty'): an OSError instead of the
    # interruption, the old model left aside as .M.old
    import pandas as pd

    from hourglass import AutoEncoder, Pipeline, load
    from hourglass.pipeline import artefact

    df = pd.DataFrame({"a": np.arange(60.0), "b": np.arange(60.0) % 5})
    first = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0)).fit(df)
    second = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0, random_state=1)).fit(df)
    first.save(tmp_path / "m")
    real = os.replace

    def replace(src, dst, *a, **k):
        real(src, dst, *a, **k)
        if Path(dst).name == "m" and ".m." in Path(src).name and not Path(src).name.endswith(".old"):
            raise KeyboardInterrupt

    monkeypatch.setattr(artefact.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        second.save(tmp_path / "m")
    monkeypatch.setattr(artefact.os, "replace", real)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]
    np.testing.assert_array_equal(load(tmp_path / "m").score(df), second.score(df))
