"""An audit of 'hourglass serve' as a client would meet it, across the four model kinds (table,
time series, raw log lines, entity buckets): hostile bodies get a JSON ``4xx`` with one line,
never a ``500``; compressed or non-UTF-8 bodies are named as such; an unexpected error anywhere is
a JSON ``500``; start-up refuses a bad ``--host``, an infinite limit or rate in one line."""

from __future__ import annotations

import gzip
import json
import math
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hourglass.ingest.synthetic import port_scan_flows
from hourglass.serve import create_app, read_api_key
from tests._cli import runner
from tests.test_cli_robustness import _series
from tests.test_logs import hdfs_log
from tests.test_serve import AUTH, FIXTURES, KEY, _flows, _one_line_exit_2, _rows, cli

JSON = {**AUTH, "Content-Type": "application/json"}


def _ok(args: list[Any]) -> None:
    res = runner.invoke(cli, [str(a) for a in args])
    assert res.exit_code == 0, res.output


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny table autoencoder, on tests/test_serve.py's flows (label column, categorical proto)."""
    d = tmp_path_factory.mktemp("serve_audit_table")
    _flows(200, 0).to_csv(d / "train.csv", index=False)
    _ok(["train", d / "train.csv", "-o", d / "model", "--model", "autoencoder", "--hidden", "8,4",
         "--epochs", "2", "--label-col", "label", "--normal", "benign", "-q"])
    return d / "model"


@pytest.fixture(scope="module")
def kinds(tmp_path_factory: pytest.TempPathFactory, model: Path) -> dict[str, Path]:
    """One tiny model of each kind the service serves, trained by the CLI."""
    d = tmp_path_factory.mktemp("serve_audit")
    _series(80).to_csv(d / "series.csv", index=False)
    _ok(["train", d / "series.csv", "--timestamp-col", "ts", "--model", "lstm-ae", "--window", "8",
         "--epochs", "1", "--param", "hidden=8", "-o", d / "ts", "-q"])
    (d / "train.log").write_text("\n".join(hdfs_log(20)) + "\n")
    _ok(["train", d / "train.log", "--format", "hdfs", "--session-regex", r"blk_-?\d+", "--model",
         "deeplog", "--epochs", "1", "--param", "window=3", "--param", "top_g=1", "--hidden", "8",
         "--param", "layers=1", "-o", d / "log", "-q"])
    flows, _ = port_scan_flows(hosts=3, days=0.5, scan_flows=0, seed=1)
    flows.to_csv(d / "flows.csv", index=False)
    _ok(["train", d / "flows.csv", "--entity-col", "src_ip", "--timestamp-col", "ts", "--bucket",
         "5min", "--epochs", "2", "--hidden", "8,4", "-o", d / "entity", "-q"])
    return {"table": model, "ts": d / "ts", "log": d / "log", "entity": d / "entity"}


@pytest.fixture(scope="module")
def clients(kinds: dict[str, Path]) -> Iterator[dict[str, TestClient]]:
    apps = {kind: TestClient(create_app(path, api_key=KEY, max_body_bytes=200_000, max_rows=500),
                             raise_server_exceptions=False) for kind, path in kinds.items()}
    yield apps
    for c in apps.values():
        c.close()


def _good_body(kind: str) -> dict[str, Any]:
    """A body each kind scores (200)."""
    if kind == "table":
        return {"rows": _rows(3)}
    if kind == "ts":
        return {"rows": _series(12).to_dict("records")}
    if kind == "log":
        return {"lines": hdfs_log(2)}
    flows, _ = port_scan_flows(hosts=2, days=0.02, scan_flows=0, seed=3)
    return {"rows": flows.head(10).to_dict("records")}


KINDS = ("table", "ts", "log", "entity")


