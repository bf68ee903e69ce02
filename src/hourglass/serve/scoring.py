"""The model side of the scoring service: one loaded table model, JSON rows in, plain lists out.

Nothing here knows about HTTP: :class:`TableScorer` turns a list of ``{column: value}`` records
into the same score, flag, calibrated probability and severity per row as ``hourglass score``
writes for the same rows, or raises :class:`~hourglass.errors.InputError` with a one-line message.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, Self

import numpy as np
import pandas as pd

from hourglass._columns import listed_columns, near_names
from hourglass.errors import InputError
from hourglass.ingest.tables import _records_frame, flat_record, flatten_json, nested_note

if TYPE_CHECKING:
    from hourglass.serve.ecs import AlertRule
    from hourglass.serve.entity_scoring import EntityScorer
    from hourglass.serve.log_scoring import LogScorer
    from hourglass.serve.series_scoring import SeriesScorer
    from hourglass.serve.suppress import Suppressions

__all__ = ["ModelScorer", "TableScorer", "load_scorer", "model_records", "records_frame", "refuse_nested"]

logger = logging.getLogger(__name__)

_SHOWN_COLUMNS = 5


def escapes(text: str) -> list[str]:
    """Each character of ``text`` (a name a client sent) as a message quotes it: one that is not
    printable (a newline) as its escape, so the message stays one line, and a backslash doubled,
    as ``repr`` does, so a newline (``a\\nb``) reads apart from a backslash and an ``n``
    (``a\\\\nb``); other text as it is.

    Examples
    --------
    >>> "".join(escapes("a\\nb")), "".join(escapes("a\\\\nb")), "".join(escapes("é b"))
    ('a\\\\nb', 'a\\\\\\\\nb', 'é b')
    """
    if text.isprintable() and "\\" not in text:
        return list(text)
    return [ch if ch.isprintable() and ch != "\\" else repr(ch)[1:-1] for ch in text]


def sent_nested(column: str, keys: Iterable[Any], subject: str = "the row has") -> str:
    """:func:`~hourglass.ingest.tables.nested_note` for a column a client sent as a JSON object
    (its keys as the request's parser flattened them, each quoted by :func:`escapes`, so the
    message stays one line), said of the request's rows (``subject``); ``""`` when none of
    ``keys`` is a field of ``column``.

    Examples
    --------
    >>> sent_nested("proto", ["proto.name", "bytes"])
    "the row has 'proto' as a nested object, read as its fields (proto.name)"
    """
    return nested_note([column], ("".join(escapes(str(k))) for k in keys)).replace("the data has", subject)


#: Why ``stream`` and the service refuse a row that leaves out a column the model needs, where
#: ``score`` reads a key some rows of a JSON-lines file leave out as a missing value.
NULL_FOR_MISSING = ("send null for a missing value: a row is read alone, so a key left out may be a "
                    "column the data lacks")


def nested_refusal(column: str, note: str) -> str:
    """The problem of a row that sends ``column`` as a JSON object (``note``: :func:`sent_nested`'s
    words), one wording for ``score``, ``stream`` (rows and entities) and the service: a row's
    field the model reads is a column of the model, and ``null`` is how a row leaves one out.

    Examples
    --------
    >>> nested_refusal("b", sent_nested("b", ["b.x"]))
    "missing column 'b': the row has 'b' as a nested object, read as its fields (b.x); send 'b' as a \
plain value (null for a missing one)"
    """
    return f"missing column {column!r}: {note}; send {column!r} as a plain value (null for a missing one)"


def model_records(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *, others: int = 0,
                  ) -> pd.DataFrame:
    """JSON records as a table of the model's ``columns`` that some record has (in the model's
    order; a column some records lack is missing there), and the first ``others`` other keys of
    the first record (for a message that names what the rows hold). The other keys are left out:
    they are ignored anyway, and a request whose rows each carry a key of their own would be a
    table of rows x keys cells (10,000 such rows: 100 million cells, half a minute to build).

    Examples
    --------
    >>> model_records([{"b": 1, "x": 2}, {"a": "q", "y": 3}], ["a", "b", "c"]).to_dict("list")
    {'a': [nan, 'q'], 'b': [1.0, nan]}
    >>> list(model_records([{"x": 1, "y": 2, "a": 3}], ["a"], others=1).columns)
    ['a', 'x']
    """
    present = _keys(rows)
    model = set(columns)
    keep = [c for c in columns if c in present]
    keep += [k for k in (rows[0] if len(rows) else ()) if k not in model][:others]
    if not keep:  # from_records(..., columns=[]) would lose the row count
        return pd.DataFrame(index=pd.RangeIndex(len(rows)))
    return _records_frame(rows, columns=keep)  # (64-bit ids beside a null or 7.0 kept exact, as a file's)


def _keys(rows: Sequence[Mapping[str, Any]]) -> set[Any]:
    """The keys of all ``rows``."""
    keys: set[Any] = set()
    for row in rows:  # (no view object a row: 100,000 of them at once set the collector going)
        keys.update(row)
    return keys


def refuse_nested(rows: Sequence[Mapping[str, Any]], columns: Sequence[str],
                   needed: frozenset[str]) -> None:
    """An :class:`InputError` for the first row that sends a model column a row may leave out
    (not in ``needed``: an optional column, any column of Windows events and Zeek logs) as a
    nested object (``{"bytes": {"x": 1}}``, read as its fields, ``bytes.x``, which the model does
    not read), as :func:`records_frame` refuses a column every row needs sent so: else the row
    was scored with that column missing (imputed), the value sent unread, not a word.

    Examples
    --------
    >>> refuse_nested([{"a": 1}, {"a": 2, "b.x": 1}], ["a", "b"], frozenset({"a"}))
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: row 2: missing column 'b': the row has 'b' as a nested object, ...
    >>> refuse_nested([{"a": 1, "b.x": 1}], ["a", "b", "b.x"], frozenset({"a"}))  # b.x: a column
    """
    leave_out = [c for c in columns if c not in needed]
    if not leave_out or not rows:
        return
    model = set(columns)
    dotted = {k for k in _keys(rows) if isinstance(k, str) and "." in k and k not in model}
    if not dotted:
        return
    for c in leave_out:
        fields = {k for k in dotted if k.startswith(f"{c}.")}
        if not fields:
            continue
        for i, row in enumerate(rows):
            if c not in row and not fields.isdisjoint(row.keys()):
                raise InputError(f"row {i + 1}: {nested_refusal(c, sent_nested(c, row))}")


def records_frame(rows: Sequence[Mapping[str, Any]], columns: Sequence[str],
                  needed: frozenset[str] | None = None) -> pd.DataFrame:
    """JSON records as a table, every record carrying every one of ``columns`` (``null`` is a
    missing value; a key left out is an :class:`InputError` naming the row and the column).

    Examples
    --------
    >>> records_frame([{"a": 1, "b": None}], ["a", "b"]).shape
    (1, 2)
    >>> records_frame([{"a": 1, "b": 2}, {"a": 3}], ["a", "b"])
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: row 2: missing column 'b' (each row needs a, b; send null for a missing ...
    >>> records_frame([{"a": 1, "B": 2}], ["a", "b"])
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: row 1: missing column 'b': the row has B for b (column names match ...
    """
    if len(rows) == 0:
        raise InputError("rows: no rows to score (empty list)")
    needed = frozenset(columns) if needed is None else needed
    for i, row in enumerate(rows):
        if not needed <= row.keys():  # a set comparison in C: no loop per column in Python
            absent = next(c for c in columns if c in needed and c not in row)
            must = [c for c in columns if c in needed]  # an optional column may be left out
            shown = listed_columns(must[:_SHOWN_COLUMNS]) + (" ..." if len(must) > _SHOWN_COLUMNS else "")
            nested = sent_nested(absent, row)  # a client's keys: {"proto": {"name": "tcp"}} is proto.name
            if nested:
                raise InputError(f"row {i + 1}: {nested_refusal(absent, nested)}")
            # 'Bytes' or ' bytes ' for bytes: named, as score names such a column of a file
            near = near_names([absent], map(str, row.keys()), "the row has")
            if near:
                raise InputError(f"row {i + 1}: missing column {absent!r}: {near}")
            # (score reads a key some rows of a file leave out as missing there, the file showing
            # the column exists; a row read alone cannot tell it from data without the column)
            raise InputError(f"row {i + 1}: missing column {absent!r} (each row needs {shown}; "
                             f"{NULL_FOR_MISSING})")
    return model_records(rows, columns)


def load_scorer(model_dir: str | os.PathLike[str]
                ) -> TableScorer | SeriesScorer | LogScorer | EntityScorer:
    """The scorer for the model saved in ``model_dir``, whatever input it reads: a
    :class:`TableScorer`, :class:`~hourglass.serve.series_scoring.SeriesScorer`,
    :class:`~hourglass.serve.log_scoring.LogScorer` or
    :class:`~hourglass.serve.entity_scoring.EntityScorer` (per entity per time bucket).

    Examples
    --------
    >>> import tempfile, numpy as np, pandas as pd
    >>> from pathlib import Path
    >>> from hourglass import Pipeline
    >>> from hourglass.detectors import LSTMAutoEncoder
    >>> from hourglass.features.timeseries import TimeSeriesPreprocessor
    >>> out = Path(tempfile.mkdtemp()) / "model"
    >>> series = pd.DataFrame({"cpu": np.sin(np.arange(80) / 4)})
    >>> Pipeline(LSTMAutoEncoder(window=8, hidden=4, epochs=1, verbose=0),
    ...          features=TimeSeriesPreprocessor()).fit(series).save(out)
    >>> scorer = load_scorer(out)
    >>> scorer.kind, scorer.describe()["min_rows"]
    ('timeseries', 8)
    """
    from hourglass.pipeline import load
    from hourglass.serve.entity_scoring import EntityScorer
    from hourglass.serve.log_scoring import LogScorer
    from hourglass.serve.series_scoring import SeriesScorer

    pipe = load(model_dir)
    kind = getattr(pipe.features_, "output", "tabular")
    cls: type[ModelScorer] = {"timeseries": SeriesScorer, "events": LogScorer,
                              "entity": EntityScorer}.get(kind, TableScorer)
    return cls.from_pipeline(pipe, str(model_dir))  # type: ignore[return-value]


class ModelScorer:
    """What the scorers share: loading a saved model once, refusing one of another input
    kind, one request at a time through the model, and the per-score verdicts.

    A subclass sets :attr:`kind` (the ``features_.output`` it serves) and :attr:`serves` (for the
    refusal), and reads what it needs from the pipeline in :meth:`_setup`.
    """

    kind: ClassVar[str] = ""
    serves: ClassVar[str] = ""

    def __init__(self, model_dir: str | os.PathLike[str]) -> None:
        from hourglass.pipeline import load

        self._adopt(load(model_dir), str(model_dir))

    @classmethod
    def from_pipeline(cls, pipe: Any, source: str = "model") -> Self:
        """A scorer over a pipeline already loaded (``source`` names it in errors); the same
        checks as loading from a directory.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder
        >>> df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
        >>> scorer = TableScorer.from_pipeline(pipe)
        >>> type(scorer).__name__, scorer.columns
        ('TableScorer', ['bytes', 'proto'])
        """
        scorer = cls.__new__(cls)
        scorer._adopt(pipe, source)
        return scorer

    def _adopt(self, pipe: Any, source: str) -> None:
        kind = getattr(pipe.features_, "output", "tabular")
        name = pipe.model_name
        if kind != self.kind:
            raise InputError(f"{source}: {type(self).__name__} serves {self.serves}; this model "
                             f"({name}) reads {kind} data (load_scorer picks its scorer)")
        self.pipeline = pipe
        self.model_name = name
        # one request at a time through the model: torch already spreads one batch over the
        # cores, and the pipeline keeps small per-call state (the extra-column warning, the
        # log parser's line counts)
        self._lock = threading.Lock()
        self._setup(pipe)

    def _setup(self, pipe: Any) -> None:
        """Read what this scorer needs from the loaded pipeline."""

    def _describe(self, explain: bool) -> dict[str, Any]:
        """The part of the ``/health`` body every kind has."""
        return {"model": self.model_name, "input": self.kind,
                "threshold": self.pipeline.threshold_.describe(),
                "threshold_value": float(self.pipeline.threshold_.value_), "explain": explain}

    def score_ecs(self, items: Sequence[Any], rule: AlertRule, *, explain: Any = None,
                  now: dt.datetime | None = None, flags_out: list[int] | None = None) -> dict[str, Any]:
        """The flagged rows, time steps or sessions of ``items`` (what :meth:`score` takes) as ECS
        alert documents (``alerts``, ``count``) and the counts of what was scored. ``flags_out``,
        when given, is extended with the flag of each row, time step, bucket or session scored,
        in the order the answer of :meth:`score` gives them (what a drift check takes)."""
        raise NotImplementedError

    def _verdicts(self, scores: np.ndarray, flags: Any = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Flag (0/1; the threshold's unless given), calibrated probability and severity of
        each score, as the detector gives them."""
        det = self.pipeline.detector_
        flags = det.threshold_predict(scores) if flags is None else flags
        return (np.asarray(flags).astype(int), np.asarray(det.calibrate(scores), dtype=np.float64),
                np.asarray(det.severity(scores)).astype(str))


class TableScorer(ModelScorer):
    """A saved table model, loaded once, that scores rows given as JSON records.

    Parameters
    ----------
    model_dir
        Directory written by ``hourglass train`` / :meth:`Pipeline.save`. Loading refuses
        tampered or incompatible artefacts (:class:`~hourglass.errors.ArtefactError`); a model
        that reads time series or logs is refused with an :class:`InputError`.

    Examples
    --------
    >>> import tempfile, numpy as np, pandas as pd
    >>> from pathlib import Path
    >>> from hourglass import Pipeline, AutoEncoder
    >>> df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
    >>> out = Path(tempfile.mkdtemp()) / "model"
    >>> Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df).save(out)
    >>> scorer = TableScorer(out)
    >>> scorer.columns
    ['bytes', 'proto']
    >>> result = scorer.score([{"bytes": 3.0, "proto": "tcp"}, {"bytes": 7, "proto": "icmp"}])
    >>> sorted(result), len(result["scores"])
    (['calibrated', 'flags', 'scores', 'severity'], 2)
    >>> scorer.score([{"bytes": 3.0}])
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: row 1: missing column 'proto' (each row needs bytes, proto; send null ...
    """

    kind = "tabular"
    serves = "table models"

    def _setup(self, pipe: Any) -> None:
        from hourglass.explain import explainable

        self.columns: list[str] = list(pipe.features_.columns_)
        # a column seen missing in training may be left out of a row (Elastic omits empty fields)
        self.optional: frozenset[str] = frozenset(pipe.optional_fields)
        self._model = frozenset(self.columns)
        self._needed = self._model - self.optional  # what every row must carry
        # Windows events and Zeek logs carry only the fields they have: a key left out is missing
        self.sparse_fields: bool = pipe.sparse_fields
        # the label and time columns were never features: dropped from a request, as score does
        self._meta = [c for c in (pipe.info.get("label_col"), pipe.info.get("time_col")) if c]
        # a model of a format of one record a line (cef, leef, panos, kv, auditd) is sent the lines
        from hourglass.ingest.formats import line_format

        spec = line_format(pipe.info.get("dataset"))
        self.line_parse: Any = getattr(spec, "parse", None)
        # a line that holds no record and is passed over, as the file reader does (ausearch's '----')
        self.line_no_record: Any = getattr(spec, "no_record", None)
        # audit records: a request's lines gathered into events, one row each (None: a row a line)
        self.line_events: Any = spec.events if spec is not None and spec.events() is not None else None
        self.explain_unavailable: str | None = explainable(pipe)
        self.explain_method: str | None = None
        if self.explain_unavailable is None:
            from hourglass.explain.tabular import METHOD_NAMES, explanation_method

            self.explain_method = METHOD_NAMES[explanation_method(pipe)]
        self.suppression: Suppressions | None = None

    @property
    def input_columns(self) -> list[str]:
        """Every column of the model's training data: its features, the columns it dropped,
        its label and time columns (what a row sent to it may be matched on)."""
        features = self.pipeline.features_
        info = self.pipeline.info
        return list(dict.fromkeys(map(str, [*self.columns, *getattr(features, "roles_", {}),
                                            *getattr(features, "drop", ()),
                                            *(c for c in (info.get("time_col"), info.get("label_col"))
                                              if c)])))

    def suppress_with(self, rules: Suppressions | None) -> None:
        """Silence the flagged rows ``rules`` match from now on (``None``: none): their flag
        becomes 0 and :meth:`score` names the rule in ``suppressed``. A rule's column the
        model's training data did not have is warned about (it matches the rows sent with that
        field); ``between`` without the model's time column is an :class:`InputError`.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder
        >>> from hourglass.serve.suppress import Suppressions
        >>> df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
        >>> scorer = TableScorer.from_pipeline(pipe)
        >>> scorer.suppress_with(Suppressions.parse('[[rule]]\\nname = "udp"\\nmatch = { proto = "udp" }'))
        >>> result = scorer.score([{"bytes": 900.0, "proto": "tcp"}, {"bytes": 900.0, "proto": "udp"}])
        >>> result["flags"], result["suppressed"]
        ([1, 0], ['', 'udp'])
        >>> elsewhere = Suppressions.parse('[[rule]]\\nname = "x"\\nmatch = { src_ip = "10.0.0.5" }')
        >>> scorer.suppress_with(elsewhere)   # a field the model does not read: warned, applied
        >>> scorer.score([{"bytes": 900.0, "proto": "tcp", "src_ip": "10.0.0.5"}])["suppressed"]
        ['x']
        """
        if rules is not None:
            info = self.pipeline.info
            rules = rules.for_times(info.get("time_col"), info.get("time_dayfirst"),
                                    f"the model ({self.model_name})")
            known = self.input_columns
            # a field the model does not read may still come with the rows (an address sent beside
            # the features), as 'score' matches a file's column the model does not read: the rule
            # is said, not refused (a misspelt column is seen here, before any row comes)
            for name, column in dict.fromkeys((r.name, c) for r in rules.rules for c in r.match
                                              if c not in known):
                more = " ..." if len(known) > _SHOWN_COLUMNS else ""
                shown = listed_columns(known[:_SHOWN_COLUMNS]) + more
                logger.warning("%s: rule %r matches column %r, which the model's training data does not "
                               "have (its columns: %s): it silences only rows sent with that field",
                               rules.source, name, column, shown)
        self.suppression = rules

    @property
    def can_adapt(self) -> bool:
        """Whether the model's threshold can learn from scores as they stream (SPOT, DSPOT)."""
        return callable(getattr(self.pipeline.detector_.threshold_, "update", None))

    def describe(self) -> dict[str, Any]:
        """What a client needs to know before sending rows (the ``/health`` answer's body).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder
        >>> df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
        >>> scorer = TableScorer.from_pipeline(pipe)
        >>> health = scorer.describe()
        >>> health["input"], health["columns"]
        ('tabular', [{'name': 'bytes', 'role': 'numeric'}, {'name': 'proto', 'role': 'categorical'}])
        """
        roles = self.pipeline.features_.roles_
        rows_of_lines = ("(the records of each event gathered into one row of the columns below, as "
                         "training read the file: send an event's records in one request)"
                         if self.line_events is not None else "(each line one row of the columns below)")
        return {
            **self._describe(self.explain_unavailable is None),
            "explain_method": self.explain_method,
            "request": (f'{{"lines": ["event line", ...]}}: one {self.pipeline.info.get("dataset")} '
                        "record a line, syslog header and all, as the training file had them "
                        f"{rows_of_lines}" if self.line_parse is not None else
                        '{"rows": [{column: value, ...}, ...]}: one object per row with the '
                        "columns below (a column left out is a missing value: Windows events, Zeek "
                        "and Suricata logs carry only the fields they have)" if self.sparse_fields else
                        '{"rows": [{column: value, ...}, ...]}: one object per row with every '
                        "column below" + (" ('optional': true ones may be left out, as a missing "
                                          "value)" if self.optional else "")),
            **({"format": self.pipeline.info.get("dataset")} if self.line_parse is not None else {}),
            "columns": [{"name": c, "role": roles.get(c, "numeric"),
                         **({"optional": True} if c in self.optional else {})} for c in self.columns],
            # not a feature, so not among the columns; a row's value is its alert's event time
            # (ECS @timestamp) and what a suppression rule's time condition reads
            "timestamp_column": self.pipeline.info.get("time_col"),
        }

    def keyless_rows(self, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """The indices of the ``rows`` that :meth:`frame` refuses for a model column left out, all
        of them in one pass (a caller that skips bad rows needs no call per bad row); none for
        Windows events and Zeek logs (:attr:`sparse_fields`), which may leave any column out.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder
        >>> df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
        >>> scorer = TableScorer.from_pipeline(pipe)
        >>> scorer.keyless_rows([{"bytes": 1, "proto": "tcp"}, {"bytes": 2}, {"proto": "udp"}])
        [1, 2]
        """
        if self.sparse_fields or not self._needed:
            return []
        needed = self._needed
        return [i for i, row in enumerate(self._flat_rows(rows)) if not needed <= row.keys()]

    def unreadable_rows(self, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """The indices of the ``rows`` that :meth:`score` refuses for text that is no number in a
        column read as numbers (``expected numbers, found 'abc'``), all of them in one pass, as
        :meth:`keyless_rows` finds those without a model column; none when :meth:`frame`
        refuses the rows for another reason (the scoring names it).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder
        >>> df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
        >>> scorer = TableScorer.from_pipeline(pipe)
        >>> scorer.unreadable_rows([{"bytes": 1, "proto": "tcp"}, {"bytes": "abc", "proto": "udp"}])
        [1]
        """
        finder = getattr(self.pipeline.features_, "unreadable_rows", None)
        if finder is None or not rows:
            return []
        try:
            df = self.frame(rows)
        except InputError:
            return []
        return np.flatnonzero(finder(df)).tolist()

    def frame(self, rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
        """``rows`` as the table the model reads; every row must carry every model column
        (``null`` is a missing value, imputed as in training; a key left out is an error) —
        except for Windows events and Zeek logs (:attr:`Pipeline.sparse_fields`), where a key
        left out is a missing value too, and a row must carry at least one model column.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder
        >>> df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
        >>> scorer = TableScorer.from_pipeline(pipe)
        >>> scorer.frame([{"bytes": 3, "proto": "tcp", "other": 1}])   # other keys are ignored
           bytes proto
        0      3   tcp
        """
        rows = self._flat_rows(rows)
        refuse_nested(rows, self.columns, self._needed)
        if self.sparse_fields:
            if len(rows) == 0:
                raise InputError("rows: no rows to score (empty list)")
            for i, row in enumerate(rows):
                if self._model.isdisjoint(row.keys()):  # (what it has: {"Event": ...} of evtx_dump?)
                    shown = listed_columns(self.columns[:_SHOWN_COLUMNS])
                    more = " ..." if len(self.columns) > _SHOWN_COLUMNS else ""
                    keys = list(row.keys())
                    has = (f"it has {listed_columns(keys[:_SHOWN_COLUMNS])}"
                           f"{' ...' if len(keys) > _SHOWN_COLUMNS else ''}" if keys else "it has no field")
                    raise InputError(f"row {i + 1}: none of the model's columns ({shown}{more}); {has}")
            df = self.pipeline.with_absent_fields(model_records(rows, self.columns))
        else:
            df = records_frame(rows, self.columns, self._needed)
            if self.optional and df.shape[1] == 0:  # every column optional, none in any row
                shown = listed_columns(self.columns[:_SHOWN_COLUMNS])
                more = " ..." if len(self.columns) > _SHOWN_COLUMNS else ""
                raise InputError(f"rows: no row has any of the model's columns ({shown}{more}); "
                                 "send at least one of them (null for a missing value)")
            if self.optional:  # one left out of every row: missing there, as null would be
                df = self.pipeline.with_absent_fields(df, force=True)
        df = flatten_json(df)  # arrays as JSON text, as score reads a file (objects: flat_record)
        meta = [c for c in self._meta if c in df.columns]
        return df.drop(columns=meta) if meta else df

    def _flat_rows(self, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """``rows`` as the format reads its events (Okta, Entra: :func:`event`), each nested
        object's fields as keys of their own (``source.ip``, as a file is read)."""
        from hourglass.ingest.formats import event_format
        from hourglass.ingest.kv import joined_ends

        event = getattr(event_format(self.pipeline.info.get("dataset")), "event", None)  # Okta, Entra
        flat = [flat_record(row if event is None else event(row)) for row in rows]
        ends = self.pipeline.sonicwall_ends()  # a SonicWall end learnt whole: read so
        return [joined_ends(row, ends) for row in flat] if ends else flat

    def score(self, rows: Sequence[Mapping[str, Any]], *, explain: int | None = None,
              explain_flagged: bool = False, adapt: bool = False) -> dict[str, list[Any]]:
        """Score, flag (0/1), calibrated anomaly probability and severity per row, and with
        ``explain`` (columns named per row) the ``top_column`` and ``why`` of each row (with
        ``explain_flagged``, of the flagged rows only: the others get ``None``). With ``adapt``, a
        streaming threshold (SPOT, DSPOT: :attr:`can_adapt`) flags the rows in order and learns
        from the unflagged ones, so the next call sees the moved threshold; ``thresholds`` then
        holds the cut-off each row was flagged against.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder
        >>> df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(df)
        >>> scorer = TableScorer.from_pipeline(pipe)
        >>> result = scorer.score([{"bytes": 3.0, "proto": "tcp"}, {"bytes": 500.0, "proto": "udp"}],
        ...                       explain=1, explain_flagged=True)
        >>> result["flags"], result["severity"][1], result["top_column"], result["why"]
        ([0, 1], 'critical', [None, 'bytes'], [None, 'bytes=500 (100%)'])
        """
        if adapt and not self.can_adapt:
            raise InputError(f"adapt: the threshold of this model ({self.pipeline.threshold_.describe()}) "
                             "does not adapt; train with --threshold spot:Q or dspot:Q")
        if explain is not None and self.explain_unavailable is not None:
            raise InputError(f"explain: {self.explain_unavailable}")
        df = self.frame(rows)
        with self._lock:
            scores = self.pipeline.score(df)
            threshold = self.pipeline.detector_.threshold_
            flags, calibrated, severity = self._verdicts(scores, threshold.update(scores) if adapt else None)
            suppressed = None
            if self.suppression is not None and flags.any():
                flags, suppressed = self._suppressed(rows, flags)
            result: dict[str, list[Any]] = {
                "scores": np.asarray(scores, dtype=np.float64).tolist(), "flags": flags.tolist(),
                "calibrated": calibrated.tolist(), "severity": severity.tolist(),
            }
            if adapt:  # the cut-off each row met: the threshold moves within the batch
                result["thresholds"] = threshold.cutoffs_.tolist()
            if self.suppression is not None:
                result["suppressed"] = [""] * len(df) if suppressed is None else suppressed.tolist()
            if explain is not None:
                from hourglass.explain import explain_rows

                pick = (np.asarray(result["flags"]) == 1 if explain_flagged
                        else np.ones(len(df), dtype=bool))
                result["top_column"] = [None] * len(df)
                result["why"] = [None] * len(df)
                if pick.any():
                    why = explain_rows(self.pipeline, df.loc[pick] if not pick.all() else df, top=explain)
                    for i, top, text in zip(np.flatnonzero(pick).tolist(), why["top_column"].astype(str),
                                            why["why"].astype(str), strict=True):
                        result["top_column"][i], result["why"][i] = top, text
        return result

    def _suppressed(self, rows: Sequence[Mapping[str, Any]], flags: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
        """``flags`` with the flagged rows a suppression rule matches set to 0, and each row's
        rule (``""``: none); only the flagged rows' rule columns are read into a table, as
        :meth:`frame` reads rows (the format's events, arrays as JSON text: as ``score`` and
        ``stream`` read a file's)."""
        assert self.suppression is not None
        rules = self.suppression
        pick = np.flatnonzero(flags == 1)
        columns = list(dict.fromkeys([*rules.columns, *([rules.time_col] if rules.uses_time else [])]))
        # (one row per flagged row even where the rules read no column: all of them expired)
        sub = flatten_json(pd.DataFrame.from_records(self._flat_rows([rows[i] for i in pick.tolist()]),
                                                     columns=columns, index=range(len(pick))))
        model_time = self.pipeline.info.get("time_col")
        if rules.uses_time and rules.dayfirst is None and model_time and rules.time_col == model_time:
            # the request's order, not the flagged rows' alone (as its alerts' times are read)
            order = self.date_order(rows, sub[str(rules.time_col)].tolist())
            if order is not None:
                rules = replace(rules, dayfirst=order)
        names = np.full(len(flags), "", dtype=object)
        names[pick] = rules.names(sub)
        return np.where(names != "", 0, flags), names

    def date_order(self, rows: Sequence[Mapping[str, Any]], times: Sequence[Any] | None = None
                   ) -> bool | None:
        """The day/month order the numeric dates (``06/12/2026``) of the model's time column are
        read in for the batch ``rows``, by its ``--suppress between`` rules and its alerts' times
        (ECS ``@timestamp``) alike: the model's (its training data's), else the one the whole
        batch shows (:func:`~hourglass._times.chunk_dayfirst`: a flagged row's ambiguous date
        alone would be read by the written convention); ``None`` where none tells (no time
        column, no such dates). ``times``: those of the rows read (the flagged ones, in order);
        where they hold no numeric dates (ISO 8601, epoch numbers: read alike in either order)
        the batch is not read.

        Examples
        --------
        >>> import tempfile, numpy as np, pandas as pd
        >>> from pathlib import Path
        >>> from hourglass import Pipeline, AutoEncoder
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0))
        >>> pipe = pipe.fit(pd.DataFrame({"bytes": np.arange(60.0)}))
        >>> pipe.info = {**pipe.info, "time_col": "ts"}  # (train --timestamp-col ts on ISO times)
        >>> out = Path(tempfile.mkdtemp()) / "model"
        >>> pipe.save(out)
        >>> scorer = TableScorer(out)
        >>> rows = [{"ts": "06/12/2026 02:10", "bytes": 1.0}, {"ts": "13/12/2026 02:10", "bytes": 2.0}]
        >>> scorer.date_order(rows, ["06/12/2026 02:10"]), scorer.date_order(rows, ["2026-12-06"])
        (True, None)
        """
        info = self.pipeline.info
        if info.get("time_dayfirst") is not None:
            return bool(info["time_dayfirst"])
        column = info.get("time_col")
        if not column:
            return None
        from hourglass._times import chunk_dayfirst, holds_numeric_dates

        if times is not None:
            read = pd.Series(list(times), dtype=object)
            if not holds_numeric_dates(read):
                return None
            if len(read) == len(rows):  # every row: the batch's times themselves
                return chunk_dayfirst(read, str(column))
        return chunk_dayfirst(pd.Series([r.get(str(column)) for r in self._flat_rows(rows)], dtype=object),
                              str(column))

    def batch_rule(self, rule: AlertRule, rows: Sequence[Mapping[str, Any]], flags: Sequence[int]
                   ) -> AlertRule:
        """``rule`` reading the flagged rows' event times (its ``time_field``, the model's time
        column) in the batch's day/month order (:meth:`date_order`), as the suppression rules read
        them: alone, ``06/12/2026`` would be 12 June in an alert that a 6 December window left
        unsilenced. ``rule`` itself where the model keeps an order or none tells.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from hourglass import Pipeline, AutoEncoder
        >>> from hourglass.serve.ecs import AlertRule
        >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0))
        >>> pipe = pipe.fit(pd.DataFrame({"bytes": np.arange(60.0)}))
        >>> pipe.info = {**pipe.info, "time_col": "ts"}  # (train --timestamp-col ts)
        >>> scorer = TableScorer.from_pipeline(pipe)
        >>> rule = AlertRule("autoencoder", "ab12", time_field="ts")
        >>> rows = [{"ts": "06/12/2026 02:10", "bytes": 1.0}, {"ts": "13/12/2026 02:10", "bytes": 9.0}]
        >>> scorer.batch_rule(rule, rows, flags=[0, 1]).time_dayfirst   # 13/12: the day first
        True
        >>> scorer.batch_rule(rule, rows, flags=[0, 0]) is rule        # nothing flagged
        True
        """
        column = self.pipeline.info.get("time_col")
        pick = np.flatnonzero(np.asarray(flags) == 1)
        if rule.time_dayfirst is not None or not column or rule.time_field != column or not len(pick):
            return rule
        order = self.date_order(rows, [rows[i].get(str(column)) for i in pick.tolist()])
        return rule if order is None else replace(rule, time_dayfirst=order)

    def score_ecs(self, items: Sequence[Mapping[str, Any]], rule: AlertRule, *, explain: Any = None,
                  now: dt.datetime | None = None, flags_out: list[int] | None = None) -> dict[str, Any]:
        """One ECS document per flagged row (``hourglass.row``: its position in ``items``, from
        0). A row's keys that are no model column (``src_ip``, ``site``...), and its model columns
        with an ECS name (:data:`~hourglass.serve.ecs.ECS_FIELDS`: ``proto``, ``dst_port``...), go
        with the alert: to their ECS field, or under ``hourglass.fields`` (the record of a line of
        a ``cef``, ``leef``, ``panos``, ``kv`` or ``auditd`` model is such a row: each of its fields
        the model does not read goes too, where ``score`` and ``stream`` of the same lines carry
        the others only with ``--keep``); the model's timestamp
        column, when the row has it, is the event time (``@timestamp``). ``flags_out``, when
        given, is extended with each row's flag, in the order of ``items``.

        Examples
        --------
        >>> import tempfile, numpy as np, pandas as pd
        >>> from pathlib import Path
        >>> from hourglass import Pipeline, AutoEncoder
        >>> from hourglass.serve.ecs import AlertRule
        >>> df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
        >>> out = Path(tempfile.mkdtemp()) / "model"
        >>> Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df).save(out)
        >>> scorer = TableScorer(out)
        >>> answer = scorer.score_ecs([{"bytes": 3.0, "proto": "tcp"}, {"bytes": 9e9, "proto": "tcp",
        ...                            "src_ip": "10.0.0.5"}], AlertRule.from_model(out, scorer.pipeline))
        >>> answer["count"], answer["rows"], answer["alerts"][0]["source"], answer["alerts"][0]["network"]
        (1, 2, {'ip': '10.0.0.5'}, {'transport': 'tcp'})
        """
        from hourglass.serve.ecs import UnreadTime, ecs_target, to_ecs

        result = self.score(items, explain=explain, explain_flagged=True)
        if flags_out is not None:
            flags_out.extend(int(f) for f in result["flags"])
        now = now or dt.datetime.now(dt.UTC)
        rule = self.batch_rule(rule, items, result["flags"])  # the request's date order
        docs = []
        for i in np.flatnonzero(np.asarray(result["flags"]) == 1).tolist():
            alert = {"row": i, "score": result["scores"][i], "calibrated": result["calibrated"][i],
                     "severity": result["severity"][i]}
            if explain is not None:
                alert["top_column"], alert["why"] = result["top_column"][i], result["why"][i]
            fields = {k: v for k, v in items[i].items()
                      if k not in self._model or ecs_target(k, rule.data_format) is not None}
            try:
                docs.append(to_ecs(alert, rule, fields=fields, now=now))
            except InputError as exc:  # an event time that is no time (said as score says it)
                raise InputError(exc.at(f"row {i + 1}") if isinstance(exc, UnreadTime)
                                 else f"row {i + 1}: {exc}") from None
        answer: dict[str, Any] = {"alerts": docs, "count": len(docs), "rows": len(items)}
        if "suppressed" in result:  # the alerts a rule silenced, per rule
            names = [n for n in result["suppressed"] if n]
            answer["suppressed"] = {n: names.count(n) for n in dict.fromkeys(names)}
        return answer
