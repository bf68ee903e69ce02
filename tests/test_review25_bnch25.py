"""Review 25 (bnch25): gan.py's report settings, entity.py --big-days, fast examples."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests._scripts import script_state

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def _piece(folder: Path, name: str, args: dict[str, Any], rows: list[dict[str, Any]], written: float) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps({"args": args, "seconds": 1.0, "written": written, "rows": rows}))


def _row(set_name: str, model: str, rows: int) -> dict[str, Any]:
    return {"set": set_name, "model": model, "seed": 0, "roc_auc": 0.9, "pr_auc": 0.5, "fit_s": 1.0,
            "score_s": 0.1, "rows": rows, "rows_others": rows}


def test_gan_report_settings_are_the_options_the_results_were_run_with(tmp_path, monkeypatch):
    # was: gan.py --part report printed its own defaults (--max-train 2000, --nsl-max-train 10000,
    # --pyod-anogan-epochs 20) as the settings of the stored results, which --part report refuses
    # to take: results run with other options were described with the wrong ones
    monkeypatch.syspath_prepend(str(BENCH))
    with script_state():
        import gan

    base = {"models": "hg-ae,pyod-anogan", "seeds": 1, "nsl_max_train": 10000, "same_rows": False,
            "tag": None, "pyod_anogan_rows": 500}
    _piece(tmp_path, "gan_odds.json", {**base, "part": "odds", "max_train": 777, "pyod_anogan_rows": 123,
                                       "pyod_anogan_epochs": 9},
           [_row("6_cardio", "hg-ae", 777), _row("6_cardio", "pyod-anogan", 123)], 1.0)
    _piece(tmp_path, "gan_nsl.json", {**base, "part": "nsl", "max_train": 2000, "nsl_max_train": 4321,
                                      "pyod_anogan_rows": 456, "pyod_anogan_epochs": 9},
           [_row("NSL-KDD", "hg-ae", 4321), _row("NSL-KDD", "pyod-anogan", 456)], 2.0)
    _piece(tmp_path, "gan_odds_same_rows.json", {**base, "part": "odds", "max_train": 55, "same_rows": True,
                                                  "pyod_anogan_epochs": 66, "tag": "same_rows"},
           [_row("6_cardio (same rows)", "pyod-anogan", 55)], 3.0)
    monkeypatch.setattr(gan, "RESULTS", tmp_path)
    settings = next(line for line in gan.report().splitlines() if line.startswith("Settings"))
    assert "ODDS training rows capped at 777, NSL-KDD at 4,321" in settings
    assert "at most 456 on NSL-KDD, 123 on the ODDS sets) × 9 epochs" in settings
    assert "capped at 55, and 66 epochs" in settings
    assert "2000" not in settings and "2,000" not in settings and "10,000" not in settings
    # a piece that did not record an option: said so, not this script's default
    _piece(tmp_path, "gan_nsl.json", {"part": "nsl", "models": "hg-ae,pyod-anogan", "tag": None},
           [_row("NSL-KDD", "hg-ae", 4321)], 2.0)
    settings = next(line for line in gan.report().splitlines() if line.startswith("Settings"))
    assert "NSL-KDD at ? (not recorded)" in settings


def test_entity_speed_refuses_more_than_one_big_days_value(monkeypatch):
    # was: entity.py --part speed --big-days 14,28 measured the 14-day file alone and said
    # nothing of 28 (and --big-days x stopped with a ValueError traceback); --part speed now
    # takes one value (default 14) and --part evaluate one file per value (default 14,28)
    monkeypatch.syspath_prepend(str(BENCH))
    with script_state():
        import entity

        for stub in ("write_result", "speed_part", "evaluate_part"):
            monkeypatch.setattr(entity, stub, lambda *a, _s=stub: pytest.fail(f"{_s} ran"))
        for part, value, message in (
                ("speed", "14,28", "--big-days: --part speed measures one large file; give one day "
                                   "count, not '14,28'"),
                ("speed", "x", "--big-days: 'x' is not a comma-separated list of day counts > 0"),
                ("evaluate", "14,0", "--big-days: '14,0' is not a comma-separated list of day counts > 0")):
            monkeypatch.setattr(sys, "argv", ["entity.py", "--part", part, "--big-days", value, "--no-write"])
            with pytest.raises(SystemExit) as stop:
                entity.main()
            assert stop.value.code == message
        # what each part measures, given the option or not
        ran: list[tuple[str, float]] = []
        monkeypatch.setattr(entity, "speed_part", lambda days, *a: ran.append(("speed", days)) or "")
        monkeypatch.setattr(entity, "evaluate_part", lambda days, *a: ran.append(("evaluate", days)) or "")
        for argv in (["--part", "speed"], ["--part", "speed", "--big-days", "7"], ["--part", "evaluate"],
                     ["--part", "evaluate", "--big-days", "3,5"]):
            monkeypatch.setattr(sys, "argv", ["entity.py", *argv, "--no-write"])
            entity.main()
    assert ran == [("speed", 14.0), ("speed", 7.0), ("evaluate", 14.0), ("evaluate", 28.0),
                   ("evaluate", 3.0), ("evaluate", 5.0)]
    # the script's exit: one line on stderr, code 2
    import subprocess

    got = subprocess.run([sys.executable, str(BENCH / "entity.py"), "--part", "speed", "--big-days", "14,28",
                          "--no-write"], capture_output=True, text=True, timeout=300,
                         env={**__import__("os").environ, "PYTHONPATH": str(BENCH.parent / "src")})
    assert got.returncode == 2 and got.stderr.count("\n") == 1, got


def test_doctests_run_with_one_torch_thread():
    # was: only tests/conftest.py set torch to one thread; the examples under src/ (pytest
    # --doctest-modules src/hourglass, which loads the root conftest.py alone) ran with a thread
    # per core and, on the shared 2-core machine at load 8, spent their time in the threads'
    # hand-offs: Pipeline.warm_start's example took 41 s, Pipeline's 7 s, BaseDetector.warm_start's
    # 4-9 s (0.84 / 0.49 / 0.30 s with one thread)
    import importlib.util

    import torch

    before = torch.get_num_threads()
    spec = importlib.util.spec_from_file_location("root_conftest_again", BENCH.parent / "conftest.py")
    assert spec is not None and spec.loader is not None
    try:
        torch.set_num_threads(2)
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
