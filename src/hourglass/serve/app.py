"""The scoring service: a FastAPI app over one saved model (table, time-series, log or
entity-bucket).

``GET /health`` (no key) says what the model expects; ``POST /score`` (header ``X-API-Key``)
scores JSON rows (a table's rows, one time series, or rows grouped per entity and time bucket),
raw log lines or key sequences;
``GET /metrics`` (the key, as ``X-API-Key`` or ``Authorization: Bearer``) gives the service's
counters in Prometheus' text format; ``GET /docs`` is the OpenAPI page. Every input error is a ``4xx`` with a
one-line ``detail``; anything unexpected is a ``500`` with a generic message, logged here.

No ``from __future__ import annotations`` here: FastAPI reads the endpoints' annotations at
run time, and the key check's refers to a local.
"""

import logging
import math
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Union, cast

import anyio.from_thread
import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, Field, ValidationError

import hourglass
from hourglass._columns import QUOTED_TEXT
from hourglass._eol import text_lines, without_boms
from hourglass.errors import InputError
from hourglass.ingest.formats import event_format
from hourglass.ingest.tables import (
    api_page,
    api_page_events,
    api_page_name,
    flat_record,
    kube_list,
    maybe_api_page,
    search_response,
    splunk_results,
)
from hourglass.serve.ecs import AlertRule
from hourglass.serve.metrics import CLIENT_CLOSED, RequestCounter, ServiceMetrics
from hourglass.serve.schemas import (
    ALERT_FORMATS,
    BODIES,
    EXPLAIN_MAX,
    KEY_MAX,
    BodyShape,
    EcsResponse,
    EntityRequest,
    EntityResponse,
    EventRowsRequest,
    HealthResponse,
    LinesRequest,
    LogResponse,
    RecordLinesRequest,
    ScoreRequest,
    ScoreResponse,
    SeriesRequest,
    SeriesResponse,
    SessionsRequest,
)
from hourglass.serve.scoring import escapes, load_scorer
from hourglass.serve.security import BodyLimit, KeyGuard, KeyRedactor, RateLimit, check_api_key, key_matches

if TYPE_CHECKING:
    from hourglass.serve.entity_scoring import EntityScorer
    from hourglass.serve.scoring import TableScorer
    from hourglass.serve.series_scoring import SeriesScorer
    from hourglass.serve.suppress import Suppressions

__all__ = ["DEFAULT_MAX_BODY_BYTES", "DEFAULT_MAX_ROWS", "HealthResponse", "HostedModel", "ScoreRequest",
           "ScoreResponse", "create_app", "route_name", "validation_message"]

logger = logging.getLogger(__name__)

DEFAULT_MAX_BODY_BYTES = 8 * 2**20
DEFAULT_MAX_ROWS = 100_000
KEY_HEADER = "X-API-Key"
_METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: Worker threads the requests to one model may hold at once (anyio's default for a whole
#: process): each model its own, so that a backlog of requests to one model, waiting in their
#: threads for it, does not hold the threads another model's requests need
THREADS_PER_MODEL = 40


class _Detail(BaseModel):
    detail: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": _Detail, "description": text} for code, text in (
        (400, "Body is not valid JSON."), (401, "Missing or wrong API key."),
        (408, "Body not received in full in time (a client sending it slowly)."),
        (413, "Body or row count over the service's limit."),
        (415, "Body not sent as application/json, or compressed (Content-Encoding)."),
        (422, "Input the model cannot score (missing column, text in a numeric column, a series "
              "shorter than one window, no log sessions, a timestamp that is no time, ...)."),
        (429, "Too many requests from this address (serve --rate-limit); Retry-After says when "
              "to come back."),
        (500, "Unexpected server error (details in the server log)."))}


def _search_document(rows: Sequence[Any], pages: bool = True) -> str | None:
    """Why ``rows`` are refused where one is a whole document of events sent as a row (its
    envelope, "missing column" of each), as ``score`` and ``stream`` refuse them: an
    Elasticsearch/OpenSearch search response, a Splunk search's results and, where ``pages``
    (the model's format does not read pages of its own), a Kubernetes list or a SaaS or CI
    API's page (:func:`~hourglass.ingest.tables.document_refusal`); else ``None``. A few dict
    look-ups a row.

    Examples
    --------
    >>> print(_search_document([{"took": 2, "hits": {"hits": []}}]))  # doctest: +ELLIPSIS
    row 1: an Elasticsearch/OpenSearch search response (its events under hits.hits), not one ...
    >>> print(_search_document([{"apiVersion": "v1", "kind": "List", "items": []}]))  # doctest: +ELLIPSIS
    row 1: a Kubernetes list (its objects under items), not one event; send its items as ...
    >>> _search_document([{"apiVersion": "v1", "items": []}], pages=False) is None
    True
    >>> _search_document([{"hits": 3, "user": "a"}, {"results": "ok", "preview": False}]) is None
    True
    """
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            continue
        if "hits" in row and search_response(row, row["hits"]):
            return (f"{_location(('rows', i))}: an Elasticsearch/OpenSearch search response (its "
                    "events under hits.hits), not one event; send its hits as the rows "
                    "(jq '{rows: .hits.hits}')")
        if "results" in row and splunk_results(row, row["results"]):
            return (f"{_location(('rows', i))}: a Splunk search's results as one JSON document "
                    "(its events under results), not one event; send its results as the rows "
                    "(jq '{rows: .results}')")
        if not pages or not maybe_api_page(row):
            continue
        if "items" in row and kube_list(row, row["items"]):
            return (f"{_location(('rows', i))}: a Kubernetes list (its objects under items), not "
                    "one event; send its items as the rows (jq '{rows: .items}')")
        if (key := api_page(row)) is not None:
            events = api_page_events(key)  # (Proofpoint TAP's, under two keys: an array of both)
            listed = events[1:-2] if events.endswith("[]") and "," not in events else None
            rows = f".{listed}" if listed else f"[{events}]"
            return (f"{_location(('rows', i))}: a {api_page_name(key)}, not one event; send its "
                    f"{listed or 'events'} as the rows (jq '{{rows: {rows}}}')")
    return None


def _location(loc: tuple[Any, ...]) -> str:
    """``('body', 'rows', 2, 'bytes', 'str')`` → ``row 3, column 'bytes'``."""
    parts = [p for p in loc if p != "body"]
    if len(parts) >= 3 and parts[0] == "rows" and isinstance(parts[1], int):
        return f"row {parts[1] + 1}, column {str(parts[2])[:60]!r}"  # a client's key: bounded
    if len(parts) >= 2 and parts[0] in ("rows", "lines", "sessions") and isinstance(parts[1], int):
        where = f"{parts[0][:-1]} {parts[1] + 1}"
        if len(parts) >= 3 and parts[0] == "sessions" and isinstance(parts[2], int):
            where += f", key {parts[2] + 1}"
        return where
    return _bounded(".".join(map(str, parts)) or "body")  # a client's field name (unknown field)


def _bounded(text: str) -> str:
    """``text`` (a name a client sent) as a message quotes it (:func:`escapes`: a character that
    is not printable, a newline, as its escape, so the message stays one line): at most 80
    characters, a longer one cut to its first 60 and the length of ``text``.

    Examples
    --------
    >>> _bounded("a\\nb"), _bounded("x" * 100)[-20:], len(_bounded("\\x00" * 80))
    ('a\\\\nb', '... (100 characters)', 79)
    """
    shown = escapes(text[:81])
    whole = "".join(shown)
    if len(text) <= 80 and len(whole) <= 80:
        return whole
    cut, length = [], 0
    for e in shown:  # whole escapes only
        length += len(e)
        if length > 60:
            break
        cut.append(e)
    return f"{''.join(cut)}... ({len(text):,} characters)"


