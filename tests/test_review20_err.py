"""The CLI's error policy in a hostile environment: unreadable files, interrupted writes,
damaged model folders, as a user meets them from a shell."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hourglass.cli import app
from tests._cli import one_line_error, runner, small_labelled_model

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[bytes]:
    """``python -m hourglass ARGS`` as a process, with ``env`` added to its environment."""
    full = dict(os.environ, OMP_NUM_THREADS="1", **env)
    full["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), full.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "hourglass", *args], cwd=cwd, env=full,
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=120)


def _one_line(res: subprocess.CompletedProcess[bytes], code: int, match: str) -> None:
    text = res.stderr.decode()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert res.returncode == code, text
    assert "Traceback" not in text and len(lines) == 1, text
    assert match in lines[0], lines[0]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("err20"))


@pytest.mark.parametrize("name", ["config.json", "weights.safetensors"])
def test_an_unreadable_model_file_is_named_as_the_system_says(trained: dict[str, Any], name: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A model file without read permission (chmod 000; root reads it anyway, so the refusal is
    simulated): 'm/config.json: Permission denied', not Python's "[Errno 13] Permission denied:
    'm/config.json'"."""
    denied = trained["model"] / name
    real_text, real_bytes, real_open = Path.read_text, Path.read_bytes, Path.open

    def refuse(path: Path) -> None:
        if path == denied:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: refuse(self) or real_text(self, *a, **k))
    monkeypatch.setattr(Path, "read_bytes", lambda self: refuse(self) or real_bytes(self))
    # (the config is opened, its size told, then read bounded)
    monkeypatch.setattr(Path, "open", lambda self, *a, **k: refuse(self) or real_open(self, *a, **k))
    out = trained["folder"] / "unread.csv"
    one_line_error(["score", str(trained["model"]), str(trained["data"]), "-o", str(out)],
                   f"error: {denied}: Permission denied", out)


