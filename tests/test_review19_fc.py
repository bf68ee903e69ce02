"""Stream input named when it is a table file, calibration and artefact checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests._cli import one_line_error, small_labelled_model


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return small_labelled_model(tmp_path_factory.mktemp("fc"))


@pytest.mark.parametrize(("sep", "kind"), [(",", "CSV"), ("\t", "TSV")])
def test_stream_names_a_table_file_whose_header_names_are_quoted(model: dict[str, Any], sep: str,
                                                                  kind: str) -> None:
    """A CSV or TSV file whose header quotes its names (R's write.csv, Excel, pandas with
    quoting) given to stream is named as such, as an unquoted one is (it said only 'not valid
    JSON (Extra data ...)')."""
    import csv

    data = model["folder"] / f"quoted{kind}.txt"
    model["frame"].to_csv(data, sep=sep, index=False, quoting=csv.QUOTE_ALL)
    one_line_error(["stream", str(model["model"]), "--input", str(data)],
                   f"line 1: not valid JSON (Extra data at column {9 if kind == 'TSV' else 8}); the line "
                   f"looks like the header of a {kind} file: stream reads JSON lines; score it with "
                   "'hourglass score'")


@pytest.mark.parametrize(("knots", "probs", "shapes"), [
    ([[0.5, 1.0]], [[0.2, 0.9]], "(1, 2) and (1, 2)"), (0.5, 0.2, "() and ()"), ([], [], "(0,) and (0,)"),
    ([0.5, 1.0], [0.9], "(2,) and (1,)")])
def test_calibration_knots_of_another_shape_are_named_truly(knots: Any, probs: Any, shapes: str) -> None:
    """Saved knots that are no flat list (nested, a bare number) or none at all are refused with
    what is wrong; the message said '2 knots for 2 probabilities', a mismatch there is not."""
    import numpy as np

    from hourglass.errors import InputError
    from hourglass.thresholds.calibration import Calibrator

    saved = Calibrator().fit(np.random.default_rng(0).exponential(size=300)).to_dict()
    with pytest.raises(InputError) as info:
        Calibrator.from_dict({**saved, "knots": knots, "knot_probs": probs})
    assert str(info.value) == ("calibration state is malformed (knots and knot_probs must be flat lists "
                               f"of as many numbers, at least one; got shapes {shapes})")


def test_what_a_save_removes_at_dot_name_old_is_what_the_readme_says(tmp_path: Path) -> None:
    """README 'What is saved': a model folder at ``.NAME.old`` (what an interrupted save leaves,
    or a copy kept there by hand) is removed by a save at NAME; a folder with other files is
    refused and kept."""
    import shutil

    from hourglass.errors import InputError
    from hourglass.pipeline.artefact import load
    from tests._artefacts import small_saved_model, small_table

    model = small_saved_model(small_table(), tmp_path)
    pipe = load(model)
    kept = tmp_path / ".model.old"
    shutil.copytree(model, kept)
    pipe.save(model)
    assert not kept.exists()
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "so a model you keep as `.NAME.old` yourself is removed too" in " ".join(readme.split())
    kept.mkdir()
    (kept / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match=r"\.model\.old is in the way"):
        pipe.save(model)
    assert (kept / "notes.txt").read_text() == "mine"


def _with_array_edited(src: Path, dst: Path, key: str, value: float) -> Path:
    """A copy of the model ``src`` at ``dst`` whose weights array ``key`` is all ``value``,
    its hashes recomputed (what an edit by someone who knows the format gives)."""
    import hashlib
    import json
    import shutil

    import numpy as np
    import safetensors.numpy

    from hourglass.pipeline.artefact import _content_hash

    shutil.copytree(src, dst)
    arrays = safetensors.numpy.load_file(dst / "weights.safetensors")
    arrays[key] = np.full_like(arrays[key], value)
    raw = safetensors.numpy.save(arrays)
    (dst / "weights.safetensors").write_bytes(raw)
    config = json.loads((dst / "config.json").read_text())
    config["weights_sha256"] = hashlib.sha256(raw).hexdigest()
    config["content_hash"] = _content_hash(config, raw)
    (dst / "config.json").write_text(json.dumps(config))
    return dst


@pytest.mark.parametrize(("name", "params", "key"), [
    ("ensemble", {"detectors": (("autoencoder", {"hidden": (4, 2), "epochs": 1}),
                                ("autoencoder", {"hidden": (3,), "epochs": 1}))},
     "detector.member0.val_scores"),
    ("latent-iforest", {"hidden": (4, 2), "epochs": 1, "n_estimators": 5}, "detector.forest.threshold"),
])
def test_nan_in_saved_arrays_beside_the_network_weights_is_refused_on_load(
        tmp_path: Path, name: str, params: dict[str, Any], key: str) -> None:
    """NaN in an ensemble member's held-out scores (every row then scored inf and flagged) or in
    a latent forest's split values (every row flagged) loaded with no word, as NaN in the
    network weights did; load refuses it, naming the array."""
    from hourglass import Pipeline
    from hourglass.detectors import registry
    from hourglass.errors import ArtefactError
    from hourglass.pipeline.artefact import load
    from tests._artefacts import small_table

    table = small_table()
    model = tmp_path / "m"
    Pipeline(registry.get(name)(**params, verbose=0)).fit(table).save(model)
    load(model)  # as saved: loads
    edited = _with_array_edited(model, tmp_path / "edited", key, float("nan"))
    with pytest.raises(ArtefactError, match=f"tensor '{key}' holds NaN or inf, which training never saves"):
        load(edited)


def test_a_json_line_that_lost_its_brace_is_not_called_a_table_header() -> None:
    """Quoted names are a CSV header's only when they are no object's fields: a line 1 whose
    opening brace was lost stays JSON's error alone."""
    from hourglass.cli.stream import _table_hint

    assert _table_hint(b'"bytes": 1, "proto": "tcp"}', 1) == ""
    assert _table_hint(b'"bytes","proto"', 1).startswith("; the line looks like the header of a CSV file")
