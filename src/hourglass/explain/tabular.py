"""Why a table row was flagged: each input column's share of what made its score high.

Two methods, both per input column (features are summed back to the column they came from: the
one-hot columns of ``service`` count as ``service``), so an explanation names what a person can
look up in the row: ``src_bytes=54540 (71%)``.

* ``reconstruction`` — for autoencoder-type detectors (tag ``supports_explain``, method
  ``score_features``): each column's share of the row's squared reconstruction error. Shares are
  >= 0 and add up to 100%.
* ``gradients`` — for any detector whose score is differentiable (tag ``gradients``: Deep SVDD,
  GANomaly, the encoder-GAN, the autoencoders, an ensemble of such members with z-score
  calibration): integrated gradients of the score from the median training row
  (:mod:`hourglass.explain.gradients`). A column's attribution is how much it raised the score
  above that typical row; they add up to ``score − baseline score``. Its share is the
  attribution over the sum of absolute attributions, so a negative share is a column that pulled
  the score down, and when all are positive the shares are the fractions of the rise.

``auto`` (the default) takes ``reconstruction`` where the detector has it, else ``gradients``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hourglass.errors import InputError
from hourglass.features.validation import native_byte_order

if TYPE_CHECKING:
    from hourglass.pipeline import Pipeline

__all__ = ["METHODS", "column_attributions", "column_errors", "explain_rows", "explainable",
           "explanation_method", "feature_weights", "percent", "the_way_for", "top_shares", "unknown_method"]

_MAX_VALUE_CHARS = 40
#: a Windows security identifier, ``S-1-5-21-<domain>-<RID>``: its end, the RID, tells one account
#: of a domain from another (a cut after 40 characters named every account of a domain alike)
_SID = re.compile(r"S-1-\d+(?:-\d+){1,15}")


def cut_value(text: str, limit: int = _MAX_VALUE_CHARS) -> str:
    """``text`` as an explanation quotes a value: cut to ``limit`` characters, the last ``…``,
    but a Windows SID whole (it fits twice the limit).

    Examples
    --------
    >>> cut_value("S-1-5-21-3623811015-3361044348-30300820-1115")
    'S-1-5-21-3623811015-3361044348-30300820-1115'
    >>> cut_value("/usr/lib/systemd/systemd-journald --namespace=audit")
    '/usr/lib/systemd/systemd-journald --nam…'
    """
    if len(text) <= limit or (len(text) <= 2 * limit and _SID.fullmatch(text)):
        return text
    return text[:limit - 1] + "…"

#: Explanation methods: ``auto`` picks ``reconstruction`` where the detector has it, else ``gradients``.
METHODS = ("auto", "reconstruction", "gradients")

#: What each method is called in outputs (the ``method`` column).
METHOD_NAMES = {"reconstruction": "reconstruction-error",
                "gradients": "integrated-gradients"}


def _has_reconstruction(det: Any) -> bool:
    return bool(det.get_tags().get("supports_explain") and hasattr(det, "score_features"))


def the_way_for(pipe: Pipeline | Any) -> str:
    """How the fitted pipeline's own kind of model is explained, as the end of a refusal by a
    function for another kind (``"; explain its time steps with ..."``; ``""`` for a kind without
    one). The command line and the service choose the explanation by the model's kind; the Python
    functions do not, so each refusal names the one that works, not another that refuses too.
    Given a detector alone (a function that takes ``pipe.detector_``), its ``input`` tag says the
    kind: a table detector's rows, or an entity model's buckets, whose detector is a table one.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import AutoEncoder
    >>> df = pd.DataFrame(np.random.default_rng(0).normal(size=(100, 2)), columns=["a", "b"])
    >>> pipe = Pipeline(detector=AutoEncoder(epochs=1, verbose=0)).fit(df)
    >>> the_way_for(pipe)
    "; explain its rows with hourglass.explain.explain_rows ('hourglass explain' on the command line)"
    >>> the_way_for(pipe.detector_)  # doctest: +NORMALIZE_WHITESPACE
    "; explain its rows with hourglass.explain.explain_rows (an entity model's buckets with
    hourglass.explain.explain_buckets; 'hourglass explain' on the command line)"
    """
    features = getattr(pipe, "features_", None)
    if features is None:  # a detector
        output = str(pipe.get_tags()["input"]) if hasattr(pipe, "get_tags") else ""
        if output == "tabular":
            return ("; explain its rows with hourglass.explain.explain_rows (an entity model's "
                    "buckets with hourglass.explain.explain_buckets; 'hourglass explain' on the "
                    "command line)")
    else:
        output = getattr(features, "output", "tabular")
    if output == "events":  # (the data word of a log model's features only)
        word = "LOG" if features is None else features.data_word
        return ("; explain its flagged sessions with hourglass.explain.session_alerts "
                f"('hourglass score MODEL {word} -o alerts.jsonl' on the command line)")
    what = {"tabular": "rows with hourglass.explain.explain_rows",
            "entity": "buckets with hourglass.explain.explain_buckets",
            "timeseries": "time steps with hourglass.explain.explain_steps"}.get(output)
    return "" if what is None else f"; explain its {what} ('hourglass explain' on the command line)"


def explanation_method(pipe: Pipeline, method: str = "auto") -> str:
    """The method (``"reconstruction"`` or ``"gradients"``) that explains the pipeline's rows;
    ``InputError`` (one line) when ``method`` cannot.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import AutoEncoder, DeepSVDD
    >>> df = pd.DataFrame(np.random.default_rng(0).normal(size=(200, 3)), columns=list("abc"))
    >>> ae = Pipeline(detector=AutoEncoder(epochs=1, verbose=0)).fit(df)
    >>> explanation_method(ae), explanation_method(ae, "gradients")
    ('reconstruction', 'gradients')
    >>> explanation_method(Pipeline(detector=DeepSVDD(epochs=1, verbose=0)).fit(df))
    'gradients'
    """
    pipe._check_fitted()  # NotFittedError, as pipe.score says it (an AttributeError before)
    det = pipe.detector_
    name = type(det).__name__
    output = getattr(pipe.features_, "output", "tabular")
    if output not in ("tabular", "entity"):
        raise InputError(f"explanations are for table and entity-bucket models; this model ({name}) reads "
                         f"{output} data{the_way_for(pipe)}")
    unknown = unknown_method(pipe, method)
    if unknown is not None:
        raise InputError(f"method: {unknown}", param="method")
    if method not in METHODS:  # (a model no method explains: why not, as for "auto")
        method = "auto"
    recon = _has_reconstruction(det)
    why = det.why_no_gradients() if not recon or method == "gradients" else None
    if method == "reconstruction" or (method == "auto" and recon):
        if not recon:
            # the gradients method is offered only where it works (AnoGAN and an isolation
            # forest have neither: the message says why, not to try the other method)
            other = ("or use the gradients method" if why is None
                     else f"(nor do gradients explain it: {why})")
            raise InputError(f"{name} has no per-feature reconstruction error to explain its scores "
                             "with; train an autoencoder-type model (autoencoder, sparse-autoencoder, "
                             f"denoising-autoencoder, vae) {other}")
        return "reconstruction"
    if why is not None:
        if method == "gradients":
            raise InputError(f"{name} cannot be explained by gradients: {why}")
        raise InputError(f"{name} cannot explain its scores: it has no per-feature reconstruction "
                         f"error, and {why}")
    return "gradients"


def unknown_method(pipe: Pipeline, method: str) -> str | None:
    """What is wrong with ``method`` when it is none of :data:`METHODS`: the methods that explain
    this fitted table or entity-bucket pipeline's model, the one given quoted; ``None`` for a
    method of :data:`METHODS` (whether the model takes it is :func:`explanation_method`'s to
    say) or for a model that no method explains (its refusal says why).

    Parameters
    ----------
    pipe
        A fitted table or entity-bucket pipeline.
    method
        The method asked for.

    Returns
    -------
    str or None
        ``"expected one of ..., got '...'"``, naming the methods of this model alone.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import DeepSVDD
    >>> df = pd.DataFrame(np.random.default_rng(0).normal(size=(200, 3)), columns=list("abc"))
    >>> svdd = Pipeline(detector=DeepSVDD(epochs=1, verbose=0)).fit(df)
    >>> unknown_method(svdd, "bogus")
    "expected one of auto, gradients (those that explain DeepSVDD), got 'bogus'"
    >>> unknown_method(svdd, "reconstruction") is None
    True
    """
    if method in METHODS:
        return None
    det = pipe.detector_
    recon = _has_reconstruction(det)
    valid = ["reconstruction"] if recon else []
    if det.why_no_gradients() is None:
        valid.append("gradients")
    if not valid:
        return None
    return (f"expected one of {', '.join(['auto', *valid])} (those that explain {type(det).__name__}), "
            f"got {method!r}")


def explainable(pipe: Pipeline, method: str = "auto") -> str | None:
    """``None`` when the fitted pipeline can explain table rows (with ``method``), else why not
    (one line).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import AutoEncoder, LatentIForest
    >>> df = pd.DataFrame(np.random.default_rng(0).normal(size=(200, 3)), columns=list("abc"))
    >>> explainable(Pipeline(detector=AutoEncoder(epochs=1, verbose=0)).fit(df)) is None
    True
    >>> forest = LatentIForest(hidden=(4, 2), epochs=1, n_estimators=5, verbose=0)
    >>> explainable(Pipeline(detector=forest).fit(df))[:60]
    'LatentIForest cannot explain its scores: it has no per-featu'
    """
    try:
        explanation_method(pipe, method)
    except InputError as exc:
        return str(exc)
    return None


def _column_map(pipe: Pipeline) -> tuple[np.ndarray, list[str]]:
    """Features × columns 0/1 matrix (which input column each feature came from), and the columns."""
    sources = pipe.features_.feature_columns()
    columns = list(dict.fromkeys(sources))  # first-appearance order
    index = {c: i for i, c in enumerate(columns)}
    onehot = np.zeros((len(sources), len(columns)))
    onehot[np.arange(len(sources)), [index[c] for c in sources]] = 1.0
    return onehot, columns


def feature_weights(pipe: Pipeline, X: np.ndarray, chosen: str, *, steps: int = 64
                    ) -> tuple[np.ndarray, list[str], np.ndarray]:
    """(weights, columns, totals) of the feature rows ``X``: per row and input column (for an
    entity model, per aggregate such as ``dst_port:distinct``) its reconstruction error or its
    integrated-gradient attribution (``chosen``, as :func:`explanation_method` gives it), and
    per row what its shares are taken of (the error; the sum of absolute attributions)."""
    onehot, columns = _column_map(pipe)
    if chosen == "reconstruction":
        weights = np.asarray(pipe.detector_.score_features(X), dtype=np.float64) @ onehot
        return weights, columns, weights.sum(axis=1)
    from hourglass.explain.gradients import attributions

    weights = attributions(pipe.detector_, X, steps=steps).values @ onehot
    return weights, columns, np.abs(weights).sum(axis=1)


def top_shares(weights: np.ndarray, total: np.ndarray, top: int) -> tuple[np.ndarray, np.ndarray]:
    """(order, share): per row the indices of its ``top`` largest weights, largest first, and
    every weight's share of the row's total (0 where the total is 0)."""
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError(f"top must be an integer >= 1, got {top!r}")
    share = np.divide(weights, total[:, None], out=np.zeros_like(weights), where=total[:, None] > 0)
    k = min(int(top), weights.shape[1])
    return np.argsort(-weights, axis=1, kind="stable")[:, :k], share


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
    explanation_method(pipe, "reconstruction")
    weights, columns, _ = feature_weights(pipe, pipe.transform(df), "reconstruction")
    return weights, columns


def column_attributions(pipe: Pipeline, df: pd.DataFrame, *, steps: int = 64
                        ) -> tuple[np.ndarray, list[str]]:
    """Integrated-gradient attribution of the score per input column (rows × columns) and the
    column names: each column's is the sum of its features', so a row's columns add up to its
    score minus the baseline's (the median training row), to the quadrature's precision.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import DeepSVDD
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": rng.normal(size=300), "proto": rng.choice(["tcp", "udp"], 300)})
    >>> pipe = Pipeline(detector=DeepSVDD(hidden=(8, 4), epochs=2, verbose=0)).fit(df)
    >>> attr, columns = column_attributions(pipe, df.head(2))
    >>> attr.shape, columns
    ((2, 2), ['x', 'proto'])
    """
    explanation_method(pipe, "gradients")
    weights, columns, _ = feature_weights(pipe, pipe.transform(df), "gradients", steps=steps)
    return weights, columns


def percent(share: float) -> str:
    """``share`` as a whole percentage; one that rounds to zero is ``0%``, never ``-0%`` (a
    column that pulled the score down by less than half a percent).

    Examples
    --------
    >>> percent(0.714), percent(-0.003), percent(-0.02)
    ('71%', '0%', '-2%')
    """
    text = f"{share:.0%}"
    return "0%" if text == "-0%" else text


def _value_text(value: Any) -> str:
    # any missing scalar: None, NaN of any float width (a float32 column's is no Python float),
    # pd.NA, NaT
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return "<missing>"
    if isinstance(value, (float, np.floating)):
        number = float(value)
        text = f"{number:.6g}"
        # a whole number that 6 digits put in exponent form is given in full, as the row holds
        # it: '1.23457e+06' cannot be looked up, and a CSV reads every number column as floats,
        # so its 50000000 was '5e+07' where the same row from JSON lines, `stream` or the
        # service (an int) was '50000000'
        if "e" in text and np.isfinite(number) and number == round(number) and abs(number) < 1e15:
            text = str(int(number))
    else:
        text = str(value)
    return cut_value(text)


def _cells(cells: pd.Series, numeric: bool, categorical: bool = False) -> list[Any]:
    """A column's cells as ``why`` quotes them: a column the model reads as numbers that the file
    gave as text (a CSV column with ``-`` or ``N/A`` in it, or whose refused row ``--on-bad-rows
    skip`` left out) as the numbers the model read (``-`` missing), so that a value is quoted
    alike whatever else its column holds. A ``categorical`` column's text that the model reads
    as a boolean or a whole number (``"true"``, ``"FALSE"``, ``"3.0"``: a JSON string, or a CSV
    column with another word in it) is quoted as the model reads it, ``True``, ``False``,
    ``3``, as a typed boolean or number is: ``is_tls=true`` and ``is_tls=True`` were one value
    quoted two ways, depending on how the file typed it.

    Examples
    --------
    >>> _cells(pd.Series(["0.4712501481712389", "-", " 7 "], dtype=object), True)
    [0.4712501481712389, <NA>, 7.0]
    >>> _cells(pd.Series(["tcp", "-"]), False)
    ['tcp', '-']
    >>> _cells(pd.Series(["true", " FALSE", "3.0", "tcp ", True], dtype=object), False, categorical=True)
    ['True', 'False', '3', 'tcp ', True]
    """
    if categorical:
        from hourglass.features.roles import _whole

        def as_read(v: Any) -> Any:
            if not isinstance(v, str):
                return v
            read = _whole(v.strip(), bools=True)
            # (text the model reads as written, stripped, keeps its own spelling: 'tcp ')
            return v if read == v.strip() else read

        return [as_read(v) for v in cells.tolist()]
    if numeric:
        from hourglass.features.tabular import _is_duration, _read_numbers

        # text as the model reads it (TabularPreprocessor._numeric_frame's test): Arrow's string,
        # a category or a dictionary of text too, which quoted '-' where the model read <missing>
        if not pd.api.types.is_numeric_dtype(cells) and not _is_duration(cells):
            return _read_numbers(cells)[0].tolist()
    return cells.tolist()


def explain_rows(pipe: Pipeline, df: pd.DataFrame, *, top: int = 3, method: str = "auto",
                 steps: int = 64) -> pd.DataFrame:
    """For each row of ``df``: the column with the largest share of what made its score high
    (``top_column``), a text naming the ``top`` largest with their values and shares (``why``,
    e.g. ``src_bytes=54540 (71%); service=private (12%)``), and the method that produced it
    (``method``: ``reconstruction-error`` or ``integrated-gradients``).

    With the reconstruction error, shares are each column's part of the row's squared error.
    Reconstruction error shows where a row breaks the relations the model learnt between
    columns. When few columns are tied by one relation, a change in one of them spreads its error
    over all of them, so the largest share may name a partner of the column that changed; with
    many columns driven by a few factors the changed column usually stands out.

    With integrated gradients, shares are each column's attribution (how much it raised the score
    above the median training row) over the sum of the absolute attributions: negative for a
    column that pulled the score down. A column the preprocessing dropped (constant, or a
    near-duplicate of another) is named only where its missing indicator was kept, for that
    indicator (``c=<missing> (74%)``: the row lacks a value the training rows mostly had).

    Parameters
    ----------
    pipe
        A fitted :class:`~hourglass.Pipeline` over a table whose detector can explain (see
        :func:`explanation_method`).
    df
        Rows to explain, in the columns the model was trained on.
    top
        How many columns ``why`` names (>= 1).
    method
        ``"auto"`` (reconstruction error where the detector has it, else gradients),
        ``"reconstruction"`` or ``"gradients"``.
    steps
        Integration steps of the gradients method.

    Returns
    -------
    pandas.DataFrame
        ``top_column``, ``why`` and ``method``, one row per row of ``df`` (same index).

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
    >>> explain_rows(pipe, odd, method="gradients")["method"].iloc[0]
    'integrated-gradients'
    """
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError(f"top must be an integer >= 1, got {top!r}")
    chosen = explanation_method(pipe, method)
    if getattr(pipe.features_, "output", "tabular") == "entity":
        raise InputError("an entity-bucket model explains (entity, bucket) rows: use "
                         "hourglass.explain.explain_buckets")
    weights, columns, total = feature_weights(pipe, pipe.transform(df), chosen, steps=steps)
    order, share = top_shares(weights, total, top)
    frame = pipe.with_absent_fields(df.reset_index(drop=True))  # Windows events: absent = missing
    frame = pipe.with_sonicwall_ends(frame)  # (a SonicWall end learnt whole: named so)
    frame = native_byte_order(frame)  # pandas takes rows of no big-endian column
    # the feature columns are named as text (a frame of numpy data has columns 0, 1, ...): each
    # named column's position in ``frame``, the first of that name
    where: dict[str, int] = {}
    for k, name in enumerate(frame.columns):
        where.setdefault(str(name), k)
    numeric_inputs = getattr(pipe.features_, "_numeric_inputs", None)
    numbers = set(map(str, numeric_inputs())) if numeric_inputs is not None else set()
    roles = getattr(pipe.features_, "roles_", None) or {}
    # a text cell the model reads as missing ('N/A', 'null', '' from JSON lines, the service or
    # a stream, where a CSV reader gives an empty cell) is quoted as one, as the CSV's row is
    read_as_missing = getattr(pipe.features_, "read_as_missing", None)
    # the k-th reason of every row, a column at a time: each column's cells read in one go
    # (a cell at a time, ``frame.iat``, cost more than the network's pass)
    said = []
    for picked in order.T:
        texts = np.empty(len(picked), dtype=object)
        for j in np.unique(picked).tolist():
            rows = np.flatnonzero(picked == j)
            c = columns[j]
            values = ["?"] * len(rows)
            if c in where:
                cells = frame.iloc[rows, where[c]]
                values = [_value_text(v) for v in _cells(cells, c in numbers,
                                                           roles.get(c) == "categorical")]
                if read_as_missing is not None and c not in numbers:
                    for k in np.flatnonzero(read_as_missing(c, cells)).tolist():
                        values[k] = "<missing>"
            texts[rows] = [f"{c}={v} ({percent(s)})"
                           for v, s in zip(values, share[rows, j].tolist(), strict=True)]
        said.append(texts.tolist())
    why = ["; ".join(parts) for parts in zip(*said, strict=True)]
    return pd.DataFrame({"top_column": [columns[j] for j in order[:, 0]], "why": why,
                         "method": METHOD_NAMES[chosen]}, index=df.index)
