"""Benchmark scripts: a bad ``--seed`` and options that only work with others stop at parsing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))


# what a script's main() sets for the whole process, put back after each test
pytestmark = pytest.mark.usefixtures("script_state_kept")


@pytest.mark.parametrize("script", ["nsl_kdd", "timeseries"])
@pytest.mark.parametrize("value", ["-1", "4294967296", "x"])
def test_a_seed_numpy_cannot_take_is_refused_at_parsing(script: str, value: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    module = __import__(script)
    monkeypatch.setattr(sys, "argv", [f"{script}.py", "--data", str(tmp_path), "--seed", value])
    with pytest.raises(SystemExit) as stop:
        module.main()
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--seed" in err and "from 0 to 4294967295" in err


@pytest.mark.parametrize("argv, option", [
    (["--pre", '[{"scaler": "standard"}]'], "--pre"), (["--seeds", "1,2"], "--seeds"),
    (["--quick", "--seeds", "0"], "--seeds"),
])
def test_selection_refuses_pre_and_seeds_without_configs(argv: list[str], option: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import nsl_kdd_selection

    monkeypatch.setattr(sys, "argv", ["nsl_kdd_selection.py", "--data", str(tmp_path), *argv])
    with pytest.raises(SystemExit) as stop:
        nsl_kdd_selection.main()
    message = str(stop.value.code)
    assert message.startswith(f"{option}: applies to --configs only") and "\n" not in message


def test_selection_takes_pre_and_seeds_with_configs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``--configs`` they are read (a bad one is named) and then the data folder is looked for."""
    import nsl_kdd_selection

    for argv, expect in ((["--seeds", "-1"], "--seeds: '-1'"), (["--pre", "{}"], "--pre: expected"),
                         (["--seeds", "1", "--pre", "[{}]"], "has no nsl_kdd/")):
        monkeypatch.setattr(sys, "argv", ["nsl_kdd_selection.py", "--data", str(tmp_path),
                                          "--configs", "[{}]", *argv])
        with pytest.raises(SystemExit) as stop:
            nsl_kdd_selection.main()
        assert expect in str(stop.value.code)
