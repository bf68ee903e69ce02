"""ONNX export of a table model's scoring path, checked against torch before anything is written.

The graph takes ``features`` (float32, batch × n_features: the preprocessed matrix that
:meth:`Pipeline.transform <hourglass.pipeline.Pipeline.transform>` returns) and gives ``score``
(float32, batch), the detector's anomaly score. Its metadata carries what another runtime needs
to preprocess, score and flag: the feature names, the preprocessing state, the threshold value and
rule (flag = ``score > threshold``), the model name and the artefact's content hash.

The torch graph is traced with PyTorch's TorchScript-based exporter (``dynamo=False``): the
scoring paths are plain feed-forward networks, and that exporter needs neither ``onnxscript``
nor ``torch._dynamo``. This module imports ``onnx``, ``onnxruntime`` and ``torch.onnx``; nothing
imports it except the ``export`` command, so ``import hourglass`` stays free of them.
"""

from __future__ import annotations

import copy
import inspect
import io
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
import torch
from torch.nn.utils import parametrize

import hourglass
from hourglass._logs import quiet_warnings
from hourglass.detectors import registry
from hourglass.detectors.base import _ModuleScore, module_score
from hourglass.errors import HourglassError, InputError, first_line
from hourglass.features.validation import check_array
from hourglass.ingest import atomic_output
from hourglass.nn.training import rows_tensor
from hourglass.pipeline.artefact import load
from hourglass.pipeline.pipeline import Pipeline

__all__ = [
    "DEFAULT_OPSET",
    "MAX_RTOL",
    "ON_THRESHOLD",
    "OPSETS",
    "ROUNDING_FACTOR",
    "RTOL",
    "OnnxExport",
    "ParityError",
    "export_onnx",
    "export_refusal",
]

logger = logging.getLogger(__name__)

DEFAULT_OPSET = 17
"""ONNX opset of the exported graph (onnxruntime 1.14+ runs it; the graph is MatMul/Gemm and
element-wise operators only)."""

OPSETS = range(9, 21)
"""Opsets the TorchScript exporter writes (torch 2.x: 20 at most)."""

RTOL = 1e-5
"""Parity tolerance: every ONNX score is within ``RTOL`` of the torch score, relative to
``max(|torch score|, threshold)`` (a score far below the threshold is compared on the scale of the
threshold, where float32 rounding of a near-zero reconstruction error is not a relative error
worth refusing over); and every flag is identical, but for a row whose torch score lies on the
threshold to float32 rounding (:data:`ON_THRESHOLD`): a percentile rule's threshold can be one of
the held-out rows' own scores, and no float32 graph flags that row as torch does but by chance."""

ON_THRESHOLD = 4 * float(np.finfo(np.float32).eps)
"""A torch score within ``ON_THRESHOLD`` of the threshold, relative to it, is on the threshold:
its flag, decided by float32 rounding, is not compared."""

ROUNDING_FACTOR = 4.0
"""Where torch's own float32 score is further than :data:`RTOL` from the same network's score in
float64 on the rows checked (a score that is a small difference of large values: GANomaly's
``z - ẑ`` of a well-trained model on a wide table, a Deep SVDD's distance to its centre once
trained close to it), the tolerance is this many times that rounding: the graph is
held to torch's own precision, not to a better one (and a row whose torch score lies within
the tolerance of the threshold is on it)."""

MAX_RTOL = 1e-3
"""The tolerance is never widened past this: a score whose float32 rounding is larger than
that is refused, naming the rounding."""

#: how an ensemble calibrates its members' scores (its ``calibration``), for its refusal
_CALIBRATED = {"zscore": "z-scores on their held-out normal scores",
               "rank": "ranks among their held-out normal scores (empirical CDF, then the distance past "
                       "the largest)"}

_WHY_NOT = {
    "latent-iforest": "its score runs an isolation forest (trees, in NumPy) on the network's code",
    "anogan": "its score searches the generator's latent space by gradient descent per row",
}


