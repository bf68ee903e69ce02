"""Review round 57 (onnx57): exporting models to run elsewhere."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("onnxruntime")

from hourglass import Pipeline
from hourglass.detectors import AutoEncoder, registry
from hourglass.pipeline.export import _sample

README = Path(__file__).resolve().parents[1] / "README.md"


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"a": rng.normal(100.0, 5.0, 200), "b": rng.normal(0.0, 1.0, 200),
                         "proto": rng.choice(["tcp", "udp"], 200)})


def test_generated_parity_rows_centre_as_the_readme_says() -> None:
    # What was wrong: the README's export section said the parity check's generated rows "are
    # built around the training mean"; only an autoencoder that standardises its input keeps one
    # (input_offset_): for vae, deep-svdd, the GANs and the sparse/denoising autoencoders (by
    # default) they lie around uniform values in [0, 1], which is why their generated rows are
    # often every one flagged. The README now says both, as the code does.
    df = _frame()
    ae = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
    vae = Pipeline(registry.get("vae")(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
    assert getattr(vae.detector_, "input_offset_", None) is None
    X_ae, X_vae = _sample(ae, None, 400, 0), _sample(vae, None, 400, 0)
    offset = np.asarray(ae.detector_.input_offset_)
    # median over rows (spreads up to 5 units far off): near the mean, or near the middle of [0, 1]
    assert np.allclose(np.median(X_ae, axis=0), offset, atol=0.5 * np.asarray(ae.detector_.input_scale_))
    assert np.allclose(np.median(X_vae, axis=0), 0.5, atol=0.2)
    text = " ".join(README.read_text(encoding="utf-8").split())
    section = text[text.index("## Export to ONNX"):text.index("## Retraining (warm start)")]
    assert "generated rows are built around the training mean, which" not in section
    assert "around the training mean where the model keeps one" in section
    assert "uniformly from [0, 1]" in section


@pytest.mark.parametrize("sample, said", [
    (np.zeros((3, 4), dtype=np.float32), "sample: has 4 features, but the model was fitted on 5"),
    (np.zeros(5, dtype=np.float32), "sample: expected a 2-D array"),
    (np.full((2, 5), np.nan, dtype=np.float32), "sample: 10 NaN or infinite value(s)"),
])
def test_export_sample_matrix_refused_by_its_name(tmp_path: Path, sample: np.ndarray, said: str) -> None:
    # What was wrong: export_onnx(pipe, path, sample=matrix) with a feature matrix of the wrong
    # width, shape or values said 'X: has 4 features, but the model was fitted on 5', naming an
    # argument the call does not have; it names 'sample' now. Nothing is written.
    from hourglass.errors import InputError
    from hourglass.pipeline.export import export_onnx

    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(_frame())
    assert pipe.detector_.n_features_in_ == 5
    with pytest.raises(InputError) as info:
        export_onnx(pipe, tmp_path / "m.onnx", sample=sample)
    assert str(info.value).startswith(said)
    assert not (tmp_path / "m.onnx").exists()


def test_export_of_no_pipeline_names_the_model_argument(tmp_path: Path) -> None:
    # What was wrong: export_onnx(detector, "m.onnx") (a fitted detector, not its Pipeline)
    # raised "path: expected a model directory (str or os.PathLike), got AutoEncoder": load's
    # own message, naming 'path', which in export_onnx is the ONNX file's argument, so the
    # output path looked wrong. It names the 'model' argument and what it takes now.
    from hourglass.pipeline.export import export_onnx

    det = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0).fit(
        np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32))
    with pytest.raises(TypeError) as info:
        export_onnx(det, tmp_path / "m.onnx")  # type: ignore[arg-type]
    assert str(info.value) == ("model: expected a fitted Pipeline or a model directory (str or "
                               "os.PathLike), got AutoEncoder")
    assert not (tmp_path / "m.onnx").exists()
