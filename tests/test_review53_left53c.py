"""Review round 53 (left53c): items noticed and left alone earlier this round, second pass."""
from __future__ import annotations

import pytest


def test_models_app_names_the_entry_given_a_pipeline() -> None:
    # What was wrong: create_models_app({"a": pipe}) (a fitted Pipeline, not its directory)
    # raised "path: expected a model directory ...", naming an argument the caller never gave;
    # create_app names its own argument (model_dir), so the mapping's entry is named here.
    from hourglass import AutoEncoder, Pipeline
    from hourglass.serve.multi import create_models_app

    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0))
    with pytest.raises(TypeError) as info:
        create_models_app({"a": pipe}, api_key="k" * 32)
    text = str(info.value)
    assert text.startswith("models['a']: expected a model directory"), text
    assert "pipe.save(" in text


def test_semicolon_labels_file_is_read(tmp_path) -> None:
    # What was wrong: a --labels file exported with semicolons (a European-locale spreadsheet,
    # which `--format csv` data files are sniffed for) was read with commas only: refused with
    # "no column --id-col 'BlockId' or --label-col 'Label'; columns are BlockId;Label", which
    # did not say what to do. It is now read with the sniffed delimiter, as a CSV table is.
    from pathlib import Path

    from hourglass.cli.logs import read_session_labels

    f = Path(tmp_path) / "labels.csv"
    f.write_text("BlockId;Label\nblk_1;Normal\nblk_2;Anomaly\n")
    got = read_session_labels(f, id_col="BlockId", label_col="Label").to_dict()
    assert got == {"blk_1": "Normal", "blk_2": "Anomaly"}
    f.write_text("BlockId,Label\nblk_1,Normal\nblk_2,Anom;aly\n")  # commas still commas
    got = read_session_labels(f, id_col="BlockId", label_col="Label").to_dict()
    assert got == {"blk_1": "Normal", "blk_2": "Anom;aly"}