class ParityError(HourglassError):
    """The exported graph's scores or flags differ from the torch detector's: nothing written.

    An :class:`~hourglass.errors.HourglassError`: the CLI says it in one line (``hourglass
    export``); a caller catches it to keep the torch model.

    Examples
    --------
    >>> from hourglass.errors import HourglassError
    >>> issubclass(ParityError, HourglassError)
    True
    >>> try:
    ...     raise ParityError("ONNX export of autoencoder refused: ...; nothing written")
    ... except HourglassError as e:
    ...     print(e)
    ONNX export of autoencoder refused: ...; nothing written
    """


@dataclass(frozen=True)
class OnnxExport:
    """What :func:`export_onnx` wrote and how closely it matched torch.

    Parameters
    ----------
    path
        The ONNX file written.
    model
        The detector's registry name.
    n_features
        The width of the graph's ``features`` input (the columns after preprocessing).
    rows_checked
        Rows scored by both torch and onnxruntime before writing.
    flagged
        How many of them the threshold flags.
    max_abs_diff, max_rel_diff
        The largest absolute and relative score difference between the two.
    on_threshold, tolerance
        See the attributes below.

    Examples
    --------
    >>> import tempfile, numpy as np, pandas as pd
    >>> from hourglass import Pipeline, AutoEncoder
    >>> df = pd.DataFrame({"a": np.arange(200.0), "proto": ["tcp", "udp"] * 100})
    >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = export_onnx(pipe, Path(tmp, "model.onnx"), check_rows=50)
    >>> out.path.name, out.model, out.n_features, out.rows_checked
    ('model.onnx', 'autoencoder', 4, 50)
    >>> out.max_rel_diff <= out.tolerance
    True
    """

    path: Path
    model: str
    n_features: int
    rows_checked: int
    flagged: int
    max_abs_diff: float
    max_rel_diff: float
    on_threshold: int = 0
    """Rows whose torch score lies on the threshold to float32 rounding, flagged otherwise by
    onnxruntime (not counted as a flag difference)."""
    tolerance: float = RTOL
    """The relative tolerance applied: :data:`RTOL`, or :data:`ROUNDING_FACTOR` times torch's
    own float32 rounding on the rows checked where that is larger."""


def export_refusal(pipe: Pipeline) -> str | None:
    """Why the pipeline's detector cannot be exported to ONNX, or ``None`` if it can.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import Ensemble
    >>> df = pd.DataFrame({"a": np.arange(60.0), "b": np.arange(60.0) % 7})
    >>> export_refusal(Pipeline(Ensemble(detectors=("autoencoder",), epochs=1, verbose=0)).fit(df))
    "ensemble: its score is the mean of its members' z-scores on their held-out normal scores, in NumPy"
    """
    pipe._check_fitted()
    det = pipe.detector_
    name = registry.name_of(type(det))
    tags = det.get_tags()
    if tags["onnx_export"]:
        return None
    if tags["input"] != "tabular":
        return (f"{name}: takes {tags['input']} input (windows or sessions are built and scores "
                "aligned back in Python); ONNX export covers table models")
    if name == "ensemble":  # said as fitted: the default is z-scores, not ranks
        how = _CALIBRATED.get(det.calibration, f"{det.calibration} calibration")
        return f"ensemble: its score is the {det.combine} of its members' {how}, in NumPy"
    return f"{name}: {_WHY_NOT.get(name, 'its score is not one feed-forward torch graph')}"


def _resolve(model: Pipeline | str | os.PathLike[str]) -> tuple[Pipeline, str | None]:
    if isinstance(model, Pipeline):
        model._check_fitted()
        return model, None
    if not isinstance(model, str | os.PathLike):  # (load's own error names its 'path': here the
        # ONNX file's argument, not this one)
        raise TypeError(f"model: expected a fitted Pipeline or a model directory (str or "
                        f"os.PathLike), got {type(model).__name__}")
    pipe = load(model)  # its own hash: the folder read again may hold another model by now
    return pipe, str(pipe.artefact_["content_hash"])


