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
import threading
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Union, cast

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ValidationError

import hourglass
from hourglass.errors import InputError
from hourglass.ingest.formats import event_format
from hourglass.ingest.tables import flat_record
from hourglass.serve.ecs import AlertRule
from hourglass.serve.metrics import RequestCounter, ServiceMetrics
from hourglass.serve.schemas import (
    ALERT_FORMATS,
    BODIES,
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
from hourglass.serve.scoring import load_scorer
from hourglass.serve.security import BodyLimit, KeyGuard, RateLimit, check_api_key, key_matches

if TYPE_CHECKING:
    from hourglass.serve.entity_scoring import EntityScorer
    from hourglass.serve.scoring import TableScorer
    from hourglass.serve.series_scoring import SeriesScorer
    from hourglass.serve.suppress import Suppressions

__all__ = ["DEFAULT_MAX_BODY_BYTES", "DEFAULT_MAX_ROWS", "HealthResponse", "ScoreRequest",
           "ScoreResponse", "create_app", "validation_message"]

logger = logging.getLogger(__name__)

DEFAULT_MAX_BODY_BYTES = 8 * 2**20
DEFAULT_MAX_ROWS = 100_000
KEY_HEADER = "X-API-Key"
_METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_UTF8_BOM = b"\xef\xbb\xbf"


class _Detail(BaseModel):
    detail: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": _Detail, "description": text} for code, text in (
        (400, "Body is not valid JSON."), (401, "Missing or wrong API key."),
        (413, "Body or row count over the service's limit."),
        (415, "Body not sent as application/json, or compressed (Content-Encoding)."),
        (422, "Input the model cannot score (missing column, text in a numeric column, a series "
              "shorter than one window, no log sessions, a timestamp that is no time, ...)."),
        (500, "Unexpected server error (details in the server log)."))}


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
    return ".".join(map(str, parts)) or "body"


