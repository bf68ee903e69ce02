"""The CLI under stricter interpreter modes (review 32, warnings and interpreter modes): what it
writes and says is the same, and it raises no warning of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return env


def _hourglass(flags: list[str], args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *flags, "-m", "hourglass", *args], cwd=cwd, env=_env(),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)


def test_inspect_json_names_its_encoding(tmp_path: Path) -> None:
    # what was wrong: inspect --json wrote its report with Path.write_text and no encoding, so
    # under -X warn_default_encoding (and in a locale-dependent encoding) the command printed
    # the bare line "'encoding' argument not specified"; the report is now written as UTF-8
    (tmp_path / "t.csv").write_text("host,bytes\nä,1\nb,2\n", encoding="utf-8")
    res = _hourglass(["-X", "warn_default_encoding", "-W", "error::EncodingWarning"],
                     ["inspect", "t.csv", "--json", "r.json"], tmp_path)
    assert res.returncode == 0, res.stderr
    assert "encoding" not in res.stderr
    assert (tmp_path / "r.json").read_text(encoding="utf-8").startswith("{")
