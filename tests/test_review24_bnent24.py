"""Review 24 (bnent24): benchmark parts refuse options they do not read; stream's drift line
names the data row its alerts use."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests._scripts import script_state

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def _refused(monkeypatch, module, script: str, argv: list[str], message: str) -> None:
    monkeypatch.setattr(sys, "argv", [script, *argv, "--no-write"])
    with pytest.raises(SystemExit) as stop:
        module.main()
    assert stop.value.code == message


def test_entity_parts_refuse_options_they_do_not_read(monkeypatch):
    # was: entity.py --part speed|warm|evaluate ran (minutes) and ignored --scan-flows, --seeds,
    # --rounds, ... that only another part reads; the default part ignored --rounds & co. too
    monkeypatch.syspath_prepend(str(BENCH))
    with script_state():
        import entity

        for stub in ("write_result", "speed_part", "warm_part", "evaluate_part", "data_dir"):
            monkeypatch.setattr(entity, stub, lambda *a, _s=stub: pytest.fail(f"{_s} ran"))
        for part, option, value in (("speed", "--scan-flows", "5"), ("speed", "--seeds", "1"),
                                    ("speed", "--data", "x"), ("warm", "--rounds", "2"),
                                    ("warm", "--big-hosts", "3"), ("evaluate", "--seeds", "1"),
                                    ("evaluate", "--stream-rows", "5"),
                                    ("scan-otrf", "--before-src", "x")):
            _refused(monkeypatch, entity, "entity.py", ["--part", part, option, value],
                     f"{option}: not read by --part {part}; leave it out")
        _refused(monkeypatch, entity, "entity.py", ["--rounds", "2"],
                 "--rounds: not read by --part scan-otrf; leave it out")
        # what a part reads still gets through to it
        monkeypatch.setattr(entity, "warm_part", lambda seeds: f"warm {seeds}")
        monkeypatch.setattr(sys, "argv", ["entity.py", "--part", "warm", "--seeds", "4", "--no-write"])
        entity.main()


def test_gan_odds_and_nsl_refuse_options_they_do_not_read(monkeypatch):
    # was: gan.py --part nsl --sets X (or --max-train) and --part odds --nsl-max-train ran the
    # whole part with the option unread
    monkeypatch.syspath_prepend(str(BENCH))
    with script_state():
        import gan

        for stub in ("write_result", "part_odds", "part_nsl", "_save"):
            monkeypatch.setattr(gan, stub, lambda *a, _s=stub: pytest.fail(f"{_s} ran"))
        for part, option, value in (("nsl", "--sets", "18_Ionosphere"), ("nsl", "--max-train", "5"),
                                    ("odds", "--nsl-max-train", "5")):
            _refused(monkeypatch, gan, "gan.py", ["--part", part, option, value],
                     f"{option}: not read by --part {part}; leave it out")


# What was wrong: stream's drift warning named the window's last row by the rows parsed ("over
# the last 25 rows (row 24)"), while its alerts number data rows (the rows parsed plus the
# malformed lines before them): past a malformed line (line 2, data row 1) the warning and the
# end summary named the row before the one meant. They now name the alerts' row (row 25), with
# --all's alerts and --group-by's alike.
@pytest.mark.parametrize("how", [["--all"], ["--group-by", "a"]], ids=["all", "grouped"])
def test_stream_drift_warning_names_the_alerts_row(tmp_path: Path, how: list[str]) -> None:
    import json

    from hourglass.cli import app
    from tests._cli import ab_model, runner

    ab_model(tmp_path)
    data = tmp_path / "far.jsonl"
    data.write_text('{"a": 0.5, "b": 0.5}\nnot json\n'
                    + "".join(json.dumps({"a": 50 + i, "b": -50 - i}) + "\n" for i in range(300)))
    res = runner.invoke(app, ["stream", str(tmp_path / "m"), "--input", str(data), "--on-bad-rows",
                              "skip", "--drift-window", "100", "--batch", "7", *how])
    assert res.exit_code == 0, res.output
    said = " ".join(res.stderr.split())
    assert "over the last 25 rows (row 25)" in said, said
    assert "(at row 25;" in said and "row 24" not in said, said
    docs = [json.loads(line) for line in res.stdout.splitlines()]
    # the window's last row: the 25th row parsed (data row 25, past the malformed line)
    assert [d.get("first_row", d.get("row")) for d in docs][24 if how == ["--all"] else 23] == 25
