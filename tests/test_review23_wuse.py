"""Review 23 (wuse): the README's "Use it" section walked as a new user."""

from __future__ import annotations

from pathlib import Path

from hourglass.cli import app
from tests._cli import runner


def test_inspect_says_an_unusable_event_time_once(tmp_path: Path) -> None:
    # what was wrong: inspect looked for the format's own event time twice (on the rows read, then
    # again on the rows its preview fitted on), so a CEF file whose 'rt' does not read as an event
    # time printed "not using 'rt' as the event time" twice, where train says it once
    lines = [f"Mar 01 10:00:{i:02d} fw CEF:0|Vendor|FW|1.0|100|conn|3|src=10.0.0.{i} "
             f"dst=10.0.1.1 spt={1000 + i} dpt=443 in={100 * i} rt=1772359200000" for i in range(30)]
    data = tmp_path / "fw.log"
    data.write_text("\n".join(lines) + "\n")
    res = runner.invoke(app, ["inspect", str(data)])
    assert res.exit_code == 0, res.output
    assert res.stderr.count("not using 'rt' as the event time") == 1, res.stderr
    trained = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "m"), "--epochs", "1",
                                  "--hidden", "4,2"])
    assert trained.exit_code == 0, trained.output
    assert trained.stderr.count("not using 'rt' as the event time") == 1, trained.stderr