def test_an_alert_rule_and_an_onnx_export_name_the_model_loaded(trained: dict[str, Any], tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A model retrained in place (``train --force``, ``threshold -o M --force``) while ``score
    --alert-format ecs``, ``stream`` or ``serve`` started, or ``export`` ran: the ECS alerts'
    rule.id and the ONNX metadata's content hash were read from the folder a second time, so they
    named the new model while the alerts and the graph came from the old one."""
    import shutil

    import onnx

    from hourglass.pipeline import artefact, export
    from hourglass.pipeline.artefact import load
    from hourglass.serve.ecs import AlertRule

    model = tmp_path / "m"
    shutil.copytree(trained["model"], model)
    old = load(model)
    (tmp_path / "new").mkdir()
    other = small_labelled_model(tmp_path / "new")["model"]  # the retrained one, put in place
    other_pipe = load(other)
    other_pipe.info["note"] = "retrained"
    other_pipe.save(model)
    assert load(model).artefact_["content_hash"] != old.artefact_["content_hash"]
    assert AlertRule.from_model(model, old).id == old.artefact_["content_hash"]

    real_load = artefact.load

    def replace_then_load(path: Any) -> Any:  # the swap lands between two reads of the folder
        other_pipe.info["note"] = "retrained again"
        other_pipe.save(path)
        return real_load(path)

    monkeypatch.setattr(export, "load", replace_then_load)
    onnx_path = tmp_path / "m.onnx"
    export.export_onnx(model, onnx_path)
    props = {p.key: p.value for p in onnx.load(str(onnx_path)).metadata_props}
    assert props["hourglass.content_hash"] == real_load(model).artefact_["content_hash"]


@pytest.mark.parametrize("value", ["100000", "99999999999999999999"])
def test_a_thread_count_past_any_machine_is_refused(trained: dict[str, Any], value: str) -> None:
    """``HOURGLASS_THREADS=100000``: one line and exit code 2 (was torch starting threads until
    the system refused them: a traceback, then a segmentation fault; a number past 64 bits was
    torch's "Overflow when unpacking long long" traceback)."""
    out = trained["folder"] / "threads.csv"
    res = _run(["score", str(trained["model"]), str(trained["data"]), "-o", str(out)], trained["folder"],
               HOURGLASS_THREADS=value)
    _one_line(res, 2, "HOURGLASS_THREADS")
    assert "less than or equal to 1024" in res.stderr.decode() and not out.exists()


def test_a_file_of_a_folder_that_cannot_be_read_is_named_once(trained: dict[str, Any], tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder DATA holding a file the system refuses to read (chmod 000; root reads it anyway,
    so the refusal is simulated): 'rows: b.csv: cannot read (Permission denied)', not Python's
    "([Errno 13] Permission denied: 'rows/b.csv')" naming it a second time."""
    from hourglass.cli import _spool

    folder = tmp_path / "rows"
    folder.mkdir()
    for name in ("a.csv", "b.csv"):
        (folder / name).write_bytes(trained["data"].read_bytes())
    real_open = _spool._open

    def refuse(path: Path) -> Any:
        if path.name == "b.csv":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path)

    monkeypatch.setattr(_spool, "_open", refuse)
    out = tmp_path / "scores.csv"
    res = runner.invoke(app, ["score", str(trained["model"]), str(folder), "-o", str(out)])
    assert res.exit_code == 2 and not out.exists(), res.output
    assert "cannot read (Permission denied)" in res.stderr and "Errno" not in res.stderr, res.stderr


@pytest.mark.parametrize("pattern", [False, True])
def test_a_dangling_link_in_a_folder_data_is_said(trained: dict[str, Any], tmp_path: Path,
                                                  pattern: bool) -> None:
    """A folder (or pattern) DATA holding a symbolic link to a file rotated away: the link is
    named in a warning, its rows not read (it was left out without a word)."""
    folder = tmp_path / "rows"
    folder.mkdir()
    (folder / "a.csv").write_bytes(trained["data"].read_bytes())
    (folder / "b.csv").symlink_to(tmp_path / "rotated.csv")
    out = tmp_path / "scores.csv"
    data = f"{folder}/*.csv" if pattern else str(folder)
    res = runner.invoke(app, ["score", str(trained["model"]), data, "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "b.csv: a symbolic link to a missing file" in res.stderr and "rotated.csv" in res.stderr
    assert len(out.read_text().splitlines()) == 1 + len(trained["frame"])


def test_the_version_with_standard_output_closed(tmp_path: Path) -> None:
    """``hourglass --version >&-``: one line and exit code 2, as ``models`` and ``formats`` (the
    version went nowhere, exit code 0)."""
    res = subprocess.run([sys.executable, "-m", "hourglass", "--version"], cwd=tmp_path,
                         env=dict(os.environ, PYTHONPATH=os.pathsep.join(
                             [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])),
                         stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120,
                         preexec_fn=lambda: os.close(1))
    _one_line(res, 2, "standard output is closed (the version would go there)")


def test_a_socket_as_data_is_called_a_socket(trained: dict[str, Any], tmp_path: Path) -> None:
    """DATA that is a Unix socket (a log daemon's /dev/log, a collector's): 'a socket, not a data
    file' (was 'not a regular file (a pipe or a device)')."""
    import socket

    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        out = tmp_path / "scores.csv"
        res = runner.invoke(app, ["score", str(trained["model"]), str(path), "-o", str(out)])
    assert res.exit_code == 2 and not out.exists(), res.output
    assert f"{path}: a socket, not a data file" in " ".join(res.stderr.split()), res.stderr


def test_a_model_replaced_while_it_is_read_loads(trained: dict[str, Any], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A model retrained in place (``train --force``) between the reads of its config and its
    weights, as a scoring job started beside a nightly retraining: the new model loads (was
    'content hash mismatch; the artefact was modified or is incomplete, refusing to load it');
    a model whose files disagree for good is still refused."""
    import shutil

    from hourglass.errors import ArtefactError
    from hourglass.pipeline.artefact import load

    model = tmp_path / "m"
    shutil.copytree(trained["model"], model)
    res = runner.invoke(app, ["train", str(trained["data"]), "-o", str(tmp_path / "new"), "--label-col",
                              "label", "--normal", "normal", "--epochs", "1", "--hidden", "4,2",
                              "--seed", "7", "-q"])
    assert res.exit_code == 0, res.output
    other = load(tmp_path / "new")
    other.info["note"] = "retrained"
    real_bytes = Path.read_bytes
    swaps = []

    def swap_first(self: Path) -> bytes:
        if self.name == "weights.safetensors" and not swaps:
            swaps.append(self)
            other.save(model)  # lands between the config read and the weights read
        return real_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", swap_first)
    assert load(model).info["note"] == "retrained" and swaps
    monkeypatch.undo()
    (model / "weights.safetensors").write_bytes(real_bytes(model / "weights.safetensors")[:-1] + b"x")
    with pytest.raises(ArtefactError, match="content hash mismatch"):
        load(model)