def _refuse_inside_model(model: object, target: Path) -> None:
    """Refuse an ONNX file ``target`` in the folder of the saved model being exported (``model``
    given as its folder, or a Pipeline loaded from one), as ``hourglass export`` refuses it:
    ``export_onnx("m", "m/weights.safetensors")`` replaced the model's own weights with the graph.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "config.json").write_text("{}")
    >>> try:
    ...     _refuse_inside_model(str(folder), folder / "weights.safetensors")
    ... except InputError as exc:
    ...     print(str(exc).split(": ", 1)[1][:36])
    is inside the model directory of the
    """
    if isinstance(model, str | os.PathLike):
        folder: Path | None = Path(model)
    else:
        saved = getattr(model, "artefact_", None)
        folder = Path(saved["path"]) if isinstance(saved, dict) and saved.get("path") else None
    if folder is None or not (folder / "config.json").is_file():
        return
    if target.resolve().parent == folder.resolve():
        raise InputError(f"{target}: is inside the model directory of the model exported ({folder}); "
                         "choose another path")


def _most_check_rows(n_features: int) -> int:
    """The most rows of ``n_features`` features the parity check can generate: its arrays of
    float64 values, rows × features, must lie within NumPy's largest size, 2**63-1 bytes (memory
    runs out long before; past this NumPy refuses the shape, not the allocation).

    Examples
    --------
    >>> _most_check_rows(4) == (2**63 - 1) // 32
    True
    """
    return (2**63 - 1) // (8 * max(n_features, 1))


def _sample(pipe: Pipeline, sample: pd.DataFrame | np.ndarray | None, n_rows: int,
            seed: int) -> np.ndarray:
    """The feature rows parity is checked on: ``sample`` (a table, preprocessed here, or a feature
    matrix), else ``n_rows`` generated rows spread from typical to far-off values, a quarter of
    them between unflagged and flagged ones. Typical is the training mean where the detector keeps
    one (an autoencoder's input standardisation, ``input_offset_``), else values drawn uniformly
    from [0, 1], where scaled features mostly lie: no other detector keeps its training rows' mean
    (the README's export section says so)."""
    n = pipe.detector_.n_features_in_
    if isinstance(sample, pd.DataFrame):
        if len(sample) == 0:  # (the table's own refusal, "no rows to score", named no sample)
            raise InputError("sample: no rows (empty data)", param="sample")
        X = pipe.transform(sample)
    elif sample is not None:
        X = check_array(sample, n_features=n, what="sample")
    else:
        if n_rows < 1:
            raise InputError(f"check_rows must be >= 1, got {n_rows}", param="check_rows")
        top = _most_check_rows(n)
        if n_rows > top:  # (numpy's own refusal, "iterator is too large", names nothing)
            raise InputError(f"check_rows {n_rows}: more generated rows than an array holds for "
                             f"this model's {n:,} features (at most {top:,}, rows of float64 values "
                             "within 2**63-1 bytes); give fewer", param="check_rows")
        rng = np.random.default_rng(seed)
        det = pipe.detector_
        offset, scale = getattr(det, "input_offset_", None), getattr(det, "input_scale_", None)
        if offset is not None and scale is not None:  # the training rows' mean and spread
            center, unit = np.broadcast_to(offset, (n_rows, n)), scale
        else:  # scaled features mostly lie in [0, 1] (min-max, one-hot) or around 0 (standard)
            center, unit = rng.uniform(0, 1, size=(n_rows, n)), np.ones(n)
        # rows at four spreads, from typical to far off: unflagged and flagged ones
        spread = rng.choice([0.03, 0.3, 1.0, 5.0], size=(n_rows, 1))
        X = _straddle(det, (center + spread * unit * rng.standard_normal((n_rows, n))
                            ).astype(np.float32), rng)
    X = np.ascontiguousarray(X, dtype=np.float32)
    if len(X) == 0:
        raise InputError("parity check: no rows to check (the sample is empty)")
    return X


