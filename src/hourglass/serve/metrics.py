"""The service's counters for a monitoring system: ``GET /metrics`` in Prometheus' text format.

What an operator graphs and alerts on: requests by endpoint and status (``401`` bursts, ``413``
and ``429`` refusals included: they are counted before the guards answer), what was scored and
flagged, how long scoring took, and the drift check's state (the flag rate of the last window
beside the rate the threshold promises). Plain text written here — the format is a few lines
per metric (https://prometheus.io/docs/instrumenting/exposition_formats/), not worth a
dependency. No web framework is imported here (the request counter is plain ASGI middleware).
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from hourglass.serve.security import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CLIENT_CLOSED", "LATENCY_BUCKETS", "ModelsMetrics", "RequestCounter", "ServiceMetrics",
           "render_families"]

#: Upper bounds (seconds) of the scoring-time histogram's buckets.
LATENCY_BUCKETS: tuple[float, ...] = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                                      2.5, 5.0, 10.0)

#: The status a request is counted under when the client hung up before any answer (nginx's
#: "client closed request"): no server error, though no answer was sent.
CLIENT_CLOSED = 499

#: Paths counted under their own label; anything else is ``other`` (a scanner probing a thousand
#: URLs must not make a thousand series).
_PATHS = frozenset({"/score", "/health", "/metrics", "/docs", "/openapi.json"})


def _label(value: object) -> str:
    """A label value, escaped as the text format wants (backslash, quote, newline)."""
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


#: A metric family: name, type, help text and samples ``(suffix, labels, value)``.
Family = tuple[str, str, str, list[tuple[str, str, float]]]


class ServiceMetrics:
    """Counters of one service process, rendered in Prometheus' text format (version 0.0.4).

    Thread-safe: requests are scored in a worker pool and counted from the event loop.

    Parameters
    ----------
    model
        The served model's name (``hourglass_model_info``'s ``model`` label).
    kind
        Its input kind, as ``/health``'s ``input`` says it (``tabular``, ``timeseries``, ``events``,
        ``entity``).
    unit
        What one scored item is (``rows``, ``sessions``, ``buckets``): the ``unit`` label of the counts.
    model_id
        The artefact's content hash, so a dashboard shows which model answered.
    version
        hourglass' version.
    buckets
        The upper bounds, in seconds, of the scoring-time histogram's buckets (default:
        :data:`LATENCY_BUCKETS`, 1 ms to 10 s; ``+Inf`` is added).
    rules
        The names of the suppression rules in force (``serve --suppress``), each counted in
        ``hourglass_suppressed_total`` from 0; ``None``: no rules, no such counter.
    paths
        Paths counted under their own label besides the service's own (``/score``, ``/health``,
        ``/metrics``, ``/docs``, ``/openapi.json``).

    Examples
    --------
    >>> m = ServiceMetrics(model="autoencoder", kind="tabular", unit="rows", model_id="ab12",
    ...                    version="0.1")
    >>> m.count_request("/score", 200)
    >>> m.count_scored(0.004, scored=10, flagged=1)
    >>> text = m.render()
    >>> 'hourglass_requests_total{path="/score",status="200"} 1' in text
    True
    >>> 'hourglass_scored_total{unit="rows"} 10' in text, 'hourglass_flagged_total{unit="rows"} 1' in text
    (True, True)
    >>> 'hourglass_scoring_seconds_bucket{le="0.005"} 1' in text
    True
    >>> m = ServiceMetrics(model="ae", kind="tabular", unit="rows", model_id="ab12", version="0.1",
    ...                    rules=["backup", "scanner"])
    >>> m.count_suppressed({"backup": 2})
    >>> [line for line in m.render().splitlines() if line.startswith("hourglass_suppressed_total")]
    ['hourglass_suppressed_total{rule="backup"} 2', 'hourglass_suppressed_total{rule="scanner"} 0']
    """

    def __init__(self, *, model: str, kind: str, unit: str, model_id: str, version: str,
                 buckets: Iterable[float] = LATENCY_BUCKETS, rules: Iterable[str] | None = None,
                 paths: Iterable[str] = ()) -> None:
        self.model, self.kind, self.unit, self.model_id, self.version = model, kind, unit, model_id, version
        self.paths = _PATHS | frozenset(paths)
        self.buckets = tuple(sorted(float(b) for b in buckets))
        self.started = time.time()
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, int], int] = {}
        self._scored = 0
        self._flagged = 0
        self._latency_counts = [0] * (len(self.buckets) + 1)  # the last: +Inf
        self._latency_sum = 0.0
        self._latency_n = 0
        # every rule from 0: a rule that never fires shows as 0, not as an absent series
        self._suppressed: dict[str, int] | None = None if rules is None else dict.fromkeys(rules, 0)

    def count_suppressed(self, counts: Mapping[str, int]) -> None:
        """Alerts silenced by suppression rules in one request, per rule name."""
        with self._lock:
            if self._suppressed is None:
                self._suppressed = {}
            for name, n in counts.items():
                self._suppressed[name] = self._suppressed.get(name, 0) + int(n)

    def count_request(self, path: str, status: int) -> None:
        """One answered request to ``path`` (any path outside :attr:`paths`: ``other``)."""
        key = (path if path in self.paths else "other", int(status))
        with self._lock:
            self._requests[key] = self._requests.get(key, 0) + 1

    def count_scored(self, seconds: float, *, scored: int, flagged: int) -> None:
        """One scored request: its scoring time and how many items it scored and flagged."""
        i = bisect.bisect_left(self.buckets, seconds)  # the first bucket with seconds <= its bound
        with self._lock:
            self._scored += int(scored)
            self._flagged += int(flagged)
            self._latency_counts[i] += 1
            self._latency_sum += float(seconds)
            self._latency_n += 1

    def render(self, drift: Mapping[str, Any] | None = None) -> str:
        """The text format of every metric; ``drift`` is the drift check's
        :meth:`~hourglass.thresholds.AlertRateMonitor.status` (``None``: the check is off)."""
        with self._lock:
            requests = sorted(self._requests.items())
        families = self.families(drift)
        service: list[Family] = [("hourglass_start_time_seconds", "gauge",
                                  "When the service started (Unix time).",
                                  [("", "", self.started)]),
                                 ("hourglass_requests_total", "counter",
                                  "Requests answered, by path and HTTP status (499: the client "
                                  "hung up before the answer).",
                                  [("", f'path="{_label(p)}",status="{s}"', c) for (p, s), c in requests])]
        return render_families([families[0], *service, *families[1:]])

    def families(self, drift: Mapping[str, Any] | None = None, name: str | None = None) -> list[Family]:
        """The metrics of the model (all but the start time and the request counts), each
        ``(name, type, help, [(suffix, labels, value), ...])``; with ``name`` (a service of
        several models) every sample has the label ``model="name"``, and ``hourglass_model_info``
        names the detector in ``detector``."""
        with self._lock:
            scored, flagged = self._scored, self._flagged
            counts, total, n = list(self._latency_counts), self._latency_sum, self._latency_n
            suppressed = None if self._suppressed is None else dict(self._suppressed)
        own = "" if name is None else f'model="{_label(name)}"'

        def labels(text: str = "") -> str:
            return ",".join(part for part in (own, text) if part)

        unit = labels(f'unit="{_label(self.unit)}"')
        info = (f'{"model" if name is None else "detector"}="{_label(self.model)}",'
                f'input="{_label(self.kind)}",id="{_label(self.model_id)}",version="{_label(self.version)}"')
        out: list[Family] = [
            ("hourglass_model_info", "gauge", "The model this service holds (value always 1)."
             if name is None else "A model this service holds (value always 1).", [("", labels(info), 1)]),
            ("hourglass_scored_total", "counter", "Items scored by /score.", [("", unit, scored)]),
            ("hourglass_flagged_total", "counter", "Items /score flagged as anomalous.",
             [("", unit, flagged)])]
        if suppressed is not None:
            out.append(("hourglass_suppressed_total", "counter",
                        "Flagged items a suppression rule silenced (not in flagged_total), by rule.",
                        [("", labels(f'rule="{_label(r)}"'), c) for r, c in suppressed.items()]))
        cumulative, samples = 0, list[tuple[str, str, float]]()
        for bound, count in zip((*self.buckets, math.inf), counts, strict=True):
            cumulative += count
            samples.append(("_bucket", labels(f'le="{_number(bound)}"'), cumulative))
        samples += [("_sum", labels(), total), ("_count", labels(), n)]
        out.append(("hourglass_scoring_seconds", "histogram", "Time to parse and score one /score request.",
                    samples))
        if drift is not None:
            gauges = (("hourglass_drift_expected_rate", "expected_rate",
                       "The flag rate the threshold promises on normal data."),
                      ("hourglass_drift_window_rate", "window_rate",
                       "The flag rate of the drift check's last window (absent until it has items)."),
                      ("hourglass_drift_p_value", "p_value",
                       "P-value of the last window's flag count under the promised rate."))
            for metric, key, text in gauges:
                if drift.get(key) is not None:
                    out.append((metric, "gauge", text, [("", labels(), float(drift[key]))]))
            out.append(("hourglass_drift_warning", "gauge",
                        "1 while the flag rate is significantly above the promised one, else 0.",
                        [("", labels(), int(bool(drift.get("warning"))))]))
            out.append(("hourglass_drift_warnings_total", "counter", "Drift warnings raised since start.",
                        [("", labels(), int(drift.get("warnings") or 0))]))
        return out


def render_families(families: Iterable[Family]) -> str:
    """The text format of ``families``; a name given twice is one family, its samples in order
    (each family's ``HELP`` and ``TYPE`` once, its samples together, as the format wants)."""
    merged: dict[str, Family] = {}
    for name, kind, text, samples in families:
        if name in merged:
            merged[name][3].extend(samples)
        else:
            merged[name] = (name, kind, text, list(samples))
    lines: list[str] = []
    for name, kind, text, samples in merged.values():
        lines.extend((f"# HELP {name} {text}", f"# TYPE {name} {kind}"))
        lines.extend(f"{name}{suffix}{{{labels}}} {_number(value)}" if labels else
                     f"{name}{suffix} {_number(value)}" for suffix, labels, value in samples)
    return "\n".join(lines) + "\n"


class ModelsMetrics:
    """The counters of a service of several models: the requests by route, model and status,
    and each model's :class:`ServiceMetrics` (every series labelled ``model="name"``).

    Examples
    --------
    >>> zeek = ServiceMetrics(model="autoencoder", kind="tabular", unit="rows", model_id="ab", version="0.1")
    >>> audit = ServiceMetrics(model="lstm", kind="events", unit="sessions", model_id="cd", version="0.1")
    >>> m = ModelsMetrics({"zeek": zeek, "audit": audit})
    >>> m.count_request("/models/zeek/score", 200)
    >>> m.count_request("/models/nope/score", 404)
    >>> zeek.count_scored(0.004, scored=10, flagged=1)
    >>> text = m.render({"zeek": None, "audit": None})
    >>> 'hourglass_requests_total{path="/models/{name}/score",model="zeek",status="200"} 1' in text
    True
    >>> 'hourglass_requests_total{path="/models/{name}/score",status="404"} 1' in text
    True
    >>> 'hourglass_scored_total{model="zeek",unit="rows"} 10' in text
    True
    >>> 'hourglass_scored_total{model="audit",unit="sessions"} 0' in text
    True
    """

    def __init__(self, models: Mapping[str, ServiceMetrics]) -> None:
        self.models = dict(models)
        self.started = time.time()
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, int], int] = {}

    def count_request(self, path: str, status: int) -> None:
        """One answered request: a model's route under its template and the model's name (an
        unknown name: the template alone), the service's own paths by name, anything else
        ``other``."""
        model = ""
        parts = path.split("/")
        if len(parts) >= 3 and parts[1] == "models" and parts[2]:
            route = parts[3] if len(parts) == 4 and parts[3] in ("score", "health") else None
            label = "other" if route is None else f"/models/{{name}}/{route}"
            model = parts[2] if route is not None and parts[2] in self.models else ""
        else:
            label = path if path in _PATHS or path == "/models" else "other"
        key = (label, model, int(status))
        with self._lock:
            self._requests[key] = self._requests.get(key, 0) + 1

    def render(self, drift: Mapping[str, Mapping[str, Any] | None]) -> str:
        """The text format of every metric; ``drift`` the drift check's state of each model."""
        with self._lock:
            requests = sorted(self._requests.items())
        per_model = [fam for name, m in self.models.items() for fam in m.families(drift.get(name), name)]
        info = [fam for fam in per_model if fam[0] == "hourglass_model_info"]
        rest = [fam for fam in per_model if fam[0] != "hourglass_model_info"]
        service: list[Family] = [
            ("hourglass_start_time_seconds", "gauge", "When the service started (Unix time).",
             [("", "", self.started)]),
            ("hourglass_requests_total", "counter", "Requests answered, by path (a model's: its "
             "route, and the model), and HTTP status (499: the client hung up before the answer).",
             [("", ",".join(part for part in (f'path="{_label(p)}"', m and f'model="{_label(m)}"',
                                               f'status="{s}"') if part), c)
              for (p, m, s), c in requests])]
        return render_families([*info, *service, *rest])


class RequestCounter:
    """ASGI middleware that counts every HTTP answer by path and status into ``metrics``.

    Added outermost, it sees the guards' refusals (``413``, ``429``) as well as the app's answers.
    A request the client hung up on before any answer (mid-upload) is counted with status
    :data:`CLIENT_CLOSED` (``499``, as nginx logs it), not as a server error; so is a scored
    request whose client left before its answer (the app answers it with that status, which the
    server drops).
    """

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # an exception before any answer: what the server sends
        started = False

        async def counted(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = int(message["status"]), True
            await send(message)

        try:
            await self.app(scope, receive, counted)
        except BaseException:
            self.metrics.count_request(scope.get("path", ""), status)
            raise
        if not started:  # returned without answering: the client left
            status = CLIENT_CLOSED
        self.metrics.count_request(scope.get("path", ""), status)
