"""Round 54, one model through every entry point: the same data and the same bad input give the
same answer and the same words from ``score``, ``explain``, ``evaluate``, ``stream``, the service,
``export`` and the Python API."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hourglass.cli import app
from tests._cli import runner, small_labelled_model


def _one_error(args: list[str]) -> str:
    """The one stderr line of ``hourglass ARGS``, which exits with code 2."""
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    return lines[0]


def test_export_check_data_names_a_refused_value_by_its_line_as_score_does(tmp_path: Path) -> None:
    # What was wrong: text in a numeric column of 'export --check-data' was told by its data row
    # ('(row 6)', the sixth row after the header), where score, explain and evaluate tell the same
    # value of the same file by its line ('(line 7)', as an editor and stream number it), and
    # without the advice to skip such rows, though export takes --on-bad-rows skip too; an entity
    # model's unreadable time or summed value likewise ('row 6 is not a timestamp').
    made = small_labelled_model(tmp_path)
    frame = made["frame"].head(20).astype({"bytes": object})
    frame.loc[5, "bytes"] = "abc"
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    model = str(made["model"])
    scored = _one_error(["score", model, str(bad), "-o", str(tmp_path / "s.csv")])
    assert "(line 7)" in scored and "--on-bad-rows skip" in scored, scored
    exported = _one_error(["export", model, "--onnx", str(tmp_path / "m.onnx"), "--check-data", str(bad)])
    assert exported == scored.replace(f"error: {bad}:", f"error: --check-data {bad}:"), exported
    assert not (tmp_path / "m.onnx").exists()


def test_export_check_data_names_an_entity_models_unreadable_time_by_its_line(tmp_path: Path) -> None:
    # What was wrong: see the test above; an entity-bucket model's row whose time does not read
    # was 'row 6' in export --check-data and 'line 7' in score.
    from tests._serve import small_entity_model

    model, rows = small_entity_model(tmp_path)
    frame = pd.DataFrame(rows).astype({"ts": object})
    frame.loc[5, "ts"] = "garbage"
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    scored = _one_error(["score", str(model), str(bad), "-o", str(tmp_path / "s.csv")])
    assert "line 7 is not a timestamp" in scored, scored
    exported = _one_error(["export", str(model), "--onnx", str(tmp_path / "m.onnx"),
                           "--check-data", str(bad)])
    assert exported == scored.replace(f"error: {bad}:", f"error: --check-data {bad}:"), exported
