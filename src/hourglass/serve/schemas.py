"""The service's request and answer shapes (pydantic models, shown on ``/docs``), one request
shape per input kind: table rows, the rows of one time series, raw log lines, key sequences,
the rows of an event table, or the rows an entity-bucket model groups per (entity, bucket).
:func:`~hourglass.serve.app.create_app` picks the one its model reads.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StrictBool,
    StrictInt,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue

__all__ = ["ALERT_FORMATS", "BODIES", "EXPLAIN_MAX", "EXPLAIN_TRUE", "KEY_MAX", "BodyShape", "BucketScore",
           "Column", "EcsResponse", "EntityRequest", "EntityResponse", "EventRowsRequest", "HealthResponse",
           "LinesRequest", "LogResponse", "RecordLinesRequest", "ScoreRequest", "ScoreResponse",
           "SeriesRequest", "SeriesResponse", "SessionScore", "SessionsRequest"]

#: a row's value: also a nested object (its fields become columns named by their path,
#: ``source.ip``) or an array (read as its JSON text), as ``hourglass score`` reads JSON lines
RowValue = str | int | float | bool | None | list[Any] | dict[str, Any]
#: a DeepLog key: a non-negative integer (JSON numbers above 2**53 lose precision in most clients)
KEY_MAX = 2**53
Key = Annotated[int, Field(strict=True, ge=0, le=KEY_MAX)]


def _whole(value: Any) -> Any:
    """A JSON number that is whole (``2.0``, ``2e0``: what ``json.dumps`` writes of a Python
    float) as the integer it is; any other value as it is, for :data:`WholeInt`'s strict check."""
    if type(value) is float and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


#: a count in a body (``"explain": k``): any whole number, as ``stream --explain 2.0``, ``--param
#: epochs=2.0`` and ``AutoEncoder(epochs=2.0)`` take one ("explain": 2.0 was a 422 "Input should
#: be a valid integer"); ``true``, ``"2"`` and ``2.5`` are still refused
WholeInt = Annotated[StrictInt, BeforeValidator(_whole)]
#: the columns (channels, features) ``"explain": true`` names on a model that names a count of
#: them: ``hourglass explain --top``'s default
EXPLAIN_TRUE = 3
#: the counts ``"explain"`` takes, on every model kind
EXPLAIN_MAX = 100


def _explain_count(value: Any) -> Any:
    """``"explain"`` of a model that names columns (a count): ``true`` as :data:`EXPLAIN_TRUE`,
    ``false`` as no explanation, as a log model reads them (``true`` was a 422 "Input should be
    a valid integer" there, while log models took it); any other value as it is."""
    if value is True:
        return EXPLAIN_TRUE
    if value is False:
        return None
    return value


def _explain_flag(value: Any) -> Any:
    """``"explain"`` of a log model (it names one event per flagged session, no count): ``null``
    as ``false`` and a count from 1 to :data:`EXPLAIN_MAX` as ``true``, as a table model reads
    them (both were a 422 here); any other value as it is, for the strict check."""
    if value is None:
        return False
    whole = _whole(value)
    if type(whole) is int and 1 <= whole <= EXPLAIN_MAX:
        return True
    return value


#: ``"explain"`` as ``/openapi.json`` states it, one for every model kind: what each takes alike
#: (a count model's schema said integer|null, with pydantic's own 'ge'/'le' keywords that no JSON
#: Schema tool reads, and a log model's boolean, though both take true, false, null and 1-100)
EXPLAIN_SCHEMA: dict[str, Any] = {"anyOf": [
    {"type": "boolean"}, {"type": "integer", "minimum": 1, "maximum": EXPLAIN_MAX}, {"type": "null"}]}
#: ``"explain"`` of a model that names this many columns per row (tables, series, buckets)
ExplainCount = Annotated[WholeInt | None, BeforeValidator(_explain_count), WithJsonSchema(EXPLAIN_SCHEMA)]
#: ``"explain"`` of a log model: true/false, what a table model's body asks taken alike
ExplainFlag = Annotated[StrictBool, BeforeValidator(_explain_flag), WithJsonSchema(EXPLAIN_SCHEMA)]
#: what ``alert_format`` takes: hourglass' own lists (the default) or ECS alert documents
ALERT_FORMATS = ("hourglass", "ecs")
#: A request's arrays and objects stop at their first invalid item (``fail_fast``): the answer
#: names the first error only, and collecting one error per item of a body of millions of wrong
#: items (``{"rows": [1, 1, ...]}``, 8 MB) took a minute and gigabytes before the 4xx.
_FIRST = Field(fail_fast=True)
TableRows = Annotated[list[Annotated[dict[str, RowValue], _FIRST]], _FIRST]
Lines = Annotated[list[str], _FIRST]
Sessions = Annotated[list[Annotated[list[Key], _FIRST]], _FIRST]
AlertFormat = Literal["hourglass", "ecs"]