def _json_type(value: object) -> str:
    names: dict[type, str] = {dict: "an object", list: "an array"}
    return names.get(type(value), type(value).__name__)


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
    >>> validation_message([{"type": "literal_error", "loc": ("alert_format",), "input": "cef",
    ...                      "ctx": {"expected": "'hourglass' or 'ecs'"}}])
    (422, "alert_format: expected 'hourglass' or 'ecs', got 'cef'")
    >>> print(validation_message([{"type": "missing", "loc": ("body", "rows"),
    ...                              "input": {"lines": ["x"]}}])[1])  # doctest: +ELLIPSIS
    body: expected a JSON object {"rows": ...}; it has 'lines' but no 'rows' (GET /health says ...)
    >>> validation_message([{"type": "int_type", "loc": ("sessions", 0, 2), "input": "x",
    ...                      "msg": "Input should be a valid integer"}], BODIES[SessionsRequest])
    (422, "session 1, key 3: expected an integer key >= 0, got 'x'")
    """
    first = errors[0]
    kind, loc = first.get("type", ""), tuple(first.get("loc", ()))
    if kind == "json_invalid":
        reason = (first.get("ctx") or {}).get("error", "cannot parse")
        return 400, f"body: not valid JSON ({reason})"
    where = _location(loc)
    if loc in ((), ("body",)) or (kind == "missing" and loc[-1:] == (body.field,)):
        sent = first.get("input")
        if kind == "missing" and isinstance(sent, dict) and sent:  # another model kind's body?
            has = ", ".join(f"'{k}'" for k in list(sent)[:3])
            return 422, (f"body: expected a JSON object {body.text}; it has {has} but no "
                         f"'{body.field}' (GET /health says what this model takes)")
        return 422, f"body: expected a JSON object {body.text}"
    if where.startswith("row ") and ", column " in where:
        return 422, (f"{where}: expected a number, text, true/false or null, got "
                     f"{_json_type(first.get('input'))}")
    if where.startswith("line ") and len(loc) == 2:
        return 422, f"{where}: expected text (one log line), got {_json_type(first.get('input'))}"
    if where.startswith("session ") and ", key " in where:
        return 422, f"{where}: expected an integer key >= 0, got {str(first.get('input'))[:40]!r}"
    if where.startswith("session "):
        return 422, f"{where}: expected an array of integer keys, got {_json_type(first.get('input'))}"
    if kind == "literal_error":  # alert_format
        expected = (first.get("ctx") or {}).get("expected", "one of the allowed values")
        return 422, f"{where}: expected {expected}, got {str(first.get('input'))[:40]!r}"
    if kind == "extra_forbidden":
        names = [f"'{f}'" for f in body.fields]
        takes = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 2 else names)
        return 422, f"{where}: unknown field; the body takes {takes}"
    return 422, f"{where}: {first.get('msg', 'invalid')}"


def create_app(model_dir: str | os.PathLike[str], *, api_key: str,
               max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, max_rows: int = DEFAULT_MAX_ROWS,
               drift_window: int = 1000, rate_limit: float = 0.0,
               suppress: "Suppressions | None" = None) -> FastAPI:
    """The scoring service for the model saved in ``model_dir``: a table, time-series, log or
    entity-bucket model (:func:`~hourglass.serve.scoring.load_scorer`); ``/score`` takes the
    request shape of its input kind (``/health`` and ``/docs`` say which).

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
        ``/health`` reports the flag rate of the last this many scored rows (sessions, buckets)
        beside the
        rate the threshold promises, with the drift check's p-value and warning
        (:func:`~hourglass.serve.drift.drift_monitor`); 0: not reported.
    rate_limit
        Most requests a minute from one client address (bursts of a sixth of it), more is
        ``429`` with ``Retry-After`` (:class:`~hourglass.serve.security.RateLimit`); 0: no limit.
    suppress
        Suppression rules (:func:`~hourglass.serve.suppress.load_suppressions`; table and
        entity-bucket models): a flagged row (bucket) a rule matches is answered with flag 0 and
        the rule's name in ``suppressed``, and counted per rule in ``/metrics``
        (``hourglass_suppressed_total``). An entity model's rules match its entity column only
        (:meth:`~hourglass.serve.suppress.Suppressions.for_buckets`).

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
    """
    key = check_api_key(api_key)
    for name, value in (("max_body_bytes", max_body_bytes), ("max_rows", max_rows)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    if (isinstance(rate_limit, bool) or not isinstance(rate_limit, (int, float))
            or not 0 <= rate_limit < math.inf):  # inf: every request would fail in RateLimit
        raise ValueError(f"rate_limit must be a finite number >= 0, got {rate_limit!r}")
    scorer = load_scorer(model_dir)
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
    request_model, response_model = _shapes(scorer)
    body = BODIES[request_model]
    rule = AlertRule.from_model(model_dir, scorer.pipeline)  # rule.* of the ECS alerts
    # Okta, Entra sign-ins: each row passed through the format's own event, as the file was read
    event = getattr(event_format(scorer.pipeline.info.get("dataset")), "event", None)
    drift = _drift_monitor(scorer.pipeline, drift_window)
    drift_lock = threading.Lock()
    logger.debug("serving %s (%s, %s input)", model_dir, scorer.model_name, scorer.kind)

    kind_text = {"tabular": "table", "timeseries": "time-series", "events": "log",
                 "entity": "entity-bucket"}[scorer.kind]
    app = FastAPI(title="hourglass scoring service", version=hourglass.__version__,
                  description=f"Anomaly scores from the {kind_text} model {scorer.model_name}. "
                              f"POST /score takes {body.text} and needs the {KEY_HEADER} header; "
                              "GET /health says what the model expects.")
    app.state.scorer = scorer
    metrics = ServiceMetrics(model=scorer.model_name, kind=scorer.kind,  # as /health's "input"
                             unit={"events": "sessions", "entity": "buckets"}.get(scorer.kind, "rows"),
                             model_id=rule.id, version=hourglass.__version__,
                             rules=suppress.names_in_force if suppress is not None else None)
    app.state.metrics = metrics
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(KeyGuard, key=key, path="/score", header=KEY_HEADER)  # before the body
    if rate_limit:
        app.add_middleware(RateLimit, per_minute=rate_limit)
    app.add_middleware(RequestCounter, metrics=metrics)  # added last: runs first, sees every answer
    header = APIKeyHeader(name=KEY_HEADER, auto_error=False,
                          description="The key the service was started with.")

    def require_key(given: Annotated[str | None, Depends(header)]) -> None:
        if not key_matches(given, key):
            raise HTTPException(401, f"missing or wrong API key (header {KEY_HEADER})")

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

    @app.get("/health", response_model=HealthResponse, response_model_exclude_none=True)
    def health() -> dict[str, Any]:
        """The model this service holds, its input kind, what a request must contain (columns,
        log format, fewest rows of a series) and the limits."""
        with drift_lock:
            state = None if drift is None else drift.status()
        return {"status": "ok", **scorer.describe(), "max_rows": max_rows,
                "max_body_bytes": max_body_bytes, "rate_limit_per_minute": rate_limit or None,
                "alert_formats": list(ALERT_FORMATS),
                "hourglass": hourglass.__version__, "drift": state,
                "suppression_rules": suppress.names_in_force if suppress is not None else None}

    @app.get("/metrics", response_class=PlainTextResponse,
             responses={401: _ERRORS[401], 200: {"content": {"text/plain": {}},
                                                 "description": "Prometheus text format."}})
    def metrics_text(request: Request) -> Response:
        """The service's counters in Prometheus' text format: requests by path and status,
        items scored and flagged, scoring time (a histogram) and the drift check's state. Needs
        the key, as the ``X-API-Key`` header or ``Authorization: Bearer <key>`` (what a
        Prometheus scrape job's ``authorization`` sends)."""
        bearer = request.headers.get("authorization", "")
        given = request.headers.get(KEY_HEADER.lower())
        if given is None and bearer[:7].lower() == "bearer ":
            given = bearer[7:].strip()
        if not key_matches(given, key):
            return JSONResponse({"detail": f"missing or wrong API key (header {KEY_HEADER} or "
                                           "Authorization: Bearer)"}, status_code=401)
        with drift_lock:
            state = None if drift is None else drift.status()
        return PlainTextResponse(metrics.render(state), media_type=_METRICS_TYPE)

    def watch(content: dict[str, Any], started: float) -> dict[str, Any]:
        """Count a scored request and feed its flags to the drift check; ``content`` unchanged."""
        flags = _flags_of(content)
        metrics.count_scored(time.perf_counter() - started, scored=len(flags), flagged=sum(flags))
        silenced = content.get("suppressed")
        buckets = content.get("buckets")
        if silenced is None and isinstance(buckets, list):  # an entity answer: each bucket's rule
            silenced = [str(b.get("suppressed") or "") for b in buckets]
        if silenced:  # a table's answer names each row's rule; an ECS answer counts them
            metrics.count_suppressed(silenced if isinstance(silenced, dict) else
                                     {n: silenced.count(n) for n in set(silenced) if n})
        if drift is not None:
            with drift_lock:
                for event in drift.update(flags):
                    log = logger.warning if event.kind == "fired" else logger.info
                    log("drift check: %s", event.describe())
        return content

    def score_body(raw: bytes, media: str) -> tuple[int, dict[str, Any]]:
        """(status, JSON content) for a request body: parsed and validated in one pass by
        pydantic (half the time of FastAPI's json.loads then validate), then scored."""
        started = time.perf_counter()
        if not media.endswith("json"):
            return 415, {"detail": f"Content-Type: expected application/json, got {media or 'none'}"}
        raw = raw.removeprefix(_UTF8_BOM)  # as RFC 8259 allows: Windows tools write one
        try:
            request: Any = request_model.model_validate_json(raw)  # the fields of its kind's model
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            if errors[0].get("type") == "json_invalid" and not _is_utf8(raw):
                return 400, {"detail": "body: not UTF-8 text; send the JSON encoded as UTF-8"}
            status, message = validation_message(errors, body)
            return status, {"detail": message}
        items = getattr(request, body.field)
        if body.field == "rows":  # {"source": {"ip": ...}} is source.ip, as in a file
            items = [flat_record(row if event is None else event(row)) for row in items]
        if len(items) > max_rows:
            what = {"lines": "lines", "sessions": "sessions"}.get(body.field, "rows")
            return 413, {"detail": f"too many {what} ({len(items):,}; the limit is {max_rows:,}, "
                                   "--max-rows): split the request"}
        if request_model is RecordLinesRequest:  # one row per line, as training read the file
            table = cast("TableScorer", scorer)  # only a table model's request has such lines
            rows = [table.line_parse(line) for line in items]
            bad = next((i for i, row in enumerate(rows) if row is None), None)
            if bad is not None:
                from hourglass.ingest.cef import record_noun

                name = record_noun(scorer.pipeline.info.get("dataset"))
                return 422, {"detail": f"lines[{bad}]: not a {name} record ({str(items[bad])[:60]!r})"}
            events = table.line_events() if table.line_events is not None else None
            if events is not None:  # audit records: one row per event, the request's events closed
                done = [event for i, row in enumerate(rows) for event in events.add(row, i)]
                rows = [row for _, row in done + events.close()]
            items = rows
        try:
            if request.alert_format == "ecs":
                return 200, watch(scorer.score_ecs(items, rule, explain=request.explain), started)
            if scorer.kind == "events":
                return 200, watch(scorer.score(items, explain=request.explain), started)
            if scorer.kind == "entity":
                entity = cast("EntityScorer", scorer)  # the scorer of an entity model
                return 200, watch(entity.score(items, explain=request.explain,
                                               explain_all=request.explain_all), started)
            if scorer.kind == "timeseries":
                series = cast("SeriesScorer", scorer)  # the scorer of a time-series model
                return 200, watch(series.score(items, explain=request.explain,
                                               explain_flagged=not request.explain_all), started)
            return 200, watch(scorer.score(items, explain=request.explain), started)
        except InputError as exc:
            return 422, {"detail": _one_line(exc)}
        except Exception:
            logger.exception("scoring %d %s failed", len(items), body.field)
            return 500, {"detail": "internal error while scoring; the server log has the details"}

    @app.post("/score", response_model=Union[response_model, EcsResponse],  # noqa: UP007
              response_model_exclude_none=True,
              dependencies=[Depends(require_key)], responses=_ERRORS,
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                  "schema": {"$ref": f"#/components/schemas/{request_model.__name__}"}}}}})
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
        encoding = request.headers.get("content-encoding", "").strip().lower()
        if encoding not in ("", "identity"):  # else a compressed body reads as 'not valid JSON'
            return JSONResponse({"detail": f"Content-Encoding: {encoding[:40]} is not supported; "
                                           "send the body uncompressed"}, status_code=415)
        raw = await request.body()  # at most max_body_bytes: BodyLimit has counted it
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        # parsing and scoring in the thread pool: neither blocks the event loop
        status, content = await run_in_threadpool(score_body, raw, media)
        if status != 200:
            return JSONResponse(content, status_code=status)
        shape = EcsResponse if "alerts" in content else response_model
        return Response(shape.model_validate(content).model_dump_json(exclude_none=True),
                        media_type="application/json")

    def openapi() -> dict[str, Any]:
        """FastAPI's schema, plus the request body /score parses itself."""
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            found = request_model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            schemas.update(found.pop("$defs", {}))
            schemas[request_model.__name__] = found
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


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
    """The 0/1 flags of a scored request's answer, in order (an ECS answer: its alert count
    among the rows, sessions or buckets scored, the flagged ones last)."""
    if "alerts" in content:
        n = int(content.get("buckets") or content.get("sessions") or content.get("rows") or 0)
        k = min(int(content["count"]), n)
        return [0] * (n - k) + [1] * k
    if "flags" in content:
        return [int(f) for f in content["flags"]]
    buckets = content.get("buckets")
    items = buckets if isinstance(buckets, list) else content.get("sessions", [])
    return [int(s["flag"]) for s in items]


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _one_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
