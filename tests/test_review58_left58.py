"""Review 58 (left58): small items the last round's reviewers noticed and left alone. Each test
one defect fixed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))


@pytest.mark.usefixtures("script_state_kept")
@pytest.mark.parametrize("item, line", [
    ("epochs", "--param: expected KEY=VALUE, got 'epochs'"),
    ("epoch=3", "lstm-ae has no parameter 'epoch'"),
])
def test_timeseries_explain_refuses_a_bad_param_before_any_work(
        item: str, line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: `timeseries_explain.py --param epochs` (no value) or an unknown key was
    # taken as given (epochs='') and refused only by the first fit, after the data was read.
    # Now each --param item is read and checked as `hourglass train --param` does, before the
    # data folder is even looked at (tmp_path has no skab/).
    import _common
    import timeseries_explain

    monkeypatch.setattr(sys, "argv", ["timeseries_explain.py", "--data", str(tmp_path),
                                      "--param", item])
    with pytest.raises(_common.OptionError) as stop:
        timeseries_explain.main()
    assert str(stop.value.code).startswith(line)


@pytest.mark.usefixtures("script_state_kept")
def test_tabular_refuses_a_negative_pyod_deep_seeds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # What was wrong: `tabular.py --pyod-deep-seeds -1` (a bare type=int) was taken and ran as 0
    # (PyOD's deep models on no seed) without a word. Now argparse refuses it: one line, exit 2,
    # before any data is read; 0 (a real choice: only the --every-seed models) is still taken.
    import _common
    import tabular

    monkeypatch.setattr(sys, "argv", ["tabular.py", "--data", str(tmp_path), "--pyod-deep-seeds", "-1"])
    with pytest.raises(SystemExit) as stop:
        tabular.main()
    assert stop.value.code == 2
    assert "argument --pyod-deep-seeds: '-1' is not an integer >= 0" in capsys.readouterr().err
    assert _common.count_arg("0") == 0