def _assert_one_line(r: Any, status: int | set[int]) -> str:
    """A JSON answer ``{"detail": one line}`` with ``status`` (or one of them), no traceback, the
    key nowhere in it."""
    assert r.status_code == status if isinstance(status, int) else r.status_code in status, r.text
    assert r.headers["content-type"].startswith("application/json"), r.headers
    body = r.json()
    assert set(body) == {"detail"} and isinstance(body["detail"], str) and body["detail"], body
    assert "\n" not in body["detail"] and "Traceback" not in r.text and KEY not in r.text
    return str(body["detail"])


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_scores_and_needs_the_key_in_its_header(clients: dict[str, TestClient],
                                                           kind: str) -> None:
    c, body = clients[kind], _good_body(kind)
    assert c.post("/score", json=body, headers=AUTH).status_code == 200
    for headers in ({}, {"X-API-Key": ""}, {"X-API-Key": "wrong-key-0123456789"},
                    {"X-API-Key": f" {KEY}x"}, {"Authorization": f"Bearer {KEY}"},
                    {"X-Api-Token": KEY}):
        r = c.post("/score", json=body, headers=headers)
        assert _assert_one_line(r, 401) == "missing or wrong API key (header X-API-Key)", headers
    assert c.post("/score?api_key=" + KEY, json=body).status_code == 401  # a key in the URL: no
    assert c.post("/score", json=body, headers={"x-api-key": KEY}).status_code == 200  # any case


