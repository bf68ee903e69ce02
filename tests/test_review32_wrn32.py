"""The CLI under stricter interpreter modes (review 32, warnings and interpreter modes): what it
writes and says is the same, and it raises no warning of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from hourglass.cli import app
from hourglass.errors import HourglassWarning
from hourglass.ingest.synthetic import port_scan_flows
from hourglass.thresholds.evt import tail_quantile
from tests._cli import runner

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


def test_pythonwarnings_error_keeps_the_clis_own_advice_a_line(tmp_path: Path) -> None:
    # what was wrong: hourglass' advice warnings (here POT's "only 1 peaks ... empirical
    # quantile") are lines of the command's output, but with PYTHONWARNINGS=error (or -W error)
    # in the user's environment 'train' died of the UserWarning: a traceback and exit code 1;
    # the CLI now shows its own HourglassWarning as the line whatever the filters say, and
    # raises no other warning on this run (simplefilter("error") stands for PYTHONWARNINGS)
    flows, _ = port_scan_flows(hosts=2, days=0.05, scan_flows=0, seed=0)
    flows.head(200).to_csv(tmp_path / "f.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = runner.invoke(app, ["--threads", "1", "train", str(tmp_path / "f.csv"), "--threshold",
                                  "pot:1e-4", "--epochs", "1", "--hidden", "4,2", "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, (res.output, res.exception)
    assert "POT: only" in res.stderr and "Traceback" not in res.stderr
    assert (tmp_path / "m" / "config.json").is_file()


def test_the_advice_is_still_a_userwarning_in_python() -> None:
    # the library's callers filter and record it as before: a UserWarning (the CLI alone shows it
    # whatever the filters say)
    with pytest.warns(UserWarning, match="POT: only") as seen:
        tail_quantile(np.arange(20.0), 1e-4, 0.98, 10)
    assert seen[0].category is HourglassWarning


def test_the_feature_names_warning_is_hourglass_advice_too() -> None:
    # the detectors' scikit-learn-worded feature-names warning is hourglass advice like the rest:
    # a HourglassWarning (so a UserWarning, as scikit-learn's is)
    import pandas as pd

    from hourglass.detectors import AutoEncoder

    df = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) % 7})
    det = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0).fit(df)
    with pytest.warns(UserWarning, match="does not have valid feature names") as seen:
        det.score(df.to_numpy())
    assert seen[0].category is HourglassWarning