def _json_type(value: object) -> str:
    """What a client sent, in JSON's words where Python's differ (``null``, not ``NoneType``; ``a
    number``, not ``int``).

    Examples
    --------
    >>> [_json_type(v) for v in (5, 1.5, "x", None, True, [1], {})]
    ['a number', 'a number', 'text', 'null', 'true/false', 'an array', 'an object']
    """
    names: dict[type, str] = {dict: "an object", list: "an array", type(None): "null", bool: "true/false",
                              int: "a number", float: "a number", str: "text"}
    return names.get(type(value), type(value).__name__)


#: The deepest nesting of arrays and objects in a request body that pydantic's JSON parser
#: reads (the object and the array around each row count: a row of 197 levels): past it, its
#: error 'recursion limit exceeded' was answered as 'not valid JSON', of valid JSON. (A file's
#: line, for ``score`` and ``stream``, is read to :data:`~hourglass._limits.MAX_JSON_DEPTH`.)
_BODY_DEPTH = 200


def validation_message(errors: Sequence[Mapping[str, Any]], body: BodyShape = BODIES[ScoreRequest],
                       ) -> tuple[int, str]:
    """HTTP status and one line for pydantic's request errors (the first error; a value that fits
    none of a row's value types is one error, not one per type). ``body`` is the shape of the
    request the model takes (table rows by default).

    Examples
    --------
    >>> validation_message([{"type": "string_type", "loc": ("rows", 2, "bytes", "str"),
    ...                      "msg": "Input should be a valid string", "input": [1]}])
    (422, "row 3, column 'bytes': expected a number, text, true/false or null, got an array")
    >>> validation_message([{"type": "json_invalid", "loc": (), "msg": "Invalid JSON",
    ...                      "ctx": {"error": "EOF while parsing a value at line 1 column 0"}}])
    (400, 'body: not valid JSON (EOF while parsing a value at line 1 column 0)')
    >>> validation_message([{"type": "json_invalid", "loc": (), "msg": "Invalid JSON",
    ...                      "ctx": {"error": "recursion limit exceeded at line 1 column 201"}}])[1]
    'body: JSON nested deeper than 200 levels (recursion limit exceeded at line 1 column 201)'
    >>> validation_message([{"type": "literal_error", "loc": ("alert_format",), "input": "cef",
    ...                      "ctx": {"expected": "'hourglass' or 'ecs'"}}])
    (422, "alert_format: expected 'hourglass' or 'ecs', got 'cef'")
    >>> validation_message([{"type": "literal_error", "loc": ("alert_format",), "input": None,
    ...                      "ctx": {"expected": "'hourglass' or 'ecs'"}}])
    (422, "alert_format: expected 'hourglass' or 'ecs', got null")
    >>> print(validation_message([{"type": "missing", "loc": ("body", "rows"),
    ...                              "input": {"lines": ["x"]}}])[1])  # doctest: +ELLIPSIS
    body: expected a JSON object {"rows": ...}; it has 'lines' but no 'rows' (GET /health says ...)
    >>> print(validation_message([{"type": "extra_forbidden", "loc": ("lines",), "input": ["x"]},
    ...                           {"type": "missing", "loc": ("rows",), "input": {"lines": ["x"]}}])[1])
    ... # doctest: +ELLIPSIS
    body: expected a JSON object {"rows": ...}; it has 'lines' but no 'rows' (GET /health says ...)
    >>> validation_message([{"type": "int_type", "loc": ("sessions", 0, 2), "input": "x",
    ...                      "msg": "Input should be a valid integer"}], BODIES[SessionsRequest])
    (422, "session 1, key 3: expected an integer key >= 0, got 'x'")
    >>> validation_message([{"type": "string_type", "loc": ("lines", 1), "input": None}],
    ...                    BODIES[LinesRequest])
    (422, 'line 2: expected text (one log line), got null')
    >>> validation_message([{"type": "int_type", "loc": ("explain",), "input": "yes"}])
    (422, "explain: expected true/false or a whole number from 1 to 100, got 'yes'")
    >>> validation_message([{"type": "dict_type", "loc": ("rows", 2), "input": [1],
    ...                      "msg": "Input should be an object"}])
    (422, 'row 3: expected a JSON object {column: value, ...}, got an array')
    >>> validation_message([{"type": "list_type", "loc": ("rows",), "input": "all",
    ...                      "msg": "Input should be a valid array"}])
    (422, 'rows: expected an array, got text')
    """
    # the body's own field missing outranks what else is wrong: a body of another kind (its
    # fields unknown here) says so whether pydantic lists the missing field first (2.14.4) or
    # after the unknown ones (2.14.0, allowed by pydantic>=2.14)
    first = next((e for e in errors if e.get("type") == "missing"
                  and tuple(e.get("loc", ()))[-1:] == (body.field,)), errors[0])
    kind, loc = first.get("type", ""), tuple(first.get("loc", ()))
    if kind == "json_invalid":
        reason = (first.get("ctx") or {}).get("error", "cannot parse")
        if str(reason).startswith("recursion limit exceeded"):  # valid JSON, nested past the parser
            return 400, f"body: JSON nested deeper than {_BODY_DEPTH} levels ({reason})"
        return 400, f"body: not valid JSON ({reason})"
    where = _location(loc)
    if loc in ((), ("body",)) or (kind == "missing" and loc[-1:] == (body.field,)):
        sent = first.get("input")
        if kind == "missing" and isinstance(sent, dict) and sent:  # another model kind's body?
            has = ", ".join(f"'{_bounded(str(k))}'" for k in list(sent)[:3])  # a client's keys
            return 422, (f"body: expected a JSON object {body.text}; it has {has} but no "
                         f"'{body.field}' (GET /health says what this model takes)")
        return 422, f"body: expected a JSON object {body.text}"
    if where.startswith("row ") and ", column " in where:
        return 422, (f"{where}: expected a number, text, true/false or null, got "
                     f"{_json_type(first.get('input'))}")
    if where.startswith("row "):  # a row that is no object (a column's value is named above)
        return 422, (f"{where}: expected a JSON object {{column: value, ...}}, got "
                     f"{_json_type(first.get('input'))}")
    if kind == "list_type" and where == body.field:
        return 422, f"{where}: expected an array, got {_json_type(first.get('input'))}"
    if where.startswith("line ") and len(loc) == 2:
        return 422, f"{where}: expected text (one log line), got {_json_type(first.get('input'))}"
    if where.startswith("session ") and ", key " in where:
        shown = _json_words(first.get("input"))
        if kind == "less_than_equal":  # the key is >= 0: its bound is the other one
            return 422, f"{where}: expected an integer key from 0 to {KEY_MAX} (2**53), got {shown}"
        return 422, f"{where}: expected an integer key >= 0, got {shown}"
    if where.startswith("session "):
        return 422, f"{where}: expected an array of integer keys, got {_json_type(first.get('input'))}"
    if loc == ("explain",):  # pydantic's words ("Input should be a valid integer") named no range
        return 422, (f"explain: expected true/false or a whole number from 1 to {EXPLAIN_MAX}, got "
                     f"{_json_words(first.get('input'))}")
    if loc == ("explain_all",) and kind != "extra_forbidden":  # a body without it says so below
        return 422, f"explain_all: expected true or false, got {_json_words(first.get('input'))}"
    if kind == "literal_error":  # alert_format
        expected = (first.get("ctx") or {}).get("expected", "one of the allowed values")
        return 422, f"{where}: expected {expected}, got {_json_words(first.get('input'))}"
    if kind == "extra_forbidden":
        names = [f"'{f}'" for f in body.fields]
        takes = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 2 else names)
        return 422, f"{where}: unknown field; the body takes {takes}"
    return 422, f"{where}: {first.get('msg', 'invalid')}"


#: A served model's name in ``/models/{name}/...``: what fits in a URL path and a metric label.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def route_name(model_dir: str | os.PathLike[str]) -> str:
    """The default name of a served model: its directory's name, any character a URL path
    segment would need escaped for turned into ``-``.

    Examples
    --------
    >>> route_name("models/zeek-conn"), route_name("/srv/okta sign-ins/"), route_name("[x]")
    ('zeek-conn', 'okta-sign-ins', 'x')
    """
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(os.path.abspath(model_dir)).name).strip("-._")
    return name[:64] or "model"