class _Schema(BaseModel):
    """A request or answer shape whose JSON schema (``/docs``, ``/openapi.json``) is described by
    its docstring's text alone: the numpydoc sections (``Examples`` ...) are for Python readers."""

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler.resolve_ref_schema(handler(core_schema))
        if "description" in schema:
            schema["description"] = _description(schema["description"])
        return schema


def _description(doc: str) -> str:
    """A docstring's text up to its first numpydoc section (``Examples``, ``Parameters`` ...).

    Examples
    --------
    >>> _description("Rows to score.\\n\\nExamples\\n--------\\n>>> 1\\n1")
    'Rows to score.'
    >>> _description("Rows to score.\\n\\nOne object per row.")
    'Rows to score.\\n\\nOne object per row.'
    """
    return re.split(r"\n\s*\n(?=[A-Z][a-z]+\n-{3,}\n)", doc, maxsplit=1)[0].strip()


def _alert_format() -> Any:
    return Field(default="hourglass", description=(
        "'hourglass' (default): the lists below. 'ecs': {\"alerts\": [one Elastic Common Schema "
        "8.x alert document per flagged row, time step or session], \"count\": n, ...} for a SIEM "
        "forwarder (EcsResponse); 'rule.id' is the served artefact's content hash."))


class ScoreRequest(_Schema):
    """Rows to score: one object per row, keyed by the model's column names.

    Examples
    --------
    >>> ScoreRequest.model_validate({"rows": [{"bytes": 491, "proto": "tcp"}], "explain": 3})
    ScoreRequest(rows=[{'bytes': 491, 'proto': 'tcp'}], explain=3, alert_format='hourglass')
    >>> ScoreRequest.model_validate({"rows": [], "explain": 0}).explain
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for ScoreRequest
    explain
      Input should be greater than or equal to 1 ...
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"rows": [{"duration": 0, "protocol_type": "tcp", "src_bytes": 491}], "explain": 3}]})

    rows: TableRows = Field(
        description="One object per row with every column the model needs (GET /health lists "
                    "them); null is a missing value, imputed as in training, and so is a column left "
                    "out that /health marks optional (missing in some training rows; for Windows "
                    "event and Zeek models any field left out is missing). A nested object's fields are "
                    "columns named by their path ({\"source\": {\"ip\": ...}} is source.ip); an "
                    "array is read as its JSON text. Other keys are ignored.")
    explain: ExplainCount = Field(
        default=None, ge=1, le=EXPLAIN_MAX,
        description="Name this many columns per row in 'why', largest share first: of the "
                    "reconstruction error for autoencoder-type models, of the integrated-gradient "
                    "attributions for other differentiable ones (Deep SVDD, GANomaly, ...). "
                    "(true: 3; false or null: none)")
    alert_format: AlertFormat = _alert_format()


class RecordLinesRequest(_Schema):
    """Raw event lines of a model trained on a format of one record a line (``cef``, ``leef``,
    ``panos``, ``kv``, ``auditd``), each parsed as training read its file: one row per line (for
    ``auditd`` one row per event, the records of the request's lines gathered into events).

    Examples
    --------
    >>> line = "CEF:0|Acme|FW|2.1|TRAFFIC|conn|3|src=10.0.0.5"
    >>> RecordLinesRequest.model_validate({"lines": [line]})  # doctest: +NORMALIZE_WHITESPACE
    RecordLinesRequest(lines=['CEF:0|Acme|FW|2.1|TRAFFIC|conn|3|src=10.0.0.5'], explain=None,
                       alert_format='hourglass')
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"lines": ["<134>Nov 14 22:13:20 fw1 CEF:0|Acme|FW|2.1|TRAFFIC|conn|3|src=10.0.0.5 "
                   "dst=93.184.216.34 dpt=443 act=allow in=5120 out=81234"], "explain": 3}]})

    lines: Lines = Field(
        description="One event a line in the model's format (GET /health: 'format'), syslog header "
                    "and all, as its training file had them; a line that holds no such record is "
                    "an error naming it.")
    explain: ExplainCount = Field(
        default=None, ge=1, le=EXPLAIN_MAX,
        description="Name this many columns per line in 'why', largest share first (as for rows). "
                    "(true: 3; false or null: none)")
    alert_format: AlertFormat = _alert_format()