def _straddle(det: Any, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``X`` with its last quarter replaced by points on segments from an unflagged row to a
    flagged one: scores on both sides of the threshold and close to it, where a flag could flip.
    When every row is flagged the segments start at the lowest-scoring one and stay on the
    flagged side (``hourglass export`` then warns: check with rows of your own data)."""
    k = len(X) // 4
    scores = det.score(X)
    high = np.flatnonzero(scores > det.threshold_.value_)
    if k == 0 or high.size == 0:
        return X
    low = np.flatnonzero(scores <= det.threshold_.value_)
    low = low if low.size else np.array([int(np.argmin(scores))])
    a, b = X[rng.choice(low, k)], X[rng.choice(high, k)]
    out = X.copy()
    out[-k:] = a + rng.uniform(0, 1, size=(k, 1)).astype(np.float32) * (b - a)
    return out


def _baked(module: torch.nn.Module) -> torch.nn.Module:
    """A CPU copy of ``module`` whose parametrized linear layers (spectral normalisation) are plain
    ones holding the weights they give in eval mode: the power iteration's operators have no
    ONNX form. (``remove_parametrizations`` would edit the class the original shares.)"""
    module = copy.deepcopy(module).cpu()  # traced and checked on the CPU whatever the device
    with torch.no_grad():
        for parent in list(module.modules()):
            for child_name, child in list(parent.named_children()):
                if isinstance(child, torch.nn.Linear) and parametrize.is_parametrized(child):
                    plain = torch.nn.Linear(child.in_features, child.out_features,
                                            bias=child.bias is not None)
                    plain.weight.copy_(child.weight)
                    if child.bias is not None:
                        plain.bias.copy_(child.bias)
                    setattr(parent, child_name, plain.eval())
    return module


def _trace(module: torch.nn.Module, n_features: int, opset: int) -> onnx.ModelProto:
    module = _baked(module)
    buf = io.BytesIO()
    # torch 2.5+ takes ``dynamo`` (its default turned True in 2.9); earlier ones trace anyway
    legacy: dict[str, Any] = (
        {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {})
    # "legacy TorchScript-based ONNX export": chosen on purpose (see the module docstring)
    with quiet_warnings(DeprecationWarning), torch.no_grad():
        # torch's annotation names paths only; the exporter writes to a file object as documented
        torch.onnx.export(module, (torch.zeros(2, n_features),), buf,  # type: ignore[arg-type]
                          input_names=["features"], output_names=["score"], opset_version=opset,
                          do_constant_folding=True,
                          dynamic_axes={"features": {0: "batch"}, "score": {0: "batch"}}, **legacy)
    proto = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(proto)
    return proto


class _OnInputScale(torch.nn.Module):
    """The network's score of rows standardised with ``offset`` and ``scale`` (an autoencoder's
    input standardisation), in whatever dtype the module is cast to."""

    offset: torch.Tensor  # buffers
    scale: torch.Tensor

    def __init__(self, module: torch.nn.Module, offset: np.ndarray, scale: np.ndarray) -> None:
        super().__init__()
        self.module = module
        self.register_buffer("offset", torch.from_numpy(np.asarray(offset)))
        self.register_buffer("scale", torch.from_numpy(np.asarray(scale)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return module_score(self.module)(((x - self.offset) / self.scale,))


def _rounding(det: Any, X: np.ndarray, floor: float) -> float:
    """torch's own float32 rounding on the rows ``X``: the largest difference between the scores
    of the detector's scoring module (:meth:`score_module`, what is exported) in float32 and its
    network's scores computed in float64 (unfolded, inputs standardised in float64), relative to
    ``max(|score|, floor)``; 0 when the network does not run in float64. Measured on the
    networks, not on :meth:`score`'s output, so that a difference of the detector's own
    scoring from its module is never taken for rounding."""
    module: torch.nn.Module = _ModuleScore(det.module_)
    offset, scale = getattr(det, "input_offset_", None), getattr(det, "input_scale_", None)
    if offset is not None and scale is not None:
        module = _OnInputScale(det.module_, offset, scale)
    try:
        approx_module, exact_module = _baked(det.score_module()).eval(), _baked(module).double().eval()
        with torch.no_grad():
            approx, exact = (np.concatenate([
                m(rows_tensor(X[i:i + _EXACT_BATCH]).to(dtype)).numpy().astype(np.float64)
                for i in range(0, len(X), _EXACT_BATCH)])
                for m, dtype in ((approx_module, torch.float32), (exact_module, torch.float64)))
    except (RuntimeError, TypeError, ValueError) as exc:  # a layer without a float64 form
        logger.debug("no float64 reference for %s: %s", type(det).__name__, exc)
        return 0.0
    if exact.shape != approx.shape or exact.shape != (len(X),):
        return 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        rel = np.abs(approx - exact) / np.maximum(np.abs(exact), floor)
    rel = rel[np.isfinite(rel)]  # a score past float32's range is compared as before
    return float(rel.max()) if rel.size else 0.0


_EXACT_BATCH = 16384


def _metadata(pipe: Pipeline, name: str, content_hash: str | None) -> dict[str, str]:
    rule = pipe.threshold_
    meta = {
        "hourglass.version": hourglass.__version__,
        "hourglass.model": name,
        "hourglass.input": "features: float32 [batch, n_features], the preprocessed feature matrix "
                           "(Pipeline.transform); hourglass.preprocessing holds the preprocessing state",
        "hourglass.feature_names": json.dumps(list(pipe.features_.feature_names_)),
        "hourglass.columns": json.dumps(list(pipe.features_.columns_)),
        "hourglass.preprocessing": json.dumps(pipe.features_.to_dict(), sort_keys=True),
        "hourglass.threshold": repr(float(rule.value_)),
        "hourglass.threshold_rule": rule.describe(),
        "hourglass.flag": "score > threshold (score as float64)",
    }
    if content_hash is not None:
        meta["hourglass.content_hash"] = content_hash
    return meta


def export_onnx(model: Pipeline | str | os.PathLike[str], path: str | os.PathLike[str], *,
                opset: int = DEFAULT_OPSET, check_rows: int = 1000,
                sample: pd.DataFrame | np.ndarray | None = None, seed: int = 0) -> OnnxExport:
    """Export a fitted table pipeline (or a saved model directory) to an ONNX file at ``path``.

    The graph maps ``features`` (float32, batch × n_features, any batch size) to ``score``
    (float32, batch), the detector's score. Before writing, onnxruntime scores ``sample`` (a
    table, preprocessed with the pipeline, or a feature matrix) or ``check_rows`` generated rows
    and every score must match torch within :data:`RTOL` (or :data:`ROUNDING_FACTOR` times
    torch's own float32 rounding on those rows where that is larger, up to :data:`MAX_RTOL`) and
    every flag exactly (but for a row scoring on the threshold, :data:`ON_THRESHOLD`); otherwise
    :class:`ParityError` and nothing is written. The file is written to a temporary name and
    renamed into place.

    Parameters
    ----------
    model
        A fitted :class:`~hourglass.pipeline.Pipeline` or a model directory; only a directory
        gives the content hash in the metadata.
    path
        The ``.onnx`` file to write (replaced if it exists); not in the folder of the model
        exported (``InputError``: it would overwrite the model's own files).
    opset
        ONNX opset version, in :data:`OPSETS`.
    check_rows, sample, seed
        Rows of the parity check: ``sample`` if given, else ``check_rows`` rows generated with
        ``seed``.

    Examples
    --------
    >>> import tempfile, numpy as np, pandas as pd, onnxruntime as ort
    >>> from hourglass import Pipeline, AutoEncoder
    >>> df = pd.DataFrame({"a": np.arange(200.0), "proto": ["tcp", "udp"] * 100})
    >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = export_onnx(pipe, Path(tmp, "model.onnx"), check_rows=200)
    ...     sess = ort.InferenceSession(str(out.path), providers=["CPUExecutionProvider"])
    >>> out.max_rel_diff <= RTOL
    True
    >>> s = sess.run(["score"], {"features": pipe.transform(df[:3])})[0]
    >>> bool(np.allclose(s, pipe.score(df[:3]), rtol=1e-5))
    True
    """
    return _export(model, None, path, opset=opset, check_rows=check_rows, sample=sample, seed=seed)


def export_loaded(pipe: Pipeline, content_hash: str | None, path: str | os.PathLike[str], *,
                  opset: int = DEFAULT_OPSET, check_rows: int = 1000,
                  sample: pd.DataFrame | np.ndarray | None = None, seed: int = 0) -> OnnxExport:
    """:func:`export_onnx` of a pipeline already loaded from a model directory, with that
    directory's ``content_hash`` (``pipe.artefact_["content_hash"]``) for the metadata: a caller
    that read the model to build ``sample`` exports that same model, not the directory read
    again (which may hold another model by now). Only for a pipeline scored as it was loaded.

    Parameters
    ----------
    pipe
        The fitted pipeline, as :func:`~hourglass.pipeline.load` returned it.
    content_hash
        Its directory's content hash, or ``None`` (no hash in the metadata).
    path, opset, check_rows, sample, seed
        As :func:`export_onnx`.

    Examples
    --------
    >>> import tempfile, numpy as np, pandas as pd
    >>> from hourglass import Pipeline, AutoEncoder, load
    >>> df = pd.DataFrame({"a": np.arange(200.0), "b": np.arange(200.0) % 7})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df).save(f"{tmp}/m")
    ...     pipe = load(f"{tmp}/m")
    ...     out = export_loaded(pipe, pipe.artefact_["content_hash"], f"{tmp}/m.onnx", sample=df[:50])
    ...     meta = {p.key: p.value for p in onnx.load(out.path).metadata_props}
    >>> meta["hourglass.content_hash"] == pipe.artefact_["content_hash"], out.rows_checked
    (True, 50)
    """
    return _export(pipe, content_hash, path, opset=opset, check_rows=check_rows, sample=sample,
                   seed=seed)


def _export(model: Pipeline | str | os.PathLike[str], loaded_hash: str | None,
            path: str | os.PathLike[str], *, opset: int, check_rows: int,
            sample: pd.DataFrame | np.ndarray | None, seed: int) -> OnnxExport:
    """:func:`export_onnx`; a ``model`` that is a pipeline with a ``loaded_hash`` is taken as
    loaded from a directory of that content hash (:func:`export_loaded`)."""
    # 9.0 is "in" a range of ints, and then fails deep in the tracer (its graph dumped on stderr)
    if isinstance(opset, bool) or not isinstance(opset, int | np.integer) or opset not in OPSETS:
        raise InputError(f"opset must be in {OPSETS.start}..{OPSETS.stop - 1} (what torch's "
                         f"TorchScript exporter writes), got {opset}", param="opset")
    for param, given, low in (("check_rows", check_rows, 1), ("seed", seed, 0)):
        # numpy's own refusals ("expected non-negative integer") name neither; both are read
        # only to generate rows (no sample given), and seed None draws a fresh one
        if sample is not None or (param == "seed" and given is None):
            continue
        if isinstance(given, bool) or not isinstance(given, int | np.integer) or given < low:
            raise InputError(f"{param} must be an integer >= {low}, got {given!r}", param=param)
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{target}: is a directory, expected an .onnx file name")
    if not target.parent.is_dir():  # (a file there: a bare NotADirectoryError after the export)
        raise InputError(f"{target.parent}: output folder does not exist"
                         + (" (a file of that name does)" if target.parent.exists() else ""))
    _refuse_inside_model(model, target)
    pipe, content_hash = ((model, loaded_hash) if isinstance(model, Pipeline) and loaded_hash is not None
                          else _resolve(model))
    why_not = export_refusal(pipe)
    if why_not is not None:
        raise InputError(f"cannot export to ONNX: {why_not}")
    det = pipe.detector_
    name = registry.name_of(type(det))
    X = _sample(pipe, sample, check_rows, seed)
    try:
        proto = _trace(det.score_module(), det.n_features_in_, opset)
    except Exception as exc:  # the exporter's and checker's own errors: say what was exported
        detail = first_line(exc)
        raise HourglassError(f"ONNX export of {name} failed at opset {opset}: "
                             f"{type(exc).__name__}: {detail}") from exc
    proto.producer_name, proto.producer_version = "hourglass", hourglass.__version__
    proto.doc_string = (f"hourglass {name}: anomaly score of preprocessed feature rows "
                        "(higher = more anomalous)")
    onnx.helper.set_model_props(proto, _metadata(pipe, name, content_hash))
    data = proto.SerializeToString()

    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    got = session.run(["score"], {"features": X})[0].astype(np.float64)
    want = det.score(X)
    if got.shape != want.shape:
        raise ParityError(f"ONNX graph gave scores of shape {got.shape} for {len(X)} rows")
    value = float(pipe.threshold_.value_)
    floor = max(abs(value), float(np.finfo(np.float32).tiny))
    rounding = _rounding(det, X, floor)
    tol = max(RTOL, ROUNDING_FACTOR * rounding)
    if tol > MAX_RTOL:
        raise ParityError(f"ONNX export of {name} refused: torch's own float32 scores of the {len(X)} rows "
                          f"checked are up to {rounding:.3g} (relative) off the same network's in float64, "
                          "too imprecise to check a graph against (features far from zero with no "
                          "scaling? train with a --scaler); nothing written")
    with np.errstate(invalid="ignore"):  # the same infinity on both sides (a score past float32's
        diff = np.where(got == want, 0.0, np.abs(got - want))  # range) is no difference; NaN is
        # (inf on one side only: inf / inf, a NaN relative difference, which refuses below)
        rel = diff / np.maximum(np.abs(want), floor)
    max_abs, max_rel = float(diff.max()), float(rel.max()) if np.isfinite(rel).all() else float("inf")
    flags_got, flags_want = det.threshold_predict(got), det.threshold_predict(want)
    flip = flags_got != flags_want
    # a score equal to the threshold (a percentile of held-out scores can be one of them) is
    # flagged by a graph one float32 rounding apart from torch's as by a coin: not a difference
    band = ON_THRESHOLD if tol == RTOL else max(ON_THRESHOLD, tol)
    on = flip & (np.abs(want - value) <= band * floor)
    n_flip, n_on = int((flip & ~on).sum()), int(on.sum())
    if not max_rel <= tol or n_flip:
        raise ParityError(f"ONNX export of {name} refused: onnxruntime and torch differ on "
                          f"{len(X)} rows (max relative difference {max_rel:.3g}, tolerance {tol:.3g}; "
                          f"{n_flip} flag(s) differ); nothing written")
    with atomic_output(target) as tmp:
        tmp.write_bytes(data)
    logger.debug("wrote %s (%s, max relative difference %.3g on %d rows)", target, name, max_rel, len(X))
    return OnnxExport(path=target, model=name, n_features=int(det.n_features_in_),
                      rows_checked=len(X), flagged=int(flags_want.sum()), max_abs_diff=max_abs,
                      max_rel_diff=max_rel, on_threshold=n_on, tolerance=tol)
