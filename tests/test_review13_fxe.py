"""ONNX export's --check-data rows, and the names the CLI suggests and writes to."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from hourglass import AutoEncoder, Pipeline
from hourglass.cli import app
from tests.test_review13_onnx import _flows

runner = CliRunner()


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fxe") / "model"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(_flows()).save(out)
    return out


def test_check_data_json_lines_lacking_a_model_field_in_every_row_is_refused(
        model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the whole file read and no row has 'rate': the missing column score refuses, not a pass
    import hourglass.ingest.tables as tables

    rows = _flows(60, seed=1).drop(columns=["rate"]).to_dict("records")
    (tmp_path / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    args = ["export", str(model), "--onnx", str(tmp_path / "m.onnx"), "--check-data",
            str(tmp_path / "c.jsonl"), "--check-rows", "20"]
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert res.output.startswith(f"error: --check-data {tmp_path / 'c.jsonl'}: ")
    assert "column(s) the model needs are missing: rate" in res.output
    assert len(res.output.strip().splitlines()) == 1 and not (tmp_path / "m.onnx").exists()
    # the first rows lack it, the file not read to its end: a later row could have it
    monkeypatch.setattr(tables, "_JSONL_CHUNK_ROWS", 20)
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "parity on 20 rows" in res.output and (tmp_path / "m.onnx").exists()


def test_the_names_suggested_for_an_evaluate_or_stream_output_are_not_doubled(
        model: Path, tmp_path: Path) -> None:
    from hourglass.cli._options import check_stream_output
    from hourglass.errors import HourglassError

    _flows(20).to_csv(tmp_path / "d.csv", index=False)
    for opt, given, name in (("--report", "r.html.gz", "r.html"), ("--report", "r.htm.gz", "r.htm"),
                             ("--report", "r.pdf", "r.html"), ("--json", "r.json.gz", "r.json")):
        args = ["evaluate", str(model), str(tmp_path / "d.csv"), opt, str(tmp_path / given)]
        res = runner.invoke(app, args)
        assert res.exit_code == 2, res.output
        assert res.output.rstrip().endswith(f"; name it {name}"), res.output
    for given, name in (("a.jsonl.csv", "a.jsonl"), ("a.csv", "a.jsonl"), ("a.csv.gz", "a.jsonl"),
                        ("a.jsonl.gz", "a.jsonl")):
        with pytest.raises(HourglassError, match=f"; name it {name}[ ,]"):
            check_stream_output(Path(given))
        check_stream_output(Path(name))  # the name suggested is taken


def test_an_output_or_model_name_as_long_as_the_file_system_allows_is_written(
        model: Path, tmp_path: Path) -> None:
    # the temporary name beside it (.NAME.XXXXXXXX.tmp, .NAME.old) was longer than the name
    # itself: 'File name too long' after the whole parity check, for a legal name
    import os

    from hourglass import load

    if os.pathconf(tmp_path, "PC_NAME_MAX") != 255:
        pytest.skip("a file system whose names are not up to 255 bytes")
    out = tmp_path / ("y" * 245 + ".onnx")
    res = runner.invoke(app, ["export", str(model), "--onnx", str(out), "--check-rows", "50"])
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 0 and [p.name for p in tmp_path.iterdir()] == [out.name]
    pipe = load(model)
    long = tmp_path / ("m" * 255)
    for _ in range(2):  # a new model, then one saved over it (the old one moved aside first)
        pipe.save(long)
    assert load(long).threshold_.value_ == pipe.threshold_.value_
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([out.name, long.name])


def test_a_name_too_long_error_without_a_file_name_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    import errno

    import typer

    from hourglass.cli._output import user_errors

    with pytest.raises(typer.Exit) as exit_, user_errors():
        raise OSError(errno.ENAMETOOLONG, "File name too long")
    assert exit_.value.exit_code == 2
    assert capsys.readouterr().err.strip() == f"error: [Errno {errno.ENAMETOOLONG}] File name too long"


def test_check_data_rows_skipped_are_counted_and_a_row_is_not_misnamed(model: Path, tmp_path: Path) -> None:
    # with --on-bad-rows skip the reader leaves out a malformed line: the rows the model then
    # refuses were named by their place among the rows read ('row 1' for the file's second)
    bad = tmp_path / "bad.csv"
    bad.write_text("proto,bytes,rate\ntcp,1,0.5,9,9\nudp,oops,0.2\ntcp,oops,0.3\n")
    args = ["export", str(model), "--onnx", str(tmp_path / "m.onnx"), "--check-data", str(bad),
            "--on-bad-rows", "skip"]
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert "every row read was skipped (--on-bad-rows skip: 2 with a value the model refuses, " \
           "1 malformed)" in res.output
    # (its line in the file, past the malformed line 2: line 3)
    assert res.output.rstrip().endswith("the first: column 'bytes': expected numbers, found 'oops' (line 3)")
    assert len(res.output.strip().splitlines()) == 1 and not (tmp_path / "m.onnx").exists()
    # without a malformed line the row is the file's
    bad.write_text("proto,bytes,rate\nudp,7,0.2\ntcp,oops,0.3\nudp,oops,0.1\n")
    res = runner.invoke(app, [*args, "--check-rows", "1"])
    assert res.exit_code == 0 and "parity on 1 row of" in res.output and "row(s) skipped" not in res.output
    (tmp_path / "m.onnx").unlink()
    bad.write_text("proto,bytes,rate\nudp,oops,0.2\ntcp,oops,0.3\n")
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and "expected numbers, found 'oops' (line 2)" in res.output
    # rows skipped, some left: the parity line counts them (as score says them)
    bad.write_text("proto,bytes,rate\ntcp,1,0.5,9,9\nudp,oops,0.2\ntcp,5,0.3\nudp,7,0.1\n")
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "parity on 2 rows of " in res.output and "; 2 row(s) skipped: --on-bad-rows skip): " in res.output
    assert (tmp_path / "m.onnx").exists()
    bad.write_text("proto,bytes,rate\ntcp,1,0.5,9,9\n")  # none left by the reader
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and "no data rows (1 malformed row(s) skipped)" in res.output


def test_a_score_infinite_in_torch_only_refuses_without_a_warning(
        model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # torch inf, onnxruntime finite: inf / inf in the relative difference warned 'invalid value'
    import warnings

    from hourglass import load
    from hourglass.pipeline import export

    pipe = load(model)
    X = pipe.transform(_flows(20, seed=3))
    X = np.vstack([X, np.full((1, X.shape[1]), 1e30, dtype=np.float32)])
    assert np.isinf(pipe.detector_.score(X[-1:])).all()
    real = export.ort.InferenceSession

    class FiniteLast:
        def __init__(self, *args: object, **kwargs: object) -> None:
            self.session = real(*args, **kwargs)

        def run(self, names: list[str], feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
            out = self.session.run(names, feeds)
            out[0][-1] = np.float32(3e38)
            return out

    monkeypatch.setattr(export.ort, "InferenceSession", FiniteLast)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(export.ParityError, match="max relative difference inf"):
            export.export_onnx(pipe, tmp_path / "m.onnx", sample=X)
    assert not (tmp_path / "m.onnx").exists()