HOSTILE: list[tuple[str, bytes, int | set[int]]] = [
    ("empty body", b"", 400),
    ("not JSON", b"{rows: [", 400),
    ("a list", b"[]", 422),
    ("a string", b'"rows"', 422),
    ("null", b"null", 422),
    ("nested 5000 deep", b'{"rows": ' + b"[" * 5000 + b"]" * 5000 + b"}", 400),
    ("the field null", b'{"rows": null, "lines": null}', 422),
    ("NaN and Infinity literals", b'{"rows": [{"a": NaN, "b": Infinity, "ts": -Infinity}], '
                                  b'"lines": [NaN]}', {200, 422}),
    ("a number past float", b'{"rows": [{"a": 1e400}], "lines": [1e400]}', 422),
    ("unknown field", b'{"top": 3}', 422),
    # valid JSON (score and stream read it, the surrogate kept as its escape): this body's
    # fault is its shape, both fields, as it would be without the surrogate
    ("a lone surrogate", b'{"lines": ["\\ud800"], "rows": [{"a": "\\ud800"}]}', 422),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("name", "raw", "status"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_bodies_get_a_json_4xx_with_one_line_never_a_500(
        clients: dict[str, TestClient], kind: str, name: str, raw: bytes, status: int | set[int]) -> None:
    r = clients[kind].post("/score", content=raw, headers=JSON)
    if r.status_code == 200:  # NaN as a missing value where the model imputes it
        assert isinstance(status, set) and 200 in status
        return
    _assert_one_line(r, status if isinstance(status, int) else status - {200})


@pytest.mark.parametrize("kind", KINDS)
def test_values_of_every_json_type_in_every_column_never_give_a_500(
        clients: dict[str, TestClient], kind: str) -> None:
    if kind == "log":
        body = _good_body(kind)
        for value in (None, 5, 1.5, True, [1], {"a": 1}, "\u4e2d\u00e9 \U0001f600", "x" * 50_000):
            r = clients[kind].post("/score", json={"lines": [*body["lines"], value]}, headers=AUTH)
            assert r.status_code in (200, 422), (value, r.text)
            if r.status_code == 422:
                _assert_one_line(r, 422)
        return
    rows = _good_body(kind)["rows"]
    for column in rows[0]:
        for value in (None, "", "lots", "\u4e2d", True, 10**40, -(10**40), 1e308, [1, [2]],
                      {"n": {"m": 1}}):
            edited = [dict(r) for r in rows]
            edited[1][column] = value
            r = clients[kind].post("/score", json={"rows": edited}, headers=AUTH)
            assert r.status_code in (200, 422), (column, value, r.text)
            if r.status_code == 422:
                _assert_one_line(r, 422)
            else:
                scores = r.json().get("scores") or [b["score"] for b in r.json()["buckets"]]
                assert all(isinstance(s, float) and math.isfinite(s) for s in scores), (column, value)


@pytest.mark.parametrize("kind", KINDS)
def test_a_compressed_body_is_refused_as_compressed(clients: dict[str, TestClient], kind: str) -> None:
    """Before: a gzip body (Logstash's http output with compression on) was '400 body: not
    valid JSON (expected value at line 1 column 1)'."""
    c, raw = clients[kind], json.dumps(_good_body(kind)).encode()
    for encoding in ("gzip", "deflate, gzip", "br"):
        r = c.post("/score", content=gzip.compress(raw), headers={**JSON, "Content-Encoding": encoding})
        assert _assert_one_line(r, 415) == (f"Content-Encoding: {encoding} is not supported; "
                                            "send the body uncompressed")
    r = c.post("/score", content=raw, headers={**JSON, "Content-Encoding": "identity"})
    assert r.status_code == 200, r.text
    r = c.post("/score", content=gzip.compress(raw), headers={"Content-Encoding": "gzip"})
    assert r.status_code == 401  # the key first, as for every other refusal


@pytest.mark.parametrize("kind", KINDS)
def test_a_utf8_bom_is_skipped_and_another_encoding_is_named(clients: dict[str, TestClient],
                                                             kind: str) -> None:
    """Before: a body with a UTF-8 byte-order mark (PowerShell, Notepad) or in UTF-16 / Latin-1
    was '400 body: not valid JSON (expected value at line 1 column 1)'."""
    c, text = clients[kind], json.dumps(_good_body(kind), ensure_ascii=False)
    plain = c.post("/score", content=text.encode(), headers=JSON)
    with_bom = c.post("/score", content=b"\xef\xbb\xbf" + text.encode(), headers=JSON)
    assert plain.status_code == with_bom.status_code == 200 and plain.json() == with_bom.json()
    for encoded in (text.encode("utf-16"), text.replace("]", ', "caf\u00e9"]', 1).encode("latin-1")):
        r = c.post("/score", content=encoded, headers=JSON)
        assert _assert_one_line(r, 400) == "body: not UTF-8 text; send the JSON encoded as UTF-8"
    r = c.post("/score", content=b"{not json", headers=JSON)  # UTF-8 but bad: the parser's words
    assert _assert_one_line(r, 400).startswith("body: not valid JSON (key must be a string")


def test_an_unexpected_error_outside_score_is_a_json_500(model: Path) -> None:
    """Before: an exception in /health or /metrics was Starlette's plain-text 'Internal Server
    Error'; now the same JSON ``detail`` as every other answer, and counted in /metrics."""
    app = create_app(model, api_key=KEY)

    def broken() -> dict[str, Any]:
        raise RuntimeError("internal detail the client must not see")

    app.state.scorer.describe = broken
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/health")
        assert _assert_one_line(r, 500) == "internal error; the server log has the details"
        assert "internal detail" not in r.text
        assert c.post("/score", json={"rows": _rows(1)}, headers=AUTH).status_code == 200
        metrics = c.get("/metrics", headers=AUTH).text
    assert 'path="/health",status="500"' in metrics


def test_an_infinite_rate_limit_or_body_limit_is_refused_at_start(
        model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: ``rate_limit=inf`` built a service whose every request failed (500, empty body),
    and ``--max-body-mb inf`` was a traceback (exit code 1)."""
    for bad in (math.inf, math.nan, -1):
        with pytest.raises(ValueError, match="rate_limit must be a finite number >= 0"):
            create_app(model, api_key=KEY, rate_limit=bad)
    env = {"HOURGLASS_API_KEY": KEY}
    _one_line_exit_2(["serve", str(model), "--rate-limit", "inf"],
                     "--rate-limit: must be finite (0: no limit), got inf", env=env)
    _one_line_exit_2(["serve", str(model), "--max-body-mb", "inf"],
                     "--max-body-mb: must be > 0 and finite, got inf", env=env)
    _one_line_exit_2(["serve", str(model), "--max-body-mb", "nan"],
                     "--max-body-mb: must be > 0 and finite, got nan", env=env)


def test_cli_serve_blames_the_host_when_the_host_is_at_fault(model: Path) -> None:
    """Before: '--host a..b' was 'encoding with 'idna' codec failed (...)' and an address not on
    this machine was '--port 8080: cannot listen on ...'."""
    env = {"HOURGLASS_API_KEY": KEY}
    _one_line_exit_2(["serve", str(model), "--host", "a..b"],
                     "--host a..b: not a valid host name or address", env=env)
    with socket.socket() as s:  # a free port, so only the address can be at fault
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _one_line_exit_2(["serve", str(model), "--host", "192.0.2.1", "--port", str(port)],  # TEST-NET-1
                     "--host 192.0.2.1: not an address of this machine", env=env)


def test_a_key_from_the_environment_loses_surrounding_whitespace_like_the_files(
        model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: a key in $HOURGLASS_API_KEY with a trailing newline (a Kubernetes secret made
    from a file) was refused ('only printable ASCII without spaces') though the same file
    given as --api-key-file worked."""
    from hourglass.cli import serve as serve_cli

    assert read_api_key(None, {"HOURGLASS_API_KEY": f"  {KEY}\n"}) == KEY
    assert read_api_key(None, {"HOURGLASS_API_KEY": f"{KEY}\r\n"}) == KEY
    seen: dict[str, Any] = {}
    monkeypatch.setattr(serve_cli, "run_server", lambda app, sockets, **kw: seen.update(app=app, **kw))
    res = runner.invoke(cli, ["serve", str(model), "--port", "0"], env={"HOURGLASS_API_KEY": KEY + "\n"})
    assert res.exit_code == 0, res.output
    assert KEY not in res.output and KEY not in res.stderr
    with TestClient(seen["app"]) as c:
        assert c.post("/score", json={"rows": _rows(1)}, headers=AUTH).status_code == 200
    _one_line_exit_2(["serve", str(model)], "API key: none given", env={"HOURGLASS_API_KEY": " \n"})
    _one_line_exit_2(["serve", str(model)], "API key: only printable ASCII without spaces",
                     env={"HOURGLASS_API_KEY": "key with spaces inside it"})


def test_openapi_says_what_415_covers_and_docs_are_served(clients: dict[str, TestClient]) -> None:
    for c in clients.values():
        spec = c.get("/openapi.json").json()
        assert "Content-Encoding" in spec["paths"]["/score"]["post"]["responses"]["415"]["description"]
        assert c.get("/docs").status_code == 200 and c.get("/health").status_code == 200


def test_cli_serve_refuses_an_encrypted_tls_key_without_prompting(model: Path, tmp_path: Path) -> None:
    """Before: a key with a pass phrase made OpenSSL prompt 'Enter PEM pass phrase:' on the
    terminal (a service start blocked on it; without a terminal the prompt still printed), then
    failed with '([Errno 22] Invalid argument)'; uvicorn would have prompted again. Now: one line
    that says the key is encrypted and how to write it unencrypted. (tls-test-encrypted.key is
    tls-test.key under the pass phrase 'secretpw'.)"""
    env = {"HOURGLASS_API_KEY": KEY}
    cert, encrypted = FIXTURES / "tls-test.crt", FIXTURES / "tls-test-encrypted.key"
    res = runner.invoke(cli, ["serve", str(model), "--tls-cert", str(cert), "--tls-key", str(encrypted)],
                        env=env, input="secretpw\n")
    assert res.exit_code == 2 and "pass phrase:" not in res.output, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(
        f"error: --tls-key {encrypted}: the private key is encrypted (needs a pass phrase); give it "
        f"unencrypted, readable by this user only: openssl pkey -in {encrypted} -out server.key"), lines
    both = tmp_path / "both.pem"  # certificate and encrypted key in one file: --tls-cert is named
    both.write_text(cert.read_text() + encrypted.read_text())
    _one_line_exit_2(["serve", str(model), "--tls-cert", str(both)],
                     f"--tls-cert {both}: the private key is encrypted", env=env)
    _one_line_exit_2(["serve", str(model), "--tls-cert", str(tmp_path)], f"--tls-cert {tmp_path}: not a file",
                     env=env)


def test_cli_serve_start_line_shows_the_path_and_a_usable_url(model: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: a model path with '[...]' lost it to rich markup ('models/[prod]/m' printed as
    'models//m'), and an IPv6 host gave 'http://::1:8080', not a URL."""
    import shutil
    import socket

    from hourglass.cli import serve as serve_cli

    try:  # --port 0 binds the host to find a free port: a machine without IPv6 has no ::1
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    seen: dict[str, Any] = {}
    monkeypatch.setattr(serve_cli, "run_server", lambda app, sockets, **kw: seen.update(kw))
    odd = tmp_path / "[red]prod" / "model"
    shutil.copytree(model, odd)
    res = runner.invoke(cli, ["serve", str(odd), "--host", "::1", "--port", "0"],
                        env={"HOURGLASS_API_KEY": KEY})
    assert res.exit_code == 0, res.output
    line = " ".join(res.stderr.split())
    url = f"http://[::1]:{seen['port']}"  # --port 0: the free port found
    assert f"serving {odd} (autoencoder, 4 columns) on {url} (docs: /docs)" in line, line


def test_a_log_text_sent_as_one_line_is_named(clients: dict[str, TestClient]) -> None:
    """Before: a whole log in one item of "lines" (jq -Rs, a file read whole) was 'lines: no
    sessions found in 1 lines (1 matched no header format)', and among good lines it was counted
    unparsed without a word."""
    lines = hdfs_log(3)
    c = clients["log"]
    for body in (["\n".join(lines) + "\n"], [*lines[:2], "\r\n".join(lines[2:5]), *lines[5:]]):
        r = c.post("/score", json={"lines": body}, headers=AUTH)
        n, where = (len(lines), 1) if len(body) == 1 else (3, 3)
        assert _assert_one_line(r, 422) == (f"line {where}: holds {n} log lines (line breaks inside); "
                                            'send one log line per item of "lines"')
    ends = c.post("/score", json={"lines": [ln + "\r\n" for ln in lines]}, headers=AUTH)  # readlines()
    plain = c.post("/score", json={"lines": lines}, headers=AUTH)
    assert ends.status_code == plain.status_code == 200 and ends.json() == plain.json()


def test_a_post_without_the_key_is_refused_before_its_body_is_read(model: Path) -> None:
    """Before: the body (up to --max-body-mb) was read and buffered, and an over-size one answered
    413, before the key was checked: any client could make the service hold 8 MB per connection.
    Now a POST /score without the key is 401 with the body unread and the connection closed."""
    import asyncio

    app = create_app(model, api_key=KEY, max_body_bytes=64_000)

    def call(headers: list[tuple[bytes, bytes]], body: bytes) -> tuple[int, bytes, int]:
        reads = 0
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            nonlocal reads
            reads += 1
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": "/score", "raw_path": b"/score", "query_string": b"",
                 "root_path": "", "headers": headers, "client": ("10.0.0.9", 5000),
                 "server": ("127.0.0.1", 8080)}
        asyncio.run(app(scope, receive, send))
        start = next(m for m in sent if m["type"] == "http.response.start")
        return start["status"], b"".join(m.get("body", b"") for m in sent), reads

    json_type = (b"content-type", b"application/json")
    big = json.dumps({"rows": _rows(1) * 2000}).encode()
    bearer = (b"authorization", f"Bearer {KEY}".encode())
    for key in ([], [(b"x-api-key", b"wrong-key-0123456789")], [bearer]):
        for length in ([(b"content-length", str(len(big)).encode())], []):  # declared, or chunked
            status, text, reads = call([json_type, *key, *length], big)
            assert (status, reads) == (401, 0), (key, length)
            assert json.loads(text) == {"detail": "missing or wrong API key (header X-API-Key)"}
    status, text, reads = call([json_type, (b"x-api-key", KEY.encode()),
                                (b"content-length", str(len(big)).encode())], big)
    assert status == 413 and reads == 0  # with the key: the size limit, still unread
    small = json.dumps({"rows": _rows(2)}).encode()
    status, text, reads = call([json_type, (b"x-api-key", KEY.encode())], small)
    assert status == 200 and len(json.loads(text)["scores"]) == 2 and reads >= 1
    with TestClient(app) as c:  # through HTTP, and counted in /metrics as before
        r = c.post("/score", content=big, headers={"Content-Type": "application/json"})
        assert _assert_one_line(r, 401) == "missing or wrong API key (header X-API-Key)"
        # any other path: no keyless body is read there either (an unknown model's score
        # route, POST /health), while with the key they answer as before
        assert c.post("/health", headers={}).status_code == 401
        assert c.post("/models/nope/score", content=big, headers={}).status_code == 401
        assert c.post("/health", headers=AUTH).status_code == 405
        assert 'path="/score",status="401"' in c.get("/metrics", headers=AUTH).text


@pytest.mark.parametrize("kind", ["table", "ts", "entity"])
def test_keys_the_model_does_not_read_are_not_made_into_a_table(
        clients: dict[str, TestClient], kinds: dict[str, Path], kind: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: every key of every row became a column of the request's table, so rows that each
    carry a key of their own (an event id as a field name, a forwarder's per-event tags) built a
    table of rows x keys cells: 10,000 such rows (590 kB) took 33 s for a table model, 45 s for an
    entity model, and a full 8 MB body would not fit in memory. Now only the model's columns are
    made into the table; the answer is the one without the extra keys."""
    import pandas as pd

    rows = _good_body(kind)["rows"]
    nested = {} if kind == "ts" else {"nested": {"i": 1}}  # a series row holds no objects
    tagged = [{**r, f"tag_{i}": i, **nested} for i, r in enumerate(rows)]
    c = clients[kind]
    plain, extra = (c.post("/score", json={"rows": b}, headers=AUTH) for b in (rows, tagged))
    assert plain.status_code == extra.status_code == 200 and plain.json() == extra.json()
    widths: list[int] = []
    real = pd.DataFrame.from_records

    def counted(data: Any, *args: Any, **kwargs: Any) -> pd.DataFrame:
        df = real(data, *args, **kwargs)
        widths.append(df.shape[1])
        return df

    monkeypatch.setattr(pd.DataFrame, "from_records", counted)
    many = [{**rows[i % len(rows)], f"event_{i}": i} for i in range(2_000)]
    if kind == "ts":  # a series: times that advance
        many = [{**r, "ts": str(pd.Timestamp("2020-03-09 10:00:00") + pd.Timedelta(seconds=i))}
                for i, r in enumerate(many)]
    with TestClient(create_app(kinds[kind], api_key=KEY, max_body_bytes=2**22)) as big:
        r = big.post("/score", json={"rows": many}, headers=AUTH)
    assert r.status_code == 200, r.text
    assert widths and max(widths) <= len(rows[0]) + 6, widths  # the model's columns, not 2,000 more


def test_event_rows_of_a_log_model_keep_only_the_model_columns(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same for a log model trained on an event table (--key-col): its rows' other keys were
    made into columns too."""
    import numpy as np
    import pandas as pd

    from hourglass import Pipeline
    from hourglass.detectors.sequence_ae import EventCountAutoEncoder
    from hourglass.features.sessions import EventSessions

    events = pd.DataFrame({"user": np.repeat(list("abcdef"), 4),
                           "event": ["login", "read", "write", "logout"] * 6})
    Pipeline(EventCountAutoEncoder(hidden=(4, 2), epochs=2, verbose=0),
             features=EventSessions(session_column="user", key_column="event")).fit(events).save(
        tmp_path / "m")
    rows = events.head(8).to_dict("records")
    tagged = [{**r, f"id_{i}": i} for i, r in enumerate(rows)]
    seen: list[list[str]] = []
    real = EventSessions.sessions

    def spy(self: Any, data: Any, **kw: Any) -> Any:
        seen.append([str(c) for c in data.columns])
        return real(self, data, **kw)

    monkeypatch.setattr(EventSessions, "sessions", spy)
    with TestClient(create_app(tmp_path / "m", api_key=KEY)) as c:
        plain, extra = (c.post("/score", json={"rows": b}, headers=AUTH) for b in (rows, tagged))
        assert plain.status_code == extra.status_code == 200 and plain.json() == extra.json()
        assert seen == [["user", "event"]] * 2  # the rows the features see: the model's columns
        r = c.post("/score", json={"rows": [{"user": "a", "other": 1}]}, headers=AUTH)
        assert _assert_one_line(r, 422).startswith("rows: no row has column 'event'")
