"""Pipeline, artefact, ONNX export, inspect and benchmark: defects found in use, pinned here."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass import AutoEncoder, Pipeline, load
from hourglass.errors import ArtefactError, InputError
from hourglass.pipeline.artefact import check_replaceable
from tests._artefacts import rehashed, small_table
from tests._cli import one_line_error

FAST = ["--epochs", "1", "-q"]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return small_table()


@pytest.fixture(scope="module")
def pipe(table: pd.DataFrame) -> Pipeline:
    return Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(table)


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_save_to_a_dangling_link_is_refused_before_training(tmp_path: Path, pipe: Pipeline,
                                                           table: pd.DataFrame) -> None:
    # a link to a missing place passed every check, and the rename into place failed after
    # training: NotADirectoryError with a traceback
    link = tmp_path / "model"
    link.symlink_to(tmp_path / "gone" / "x")
    with pytest.raises(InputError, match=r"is a link to .*which does not exist"):
        check_replaceable(link)
    with pytest.raises(InputError, match="which does not exist"):
        pipe.save(link)
    assert link.is_symlink() and not [p for p in tmp_path.iterdir() if p.name != "model"]
    data = tmp_path / "t.csv"
    table.to_csv(data, index=False)
    one_line_error(["train", str(data), "-o", str(link), *FAST], "which does not exist")


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory, pipe: Pipeline) -> Path:
    out = tmp_path_factory.mktemp("saved") / "model"
    pipe.save(out)
    return out


@pytest.mark.parametrize("value", [None, {"__tuple__": [1]}])
def test_load_refuses_an_info_section_that_is_no_object(tmp_path: Path, saved: Path,
                                                        value: object) -> None:
    # the layout check lets an optional section be null: load then failed with
    # AttributeError ('NoneType' object has no attribute 'setdefault'), a traceback in the CLI
    model = rehashed(saved, tmp_path / "m", lambda c: c.update(info=value))
    if value is None:  # no record at all: the model loads and scores as saved
        assert load(model).info["versions"]
    else:
        with pytest.raises(ArtefactError, match="'info' must be an object"):
            load(model)


def test_export_check_data_names_the_file_for_a_bad_value_past_row_64(tmp_path: Path, saved: Path,
                                                                      table: pd.DataFrame) -> None:
    # only the first 64 rows were checked with the file's name: a bad value further down
    # failed in the parity check as 'column 'a': expected numbers ...', naming no file
    pytest.importorskip("onnxruntime")
    data = tmp_path / "check.csv"
    bad = table.astype({"a": object})
    bad.loc[100, "a"] = "x"
    bad.to_csv(data, index=False)
    out = tmp_path / "m.onnx"
    one_line_error(["export", str(saved), "--onnx", str(out), "--check-data", str(data)],
                   f"--check-data {data}: column 'a'", out=out)


def test_load_refuses_a_config_with_an_overlong_integer_as_corrupt(tmp_path: Path, saved: Path) -> None:
    # json.loads raises a plain ValueError (not a JSONDecodeError) for an integer of more than
    # 4300 digits: load let it through, not as an ArtefactError naming the file
    model = tmp_path / "m"
    shutil.copytree(saved, model)
    text = (model / "config.json").read_text()
    (model / "config.json").write_text(text.replace('"format":', f'"x": {"1" * 5000}, "format":', 1))
    with pytest.raises(ArtefactError, match=r"config\.json: corrupt \(Exceeds the limit"):
        load(model)


@pytest.mark.parametrize(("key", "value", "match"), [
    ("optional_fields", -1, "'info.optional_fields' must be an array, found int -1"),
    ("threshold_fit", "x", "'info.threshold_fit' must be an object"),
    ("warm_start", [1], "'info.warm_start' must be an object"),
])
def test_load_checks_the_type_of_the_info_records_it_reads(tmp_path: Path, saved: Path, key: str,
                                                           value: object, match: str) -> None:
    # a hand-edited record of the wrong kind loaded, then failed as a TypeError traceback in
    # 'hourglass stream' (optional_fields -1: 'int' object is not iterable) or the model card
    model = rehashed(saved, tmp_path / "m", lambda c: c["info"].update({key: value}))
    with pytest.raises(ArtefactError, match=re.escape(match)):
        load(model)


def test_a_null_threshold_fit_record_reads_as_none(tmp_path: Path, saved: Path,
                                                   table: pd.DataFrame) -> None:
    # "threshold_fit": null passes the layout (an optional record): the model card said
    # AttributeError ('NoneType' object has no attribute 'get'); a warm start of a model with
    # "optional_fields": null said TypeError
    model = rehashed(saved, tmp_path / "m", lambda c: c["info"].update(threshold_fit=None,
                                                                          optional_fields=None))
    pipe = load(model)
    assert "held-out normal training rows" in pipe.model_card()["threshold fitted on"]
    assert pipe.optional_fields == []
    assert pipe.warm_start(table, epochs=1).info["optional_fields"] == []


@pytest.mark.parametrize("opset", [17.0, "17"])
def test_export_refuses_an_opset_that_is_no_integer(tmp_path: Path, pipe: Pipeline, opset: Any) -> None:
    # 17.0 passed 'opset in range(9, 21)' and failed inside torch's tracer (a TypeError, with
    # the traced graph dumped on stderr), reported as 'ONNX export ... failed at opset 17.0'
    export = pytest.importorskip("hourglass.pipeline.export")
    with pytest.raises(InputError, match=r"opset must be in 9\.\.20"):
        export.export_onnx(pipe, tmp_path / "m.onnx", opset=opset)
    assert not (tmp_path / "m.onnx").exists()
    assert export.export_onnx(pipe, tmp_path / "m.onnx", opset=np.int64(17), check_rows=8).rows_checked == 8


def test_null_info_or_versions_load_export_and_check(tmp_path: Path, saved: Path,
                                                     table: pd.DataFrame) -> None:
    # "info": null loaded, but 'export --check-data' read the config again and failed with an
    # AttributeError; "versions": null (which the layout allows too) failed load() so
    model = rehashed(saved, tmp_path / "m", lambda c: c.update(info=None))
    data, out = tmp_path / "t.csv", tmp_path / "m.onnx"
    table.to_csv(data, index=False)
    from hourglass.cli import app
    from tests._cli import runner

    res = runner.invoke(app, ["export", str(model), "--onnx", str(out), "--check-data", str(data), "-q"])
    assert res.exit_code == 0, res.output
    assert out.is_file()
    other = rehashed(saved, tmp_path / "v", lambda c: c.update(versions=None))
    with pytest.raises(ArtefactError, match="saved by hourglass None"):
        load(other)
