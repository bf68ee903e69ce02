"""A saved model read or replaced from elsewhere: a model folder kept read-only (``chmod -R a-w``)
and saved over with ``--force``, and a model loaded and saved again."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests._cli import ab_model


def _unprivileged() -> list[str]:
    """The command prefix that runs a process without root's right to write whatever the modes
    say (``setpriv`` dropping every capability; nothing for an ordinary user)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("root without setpriv: the folder modes would not apply")
    return ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--"]


def _read_only(path: Path) -> None:
    for p in [path, *path.iterdir()]:
        p.chmod(stat.S_IMODE(p.stat().st_mode) & ~0o222)


def test_a_read_only_model_folder_saved_over_twice_with_force(tmp_path: Path) -> None:
    # what was wrong: a model folder kept read-only (chmod -R a-w M, in a folder the user may
    # write) was replaced by 'hourglass threshold M --threshold ... -o M --force', but the old
    # model moved aside as .M.old could not be removed (its files cannot be unlinked from a
    # read-only folder) and stayed; the next save there ('train -o M --force', 'threshold -o M
    # --force') then stopped with a traceback, "OSError: [Errno 39] Directory not empty:
    # 'M' -> '.M.old'". The aside folder is made writable to be removed; the new model keeps
    # the read-only modes of the one it replaced, as a save does
    model = ab_model(tmp_path)
    _read_only(model)
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from hourglass.cli import app\n"
        "m = sys.argv[1]\n"
        "for rule in ('percentile:95', 'percentile:90'):\n"
        "    r = CliRunner().invoke(app, ['threshold', m, '--threshold', rule, '-o', m, '--force'])\n"
        "    print(r.exit_code, repr(r.exception) if r.exit_code else '', r.stderr.splitlines()[-1:])\n"
    )
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[1] / "src"),
                                           str(Path(__file__).resolve().parents[1])]))
    try:
        res = subprocess.run([*_unprivileged(), sys.executable, "-c", script, str(model)],
                             capture_output=True, text=True, env=env, timeout=180)
        assert res.returncode == 0, res.stderr
        codes = [line.split(" ", 1)[0] for line in res.stdout.splitlines()]
        assert codes == ["0", "0"], res.stdout
        assert sorted(p.name for p in tmp_path.iterdir()) == ["m", "train.csv"]
        assert sorted(p.name for p in model.iterdir()) == ["config.json", "weights.safetensors"]
        assert not model.stat().st_mode & 0o222  # (still read-only, as the model it replaced)
        import hourglass

        assert "percentile 90" in hourglass.load(model).threshold_.describe()
    finally:
        for p in tmp_path.rglob("*"):
            p.chmod(stat.S_IMODE(p.stat().st_mode) | 0o700)