class ScoreResponse(_Schema):
    """One entry per input row, in order.

    Examples
    --------
    >>> r = ScoreResponse(scores=[0.1, 4.2], flags=[0, 1], calibrated=[0.3, 0.99], severity=["", "high"])
    >>> r.model_dump(exclude_none=True)
    {'scores': [0.1, 4.2], 'flags': [0, 1], 'calibrated': [0.3, 0.99], 'severity': ['', 'high']}
    """

    scores: list[float] = Field(description="Anomaly score, higher = more anomalous.")
    flags: list[int] = Field(description="1 = above the model's threshold, else 0.")
    calibrated: list[float] = Field(description="Anomaly probability in [0, 1] (rarity among "
                                                "held-out normal scores).")
    severity: list[str] = Field(description="low / medium / high / critical.")
    top_column: list[str] | None = Field(default=None, description="With 'explain': the column "
                                         "with the largest share of the row's error (or score rise).")
    why: list[str] | None = Field(default=None, description="With 'explain': the top columns, "
                                  "their values and shares, e.g. 'src_bytes=54540 (71%)'.")
    suppressed: list[str] | None = Field(default=None, description="With suppression rules "
                                         "(serve --suppress): the rule that silenced the row's "
                                         "alert (its flag is then 0), else ''.")


class SeriesRequest(_Schema):
    """One multivariate time series: one object per time step.

    Examples
    --------
    >>> req = SeriesRequest.model_validate({"rows": [{"cpu": 0.3}, {"cpu": 0.4}], "explain": 1,
    ...                                     "explain_all": True})
    >>> len(req.rows), req.explain, req.explain_all
    (2, 1, True)
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"rows": [{"timestamp": "2024-01-01 00:00:00", "cpu": 0.31, "mem": 0.52},
                  {"timestamp": "2024-01-01 00:01:00", "cpu": 0.29, "mem": 0.53}], "explain": 2}]})

    rows: TableRows = Field(
        description="The series, one object per time step, each with the timestamp column (if the "
                    "model has one) and every channel (GET /health lists them and 'min_rows', the "
                    "length of one window). The series is aligned as in training (sorted, "
                    "resampled with the model's freq). A nested object's fields are columns named "
                    "by their path ({\"host\": {\"cpu\": ...}} is host.cpu); an array is read as "
                    "its JSON text. Other keys are ignored, whatever they hold.")
    explain: ExplainCount = Field(
        default=None, ge=1, le=EXPLAIN_MAX,
        description="Name this many channels per row in 'why' (largest part of the step's score "
                    "first), for the rows whose time step is flagged; only for models that split "
                    "their score by channel (autoencoders, forecaster; GET /health says 'explain'). "
                    "(true: 3; false or null: none)")
    explain_all: StrictBool = Field(
        default=False, description="With 'explain': explain every row, not only the flagged ones "
                                   "(without 'explain', or with alert_format 'ecs': a 422).")
    alert_format: AlertFormat = _alert_format()


class SeriesResponse(_Schema):
    """One entry per row sent, in the order sent.

    Examples
    --------
    >>> SeriesResponse(scores=[0.1, 0.2], flags=[0, 0], calibrated=[0.2, 0.3], severity=["", ""],
    ...                steps=2).model_dump(exclude_none=True)
    {'scores': [0.1, 0.2], 'flags': [0, 0], 'calibrated': [0.2, 0.3], 'severity': ['', ''], 'steps': 2}
    """

    scores: list[float] = Field(description="Anomaly score of the row's time step (windows mapped "
                                            "back to steps), higher = more anomalous.")
    flags: list[int] = Field(description="1 = above the model's threshold, else 0.")
    calibrated: list[float] = Field(description="Anomaly probability in [0, 1].")
    severity: list[str] = Field(description="low / medium / high / critical.")
    steps: int = Field(description="Time steps scored: the rows, unless the model resamples onto a "
                                   "freq grid or merges duplicate timestamps (rows in one step "
                                   "share its score).")
    top_channel: list[str | None] | None = Field(
        default=None, description="With 'explain': the channel with the largest part of the "
                                  "row's step score (null for a row not explained).")
    why: list[str | None] | None = Field(
        default=None, description="With 'explain': the top channels with their values at that "
                                  "step and the values the model expected, their shares of the "
                                  "score and, for a model scoring each channel in units of its "
                                  "normal error, how many times normal, e.g. "
                                  "'cpu=93.1 vs 41.5 expected (71%, 12× normal)'.")


class LinesRequest(_Schema):
    """Raw log lines, grouped into sessions as the model was trained.

    Examples
    --------
    >>> LinesRequest.model_validate({"lines": ["081109 203615 148 INFO dfs.DataNode: ok"], "explain": True})
    LinesRequest(lines=['081109 203615 148 INFO dfs.DataNode: ok'], explain=True, alert_format='hourglass')
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"lines": ["081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for "
                   "block blk_38865049064139660 terminating"], "explain": True}]})

    lines: Lines = Field(
        description="Log lines in the model's header format (GET /health: 'format'); each is "
                    "parsed with the model's templates and grouped into sessions (session regex, "
                    "column or time window, as in training) within this request only. Lines "
                    "that match no header format are counted, not scored.")
    explain: ExplainFlag = Field(
        default=False, description="Add each flagged session's first unexpected event, its "
                                   "template and the keys the model expected there. "
                                   "(a count 1-100, as a table model takes: true; null: false)")
    alert_format: AlertFormat = _alert_format()