class HostedModel:
    """One model a service holds: its scorer, the request shape of its input kind, its drift
    check, counters and suppression rules, and the scoring of one request body.

    The API key and the size, row and rate limits are the service's (:func:`create_app`,
    :func:`~hourglass.serve.multi.create_models_app`); ``max_rows`` is checked here, after
    parsing. With ``named_in_log`` (a service of several models) its log lines name it.
    """

    def __init__(self, model_dir: str | os.PathLike[str], *, name: str, max_rows: int,
                 drift_window: int, suppress: "Suppressions | None" = None,
                 metric_paths: frozenset[str] = frozenset(), named_in_log: bool = False) -> None:
        from hourglass.nn.device import threads_here

        self.torch_threads = threads_here()  # what --threads set: each request runs on it too
        scorer = load_scorer(model_dir)
        fewest = getattr(scorer, "min_rows", None) if scorer.kind == "timeseries" else None
        if fewest is not None and max_rows < fewest:
            if not getattr(scorer, "rows_span_steps", False):  # a row is at most one step: every
                raise InputError(  # series refused, too short for a window or over the row limit
                    f"--max-rows {max_rows:,}: fewer than one window of this time-series model "
                    f"({fewest:,} rows), so no series it can score would be accepted; give "
                    f"--max-rows {fewest:,} or more")
            logger.warning("--max-rows %s is below one window of the time-series model%s (%s steps): "
                           "a series of at most that many rows is scored only when, resampled onto "
                           "its %s grid and filled, it spans a window; a shorter one is refused",
                           f"{max_rows:,}", f" {name}" if named_in_log else "", f"{fewest:,}",
                           scorer.pipeline.features_.freq)
        if suppress is not None:
            from hourglass.serve.suppress import SuppressionError

            if scorer.kind not in ("tabular", "entity"):
                raise SuppressionError(f"{suppress.source}: suppression rules apply to table models and "
                                       f"entity-bucket models; this model ({scorer.model_name}) reads "
                                       f"{scorer.kind} data")
            try:
                cast("TableScorer | EntityScorer", scorer).suppress_with(suppress)
            except InputError as exc:
                raise SuppressionError(str(exc)) from None
        self.name, self.model_dir, self.scorer, self.suppress = name, model_dir, scorer, suppress
        self.max_rows = max_rows
        self._of = f" of {name}" if named_in_log else ""  # a service of several: which model
        self.request_model, self.response_model = _shapes(scorer)
        self.body = BODIES[self.request_model]
        self.rule = AlertRule.from_model(model_dir, scorer.pipeline)  # rule.* of the ECS alerts
        # Okta, Entra sign-ins: each row passed through the format's own expand, as the file was read
        # (a page, an Event Hub message {"records": [...]}, gives its events)
        self.expand = getattr(event_format(scorer.pipeline.info.get("dataset")), "expand", None)
        self.drift = _drift_monitor(scorer.pipeline, drift_window)
        self.drift_lock = threading.Lock()
        self.threads = CapacityLimiter(THREADS_PER_MODEL)  # this model's worker threads
        # a request's turn at the model, parsing included: taken in its worker thread, then the
        # client asked whether it still waits (one that left is not parsed nor scored), and only
        # one request's parsed rows held at a time besides the raw bodies waiting
        self.turn = threading.Lock()
        self.kind_text = {"tabular": "table", "timeseries": "time-series", "events": "log",
                          "entity": "entity-bucket"}[scorer.kind]
        self.metrics = ServiceMetrics(
            model=scorer.model_name, kind=scorer.kind,  # as /health's "input"
            unit={"events": "sessions", "entity": "buckets"}.get(scorer.kind, "rows"),
            model_id=self.rule.id, version=hourglass.__version__,
            rules=suppress.names_in_force if suppress is not None else None, paths=metric_paths)
        logger.debug("serving %s as %s (%s, %s input)", model_dir, name, scorer.model_name, scorer.kind)

    def drift_state(self) -> dict[str, Any] | None:
        """The drift check's state (``None``: the check is off)."""
        with self.drift_lock:
            return None if self.drift is None else self.drift.status()

    def health(self, limits: Mapping[str, Any]) -> dict[str, Any]:
        """The ``/health`` answer of this model, with the service's ``limits``."""
        state = self.drift_state()
        return {"status": "ok", **self.scorer.describe(), **limits, "alert_formats": list(ALERT_FORMATS),
                "hourglass": hourglass.__version__, "drift": state,
                "suppression_rules": self.suppress.names_in_force if self.suppress is not None else None}

    def summary(self) -> dict[str, Any]:
        """What ``GET /models`` says of this model."""
        info = self.scorer.describe()
        return {"name": self.name, "model": self.scorer.model_name, "input": self.scorer.kind,
                "threshold": info["threshold"], "threshold_value": info["threshold_value"],
                "request": info["request"], "score": f"/models/{self.name}/score",
                "health": f"/models/{self.name}/health"}

    def watch(self, content: dict[str, Any], started: float, drift_flags: Sequence[int] | None = None,
              ) -> dict[str, Any]:
        """Count a scored request and feed its flags to the drift check; ``content`` unchanged.
        ``drift_flags``: what the drift check takes instead of the answer's flags: a time series'
        grid steps, in time order, as ``hourglass score`` counts them (its expected rate and runs
        are those of steps); for an ECS answer (the flagged ones alone) the flags the other answer
        gives, in its order, so that either answer leaves the same drift window."""
        flags = _flags_of(content)
        self.metrics.count_scored(time.perf_counter() - started, scored=len(flags), flagged=sum(flags))
        silenced = content.get("suppressed")
        buckets = content.get("buckets")
        if silenced is None and isinstance(buckets, list):  # an entity answer: each bucket's rule
            silenced = [str(b.get("suppressed") or "") for b in buckets]
        # a table's answer names each row's rule; an ECS answer counts them; "": none. Counted
        # only when a rule silenced something: a model without rules has no such metric
        counts = (dict(silenced) if isinstance(silenced, dict) else
                  {n: silenced.count(n) for n in set(silenced)} if isinstance(silenced, list) else {})
        counts = {n: c for n, c in counts.items() if n}
        if counts:
            self.metrics.count_suppressed(counts)
        if self.drift is not None:
            with self.drift_lock:
                for event in self.drift.update(flags if drift_flags is None else drift_flags):
                    log = logger.warning if event.kind == "fired" else logger.info
                    log("drift check%s: %s", self._of, event.describe())
        return content

    def score_body(self, raw: bytes, media: str) -> tuple[int, dict[str, Any]]:
        """(status, JSON content) for a request body: parsed and validated in one pass by
        pydantic (half the time of FastAPI's json.loads then validate), then scored."""
        started = time.perf_counter()
        scorer, body, request_model, max_rows = self.scorer, self.body, self.request_model, self.max_rows
        if media.endswith("ndjson"):  # else a body of two lines was 'not valid JSON (trailing ...)'
            return 415, {"detail": f"Content-Type: expected application/json, got {media[:60]}: the body "
                                   f"is one JSON object {self.body.text}, not JSON lines"}
        if not _json_media(media):
            return 415, {"detail": f"Content-Type: expected application/json, got "
                                   f"{_bounded(media) if media else 'none'}"}
        raw = without_boms(raw)  # as RFC 8259 allows: Windows tools write one (two: saved twice)
        try:
            request: Any = request_model.model_validate_json(raw)  # the fields of its kind's model
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            if errors[0].get("type") == "json_invalid" and not _is_utf8(raw):
                return 400, {"detail": "body: not UTF-8 text; send the JSON encoded as UTF-8"}
            try:
                request = _with_lone_surrogates(request_model, raw) if errors[0].get("type") == (
                    "json_invalid") else None
            except ValidationError as again:
                errors, request = again.errors(include_url=False), None
            if request is None:
                status, message = validation_message(errors, body)
                return status, {"detail": message}
        refused = _explain_all_refusal(request, scorer.kind, getattr(scorer, "explain_unavailable", None))
        if refused is not None:  # else accepted and ignored: nothing more explained, not a word
            return 422, {"detail": refused}
        items = getattr(request, body.field)
        expand = self.expand if body.field == "rows" else None  # rows that may be pages of events
        if len(items) > max_rows and expand is None:  # before the rows are copied (flattened)
            return self._too_many(len(items))
        if body.field == "rows":  # a search's whole answer sent as a row: its envelope, no event
            document = _search_document(items, pages=expand is None)
            if document is not None:
                return 422, {"detail": document}
        # the scorers number the rows they score: an error names the request's item instead,
        # placed (only then) from where each row's events end (pages) or each row's line
        ends: list[int] | None = None
        lines_from: list[int] | None = None
        item_noun = "row"  # what the request calls its items (the lines of a record model)
        if expand is not None:  # a page may hold any number of events, none too: they are counted
            expanded: list[dict[str, Any]] = []
            ends = []
            for i, row in enumerate(items):
                try:
                    expanded.extend(expand(row))
                except ValueError as exc:
                    return 422, {"detail": f"{_location(('rows', i))}: {_one_line(exc)}"}
                ends.append(len(expanded))
                if len(expanded) > max_rows:  # as soon as they pass the limit
                    return self._too_many(len(expanded))
            if items and not expanded:  # else the scorer's 'no rows to score (empty list)' of a list
                # that is not empty: every row a page of no events ({"Records": []})
                which = "the row is a page" if len(items) == 1 else \
                    f"each of the {len(items):,} rows is a page"
                return 422, {"detail": f"rows: no event to score: {which} of no events (an empty "
                                       "page); send a page with events"}
            items = expanded
        if body.field == "rows":  # {"source": {"ip": ...}} is source.ip, as in a file
            items = [flat_record(row) for row in items]
        if request_model is RecordLinesRequest:  # one row per line, as training read the file
            if not items:  # else the table scorer's 'rows: no rows', a field this body has not
                return 422, {"detail": "lines: no lines to score (empty list)"}
            table = cast("TableScorer", scorer)  # only a table model's request has such lines
            sent = items
            no_record = table.line_no_record  # ausearch's '----' and 'time->' lines: passed over

            def separator(part: str) -> bool:
                return bool(no_record is not None and part.strip() and no_record(part))

            origin = list(range(len(sent)))  # the item each line came from (for the errors)
            for i, line in enumerate(sent):  # two records in one item were scored as one row
                if "\n" in line or "\r" in line.rstrip("\r"):  # blank parts skipped, as a file's are
                    # (a CR with text after it ends a line too, as in a CR-ended file; in an
                    # item with line feeds it is text, as a file with them reads it)
                    parts = [part for part in text_lines(line) if part.strip()]
                    records = [part for part in parts if not separator(part)]
                    if len(records) > 1:
                        return 422, {"detail": f"{_location(('lines', i))}: holds {len(records)} "
                                               "records (line breaks inside); send one record per "
                                               "item of \"lines\""}
                    if parts:  # one record amid ausearch's separators: each part a line of its own
                        # (on a copy), so that the separators still close and order its event
                        items = list(sent) if items is sent else items
                        items[i] = parts
            if items is not sent:
                origin = [i for i, item in enumerate(items)
                          for _ in (item if isinstance(item, list) else [item])]
                items = [part for item in items for part in (item if isinstance(item, list) else [item])]
            between = [separator(line) for line in items]
            rows = [None if skip else table.line_parse(line)
                    for line, skip in zip(items, between, strict=True)]
            # the request's line each scored row came from (ausearch's separators are no row; an
            # audit event is named by the line of its first record)
            lines_from = [origin[i] for i, skip in enumerate(between) if not skip]
            item_noun = "line"
            bad = next((i for i, row in enumerate(rows) if row is None and not between[i]), None)
            if bad is not None:
                from hourglass.ingest.cef import JSON_LINE_HINT, json_line, record_noun

                name = record_noun(scorer.pipeline.info.get("dataset"))
                hint = JSON_LINE_HINT.replace(" FILE", "") if json_line(str(items[bad])) else ""
                return 422, {"detail": f"{_location(('lines', origin[bad]))}: not a {name} record "
                                       f"({str(items[bad])[:60]!r}){hint}"}
            events = table.line_events() if table.line_events is not None else None
            if events is not None:  # audit records: one row per event, the request's events closed
                done = [event for i, row in enumerate(rows)  # ausearch's events: each in audit's order
                        for event in (events.between() if between[i] else events.add(row, i))]
                done += events.close()
                rows = [row for _, row in done]
                lines_from, item_noun = [origin[first] for first, _ in done], "the event from line"
                if not rows and all(between):  # ausearch's separators, no record
                    from hourglass.ingest.cef import record_noun

                    noun = record_noun(scorer.pipeline.info.get("dataset"))
                    return 422, {"detail": f"lines: no {noun} record among the {len(sent):,} line(s) "
                                           "(only ausearch's '----' and 'time->' lines, which separate "
                                           "events); send the events' records"}
                if not rows:  # EOE records alone: the end of events sent before (not 'rows: ...')
                    return 422, {"detail": f"lines: no event to score in the {len(sent):,} line(s) (records "
                                           "that only end an event, as EOE does, make none; send an "
                                           "event's records in one request)"}
            items = [row for row, skip in zip(rows, between, strict=True) if not skip] if events is None \
                else rows
        try:
            if request.alert_format == "ecs":  # the drift check fed as for the other answer
                order: list[int] = []
                answer = scorer.score_ecs(items, self.rule, explain=request.explain, flags_out=order)
                return 200, self.watch(answer, started, drift_flags=order)
            if scorer.kind == "events":
                return 200, self.watch(scorer.score(items, explain=request.explain), started)
            if scorer.kind == "entity":
                entity = cast("EntityScorer", scorer)  # the scorer of an entity model
                return 200, self.watch(entity.score(items, explain=request.explain,
                                                    explain_all=request.explain_all), started)
            if scorer.kind == "timeseries":
                series = cast("SeriesScorer", scorer)  # the scorer of a time-series model
                answer, steps = series.score_steps(items, explain=request.explain,
                                                   explain_flagged=not request.explain_all)
                return 200, self.watch(answer, started, drift_flags=steps)
            return 200, self.watch(scorer.score(items, explain=request.explain), started)
        except InputError as exc:
            pages = (_events_placed(ends) if ends is not None else
                     None if lines_from is None else [(line, 0, 1) for line in lines_from])
            return 422, {"detail": _at_request_row(_one_line(exc), pages, item_noun)}
        except Exception:
            logger.exception("scoring %d %s%s failed", len(items), body.field, self._of)
            return 500, {"detail": "internal error while scoring; the server log has the details"}

    def _too_many(self, n: int) -> tuple[int, dict[str, Any]]:
        """The ``413`` of a request of ``n`` rows (lines, sessions), more than ``max_rows``."""
        what = {"lines": "lines", "sessions": "sessions"}.get(self.body.field, "rows")
        return 413, {"detail": f"too many {what} ({n:,}; the limit is {self.max_rows:,}, --max-rows): "
                               "split the request"}

    async def answer(self, request: Request) -> Response:
        """The answer to a ``POST`` of a body to score."""
        if request.query_params:  # read from the body only: '/score?explain=2' explained nothing
            names = ", ".join(f"'{_bounded(name)}'" for name in list(dict.fromkeys(request.query_params))[:5])
            return JSONResponse({"detail": f"query parameters are not read ({names}): give the "
                                           "request's fields in its JSON body"}, status_code=400)
        # every Content-Encoding field, as one list (RFC 9110 5.3): a second field's gzip counts too
        codings = [part.strip().lower() for field in request.headers.getlist("content-encoding")
                   for part in field.split(",")]
        encoding = ", ".join(c for c in codings if c not in ("", "identity"))
        if encoding:  # else a compressed body reads as 'not valid JSON'
            return JSONResponse({"detail": f"Content-Encoding: {encoding[:40]} is not supported; "
                                           "send the body uncompressed"}, status_code=415)
        raw = await request.body()  # at most max_body_bytes: BodyLimit has counted it
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        charset = _declared_charset(request.headers.get("content-type", ""))
        if _json_media(media) and charset not in (None, "utf-8", "utf8") and not raw.isascii():
            # the body is read as UTF-8 whatever the client declares (RFC 8259): Latin-1 bytes that
            # happen to be UTF-8 too (C3 A9, Latin-1's A-tilde and copyright sign) were read as
            # one e-acute, silently; an ASCII body reads the same in every such charset: taken
            return JSONResponse({"detail": f"Content-Type: charset={_bounded(charset)} declared, but a body "
                                           "is read as UTF-8 only; send the JSON encoded as UTF-8"},
                                status_code=400)
        # parsing, scoring and writing the answer in the thread pool: none blocks the event loop
        # (the JSON of 100,000 ECS alerts takes seconds to write); on this model's threads: in a
        # service of several, the requests queued for one model took every thread of the shared
        # pool (40) while they waited for it, and another model's requests waited behind them
        def gone() -> bool:  # asked from the worker thread, on the event loop
            return bool(anyio.from_thread.run(request.is_disconnected))

        status, content = await anyio.to_thread.run_sync(self._answer_body, raw, media, gone,
                                                         limiter=self.threads)
        if status == CLIENT_CLOSED or await request.is_disconnected():  # the client hung up while
            # its request waited for the model (then neither parsed nor scored) or was scored: the
            # server drops any answer, so it is counted as the request counter counts one left
            # mid-upload, not as a 200 nobody received
            return Response(status_code=CLIENT_CLOSED)
        if status != 200:
            return JSONResponse(content, status_code=status)
        return Response(content, media_type="application/json")

    def _answer_body(self, raw: bytes, media: str, gone: Callable[[], bool] | None = None,
                     ) -> tuple[int, Any]:
        """:meth:`score_body`, a ``200``'s content as the JSON text of its answer model (run in a
        worker thread: on the torch threads of the service's start, as ``hourglass score`` runs),
        once it is this request's turn at the model; :data:`CLIENT_CLOSED` without scoring where
        ``gone()`` says its client left meanwhile (a client timeout under load: its body was
        parsed and scored, holding up the requests behind it, for an answer nobody received)."""
        from hourglass.nn.device import threads_here

        threads_here(self.torch_threads)
        with self.turn:
            if gone is not None and gone():
                return CLIENT_CLOSED, None
            status, content = self.score_body(raw, media)
        if status != 200:
            return status, content
        shape = EcsResponse if "alerts" in content else self.response_model
        return status, shape.model_validate(content).model_dump_json(exclude_none=True)


