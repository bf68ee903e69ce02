"""Batch scoring on Spark with a saved model: ``spark_df.mapInPandas(fn, schema)``.

:func:`score_partitions` returns the function Spark runs on each partition: it loads the
artefact once per call (once per task), then scores every pandas batch of the partition with the
pipeline, giving the columns ``hourglass score`` writes. :func:`output_schema` gives the Spark
DDL schema of what it yields. Nothing here imports pyspark: the function takes and yields pandas
DataFrames, so it runs (and is tested) without Spark, and hourglass does not depend on it::

    from hourglass.distributed.spark import output_schema, score_partitions
    flows = spark.read.parquet("s3://bucket/flows/")
    fn = score_partitions("/shared/models/flows", keep=["flow_id", "src_ip"], explain=2)
    schema = output_schema("/shared/models/flows", keep={"flow_id": "bigint", "src_ip": "string"},
                           explain=2)
    flows.mapInPandas(fn, schema).where("flag = 1").write.parquet("s3://bucket/alerts/")

Struct columns (``spark.read.json`` of nested JSON) are read as ``hourglass score`` reads nested
JSON: each field a column named by its path (``source.ip``); the events of a format that reads
each record through an ``event`` of its own (``okta``, ``entra-signin``, ``k8s-audit``,
``gcp-audit``, ``cloudtrail``) are passed through it first, as ``score`` passes them
(:func:`format_events`).

Only table models: a time-series model scores each step from the windows around it, a log
model each session from all of its events and an entity-bucket model each (entity, bucket) from
all of its rows, so none can score the rows of one batch on their own (Spark cuts partitions and
batches anywhere, in no set order).
"""

from __future__ import annotations

import logging
import numbers
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hourglass._columns import QUOTED_TEXT
from hourglass._times import cut_cell, quoted_cell
from hourglass.errors import InputError

__all__ = ["PartitionScorer", "format_events", "output_schema", "score_partitions"]

logger = logging.getLogger(__name__)

#: The columns every batch gets, with their Spark SQL types (as ``hourglass score`` writes them,
#: less ``row``: a partition knows no global row number; keep an id column instead).
SCORE_COLUMNS = (("score", "double"), ("flag", "int"), ("calibrated", "double"), ("severity", "string"))
EXPLAIN_COLUMNS = (("top_column", "string"), ("why", "string"))

#: ``row N`` of an error about the rows of a batch, or a quoted value (the data's own text, which
#: is neither the row nor rewritten)
_ROW_REF = re.compile(f"({QUOTED_TEXT})" + r"|\brow (\d+)\b")

#: characters of a kept value that such an error shows (an id is short; a kept text, a payload
#: or a URL, may run to thousands)
_KEPT_CHARS = 60

_WHY_NOT = {
    "timeseries": "a time-series model scores each step from the windows of steps around it, and "
                  "Spark cuts partitions and batches anywhere, in no set order, so a batch's edge "
                  "steps would be scored without their neighbours; score whole series with "
                  "'hourglass score' or Pipeline.score",
    "events": "a log model scores each session from all of its events, which Spark spreads over "
              "partitions and batches; score the log with 'hourglass score' or Pipeline.score",
    "entity": "an entity-bucket model scores each (entity, bucket) from all of its rows, which Spark "
              "spreads over partitions and batches (a bucket split in two would be scored as two "
              "partial buckets), and it gives one score per bucket, not per row; score the rows "
              "with 'hourglass score' or Pipeline.score",
}


def _check_kind(pipe: Any, model_dir: str, explain: int = 0) -> None:
    """Refuse a model Spark cannot score, or with ``explain``, one that cannot explain its rows
    (:func:`output_schema` as :func:`score_partitions`: a schema built first was accepted)."""
    kind = getattr(pipe.features_, "output", "tabular")
    if kind != "tabular":
        raise InputError(f"{model_dir}: Spark batch scoring takes table models; this model "
                         f"({pipe.model_name}) "
                         f"reads {kind} data: {_WHY_NOT.get(kind, 'its rows are not independent')}")
    if explain:
        from hourglass.explain import explainable

        why_not = explainable(pipe)
        if why_not is not None:
            raise InputError(f"explain: {why_not}")


def _no_bare_string(keep: object, example: str) -> None:
    """Refuse a bare string for ``keep``: Python reads ``keep="flow_id"`` as its letters, and the
    first batch, on an executor once the job runs, would find no column ``'f'``."""
    if isinstance(keep, str | bytes):
        raise ValueError(f"keep: expected a list of column names, got the string {keep!r} (read as its "
                         f"letters); write {example.format(keep)}")


