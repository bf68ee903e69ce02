"""The model side of the service for entity-bucket models: table rows in, one score per
(entity, time bucket) out.

A request's rows are grouped and aggregated with the model's fitted
:class:`~hourglass.features.entity.EntityWindows` (entity column, timestamp column, bucket) as
``hourglass score`` groups a file's, and each bucket gets the score, flag, calibrated probability
and severity ``score`` writes for it (:func:`bucket_rows`: one function for both). Only the
request's rows are grouped: a bucket whose rows come in two requests is scored twice, as two
partial buckets (``hourglass stream`` keeps buckets open across rows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hourglass.errors import InputError
from hourglass.features.entity import KEYS
from hourglass.ingest.tables import flat_record, flatten_json
from hourglass.serve.scoring import ModelScorer, model_records, refuse_nested

if TYPE_CHECKING:
    from hourglass.serve.ecs import AlertRule
    from hourglass.serve.suppress import Suppressions

__all__ = ["EntityScorer", "bucket_rows", "scored_buckets", "with_bucket_times"]


def bucket_rows(pipe: Any, keys: pd.DataFrame, X: np.ndarray) -> pd.DataFrame:
    """Per (entity, bucket) of ``keys`` (:data:`~hourglass.features.entity.KEYS`): its keys with
    the bucket times as ISO-8601 text (``+00:00`` for times with a UTC offset; with microseconds for a
    bucket that is not a whole number of seconds, nanoseconds for one that is not a whole number
    of microseconds), and the ``score``,
    ``flag``, ``calibrated`` probability and ``severity`` of its feature row in ``X``
    (:func:`~hourglass.explain.bucket_verdicts`) — the rows ``hourglass score`` writes for an
    entity-bucket model.

    Examples
    --------
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import AutoEncoder
    >>> from hourglass.features.entity import EntityWindows
    >>> from hourglass.ingest.synthetic import port_scan_flows
    >>> flows, _ = port_scan_flows(hosts=2, days=0.3, scan_flows=0)
    >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
    ...                 features=EntityWindows("src_ip", "ts")).fit(flows)
    >>> out = bucket_rows(pipe, *pipe.features_.transform_with_keys(flows.head(20)))
    >>> list(out.columns)
    ['entity', 'bucket_start', 'bucket_end', 'rows', 'score', 'flag', 'calibrated', 'severity']
    >>> out["bucket_start"].iloc[0]
    '2024-01-01T00:00:00'
    """
    from hourglass.explain.entity import bucket_verdicts
    from hourglass.features.entity import parse_bucket

    out = bucket_verdicts(pipe, keys, X)
    # a bucket of a fraction of a second ('500ms', '1.5s'): its times with microseconds, and of a
    # fraction of a microsecond ('500ns') with nanoseconds, else two buckets would share a start
    # and a bucket would end where it starts
    td = parse_bucket(pipe.features_.bucket)
    whole = td % pd.Timedelta("1s") == pd.Timedelta(0)
    nanos = td % pd.Timedelta("1us") != pd.Timedelta(0)
    layout = "%Y-%m-%dT%H:%M:%S" if whole or nanos else "%Y-%m-%dT%H:%M:%S.%f"
    for c in ("bucket_start", "bucket_end"):
        times = pd.DatetimeIndex(keys[c])
        out[c] = times.strftime(layout)
        if nanos:  # (strftime has no nanoseconds)
            ns = np.mod(times.as_unit("ns").asi8, 1_000_000_000)
            out[c] = out[c] + pd.Series([f".{v:09d}" for v in ns.tolist()], index=out.index, dtype=object)
        if times.tz is not None:  # UTC spelt as every other time hourglass writes outside ECS
            out[c] = out[c] + "+00:00"  # (grouped windows, a series' steps), README 'Times'
    return out


def with_bucket_times(out: pd.DataFrame, keys: pd.DataFrame, output: Any) -> pd.DataFrame:
    """``out`` (:func:`bucket_rows`' rows of ``keys``, row for row) to be written to ``output``:
    for a Parquet file, ``bucket_start`` and ``bucket_end`` as the time columns of ``keys`` (UTC
    where the input times carried an offset), as a Parquet output holds every other time (a
    series' steps), not as text; for any other output ``out`` itself (its ISO-8601 text).

    Examples
    --------
    >>> keys = pd.DataFrame({"entity": ["a"], "bucket_start": pd.to_datetime(["2024-01-01 14:00"]),
    ...                      "bucket_end": pd.to_datetime(["2024-01-01 14:05"]), "rows": [3]})
    >>> out = pd.DataFrame({"entity": ["a"], "bucket_start": ["2024-01-01T14:00:00"],
    ...                     "bucket_end": ["2024-01-01T14:05:00"], "rows": [3], "score": [0.5]})
    >>> with_bucket_times(out, keys, "buckets.parquet")["bucket_end"].iloc[0]
    Timestamp('2024-01-01 14:05:00')
    >>> with_bucket_times(out, keys, "buckets.csv")["bucket_end"].iloc[0]
    '2024-01-01T14:05:00'
    """
    from hourglass.ingest.readers import detect_format

    if output is None or detect_format(output) != "parquet":
        return out
    out = out.copy()
    for c in ("bucket_start", "bucket_end"):
        times = pd.DatetimeIndex(keys[c])
        if not (times.as_unit("ns").asi8 % 1000).any():  # microseconds, as a series' steps are
            times = times.as_unit("us")  # written (Spark reads no nanosecond Parquet times)
        out[c] = times.array  # (by position: keys' index may be another)
    return out


def scored_buckets(pipe: Any, df: pd.DataFrame, *, explain: int | None = None,
                   explain_all: bool = False, method: str = "auto",
                   suppress: Suppressions | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(keys, rows) of the table rows ``df`` grouped per (entity, bucket): the key columns
    (:data:`~hourglass.features.entity.KEYS`, bucket times as times) and :func:`bucket_rows`'
    output. With ``explain``, the rows also get ``top_feature`` and ``why``
    (:func:`~hourglass.explain.bucket_reasons` with ``top=explain``) for each flagged bucket
    (every bucket with ``explain_all``), ``None`` for the others — what ``hourglass explain``,
    ``stream --explain`` and the service's ``explain`` give. With ``suppress`` (rules bound by
    :meth:`~hourglass.serve.suppress.Suppressions.for_buckets`), a flagged bucket a rule matches
    gets flag 0 (before explaining: it is no flagged bucket) and ``suppressed`` names the rule
    (``""`` for the others).

    Examples
    --------
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import AutoEncoder
    >>> from hourglass.features.entity import EntityWindows
    >>> from hourglass.ingest.synthetic import port_scan_flows
    >>> flows, _ = port_scan_flows(hosts=2, days=0.3, scan_flows=0)
    >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
    ...                 features=EntityWindows("src_ip", "ts")).fit(flows)
    >>> keys, out = scored_buckets(pipe, flows.head(20), explain=2, explain_all=True)
    >>> len(keys) == len(out), int(out["why"].str.count("%").min())
    (True, 2)
    """
    f = pipe.features_
    agg = f.aggregate(df)
    X = f.encode(agg)
    keys = agg[list(KEYS)]
    out = bucket_rows(pipe, keys, X)
    if suppress is not None:
        out["flag"], out["suppressed"] = suppress.apply_buckets(keys, out["flag"].to_numpy())
    if explain is not None:
        from hourglass.explain import bucket_reasons

        pick = np.ones(len(out), dtype=bool) if explain_all else out["flag"].to_numpy() == 1
        why = bucket_reasons(pipe, agg.loc[pick], X[pick], rows=df, top=int(explain), method=method)
        for c in ("top_feature", "why"):
            column = np.full(len(out), None, dtype=object)
            column[pick] = why[c].to_numpy(dtype=object)
            out[c] = column
    return keys, out


class EntityScorer(ModelScorer):
    """A saved entity-bucket model (``hourglass train --entity-col``), loaded once, that scores
    table rows sent as JSON, one answer per (entity, bucket) they fall in.

    Parameters
    ----------
    model_dir
        Directory written by ``hourglass train --entity-col COL --timestamp-col COL``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import AutoEncoder
    >>> from hourglass.features.entity import EntityWindows
    >>> from hourglass.ingest.synthetic import port_scan_flows
    >>> flows, _ = port_scan_flows(hosts=2, days=0.3, scan_flows=0)
    >>> out = Path(tempfile.mkdtemp()) / "model"
    >>> Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
    ...          features=EntityWindows("src_ip", "ts", bucket="5min")).fit(flows).save(out)
    >>> scorer = EntityScorer(out)
    >>> scorer.entity_col, scorer.timestamp_col, scorer.bucket
    ('src_ip', 'ts', '5min')
    >>> result = scorer.score(flows.head(30).to_dict("records"))
    >>> result["rows"], sum(b["rows"] for b in result["buckets"]), sorted(result["buckets"][0])
    (30, 30, ['bucket_end', 'bucket_start', 'calibrated', 'entity', 'flag', 'rows', 'score', 'severity'])
    >>> try:
    ...     scorer.score([{"ts": 0, "bytes": 5}])
    ... except InputError as exc:
    ...     print(exc)
    no column 'src_ip' in the data: the model's entity column (columns: ts, bytes)
    """

    kind = "entity"
    serves = "entity-bucket models"

    def _setup(self, pipe: Any) -> None:
        from hourglass.explain import explainable

        f = pipe.features_
        self.features = f
        self.entity_col, self.timestamp_col = str(f.entity_col), str(f.timestamp_col)
        self.bucket: str = str(f.bucket)
        self.columns: list[str] = [str(c) for c in f.columns_]
        self.explain_unavailable: str | None = explainable(pipe)
        self.explain_method: str | None = None
        if self.explain_unavailable is None:
            from hourglass.explain.tabular import METHOD_NAMES, explanation_method

            self.explain_method = METHOD_NAMES[explanation_method(pipe)]
        self.suppression: Suppressions | None = None

    def suppress_with(self, rules: Suppressions | None) -> None:
        """Silence the flagged buckets ``rules`` match from now on (``None``: none): their flag
        becomes 0 and :meth:`score` names the rule in each bucket's ``suppressed``. A rule's
        ``match`` on another column than the entity column is an :class:`InputError`; its
        ``between`` reads the bucket's start.

        Examples
        --------
        >>> from hourglass import Pipeline
        >>> from hourglass.detectors import AutoEncoder
        >>> from hourglass.features.entity import EntityWindows
        >>> from hourglass.ingest.synthetic import port_scan_flows
        >>> from hourglass.serve.suppress import Suppressions
        >>> flows, _ = port_scan_flows(hosts=2, days=0.3, scan_flows=0)
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
        ...                 features=EntityWindows("src_ip", "ts", bucket="5min")).fit(flows)
        >>> scorer = EntityScorer.from_pipeline(pipe)
        >>> rows = flows.to_dict("records")
        >>> before = scorer.score(rows)["buckets"]
        >>> lab = Suppressions.parse('[[rule]]\\nname = "lab"\\nmatch = {src_ip = "10.0.0.1"}')
        >>> scorer.suppress_with(lab)
        >>> after = scorer.score(rows)["buckets"]
        >>> sorted({(b["entity"], a["flag"], a["suppressed"]) for b, a in zip(before, after) if b["flag"]})
        [('10.0.0.1', 0, 'lab'), ('10.0.0.2', 1, '')]
        """
        if rules is not None:
            rules = rules.for_buckets(self.entity_col, f"the model ({self.model_name})",
                                      getattr(self.features, "entity_case", "exact"))
        self.suppression = rules

    def describe(self) -> dict[str, Any]:
        """What a client needs to know before sending rows (the ``/health`` body).

        Examples
        --------
        >>> from hourglass import Pipeline
        >>> from hourglass.detectors import AutoEncoder
        >>> from hourglass.features.entity import EntityWindows
        >>> from hourglass.ingest.synthetic import port_scan_flows
        >>> flows, _ = port_scan_flows(hosts=2, days=0.3, scan_flows=0)
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
        ...                 features=EntityWindows("src_ip", "ts", bucket="5min")).fit(flows)
        >>> scorer = EntityScorer.from_pipeline(pipe)
        >>> health = scorer.describe()
        >>> health["entity_column"], health["timestamp_column"], health["bucket"]
        ('src_ip', 'ts', '5min')
        """
        f = self.features
        optional = set(self.pipeline.optional_fields)  # a row may leave them out (as for tables)
        roles = {self.entity_col: "entity", self.timestamp_col: "timestamp",
                 **dict.fromkeys(f.numeric_, "aggregated"), **dict.fromkeys(f.categorical_, "distinct")}
        return {
            **self._describe(self.explain_unavailable is None),
            "explain_method": self.explain_method,
            "request": (f'{{"rows": [{{column: value, ...}}, ...]}}: one object per row with '
                        f"{self.entity_col!r} (the entity), {self.timestamp_col!r} (its time) and "
                        "the columns below" + (" ('optional': true ones may be left out, as a "
                                               "missing value)" if optional else "")
                        + f"; the rows are grouped per (entity, {self.bucket} bucket) within this "
                        "request only"),
            # the columns a row needs: not one no feature comes from (constant in training)
            "columns": [{"name": c, "role": roles.get(c, "aggregated"),
                         **({"optional": True} if c in optional else {})} for c in f.read_columns()],
            "entity_column": self.entity_col,
            "entity_case": getattr(f, "entity_case", "exact"),
            "timestamp_column": self.timestamp_col,
            "bucket": self.bucket,
        }

    def frame(self, rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
        """``rows`` as the table ``hourglass score`` reads from a JSON-lines file of them (a key
        left out of a row is a missing value; a nested object's fields are columns, ``source.ip``,
        and an array is its JSON text); every row must have a time (as ``hourglass stream``
        requires); rows without an entity value are grouped as the entity ``<missing>``, as
        ``hourglass score`` groups them.

        Examples
        --------
        >>> from hourglass import Pipeline
        >>> from hourglass.detectors import AutoEncoder
        >>> from hourglass.features.entity import EntityWindows
        >>> from hourglass.ingest.synthetic import port_scan_flows
        >>> flows, _ = port_scan_flows(hosts=2, days=0.3, scan_flows=0)
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
        ...                 features=EntityWindows("src_ip", "ts", bucket="5min")).fit(flows)
        >>> scorer = EntityScorer.from_pipeline(pipe)
        >>> df = scorer.frame([{"ts": 1704067210, "src_ip": "10.0.0.2", "dst_port": 443}])
        >>> df[["src_ip", "ts", "dst_port"]]
             src_ip          ts  dst_port
        0  10.0.0.2  1704067210       443
        """
        from hourglass.ingest.formats import event_format
        from hourglass.ingest.kv import joined_ends

        event = getattr(event_format(self.pipeline.info.get("dataset")), "event", None)  # Okta, Entra
        rows = [flat_record(row if event is None else event(row)) for row in rows]  # source.ip, as a file
        if ends := self.pipeline.sonicwall_ends():  # a SonicWall end learnt whole: read so
            rows = [joined_ends(row, ends) for row in rows]
        if len(rows) == 0:
            raise InputError("rows: no rows to score (empty list)")
        refuse_nested(rows, self.columns, frozenset())  # a column sent as an object: not missing
        df = flatten_json(model_records(rows, self.columns, others=6))  # 6: for a message
        df = self.pipeline.with_absent_fields(df)  # Windows events: a field no row has is missing
        # a field missing in some training rows (optional_fields) that no row sends: missing in
        # each, as score, explain and stream take a JSON-lines file of such rows (a column every
        # training row had, sent by none, stays absent: refused)
        df = self.pipeline.with_absent_fields(df, force=True, only=self.pipeline.optional_fields)
        col = self.timestamp_col
        if col in df.columns:  # a column no row has: the features' own message, below
            absent = df[col].isna().to_numpy()
            if absent.any():
                raise InputError(f"row {int(np.flatnonzero(absent)[0]) + 1}: no value for {col!r} "
                                 "(the model's timestamp column)")
        return df

    def score(self, rows: Sequence[Mapping[str, Any]], *, explain: int | None = None,
              explain_all: bool = False) -> dict[str, Any]:
        """One entry per (entity, bucket) of ``rows`` (sorted by entity, then bucket start, as
        ``hourglass score`` writes them): ``entity``, ``bucket_start``, ``bucket_end``, ``rows``,
        ``score``, ``flag``, ``calibrated``, ``severity``; and ``rows``, the rows scored. With
        ``explain`` (bucket features named per bucket), ``top_feature`` and ``why`` of each
        flagged bucket (every bucket with ``explain_all``), as ``hourglass explain --top
        explain`` names them; ``None`` for a bucket not explained. With suppression rules
        (:meth:`suppress_with`), each bucket's ``suppressed``: the rule that silenced its alert
        (its flag is then 0), else ``""``.

        Examples
        --------
        >>> from hourglass import Pipeline
        >>> from hourglass.detectors import AutoEncoder
        >>> from hourglass.features.entity import EntityWindows
        >>> from hourglass.ingest.synthetic import port_scan_flows
        >>> flows, _ = port_scan_flows(hosts=2, days=0.3, scan_flows=0)
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
        ...                 features=EntityWindows("src_ip", "ts", bucket="5min")).fit(flows)
        >>> scorer = EntityScorer.from_pipeline(pipe)
        >>> result = scorer.score(flows.head(30).to_dict("records"), explain=2, explain_all=True)
        >>> first = result["buckets"][0]
        >>> result["rows"], first["entity"], first["bucket_start"], "why" in first
        (30, '10.0.0.1', '2024-01-01T00:00:00', True)
        """
        return self._score(rows, explain=explain, explain_all=explain_all)[0]

    def _score(self, rows: Sequence[Mapping[str, Any]], *, explain: int | None, explain_all: bool,
               ) -> tuple[dict[str, Any], pd.DataFrame]:
        """:meth:`score`'s answer and the scored frame (one row per bucket, with ``top_feature``
        and ``why`` when explained)."""
        if explain is not None and self.explain_unavailable is not None:
            raise InputError(f"explain: {self.explain_unavailable}")
        df = self.frame(rows)
        with self._lock:
            _, out = scored_buckets(self.pipeline, df, explain=explain, explain_all=explain_all,
                                    suppress=self.suppression)
        buckets = []
        for r in out.to_dict("records"):
            entry: dict[str, Any] = {
                "entity": str(r["entity"]), "bucket_start": str(r["bucket_start"]),
                "bucket_end": str(r["bucket_end"]), "rows": int(r["rows"]), "score": float(r["score"]),
                "flag": int(r["flag"]), "calibrated": float(r["calibrated"]), "severity": str(r["severity"])}
            if explain is not None:  # a bucket not explained: None (pandas may hold it as NaN)
                tf, why = r["top_feature"], r["why"]
                entry["top_feature"], entry["why"] = (tf, why) if isinstance(why, str) else (None, None)
            if self.suppression is not None:
                entry["suppressed"] = str(r["suppressed"])
            buckets.append(entry)
        return {"buckets": buckets, "rows": len(df)}, out

    def score_ecs(self, items: Sequence[Mapping[str, Any]], rule: AlertRule, *, explain: Any = None,
                  now: dt.datetime | None = None, flags_out: list[int] | None = None) -> dict[str, Any]:
        """One ECS document per flagged (entity, bucket), the document ``hourglass score
        --alert-format ecs`` writes for it (bucket start as ``@timestamp``, the entity in the ECS
        field its column names); with ``explain``, its ``top_feature`` and ``why`` too (as
        ``hourglass stream --explain`` adds them). Also ``rows`` and ``buckets``: what was scored;
        with suppression rules, ``suppressed``: the alerts they silenced, per rule. ``flags_out``,
        when given, is extended with each bucket's flag, in the order :meth:`score` lists them.

        Examples
        --------
        >>> import tempfile
        >>> from pathlib import Path
        >>> from hourglass import Pipeline
        >>> from hourglass.detectors import AutoEncoder
        >>> from hourglass.features.entity import EntityWindows
        >>> from hourglass.ingest.synthetic import port_scan_flows
        >>> from hourglass.serve.ecs import AlertRule
        >>> flows, _ = port_scan_flows(hosts=2, days=0.3, scan_flows=0)
        >>> out = Path(tempfile.mkdtemp()) / "model"
        >>> Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
        ...          features=EntityWindows("src_ip", "ts")).fit(flows).save(out)
        >>> scorer = EntityScorer(out)
        >>> rows = flows.head(20).to_dict("records")
        >>> rows += [{**rows[0], "dst_port": p, "bytes": 9e9} for p in range(200)]  # a scan
        >>> answer = scorer.score_ecs(rows, AlertRule.from_model(out, scorer.pipeline))
        >>> answer["rows"], answer["count"] >= 1, answer["alerts"][0]["event"]["dataset"]
        (220, True, 'hourglass.entity')
        """
        from hourglass.serve.ecs import frame_alerts

        result, out = self._score(items, explain=explain, explain_all=False)
        if flags_out is not None:
            flags_out.extend(int(b["flag"]) for b in result["buckets"])
        docs = frame_alerts(out.drop(columns=["suppressed"], errors="ignore"), rule,
                            now=now or dt.datetime.now(dt.UTC))
        answer: dict[str, Any] = {"alerts": docs, "count": len(docs), "rows": result["rows"],
                                  "buckets": len(result["buckets"])}
        if self.suppression is not None:  # the alerts a rule silenced, per rule
            names = [str(n) for n in out["suppressed"] if n]
            answer["suppressed"] = {n: names.count(n) for n in dict.fromkeys(names)}
        return answer