def check_limits(max_body_bytes: int, max_rows: int, rate_limit: float) -> None:
    """Raise ``ValueError`` for a limit the service cannot use."""
    for name, value in (("max_body_bytes", max_body_bytes), ("max_rows", max_rows)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    if (isinstance(rate_limit, bool) or not isinstance(rate_limit, (int, float))
            or not 0 <= rate_limit < math.inf):  # inf: every request would fail in RateLimit
        raise ValueError(f"rate_limit must be a finite number >= 0, got {rate_limit!r}")


def add_guards(app: FastAPI, *, key: str, paths: Sequence[str], max_body_bytes: int, rate_limit: float,
               metrics: Any) -> None:
    """The service's middleware: body limit, key check of ``POST`` to ``paths`` (before the
    body is read), rate limit, and the request counter (outermost: it sees every answer);
    ``app.state.key_redactor`` is the logging filter that keeps the key out of the access log
    (``hourglass serve`` puts it on uvicorn's; a server of your own: ``logging.getLogger(
    "uvicorn.access").addFilter(app.state.key_redactor)``)."""
    app.state.key_redactor = KeyRedactor(key)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(KeyGuard, key=key, path=tuple(paths), header=KEY_HEADER)  # before the body
    if rate_limit:
        app.add_middleware(RateLimit, per_minute=rate_limit)
    app.add_middleware(RequestCounter, metrics=metrics)  # added last: runs first, sees every answer


def add_error_handlers(app: FastAPI, body: BodyShape) -> None:
    """Request errors as one-line ``detail``; anything unexpected a JSON ``500``."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, message = validation_message(list(exc.errors()), body)
        return JSONResponse({"detail": message}, status_code=status)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # an error outside /score's own handling (/health, /metrics): a JSON body like every
        # other answer, not Starlette's plain text; the server logs the traceback (re-raised)
        return JSONResponse({"detail": "internal error; the server log has the details"},
                            status_code=500)


def key_dependency(key: str) -> Any:
    """The endpoint dependency that checks the ``X-API-Key`` header (shown on ``/docs``)."""
    header = APIKeyHeader(name=KEY_HEADER, auto_error=False,
                          description="The key the service was started with.")

    def require_key(given: Annotated[str | None, Depends(header)]) -> None:
        if not key_matches(given, key):
            raise HTTPException(401, f"missing or wrong API key (header {KEY_HEADER})")

    return require_key


def metrics_key_refusal(request: Request, key: str) -> JSONResponse | None:
    """``None`` when a ``/metrics`` request carries the key (``X-API-Key`` or ``Authorization:
    Bearer``), else the ``401`` to answer."""
    bearer = request.headers.get("authorization", "")
    given = request.headers.get(KEY_HEADER.lower())
    if given is None and bearer[:7].lower() == "bearer ":
        given = bearer[7:].strip()
    if not key_matches(given, key):
        return JSONResponse({"detail": f"missing or wrong API key (header {KEY_HEADER} or "
                                       "Authorization: Bearer)"}, status_code=401)
    return None


METRICS_RESPONSES: dict[int | str, dict[str, Any]] = {
    # the refusal is JSON (metrics_key_refusal): given as a model, FastAPI would list it under the
    # route's own media type, text/plain, where a client reading the schema expects no JSON
    401: {"description": _ERRORS[401]["description"], "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/_Detail"}}}},
    200: {"content": {"text/plain": {}}, "description": "Prometheus text format."}}

#: GET /metrics' security in the OpenAPI document: the key as the X-API-Key header or as a bearer
#: token, either (metrics_key_refusal checks it itself, so FastAPI would list no security, and
#: /docs' "Try it out" sent no key, the answer a 401)
METRICS_OPENAPI: dict[str, Any] = {"security": [{"APIKeyHeader": []}, {"BearerKey": []}]}
_SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "APIKeyHeader": {"type": "apiKey", "in": "header", "name": KEY_HEADER,
                     "description": "The key the service was started with."},
    "BearerKey": {"type": "http", "scheme": "bearer",
                  "description": "The key the service was started with, as Authorization: Bearer "
                                 "<key> (what a Prometheus scrape job's authorization sends); "
                                 "GET /metrics only."}}


def add_score_route(app: FastAPI, hosted: HostedModel, path: str, require_key: Any, *,
                    summary: str | None = None, operation_id: str | None = None) -> None:
    """``POST path``: ``hosted``'s scoring, its request body documented on ``/docs``
    (``operation_id``: its OpenAPI id, ``None`` for FastAPI's own)."""

    async def score(request: Request) -> Response:
        """Score the request: for a table model, score, flag, calibrated probability and severity
        per row (with ``explain``, each row's top columns); for a time-series model, the same per
        row of the series (with ``explain``, the top channels of each flagged row's step); for a
        log model, the same per session (with ``explain``, a flagged session's first unexpected
        event) and the parse counts; for an entity-bucket model, the same per (entity, bucket) of
        the request's rows (with ``explain``, a flagged bucket's top features). The numbers are
        those ``hourglass score`` writes for the same input. With ``"alert_format": "ecs"``, the
        flagged rows, time steps, sessions or buckets as Elastic Common Schema alert documents
        (``alerts``, ``count`` and the counts of what was scored), for a SIEM forwarder."""
        return await hosted.answer(request)

    app.add_api_route(
        path, score, methods=["POST"], summary=summary,
        operation_id=operation_id,
        response_model=Union[hosted.response_model, EcsResponse],  # noqa: UP007
        response_model_exclude_none=True, dependencies=[Depends(require_key)], responses=_ERRORS,
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{hosted.request_model.__name__}"}}}}})


def set_openapi(app: FastAPI, request_models: Sequence[type[BaseModel]]) -> None:
    """FastAPI's schema, plus the request bodies the score routes parse themselves."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, scheme in _SECURITY_SCHEMES.items():  # (GET /metrics names both)
                schema["components"].setdefault("securitySchemes", {}).setdefault(name, scheme)
            for request_model in request_models:
                found = request_model.model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(found.pop("$defs", {}))
                schemas[request_model.__name__] = found
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(model_dir: str | os.PathLike[str], *, api_key: str,
               max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, max_rows: int = DEFAULT_MAX_ROWS,
               drift_window: int = 1000, rate_limit: float = 0.0,
               suppress: "Suppressions | None" = None, name: str | None = None) -> FastAPI:
    """The scoring service for the model saved in ``model_dir``: a table, time-series, log or
    entity-bucket model (:func:`~hourglass.serve.scoring.load_scorer`); ``/score`` takes the
    request shape of its input kind (``/health`` and ``/docs`` say which).

    The model answers on the routes of a service of several models too
    (:func:`~hourglass.serve.multi.create_models_app`): ``POST /models/{name}/score`` and ``GET
    /models/{name}/health`` are ``/score`` and ``/health``, ``GET /models`` lists it.

    Parameters
    ----------
    model_dir
        A model directory (``hourglass train -o``); loaded once, tampered artefacts refused.
    api_key
        The key clients send in the ``X-API-Key`` header (at least 16 characters).
    max_body_bytes
        Largest request body accepted (checked before parsing); larger is ``413``.
    max_rows
        Most rows (log lines, sessions) per request; more is ``413``.
    drift_window
        ``/health`` reports the flag rate of the last this many scored rows (sessions, time
        steps, buckets) beside the rate the threshold promises, with the drift check's p-value and warning
        (:func:`~hourglass.serve.drift.drift_monitor`); 0: not reported.
    rate_limit
        Most requests a minute from one client address (bursts of a sixth of it), to any route
        (``/health`` and ``/metrics`` too), more is ``429`` with ``Retry-After``
        (:class:`~hourglass.serve.security.RateLimit`); 0: no limit.
    suppress
        Suppression rules (:func:`~hourglass.serve.suppress.load_suppressions`; table and
        entity-bucket models): a flagged row (bucket) a rule matches is answered with flag 0 and
        the rule's name in ``suppressed``, and counted per rule in ``/metrics``
        (``hourglass_suppressed_total``). An entity model's rules match its entity column only
        (:meth:`~hourglass.serve.suppress.Suppressions.for_buckets`).
    name
        The model's name in ``/models/{name}/...``; default: the directory's name
        (:func:`route_name`).

    Examples
    --------
    >>> import tempfile, numpy as np, pandas as pd
    >>> from pathlib import Path
    >>> from fastapi.testclient import TestClient
    >>> from hourglass import Pipeline, AutoEncoder
    >>> df = pd.DataFrame({"bytes": np.arange(60.0), "proto": ["tcp", "udp"] * 30})
    >>> out = Path(tempfile.mkdtemp()) / "model"
    >>> Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df).save(out)
    >>> client = TestClient(create_app(out, api_key="0123456789abcdef"))
    >>> r = client.post("/score", json={"rows": [{"bytes": 5, "proto": "tcp"}]},
    ...                 headers={"X-API-Key": "0123456789abcdef"})
    >>> r.status_code, sorted(r.json())
    (200, ['calibrated', 'flags', 'scores', 'severity'])
    >>> client.post("/score", json={"rows": []}).status_code     # no key
    401
    >>> client.get("/models").json()["models"][0]["score"]
    '/models/model/score'
    """
    from hourglass.pipeline.artefact import _model_path

    _model_path(model_dir, "model_dir")  # (a fitted Pipeline: its name was pathlib's TypeError)
    key = check_api_key(api_key)
    check_limits(max_body_bytes, max_rows, rate_limit)
    name = route_name(model_dir) if name is None else check_name(name)
    routes = (f"/models/{name}/score", f"/models/{name}/health")
    hosted = HostedModel(model_dir, name=name, max_rows=max_rows, drift_window=drift_window,
                         suppress=suppress, metric_paths=frozenset(("/models", *routes)))
    scorer, body = hosted.scorer, hosted.body

    app = FastAPI(title="hourglass scoring service", version=hourglass.__version__,
                  description=f"Anomaly scores from the {hosted.kind_text} model {scorer.model_name}. "
                              f"POST /score takes {body.text} and needs the {KEY_HEADER} header; "
                              "GET /health says what the model expects. The same model answers on "
                              f"POST {routes[0]} and GET {routes[1]} (GET /models lists it), the "
                              "routes of a service of several models.")
    app.state.scorer = scorer
    app.state.hosted = {name: hosted}
    metrics = hosted.metrics
    app.state.metrics = metrics
    add_guards(app, key=key, paths=("/score", routes[0]), max_body_bytes=max_body_bytes,
               rate_limit=rate_limit, metrics=metrics)
    require_key = key_dependency(key)
    add_error_handlers(app, body)
    limits = {"max_rows": max_rows, "max_body_bytes": max_body_bytes,
              "rate_limit_per_minute": rate_limit or None}

    # health, metrics and the model list are async: answered on the event loop, never queued
    # behind the scoring requests that fill the worker threads (a probe timing out under load)
    @app.get("/health", response_model=HealthResponse, response_model_exclude_none=True)
    async def health() -> dict[str, Any]:
        """The model this service holds, its input kind, what a request must contain (columns,
        log format, fewest rows of a series) and the limits."""
        return hosted.health(limits)

    # HEAD too (load balancers' probes), out of the schema: one operation per route there
    app.add_api_route("/health", health, methods=["HEAD"], include_in_schema=False)

    @app.get("/metrics", response_class=PlainTextResponse, responses=METRICS_RESPONSES,
             openapi_extra=METRICS_OPENAPI)
    async def metrics_text(request: Request) -> Response:
        """The service's counters in Prometheus' text format: requests by path and status,
        items scored and flagged, scoring time (a histogram) and the drift check's state. Needs
        the key, as the ``X-API-Key`` header or ``Authorization: Bearer <key>`` (what a
        Prometheus scrape job's ``authorization`` sends)."""
        refusal = metrics_key_refusal(request, key)
        if refusal is not None:
            return refusal
        return PlainTextResponse(metrics.render(hosted.drift_state()), media_type=_METRICS_TYPE)

    add_score_route(app, hosted, "/score", require_key)
    add_model_routes(app, {name: hosted}, limits, require_key)
    set_openapi(app, [hosted.request_model])
    return app


def check_name(name: str) -> str:
    """``name`` if it can name a served model (letters, digits, ``.``, ``_``, ``-``; at most
    64; a letter or digit first), else an :class:`InputError`."""
    if not NAME_PATTERN.fullmatch(name):
        raise InputError(f"model name {name[:70]!r}: use letters, digits, '.', '_' and '-' (at most "
                         "64, a letter or digit first), e.g. zeek=models/zeek")
    return name


class ModelSummary(BaseModel):
    """One model of GET /models."""

    name: str = Field(description="The name in its routes.")
    model: str = Field(description="The detector (autoencoder, lstm, ...).")
    input: str = Field(description="tabular, timeseries, events or entity.")
    threshold: str
    threshold_value: float
    request: str = Field(description="What its score route takes.")
    score: str = Field(description="Its score route (POST, the X-API-Key header).")
    health: str = Field(description="Its health route: the columns, limits and drift check.")


class ModelList(BaseModel):
    """The models a service holds."""

    models: list[ModelSummary]


def _health_of(hosted: HostedModel, limits: Mapping[str, Any]) -> Any:
    """The ``/models/{name}/health`` endpoint of ``hosted``."""

    async def health() -> dict[str, Any]:
        return hosted.health(limits)

    return health


def add_model_routes(app: FastAPI, hosted: Mapping[str, HostedModel], limits: Mapping[str, Any],
                     require_key: Any) -> None:
    """``GET /models``, and ``POST /models/{name}/score`` and ``GET /models/{name}/health`` of
    each model; any other ``/models/...`` path is a ``404`` naming the models there are."""
    names = ", ".join(hosted)

    @app.get("/models", response_model=ModelList)
    async def models() -> dict[str, Any]:
        """The models this service holds: name, detector, input kind, threshold, what a request
        takes and their routes. No key needed."""
        return {"models": [h.summary() for h in hosted.values()]}

    apart = _id_suffixes(hosted)
    for name, one in hosted.items():
        add_score_route(app, one, f"/models/{name}/score", require_key,
                        summary=f"Score ({name}: {one.kind_text} model {one.scorer.model_name})",
                        operation_id=_operation_id("score", name, "post", apart[name]))

        app.add_api_route(f"/models/{name}/health", _health_of(one, limits), methods=["HEAD"],
                          include_in_schema=False)
        app.add_api_route(f"/models/{name}/health", _health_of(one, limits), methods=["GET"],
                          response_model=HealthResponse, response_model_exclude_none=True,
                          summary=f"Health ({name})",
                          operation_id=_operation_id("health", name, "get", apart[name]),
                          description=f"What {name} expects (columns, log format, fewest rows of a "
                                      "series), the limits and its drift check.",
                          dependencies=[])

    async def unknown(request: Request) -> JSONResponse:
        name = request.path_params.get("name", "")
        rest = request.path_params.get("rest", "")
        if name in hosted and rest in ("score", "health"):  # a known route, another method
            allow = "POST" if rest == "score" else "GET"
            return JSONResponse({"detail": "Method Not Allowed"}, status_code=405,
                                headers={"Allow": allow})
        if name in hosted:
            return JSONResponse({"detail": f"no such route; {name}'s are POST /models/{name}/score "
                                           f"and GET /models/{name}/health"}, status_code=404)
        return JSONResponse({"detail": f"no model {name[:64]!r} here; the models are: {names} "
                                       "(GET /models)", "models": list(hosted)}, status_code=404)

    for path in ("/models/{name}", "/models/{name}/{rest:path}"):
        app.add_api_route(path, unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"],
                          include_in_schema=False)


def _id_suffixes(names: Iterable[str]) -> dict[str, str]:
    """What each model name's OpenAPI operation ids add to FastAPI's: ``""``, or ``"_2"``,
    ``"_3"``... (in the order given) for a name that FastAPI's ids, which make ``-`` and ``.``
    ``_``, would give the same ids as an earlier name.

    Examples
    --------
    >>> _id_suffixes(["zeek-conn", "dns", "zeek_conn", "zeek.conn"])
    {'zeek-conn': '', 'dns': '', 'zeek_conn': '_2', 'zeek.conn': '_3'}
    """
    seen: dict[str, int] = {}
    out = {}
    for name in names:
        key = re.sub(r"\W", "_", name)
        seen[key] = seen.get(key, 0) + 1
        out[name] = "" if seen[key] == 1 else f"_{seen[key]}"
    return out


def _operation_id(route: str, name: str, method: str, suffix: str) -> str | None:
    """The OpenAPI operation id of a model's ``route``: ``None`` (FastAPI's own, which turns
    ``-`` and ``.`` into ``_``) without ``suffix``, else FastAPI's with it, so models named
    ``zeek-conn`` and ``zeek_conn`` get distinct ids, which a schema must not repeat.

    Examples
    --------
    >>> _operation_id("score", "zeek-conn", "post", ""), _operation_id("score", "zeek_conn", "post", "_2")
    (None, 'score_models_zeek_conn_score_post_2')
    """
    if not suffix:
        return None
    fastapi_id = re.sub(r"\W", "_", f"{route}/models/{name}/{route}")  # fastapi.utils.generate_unique_id
    return f"{fastapi_id}_{method}{suffix}"


def _shapes(scorer: Any) -> tuple[type[BaseModel], type[BaseModel]]:
    """The request and answer models of ``scorer``'s input kind."""
    if scorer.kind == "timeseries":
        return SeriesRequest, SeriesResponse
    if scorer.kind == "events":
        requests: dict[str, type[BaseModel]] = {"lines": LinesRequest, "sessions": SessionsRequest,
                                                "rows": EventRowsRequest}
        return requests[scorer.body], LogResponse
    if scorer.kind == "entity":
        return EntityRequest, EntityResponse
    if getattr(scorer, "line_parse", None) is not None:  # cef, leef, panos, kv, auditd: the lines
        return RecordLinesRequest, ScoreResponse
    return ScoreRequest, ScoreResponse


def _explain_all_refusal(request: Any, kind: str, unavailable: str | None = None) -> str | None:
    """Why a request's ``"explain_all": true`` cannot be honoured (``None``: it can, or it is
    not asked for): a model that cannot explain (``unavailable``: why) explains nothing, without
    ``explain`` nothing is explained, and an ECS answer holds the flagged rows (time steps,
    buckets) alone.

    Examples
    --------
    >>> from hourglass.serve.schemas import SeriesRequest
    >>> _explain_all_refusal(SeriesRequest(rows=[], explain_all=True), "timeseries")
    "explain_all: explains every row with 'explain' (how many channels to name); give 'explain' too"
    >>> _explain_all_refusal(SeriesRequest(rows=[], explain=2, explain_all=True), "timeseries") is None
    True
    >>> _explain_all_refusal(SeriesRequest(rows=[], explain_all=True), "timeseries", "no parts")
    'explain_all: no parts'
    """
    if not getattr(request, "explain_all", False):
        return None
    if unavailable is not None:  # (not "give 'explain' too": that is refused in turn)
        return f"explain_all: {unavailable}"
    what, names = ("bucket", "features") if kind == "entity" else ("row", "channels")
    if request.explain is None:
        return (f"explain_all: explains every {what} with 'explain' (how many {names} to name); "
                "give 'explain' too")
    if request.alert_format == "ecs":
        return (f"explain_all: an ECS answer holds the flagged {what}s alone (each explained); "
                "leave explain_all out, or ask for the hourglass answer")
    return None


def _drift_monitor(pipe: Any, window: int) -> Any:
    """The drift check of ``/health`` (``None`` with ``window`` 0, or when the threshold's
    rate cannot be known: said in the log)."""
    from hourglass.serve.drift import drift_monitor

    if window <= 0:
        return None
    try:
        return drift_monitor(pipe, window)
    except InputError as exc:
        logger.warning("drift check off: %s", exc)
        return None


def _flags_of(content: dict[str, Any]) -> list[int]:
    """The 0/1 flags of a scored request's answer, in order (an ECS answer: its alerts among
    the rows, sessions or buckets scored, the flagged ones last; a time series' alert is one
    flagged step, which flags each row of the step, ``hourglass.rows``, as the lists answer does)."""
    if "alerts" in content:
        n = int(content.get("buckets") or content.get("sessions") or content.get("rows") or 0)
        k = int(content["count"])
        if "steps" in content:  # a series: the rows in the flagged steps
            k = sum(len((alert.get("hourglass") or {}).get("rows") or ()) for alert in content["alerts"])
        k = min(k, n)
        return [0] * (n - k) + [1] * k
    if "flags" in content:
        return [int(f) for f in content["flags"]]
    buckets = content.get("buckets")
    items = buckets if isinstance(buckets, list) else content.get("sessions", [])
    return [int(s["flag"]) for s in items]


#: A JSON escape of a surrogate (``\\ud83d``): where pydantic's parser refuses a body holding
#: one, it may be a lone surrogate, valid JSON that ``score`` and ``stream`` read.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _json_words(sent: object) -> str:
    """A client's value as an error names it: text quoted (at most 40 characters); null, true,
    a number as written, else its JSON kind (``an array``, ``an object``).

    Examples
    --------
    >>> [_json_words(v) for v in ("ecs", None, True, 1.5, [2], {"a": 1})]
    ["'ecs'", 'null', 'true', '1.5', 'an array', 'an object']
    """
    if isinstance(sent, str):
        return repr(sent[:40])
    if sent is None or isinstance(sent, bool):
        return "null" if sent is None else str(sent).lower()
    if isinstance(sent, (int, float)):
        return str(sent)[:40]
    return _json_type(sent)


def _with_lone_surrogates(request_model: type[BaseModel], raw: bytes) -> Any:
    """The request in ``raw``, a body pydantic's parser refused, when that was for a lone
    surrogate (``"\\ud83d"`` without its pair: a user agent cut inside an emoji), each written
    as its escape, as ``hourglass score`` and ``stream`` read such a field
    (:func:`~hourglass.ingest.tables.no_lone_surrogates`); ``None`` when the body holds none
    or is no JSON to Python's parser either. A body of the wrong shape raises pydantic's
    :class:`ValidationError`, as it would have without the surrogate, and so does a body that is
    no JSON for another reason (Python's parser says which: not the surrogate)."""
    if not _SURROGATE_ESCAPE.search(raw):
        return None
    import json

    from hourglass._limits import loads_json
    from hourglass.ingest.tables import no_lone_surrogates

    try:
        value = loads_json(raw)
    except json.JSONDecodeError as exc:
        raise ValidationError.from_exception_data(request_model.__name__, [{
            "type": "json_invalid", "loc": (), "input": b"",
            "ctx": {"error": f"{exc.msg.removesuffix(' at')} at line {exc.lineno} column {exc.colno}"}}]
        ) from None
    except (ValueError, RecursionError):  # digits past Python's limit, nesting past its stack
        return None
    try:  # validated as JSON again, with the surrogates escaped: the same limits and rules
        text = json.dumps(no_lone_surrogates(value))
    except (ValueError, RecursionError):
        return None
    return request_model.model_validate_json(text)


def _declared_charset(content_type: str) -> str | None:
    """The ``charset`` parameter of a Content-Type header, lower case and unquoted; ``None``
    without one.

    Examples
    --------
    >>> [_declared_charset(h) for h in ("application/json", "application/json; charset=UTF-8",
    ...                                 'application/json;Charset="latin-1"')]
    [None, 'utf-8', 'latin-1']
    """
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').strip().lower()
    return None


def _json_media(media: str) -> bool:
    """Whether a Content-Type's media type (lower case, without parameters) is JSON's:
    ``application/json`` (any type: ``text/json``), ``x-json``, or a ``+json`` suffix (RFC 6839).

    Examples
    --------
    >>> [_json_media(m) for m in ("application/json", "text/json", "application/vnd.api+json",
    ...                           "application/x-json", "application/notjson", "json", "/json")]
    [True, True, True, True, False, False, False]
    """
    kind, slash, subtype = media.partition("/")
    return bool(kind and slash) and (subtype in ("json", "x-json") or subtype.endswith("+json"))


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


#: Longest ``detail`` of a 4xx: a message quotes the client's value, which may be a megabyte.
_DETAIL_CHARS = 400


#: What :meth:`str.splitlines` breaks a line at, each as its escape (a newline as ``\\n``).
_LINE_BREAKS = {ord(ch): repr(ch)[1:-1] for ch in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}


#: ``row N`` of a scorer's error, or a quoted value (the client's text: ``found 'row 3'``), which
#: is neither the row nor rewritten (as ``stream`` and ``score`` tell a file's rows)
_ROW_NAMED = re.compile(f"({QUOTED_TEXT})" + r"|\brow (\d+)\b")


def _events_placed(ends: Sequence[int]) -> list[tuple[int, int, int]] | None:
    """Each event's (request row, its place in that row's page, the events of the page), from
    0, of a request whose rows gave events up to ``ends[i]`` (row ``i``'s end among the events);
    ``None`` where each row gave one (the events are the rows; a row that gives none, an empty
    page, renumbers the rows after it as a page of several does).

    Examples
    --------
    >>> _events_placed([0, 1])  # an empty page, then a row
    [(1, 0, 1)]
    >>> _events_placed([2, 3])
    [(0, 0, 2), (0, 1, 2), (1, 0, 1)]
    >>> _events_placed([1, 2]) is None
    True
    """
    if all(end == i + 1 for i, end in enumerate(ends)):
        return None
    placed: list[tuple[int, int, int]] = []
    start = 0
    for i, end in enumerate(ends):
        placed.extend((i, k, end - start) for k in range(end - start))
        start = end
    return placed


def _at_request_row(detail: str, pages: Sequence[tuple[int, int, int]] | None,
                    noun: str = "row") -> str:
    """An error ``detail`` of a request whose rows gave pages of events (``pages``: each event's
    request row, its place in that row's page and the events of the page, from 0), with each
    ``row N`` it names (the N-th event scored; a message may name two, as one of two date orders
    does) named as the request's row it came from, and the event of that row's page; ``detail``
    itself without pages. ``noun``: what the request calls its items (``line`` for a record
    model's ``lines``, whose scored rows the separators and events renumber).

    Examples
    --------
    >>> _at_request_row("row 5: none of the model's columns", [(0, 0, 4), (0, 1, 4), (0, 2, 4),
    ...                                                       (0, 3, 4), (1, 0, 1)])
    "row 2: none of the model's columns"
    >>> _at_request_row("column 'x': expected numbers, found 'a' (row 2)", [(0, 0, 2), (0, 1, 2)])
    "column 'x': expected numbers, found 'a' (row 1, event 2 of its page)"
    >>> _at_request_row("column 'x': expected numbers, found 'a' (row 1)", [(2, 0, 1)], "line")
    "column 'x': expected numbers, found 'a' (line 3)"
    >>> _at_request_row("column 'x': expected numbers, found 'row 1' (row 2)", [(0, 0, 2), (0, 1, 2)])
    "column 'x': expected numbers, found 'row 1' (row 1, event 2 of its page)"
    >>> _at_request_row("column 't': row 3 ('13/12') puts the day first but row 1 ('12/13') the "
    ...                 "month", [(0, 0, 2), (0, 1, 2), (1, 0, 1)])
    "column 't': row 2 ('13/12') puts the day first but row 1, event 1 of its page ('12/13') the month"
    """
    if not pages:
        return detail

    def named(m: re.Match[str]) -> str:  # each row the message names, not a 'row 1' it quotes
        if not m.group(2) or not 1 <= int(m.group(2)) <= len(pages):
            return m.group(0)
        row, event, events = pages[int(m.group(2)) - 1]
        return f"{noun} {row + 1}" + (f", event {event + 1} of its page" if events != 1 else "")

    return _ROW_NAMED.sub(named, detail)


def _one_line(exc: Exception) -> str:
    """``exc``'s message as one line, at most :data:`_DETAIL_CHARS` long: a line break in it (a
    client's name or value quoted as it is, e.g. a key holding a newline in a list of the
    request's columns) as its escape, so that nothing after it is lost; a longer one keeps its
    start and its end (where the row is named), the middle left out.

    Examples
    --------
    >>> line = _one_line(InputError(f"column 'bytes': expected numbers, found '{'x' * 5000}' (row 1)"))
    >>> len(line), line[300:337], line[-12:]
    (395, '... (4,690 characters left out) ...xx', "xxx' (row 1)")
    >>> _one_line(InputError("no column 'src_ip' in the data (columns: a\\nb, ts)"))
    "no column 'src_ip' in the data (columns: a\\\\nb, ts)"
    """
    text = str(exc).strip()
    line = text.translate(_LINE_BREAKS) if text else type(exc).__name__
    if len(line) <= _DETAIL_CHARS:
        return line
    head, tail = line[:_DETAIL_CHARS - 100], line[-60:]
    return f"{head}... ({len(line) - len(head) - len(tail):,} characters left out) ...{tail}"