class SessionsRequest(_Schema):
    """Sessions of integer event keys (a model trained on --format keys).

    Examples
    --------
    >>> SessionsRequest.model_validate({"sessions": [[5, 22, 11], [5, 9]]}).sessions
    [[5, 22, 11], [5, 9]]
    >>> SessionsRequest.model_validate({"sessions": [[5, -1]]})
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for SessionsRequest
    sessions.0.1
      Input should be greater than or equal to 0 ...
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"sessions": [[5, 5, 22, 11, 9], [5, 22, 11, 9, 26]], "explain": True}]})

    sessions: Sessions = Field(
        description="One array of integer keys (>= 0) per session, as in a DeepLog key file; "
                    "a session's id in the answer is its position (1, 2, ...).")
    explain: ExplainFlag = Field(
        default=False, description="Add each flagged session's first unexpected event and the "
                                   "keys the model expected there. "
                                   "(a count 1-100, as a table model takes: true; null: false)")
    alert_format: AlertFormat = _alert_format()


class EventRowsRequest(_Schema):
    """Rows of an event table (a model trained with --key-col or --message-col).

    Examples
    --------
    >>> req = EventRowsRequest.model_validate({"rows": [{"user": "alice", "event": "login"}]})
    >>> req.rows, req.explain
    ([{'user': 'alice', 'event': 'login'}], False)
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"rows": [{"user": "alice", "event": "login"}, {"user": "alice", "event": "read"}]}]})

    rows: TableRows = Field(
        description="One object per event with the session, key or message (and time) columns "
                    "the model was trained with (GET /health lists them). A nested object's fields "
                    "are columns named by their path ({\"user\": {\"name\": ...}} is user.name); "
                    "an array is read as its JSON text. Other keys are ignored, whatever they hold.")
    explain: ExplainFlag = Field(
        default=False, description="Add each flagged session's first unexpected event and the "
                                   "keys the model expected there. "
                                   "(a count 1-100, as a table model takes: true; null: false)")
    alert_format: AlertFormat = _alert_format()


class SessionScore(_Schema):
    """The answer for one session of a log model (an entry of ``sessions``).

    Examples
    --------
    >>> s = SessionScore(session="blk_1", score=3.5, flag=1, calibrated=0.97, severity="high",
    ...                  n_events=12, first_line=1)
    >>> s.model_dump(exclude_none=True)  # doctest: +NORMALIZE_WHITESPACE
    {'session': 'blk_1', 'score': 3.5, 'flag': 1, 'calibrated': 0.97, 'severity': 'high', 'n_events': 12,
     'first_line': 1}
    """

    session: str = Field(description="Session id (from the regex, column or window; or the "
                                     "session's position for key sequences).")
    score: float = Field(description="Anomaly score, higher = more anomalous.")
    flag: int = Field(description="1 = above the model's threshold, else 0.")
    calibrated: float = Field(description="Anomaly probability in [0, 1].")
    severity: str = Field(description="low / medium / high / critical.")
    n_events: int
    first_line: int | None = Field(description="Line (or row, or session) number of the session's "
                                               "first event in the request, from 1.")
    unexpected: dict[str, Any] | None = Field(
        default=None, description="With 'explain', for a flagged session: the first unexpected "
                                  "event (position, line, key, template, text, parameters) and the "
                                  "'expected' keys with their templates.")


