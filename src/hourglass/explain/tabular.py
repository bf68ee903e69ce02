"""Why a table row was flagged: each input column's share of the row's reconstruction error.

An autoencoder-type detector scores a row by how badly it rebuilds it; its ``score_features``
gives the squared error per feature. Features are summed back to the input column they came
from (the one-hot columns of ``service`` count as ``service``), so an explanation names what a
person can look up in the row: ``src_bytes=54540 (71%)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hourglass.errors import InputError

if TYPE_CHECKING:
    from hourglass.pipeline import Pipeline

__all__ = ["column_errors", "explain_rows", "explainable"]

_MAX_VALUE_CHARS = 40


def explainable(pipe: Pipeline) -> str | None:
    """``None`` when the fitted pipeline can explain table rows, else why not (one line).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import AutoEncoder, DeepSVDD
    >>> df = pd.DataFrame(np.random.default_rng(0).normal(size=(200, 3)), columns=list("abc"))
    >>> explainable(Pipeline(detector=AutoEncoder(epochs=1, verbose=0)).fit(df)) is None
    True
    >>> explainable(Pipeline(detector=DeepSVDD(epochs=1, verbose=0)).fit(df))[:40]
    'DeepSVDD has no per-feature reconstructi'
    """
    det = pipe.detector_
    if getattr(pipe.features_, "output", "tabular") != "tabular":
        return (f"explanations are for table models; this model ({type(det).__name__}) reads "
                f"{pipe.features_.output} data")
    if not (det.get_tags().get("supports_explain") and hasattr(det, "score_features")):
        return (f"{type(det).__name__} has no per-feature reconstruction error to explain its "
                "scores with; train an autoencoder-type model (autoencoder, sparse-autoencoder, "
                "denoising-autoencoder, vae)")
    return None


def column_errors(pipe: Pipeline, df: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Reconstruction error per input column (rows × columns) and the column names.

    Each column's error is the sum of its features' squared errors (as ``score_features`` of the
    detector gives them), so a row's columns add up to its total error.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import AutoEncoder
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": rng.normal(size=300), "proto": rng.choice(["tcp", "udp"], 300)})
    >>> pipe = Pipeline(detector=AutoEncoder(hidden=(8, 2), epochs=2, verbose=0)).fit(df)
    >>> errors, columns = column_errors(pipe, df.head(2))
    >>> errors.shape, columns
    ((2, 2), ['x', 'proto'])
    """
    why_not = explainable(pipe)
    if why_not is not None:
        raise InputError(why_not)
    per_feature = np.asarray(pipe.detector_.score_features(pipe.transform(df)), dtype=np.float64)
    sources = pipe.features_.feature_columns()
    columns = list(dict.fromkeys(sources))  # first-appearance order
    index = {c: i for i, c in enumerate(columns)}
    onehot = np.zeros((len(sources), len(columns)))
    onehot[np.arange(len(sources)), [index[c] for c in sources]] = 1.0
    return per_feature @ onehot, columns


def _value_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "<missing>"
    if isinstance(value, (float, np.floating)):
        text = f"{float(value):.6g}"
    else:
        text = str(value)
    return text if len(text) <= _MAX_VALUE_CHARS else text[:_MAX_VALUE_CHARS - 1] + "…"


def explain_rows(pipe: Pipeline, df: pd.DataFrame, *, top: int = 3) -> pd.DataFrame:
    """For each row of ``df``: the column with the largest share of its reconstruction error
    (``top_column``) and a text naming the ``top`` largest with their values and shares
    (``why``, e.g. ``src_bytes=54540 (71%); service=private (12%)``).

    Reconstruction error shows where a row breaks the relations the model learnt between
    columns. When few columns are tied by one relation, a change in one of them spreads its error
    over all of them, so the largest share may name a partner of the column that changed; with
    many columns driven by a few factors the changed column usually stands out. A column the
    preprocessing dropped (constant, or a near-duplicate of another) is never named.

    Parameters
    ----------
    pipe
        A fitted :class:`~hourglass.Pipeline` over a table whose detector supports
        explanations (tag ``supports_explain``, e.g. the autoencoders and the VAE).
    df
        Rows to explain, in the columns the model was trained on.
    top
        How many columns ``why`` names (>= 1).

    Returns
    -------
    pandas.DataFrame
        ``top_column`` and ``why``, one row per row of ``df`` (same index).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import AutoEncoder
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(800, 2)) @ rng.normal(size=(2, 8)) + 0.05 * rng.normal(size=(800, 8))
    >>> df = pd.DataFrame(X, columns=[f"f{i}" for i in range(8)])
    >>> pipe = Pipeline(detector=AutoEncoder(hidden=(16, 2), epochs=30, verbose=0)).fit(df)
    >>> odd = df.tail(3).assign(f0=df["f0"].tail(3) + 3 * df["f0"].std())
    >>> explain_rows(pipe, odd)["top_column"].tolist()
    ['f0', 'f0', 'f0']
    """
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError(f"top must be an integer >= 1, got {top!r}")
    errors, columns = column_errors(pipe, df)
    total = errors.sum(axis=1)
    share = np.divide(errors, total[:, None], out=np.zeros_like(errors), where=total[:, None] > 0)
    k = min(int(top), len(columns))
    order = np.argsort(-errors, axis=1, kind="stable")[:, :k]
    frame = df.reset_index(drop=True)
    present = {c for c in columns if c in frame.columns}
    why = []
    for i, row in enumerate(order):
        parts = []
        for j in row:
            c = columns[j]
            value = _value_text(frame.at[i, c]) if c in present else "?"
            parts.append(f"{c}={value} ({share[i, j]:.0%})")
        why.append("; ".join(parts))
    return pd.DataFrame({"top_column": [columns[j] for j in order[:, 0]], "why": why},
                        index=df.index)