def _check_options(keep: Sequence[str], explain: int) -> None:
    if isinstance(explain, bool) or not isinstance(explain, numbers.Integral) or explain < 0:
        raise ValueError(f"explain: expected a number of columns >= 0, got {explain!r}")
    seen: set[str] = set()
    for c in keep:  # the output gets each once, the schema would list it twice: Spark's mismatch
        if c in seen:
            raise ValueError(f"keep: {c!r} is given twice; name each kept column once")
        seen.add(c)
    own = {c for c, _ in SCORE_COLUMNS + EXPLAIN_COLUMNS}
    taken = sorted(own & set(keep))
    if taken:
        raise ValueError(f"keep: {taken[0]!r} is one of the output's own columns; rename it first")


class PartitionScorer:
    """The function :func:`score_partitions` returns (picklable: Spark ships it to executors).

    Calling it with an iterator of pandas DataFrames loads the model once and yields, for each
    batch, its score, flag, calibrated, severity (and top_column, why) columns, then the kept
    columns.

    Parameters
    ----------
    model_dir
        The saved table model (a path as text: it travels to the executors).
    keep
        The input columns copied into the output, in order.
    explain
        With ``n > 0``, ``top_column`` and ``why`` for each flagged row; 0: no such columns.
    anomalies_only
        Yield only the flagged rows.
    threads
        Torch threads per task; ``None``: torch's default.
    content_hash
        The content hash of the model the job was started with (:func:`score_partitions` reads
        it on the driver): a task that loads another model (the folder replaced by a retrained
        one while the job runs) stops with an :class:`~hourglass.errors.InputError` instead of
        scoring its partition with it, so that no job's output mixes two models' scores;
        ``None``: each task scores with the model it loads.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from hourglass import Pipeline, AutoEncoder
    >>> df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30, "id": range(60)})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df[["bytes", "proto"]]).save(
    ...         Path(tmp, "model"))
    ...     fn = PartitionScorer(str(Path(tmp, "model")), keep=("id",), explain=1,
    ...                          anomalies_only=False, threads=1)
    ...     [out] = fn(iter([df.head(10)]))    # what Spark hands one task: an iterator of batches
    >>> out.columns.tolist(), len(out)
    (['score', 'flag', 'calibrated', 'severity', 'top_column', 'why', 'id'], 10)
    """

    def __init__(self, model_dir: str, keep: tuple[str, ...], explain: int, anomalies_only: bool,
                 threads: int | None, content_hash: str | None = None) -> None:
        self.model_dir, self.keep, self.explain = model_dir, keep, explain
        self.anomalies_only, self.threads = anomalies_only, threads
        self.content_hash = content_hash

    def __call__(self, batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        from hourglass.pipeline import load

        if self.threads is not None:
            import torch

            torch.set_num_threads(self.threads)
        pipe = load(self.model_dir)  # once per task, not per batch
        _check_kind(pipe, self.model_dir)
        loaded = str((getattr(pipe, "artefact_", None) or {}).get("content_hash"))
        if self.content_hash is not None and loaded != self.content_hash:
            raise InputError(f"{self.model_dir}: holds another model than the one this job started with "
                             f"(content hash {loaded[:12]}..., not {self.content_hash[:12]}...): it was "
                             "replaced while the job ran, and the job's tasks would score with two "
                             "models; run the job again (or save the new model to another folder)")
        columns = list(pipe.features_.columns_)
        meta = [c for c in (pipe.info.get("label_col"), pipe.info.get("time_col")) if c]
        from hourglass.ingest.formats import event_format

        # okta, entra-signin, k8s-audit, gcp-audit, cloudtrail: each record made the row the
        # model reads (Okta's target list as target.count and target.type), as score reads a file
        event = getattr(event_format(pipe.info.get("dataset")), "event", None)
        for batch in batches:
            yield self._score(pipe, batch, columns, meta, event)

    def _score(self, pipe: Any, batch: pd.DataFrame, columns: list[str], meta: list[str],
               event: Any = None) -> pd.DataFrame:
        given = batch
        if event is not None and len(batch):
            batch = format_events(batch, event)
        # struct columns (nested JSON)? array cells (Arrow's lists: score reads a JSON array as its text)?
        if not {*columns, *self.keep} <= set(batch.columns) or _holds_arrays(batch, columns):
            from hourglass.ingest.tables import flatten_json

            batch = flatten_json(batch.copy())  # their fields as source.ip ..., as score reads
            # a struct null in every row of the batch gives no field: each of the model's is missing
            absent = [c for c in columns if c not in batch.columns]
            if absent and all(_null_struct(given, c) for c in absent):
                roles, n = getattr(pipe.features_, "roles_", {}), len(batch)
                fill = {c: np.full(n, np.nan) if roles.get(c, "numeric") == "numeric"
                        else np.full(n, None, dtype=object) for c in absent}
                batch = pd.concat([batch, pd.DataFrame(fill, index=batch.index)], axis=1)
        # a kept column as the batch gave it (a struct column whole), else a field of one (source.ip)
        kept = {c: given if c in given.columns else batch for c in self.keep}
        missing = [c for c in self.keep if c not in kept[c].columns]
        # no row to read a struct's fields from (source.ip): an empty batch, a struct null in every row
        kept.update({c: pd.DataFrame({c: np.full(len(given), None, dtype=object)}) for c in missing
                     if _null_struct(given, c)})
        missing = [c for c in self.keep if c not in kept[c].columns]
        if missing:
            raise InputError(f"keep: no column {missing[0]!r} in the batch (columns: "
                             f"{', '.join(map(str, given.columns[:8]))})")
        repeated = [c for c in self.keep if (kept[c].columns == c).sum() > 1]  # (a join's both sides)
        if repeated:
            raise InputError(f"keep: the batch has {(kept[repeated[0]].columns == repeated[0]).sum()} "
                             f"columns named {repeated[0]!r}; rename them apart to keep one")
        out = pd.DataFrame({c: pd.Series(dtype=t) for c, t in (
            ("score", "float64"), ("flag", "int32"), ("calibrated", "float64"), ("severity", object))})
        if self.explain:
            out["top_column"] = pd.Series(dtype=object)
            out["why"] = pd.Series(dtype=object)
        if len(batch) == 0:
            for c in self.keep:
                out[c] = kept[c][c]
            return out
        # the model's columns only when all are there (else the pipeline names what is missing);
        # the label and time columns were never features, as for 'hourglass score'
        feats = (batch[columns] if set(columns) <= set(batch.columns)
                 else batch.drop(columns=[c for c in meta if c in batch.columns]))
        det = pipe.detector_
        try:
            scores = np.asarray(pipe.score(feats), dtype=np.float64)
        except InputError as exc:  # "row 3": of this batch, which Spark cut anywhere
            raise _in_batch(exc, len(batch), [kept[c][c] for c in self.keep]) from None
        flags = np.asarray(det.threshold_predict(scores)).astype(np.int32)
        out = pd.DataFrame({"score": scores, "flag": flags,
                            "calibrated": np.asarray(det.calibrate(scores), dtype=np.float64),
                            "severity": np.asarray(det.severity(scores)).astype(str).astype(object)})
        if self.explain:
            from hourglass.explain import explain_rows

            out["top_column"] = pd.Series([None] * len(out), dtype=object)
            out["why"] = pd.Series([None] * len(out), dtype=object)
            pick = flags == 1  # the flagged rows: explaining costs more than scoring
            if pick.any():
                why = explain_rows(pipe, feats.loc[pick] if not pick.all() else feats, top=self.explain)
                out.loc[pick, "top_column"] = why["top_column"].astype(str).to_numpy()
                out.loc[pick, "why"] = why["why"].astype(str).to_numpy()
        for c in self.keep:
            out[c] = kept[c][c].to_numpy()
        if self.anomalies_only:
            out = out[flags == 1].reset_index(drop=True)
        return out


def _in_batch(exc: InputError, n: int, kept: Sequence[pd.Series]) -> InputError:
    """``exc``, about ``row N`` of a batch of ``n`` rows (numbered from 1, as the pipeline numbers
    the rows it scores), with the batch it is of and the row's ``kept`` columns: Spark cuts
    partitions and batches anywhere, so a batch's row N is no row the user can find, and an id
    column kept names it (as ``hourglass score`` tells a file's line).

    Examples
    --------
    >>> exc = InputError("column 'a': expected numbers, found 'row 1' (row 2)")
    >>> str(_in_batch(exc, 3, [pd.Series([7, 8, 9], name="flow_id")]))
    "column 'a': expected numbers, found 'row 1' (row 2 of a batch of 3: flow_id=8)"
    """
    def told(m: re.Match[str]) -> str:
        if m.group(1):  # a quoted value: kept
            return m.group(1)
        i = int(m.group(2)) - 1
        if not 0 <= i < n:
            return m.group(0)
        ids = ", ".join(f"{col.name}={_kept_value(col.iloc[i])}" for col in kept)
        return f"row {i + 1} of a batch of {n}" + (f": {ids}" if ids else "; keep an id column to tell which")

    return InputError(_ROW_REF.sub(told, str(exc)), param=exc.param)


def _kept_value(value: Any) -> str:
    """A kept column's value as an error about its row shows it: as hourglass' errors quote a
    cell (a NumPy number as the number, not ``np.int64(8)``; a time as its text, not
    ``Timestamp(...)``; an array cell as a list), cut after :data:`_KEPT_CHARS` characters.

    Examples
    --------
    >>> _kept_value(np.int64(8)), _kept_value(pd.Timestamp("2024-01-01"))
    ('8', "'2024-01-01T00:00:00'")
    >>> _kept_value("x" * 100)[-8:]
    "xxxx'..."
    """
    return cut_cell(_plain(value), quoted_cell, longest=_KEPT_CHARS + 2)  # (a text: 60, quoted)


def _holds_arrays(batch: pd.DataFrame, columns: Sequence[str]) -> bool:
    """Whether a column of ``batch`` the model reads holds an array cell (a list, or a NumPy array
    as Arrow hands a Spark array over)."""
    return any(isinstance(col := batch[c], pd.Series) and col.dtype == object
               and bool(col.map(lambda v: isinstance(v, list | np.ndarray)).any())
               for c in columns if c in batch.columns)


def _plain(value: Any) -> Any:
    """``value`` as JSON would give it: an array (Arrow's list cell, a NumPy array) as a list and
    a struct's fields likewise, each one plain."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def format_events(batch: pd.DataFrame, event: Any) -> pd.DataFrame:
    """The rows of ``batch`` (events of a format that reads each record through an ``event`` of
    its own: :func:`~hourglass.ingest.formats.event_format`) as that format reads them, each
    record passed through ``event`` as ``hourglass score``, ``stream`` and the service pass it. A
    null field (a Spark row's field that the event's JSON left out) is left out of its record, as
    the JSON had it; arrays and structs are read as the JSON's lists and objects.

    Examples
    --------
    >>> from hourglass.ingest.formats import event_format
    >>> batch = pd.DataFrame({"eventType": ["user.session.start"] * 2,
    ...                       "target": [np.array([{"type": "AppInstance"}, {"type": "AppUser"}]), None]})
    >>> rows = format_events(batch, event_format("okta").event)
    >>> rows["target.count"].tolist(), rows["target.type"].fillna("-").tolist()
    ([2, 0], ['AppInstance', '-'])
    """
    from hourglass.ingest.tables import _records_frame

    records = [event({k: _plain(v) for k, v in row.items()
                      if not (v is None or (isinstance(v, float) and np.isnan(v)))})
               for row in batch.to_dict("records")]
    return _records_frame(records, index=batch.index)


def _null_struct(batch: pd.DataFrame, field: str) -> bool:
    """Whether ``field`` (``source.ip``) is of a struct column of ``batch`` (``source``) that is
    null in every row (or of an empty batch): flattened, it gives no field at all. A column of
    numbers (``bytes``, NaN in every row) is no struct: ``bytes.x`` is then no field of it."""
    head = str(field).split(".")[0]
    if "." not in str(field) or head not in batch.columns:
        return False
    col = batch[head]  # (a DataFrame when two columns share the name: no one struct)
    return isinstance(col, pd.Series) and col.dtype == object and bool(col.isna().all())


def score_partitions(model_dir: str | os.PathLike[str], *, keep: Sequence[str] | Mapping[str, str] = (),
                     explain: int = 0, anomalies_only: bool = False, threads: int | None = None,
                     check: bool = True) -> PartitionScorer:
    """The function to give ``spark_df.mapInPandas`` to score a Spark DataFrame with a saved
    table model.

    Parameters
    ----------
    model_dir
        The artefact (``hourglass train -o DIR`` / :meth:`Pipeline.save`), at a path every
        executor can read (shared storage, or the same path on each node). Each task loads it
        once, checking its content hash as :func:`hourglass.load` does.
    keep
        Input columns copied into the output after the score columns (ids, addresses...; a
        struct column whole, ``source``, or one of its fields, ``source.ip``); a mapping
        (column → Spark type, as :func:`output_schema` takes it) works too.
    explain
        With ``n > 0``, ``top_column`` and ``why`` (the ``n`` columns with the largest share, as
        ``hourglass explain`` gives them) for each flagged row; ``None`` for the others.
    anomalies_only
        Yield only the flagged rows.
    threads
        Torch threads per task (``torch.set_num_threads``); Spark runs several tasks per
        executor, so 1 or 2 avoids oversubscribing its cores. ``None``: torch's default.
    check
        Load the model here once (on the driver) to refuse a model that is no table model, or
        cannot explain, before Spark starts, and pin it: a task that finds another model in
        ``model_dir`` (replaced by a retrained one while the job runs) stops the job instead of
        scoring with it (:class:`PartitionScorer`'s ``content_hash``). ``False`` skips both:
        each task scores with the model it loads.

    Returns
    -------
    PartitionScorer
        ``fn(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]``, with the columns
        ``score`` (double), ``flag`` (int, 0/1), ``calibrated`` (double), ``severity`` (string),
        ``top_column`` and ``why`` with ``explain``, then ``keep``: what ``hourglass score``
        writes for the same rows, less its ``row`` number (a partition knows no global order).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from hourglass import Pipeline, AutoEncoder
    >>> df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30, "id": range(60)})
    >>> out = Path(tempfile.mkdtemp()) / "model"
    >>> Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df[["bytes", "proto"]]).save(out)
    >>> fn = score_partitions(out, keep=["id"])
    >>> batches = fn(iter([df.head(25), df.tail(35)]))   # what Spark hands one task
    >>> [(list(b.columns), len(b)) for b in batches]  # doctest: +NORMALIZE_WHITESPACE
    [(['score', 'flag', 'calibrated', 'severity', 'id'], 25),
     (['score', 'flag', 'calibrated', 'severity', 'id'], 35)]
    >>> output_schema(out, keep={"id": "bigint"})
    '`score` double, `flag` int, `calibrated` double, `severity` string, `id` bigint'
    """
    _no_bare_string(keep, "[{!r}]")
    names = tuple(keep.keys() if isinstance(keep, Mapping) else keep)
    _check_options(names, explain)
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, numbers.Integral)
                                or threads < 1):
        raise ValueError(f"threads: expected an integer >= 1 or None, got {threads!r}")
    path = os.fspath(model_dir)
    content_hash = None
    if check:
        from hourglass.pipeline import load

        pipe = load(path)
        _check_kind(pipe, path, explain)
        content_hash = str(pipe.artefact_["content_hash"])  # every task must load this model
    return PartitionScorer(path, names, int(explain), anomalies_only,
                           None if threads is None else int(threads), content_hash)


def _ddl_name(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def output_schema(model_dir: str | os.PathLike[str] | None = None, *,
                  keep: Mapping[str, str] | Sequence[tuple[str, str]] = (), explain: int = 0) -> str:
    """The Spark DDL schema of what :func:`score_partitions` yields (the second argument of
    ``mapInPandas``).

    Parameters
    ----------
    model_dir
        The artefact; when given, checked to be a table model, and with ``explain`` one that
        can explain its rows, as :func:`score_partitions` checks it (the schema does not depend
        on it).
    keep
        The kept columns with their Spark SQL types, in order: ``{"flow_id": "bigint"}`` (the
        types of the input DataFrame's columns: ``dict(spark_df.dtypes)`` gives them).
    explain
        As given to :func:`score_partitions` (adds ``top_column`` and ``why``).

    Examples
    --------
    >>> output_schema(keep=[("src_ip", "string")], explain=2).split(", ")[3:]
    ['`severity` string', '`top_column` string', '`why` string', '`src_ip` string']
    """
    _no_bare_string(keep, "{{{!r}: 'string'}} (the column's Spark type)")
    given: list[Any] = list(keep.items() if isinstance(keep, Mapping) else keep)
    pairs = [tuple(p.tolist()) if hasattr(p, "tolist") and not isinstance(p, str | bytes) else p
             for p in given]  # (a row of a numpy array of pairs; a numpy string is no pair)
    for pair in pairs:  # a list of names (as score_partitions takes) is no list of pairs
        if (isinstance(pair, str | bytes) or not isinstance(pair, Sequence) or len(pair) != 2
                or not all(isinstance(v, str) for v in pair)):
            raise ValueError(f"keep: expected the kept columns with their Spark types, e.g. "
                             f"{{'flow_id': 'bigint'}} or [('flow_id', 'bigint')], got {pair!r} among them")
    _check_options([n for n, _ in pairs], explain)
    if model_dir is not None:
        from hourglass.pipeline import load

        _check_kind(load(model_dir), os.fspath(model_dir), explain)
    cols = [*SCORE_COLUMNS, *(EXPLAIN_COLUMNS if explain else ()), *pairs]
    return ", ".join(f"{_ddl_name(n)} {t}" for n, t in cols)