class LogResponse(_Schema):
    """One entry per session found in the request.

    Examples
    --------
    >>> s = SessionScore(session="blk_1", score=3.5, flag=1, calibrated=0.97, severity="high",
    ...                  n_events=12, first_line=1)
    >>> LogResponse(sessions=[s], unparsed_lines=0, unknown_templates=0, parse={}).sessions[0].session
    'blk_1'
    """

    sessions: list[SessionScore]
    unparsed_lines: int = Field(description="Lines that matched no header format (not scored).")
    unknown_templates: int = Field(description="Lines (event table rows) whose template was never "
                                               "seen in training, scored as the unknown key; a line "
                                               "naming several sessions counts once, as in the "
                                               "'parse' counts and hourglass score's and stream's "
                                               "summaries. For key sequences and integer keys: the "
                                               "events whose key was never seen in training.")
    parse: dict[str, int | None] = Field(description="All parse and grouping counts.")


class EntityRequest(_Schema):
    """Table rows for an entity-bucket model: grouped per (entity, time bucket) as in training.

    Examples
    --------
    >>> req = EntityRequest.model_validate({"rows": [{"ts": 1704117600, "src_ip": "10.0.0.3"}],
    ...                                     "explain": 2})
    >>> req.explain, req.explain_all
    (2, False)
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"rows": [{"ts": 1704117600, "src_ip": "10.0.0.3", "dst_ip": "10.0.1.2", "dst_port": 22,
                   "proto": "tcp", "bytes": 60}], "explain": 2}]})

    rows: TableRows = Field(
        description="One object per row (a flow, an event) with the entity column, the timestamp "
                    "column and the aggregated columns (GET /health lists them; a column left out "
                    "of some rows is a missing value there, and one /health marks optional may be "
                    "left out of every row). The rows are grouped per (entity, bucket) "
                    "within this request only: a bucket whose rows come in two requests is "
                    "scored as two partial buckets. A nested object's fields are columns named by "
                    "their path ({\"source\": {\"ip\": ...}} is source.ip); an array is read as "
                    "its JSON text. Other keys are ignored.")
    explain: ExplainCount = Field(
        default=None, ge=1, le=EXPLAIN_MAX,
        description="Name this many bucket features (distinct dst_port, rows, sum bytes...) per "
                    "flagged bucket in 'why', largest share of its score first, with their values "
                    "as counted, as 'hourglass explain --top k' names them. "
                    "(true: 3; false or null: none)")
    explain_all: StrictBool = Field(
        default=False, description="With 'explain': explain every bucket, not only the flagged ones "
                                   "(without 'explain', or with alert_format 'ecs': a 422).")
    alert_format: AlertFormat = _alert_format()


class BucketScore(_Schema):
    """The answer for one (entity, time bucket) of an entity-bucket model (an entry of
    ``buckets``).

    Examples
    --------
    >>> b = BucketScore(entity="10.0.0.3", bucket_start="2024-01-01T14:00:00",
    ...                 bucket_end="2024-01-01T14:05:00", rows=64, score=7.5, flag=1,
    ...                 calibrated=0.99, severity="high")
    >>> b.entity, b.flag, b.why is None
    ('10.0.0.3', 1, True)
    """

    entity: str = Field(description="The entity (the entity column's value; '<missing>' for rows "
                                    "without one).")
    bucket_start: str = Field(description="Bucket start, ISO-8601 ('+00:00' when the times carry "
                                          "a UTC offset); buckets are aligned on the epoch.")
    bucket_end: str = Field(description="Bucket end (exclusive).")
    rows: int = Field(description="Rows of this request in the bucket.")
    score: float = Field(description="Anomaly score, higher = more anomalous.")
    flag: int = Field(description="1 = above the model's threshold, else 0.")
    calibrated: float = Field(description="Anomaly probability in [0, 1].")
    severity: str = Field(description="low / medium / high / critical.")
    top_feature: str | None = Field(default=None, description="With 'explain': the bucket feature "
                                    "with the largest share of the score (an aggregate's name, "
                                    "e.g. 'dst_port:distinct'); absent for a bucket not explained.")
    why: str | None = Field(default=None, description="With 'explain': the top features with their "
                            "values as counted, their shares and their training medians, e.g. "
                            "'distinct dst_port=57 (81%; median 2); rows=64 (9%; median 6)'; absent "
                            "for a bucket not explained.")
    suppressed: str | None = Field(default=None, description="With suppression rules (serve "
                                   "--suppress): the rule that silenced the bucket's alert (its "
                                   "flag is then 0), else ''.")


class EntityResponse(_Schema):
    """One entry per (entity, bucket) of the request's rows, sorted by entity then bucket start
    (as ``hourglass score`` writes them).

    Examples
    --------
    >>> b = BucketScore(entity="10.0.0.3", bucket_start="2024-01-01T14:00:00",
    ...                 bucket_end="2024-01-01T14:05:00", rows=64, score=7.5, flag=1,
    ...                 calibrated=0.99, severity="high")
    >>> EntityResponse(buckets=[b], rows=64).model_dump()["buckets"][0]["bucket_end"]
    '2024-01-01T14:05:00'
    """

    buckets: list[BucketScore]
    rows: int = Field(description="Rows scored (grouped into the buckets).")


class EcsResponse(_Schema):
    """The answer with ``"alert_format": "ecs"``: the flagged rows, time steps or sessions as ECS
    alert documents (``hourglass.serve.ecs.to_ecs``), and the counts of what was scored.

    Examples
    --------
    >>> EcsResponse(alerts=[], count=0, rows=10).model_dump(exclude_none=True)
    {'alerts': [], 'count': 0, 'rows': 10}
    """

    alerts: list[dict[str, Any]] = Field(description="One ECS 8.x document per flagged row (table), "
                                                     "time step (series), session (log) or (entity, "
                                                     "bucket) (entity-bucket model), in order.")
    count: int = Field(description="Number of alerts.")
    rows: int | None = Field(default=None, description="Tables, series and entity buckets: rows "
                                                       "scored.")
    steps: int | None = Field(default=None, description="Series: time steps scored.")
    sessions: int | None = Field(default=None, description="Logs: sessions scored.")
    buckets: int | None = Field(default=None, description="Entity-bucket models: (entity, bucket) "
                                                          "pairs scored.")
    unparsed_lines: int | None = Field(default=None, description="Logs: lines that matched no "
                                                                 "header format (not scored).")
    unknown_templates: int | None = Field(default=None, description="Logs: lines (rows) whose "
                                                                    "template was never seen in "
                                                                    "training, a line naming several "
                                                                    "sessions once (key sequences, "
                                                                    "integer keys: keys never seen).")
    parse: dict[str, int | None] | None = Field(default=None, description="Logs: all parse and "
                                                                          "grouping counts.")
    suppressed: dict[str, int] | None = Field(default=None, description="With suppression rules "
                                              "(serve --suppress): alerts silenced, per rule.")


class Column(_Schema):
    """One column a request's rows must (or may) carry, as ``/health`` lists it: its name and
    its role (``numeric``, ``categorical``, ``channel``, ``timestamp`` ...).

    Examples
    --------
    >>> Column(name="proto", role="categorical", optional=False)
    Column(name='proto', role='categorical', optional=False)
    """

    name: str
    role: str
    optional: bool | None = Field(default=None, description="Tables and entity-bucket models: true "
                                                            "when a row may leave the column out "
                                                            "(it was missing in some training "
                                                            "rows): a missing value.")


class HealthResponse(_Schema):
    """The model the service holds, what a request must contain, and the limits.

    Examples
    --------
    >>> sorted(HealthResponse.model_json_schema()["required"])  # doctest: +NORMALIZE_WHITESPACE
    ['columns', 'explain', 'hourglass', 'input', 'max_body_bytes', 'max_rows', 'model', 'request',
     'status', 'threshold', 'threshold_value']
    """

    status: str
    model: str
    input: str = Field(description="tabular, timeseries, events or entity.")
    request: str = Field(description="What POST /score takes for this model.")
    threshold: str
    threshold_value: float
    columns: list[Column]
    explain: bool
    explain_method: str | None = Field(default=None, description="Tables and entity buckets: how "
                                       "'explain' names columns (features): reconstruction-error "
                                       "or integrated-gradients.")
    max_rows: int
    max_body_bytes: int
    rate_limit_per_minute: float | None = Field(
        default=None, description="Most requests a minute from one client address (429 above); "
                                  "absent: no limit.")
    alert_formats: list[str] = Field(default=list(ALERT_FORMATS), description="What a request's "
                                     "'alert_format' takes: hourglass (default) or ecs.")
    hourglass: str
    timestamp_column: str | None = Field(default=None, description="The model's time column: a "
                                         "series' time axis, an entity model's bucket time; a "
                                         "table model's event time (no feature: a row may leave it "
                                         "out; its value is the alert's ECS @timestamp, else the "
                                         "scoring time).")
    entity_column: str | None = Field(default=None, description="Entity buckets: the column naming "
                                                                "the entity (host, IP, user).")
    entity_case: str | None = Field(default=None, description="Entity buckets: 'exact' (entity names "
                                    "compared as written) or 'fold' (case-folded: Alice, ALICE and "
                                    "alice one entity, named alice in the answer).")
    bucket: str | None = Field(default=None, description="Entity buckets: the bucket length "
                                                         "(5min, 1h...).")
    freq: str | None = None
    min_rows: int | None = Field(default=None, description="Time series: one window, in time steps: "
                                 "the fewest rows a request may send; on a 'freq' grid, the fewest "
                                 "grid steps its rows must span (each with a row, unless the model "
                                 "fills gaps: rows within one step are combined into it).")
    format: str | None = Field(default=None, description="Logs: the header format of the lines "
                                                         "(or keys, or table); a table model of "
                                                         "event lines: their format (cef, leef, panos, kv, "
                                                         "auditd).")
    sessions: dict[str, Any] | None = Field(default=None, description="Logs: how events group "
                                                                      "into sessions.")
    drift: dict[str, Any] | None = Field(default=None, description="The drift check: the flag rate "
                                         "of the last 'window' scored rows (sessions, time steps, "
                                         "buckets) beside the rate the threshold promises on "
                                         "held-out normal data ('expected_rate'), its one-sided "
                                         "p-value, 'warning' "
                                         "(true while the rate is far too high: normal traffic may "
                                         "have drifted from training, or an attack is under way) "
                                         "and the warnings so far.")
    suppression_rules: list[str] | None = Field(
        default=None, description="With --suppress: the names of the suppression rules in force "
                                  "(expired ones left out), in file order.")


class BodyShape(NamedTuple):
    """What one request kind looks like, for the one-line errors.

    Parameters
    ----------
    field
        The body's field that carries the data (``rows``, ``lines``, ``sessions``).
    text
        The body's shape in words, as an error shows it.
    fields
        Every field the request takes.

    Examples
    --------
    >>> BODIES[SessionsRequest]  # doctest: +NORMALIZE_WHITESPACE
    BodyShape(field='sessions', text='{"sessions": [[key, key, ...], ...]}',
              fields=('sessions', 'explain', 'alert_format'))
    >>> all(shape.fields == tuple(cls.model_fields) for cls, shape in BODIES.items())
    True
    """

    field: str
    text: str
    fields: tuple[str, ...]


#: the body field, its shape in words and its fields, per request class
BODIES: dict[type[BaseModel], BodyShape] = {
    ScoreRequest: BodyShape("rows", '{"rows": [{column: value, ...}, ...]}',
                            ("rows", "explain", "alert_format")),
    SeriesRequest: BodyShape("rows", '{"rows": [{column: value, ...}, ...]} (one per time step)',
                             ("rows", "explain", "explain_all", "alert_format")),
    LinesRequest: BodyShape("lines", '{"lines": ["raw log line", ...]}',
                            ("lines", "explain", "alert_format")),
    RecordLinesRequest: BodyShape("lines", '{"lines": ["event line", ...]} (one record a line, '
                                           "in the model's format)", ("lines", "explain", "alert_format")),
    SessionsRequest: BodyShape("sessions", '{"sessions": [[key, key, ...], ...]}',
                               ("sessions", "explain", "alert_format")),
    EventRowsRequest: BodyShape("rows", '{"rows": [{column: value, ...}, ...]} (one per event)',
                                ("rows", "explain", "alert_format")),
    EntityRequest: BodyShape("rows", '{"rows": [{column: value, ...}, ...]} (grouped per entity '
                                     "and time bucket)", ("rows", "explain", "explain_all", "alert_format")),
}
