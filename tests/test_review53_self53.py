"""Review round 53 (self53): regressions and siblings missed by this round's own changes."""

from __future__ import annotations

import json
from pathlib import Path


def test_warm_start_takes_an_optional_column_no_row_has_as_score_does(tmp_path: Path) -> None:
    # What was wrong: this round made `score`, `explain`, `evaluate` and `export --check-data`
    # take a JSON-lines file none of whose rows has a column with missing values in training
    # ('"optional": true' in /health), as stream and the service do, but `train --warm-start`
    # of such a file still stopped with "column(s) the model needs are missing: opt", where the
    # README has warm start refuse new data "as hourglass score refuses it". A required column
    # no row has is still refused.
    from typer.testing import CliRunner

    from hourglass import load
    from hourglass.cli.app import app
    from tests._serve import optional_field_model

    _, train = optional_field_model(tmp_path)
    data = tmp_path / "new.jsonl"
    data.write_text("".join(json.dumps({"bytes": float(b), "port": float(p)}) + "\n"
                            for b, p in zip(train["bytes"][:60], train["port"][:60], strict=True)))
    res = CliRunner().invoke(app, ["train", str(data), "--warm-start", str(tmp_path / "m"),
                                   "-o", str(tmp_path / "m2"), "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    assert load(tmp_path / "m2").optional_fields == ["opt"]
    data.write_text("".join(json.dumps({"bytes": float(b), "opt": 1.0}) + "\n" for b in train["bytes"][:60]))
    res = CliRunner().invoke(app, ["train", str(data), "--warm-start", str(tmp_path / "m"),
                                   "-o", str(tmp_path / "m3"), "--epochs", "1"])
    assert res.exit_code == 2 and "column(s) the model needs are missing: port" in res.output, res.output
    assert not (tmp_path / "m3").exists()
