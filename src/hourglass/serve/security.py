"""The service's guards: where the API key comes from, how it is compared, and the key check and
request-size limit enforced before any body is read. No web framework is imported here (the
guards are plain ASGI middleware)."""

from __future__ import annotations

import asyncio
import errno
import hmac
import json
import logging
import math
import os
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from hourglass._eol import without_boms
from hourglass.errors import InputError, no_file, read_problem

logger = logging.getLogger(__name__)

__all__ = ["BODY_TIMEOUT_S", "KEY_ENV", "MIN_KEY_CHARS", "BodyLimit", "KeyGuard", "KeyRedactor",
           "RateLimit", "check_api_key", "key_matches", "read_api_key"]

#: Environment variable the CLI reads the key from when no ``--api-key-file`` is given.
KEY_ENV = "HOURGLASS_API_KEY"
#: Shortest key accepted: a guessable key protects nothing.
MIN_KEY_CHARS = 16
#: Seconds a request body may take to arrive in full, at least; a larger body limit gives a
#: body 1 s per 128 KiB of it (the default 8 MiB: 64 s).
BODY_TIMEOUT_S = 60.0

_KEY_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def check_api_key(key: object) -> str:
    """``key`` if it is usable as the service's API key, else an :class:`InputError`.

    Examples
    --------
    >>> check_api_key("k" * 16) == "k" * 16
    True
    >>> check_api_key("secret")
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: API key: too short (6 characters; at least 16), make one with ...
    """
    if not isinstance(key, str) or not key.strip():
        raise InputError(f"API key: none given; the service never runs without one (put a key in "
                         f"a file for --api-key-file, or in ${KEY_ENV}; make one with {_KEY_HINT})")
    if len(key) < MIN_KEY_CHARS:
        raise InputError(f"API key: too short ({len(key)} characters; at least {MIN_KEY_CHARS}), "
                         f"make one with {_KEY_HINT}")
    if any(ch.isspace() or not ch.isprintable() for ch in key) or not key.isascii():
        raise InputError("API key: only printable ASCII without spaces (it travels in an HTTP header)")
    return key


def read_api_key(key_file: str | os.PathLike[str] | None = None,
                 environ: MutableMapping[str, str] | None = None) -> str:
    """The API key from ``key_file`` (its first line), else from ``$HOURGLASS_API_KEY``, either
    with surrounding whitespace removed; an :class:`InputError` when neither gives a usable key.
    The key is never taken from the command line (other users see it in the process list) and
    never logged.

    Examples
    --------
    >>> read_api_key(None, {"HOURGLASS_API_KEY": "0123456789abcdef"})
    '0123456789abcdef'
    >>> read_api_key(None, {})
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: API key: none given; the service never runs without one ...
    """
    environ = os.environ if environ is None else environ
    if key_file is not None:
        path = Path(key_file)
        try:
            key = _first_line(path)
        except FileNotFoundError:
            raise InputError(f"--api-key-file {path}: no such file") from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # a symbolic link loop: said as such, not '(OSError)'
                raise InputError(f"--api-key-file {no_file(path)}") from None
            # the system's words ('Permission denied', 'Is a directory'), not '(PermissionError)'
            raise InputError(f"--api-key-file {path}: cannot read it ({read_problem(exc)})") from None
        except UnicodeDecodeError:
            raise InputError(f"--api-key-file {path}: cannot read it (not UTF-8 text); the key "
                             "alone on its first line") from None
        if not key:
            raise InputError(f"--api-key-file {path}: the file is empty")
        if os.name == "posix" and path.stat().st_mode & 0o077:
            logger.warning("--api-key-file %s: other users may read it (chmod 600 %s)", path, path)
        return _checked_key(key, f"--api-key-file {path}")
    value = environ.get(KEY_ENV)  # stripped as the file's line is: a secret made from a file
    if value is None:  # keeps its newline
        return check_api_key(None)
    return _checked_key(value.strip(), f"${KEY_ENV}")


def _checked_key(key: str, source: str) -> str:
    """:func:`check_api_key` of ``key``, its refusal naming the ``source`` the key came from
    (``--api-key-file key.txt``, ``$HOURGLASS_API_KEY``): 'API key: too short' alone left a user
    who had both set guessing which one was refused (the file's; the variable is then unread)."""
    try:
        return check_api_key(key)
    except InputError as exc:
        raise InputError(f"{source}: {exc}") from None


#: Longest first line read from a key file (a key goes in an HTTP header: a few dozen characters).
_KEY_LINE_CHARS = 4096


def _first_line(path: Path) -> str:
    """The first line of ``path`` that is not blank, stripped (``""``: none), read a line at a
    time: a key file given by mistake (``/dev/zero``, a model's weights) is not read whole."""
    read = 0
    with path.open(encoding="utf-8-sig") as fh:  # a BOM (Notepad, PowerShell 5) is no key
        while read < 64 * _KEY_LINE_CHARS:
            line = fh.readline(_KEY_LINE_CHARS + 2)
            if not line:
                break
            read += len(line)
            if len(line.rstrip("\r\n")) > _KEY_LINE_CHARS:
                raise InputError(f"--api-key-file {path}: its first line is over {_KEY_LINE_CHARS:,} "
                                 "characters: not a key file (the key alone on the first line)")
            if key := without_boms(line.strip()).strip():  # (a second BOM: a file saved twice)
                return key
    return ""


def key_matches(given: str | None, expected: str) -> bool:
    """Whether the key a client sent is the service's, compared in constant time.

    Examples
    --------
    >>> key_matches("0123456789abcdef", "0123456789abcdef"), key_matches(None, "0123456789abcdef")
    (True, False)
    """
    if given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


class KeyRedactor(logging.Filter):
    """Logging filter that writes ``***`` for the API key in a record's message and arguments:
    a client that puts the key in the URL (``/score?api_key=...``, refused with ``401``) would
    otherwise have it written to the access log, whose request line holds the query string.
    The key's URL-encoded forms are replaced too.

    Examples
    --------
    >>> record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s "%s"', ("1.2.3.4",
    ...                            "/score?key=0123456789abcdef"), None)
    >>> KeyRedactor("0123456789abcdef").filter(record), record.getMessage()
    (True, '1.2.3.4 "/score?key=***"')
    """

    def __init__(self, key: str) -> None:
        super().__init__()
        self._forms = sorted({key, quote(key, safe=""), quote_plus(key, safe="")}, key=len, reverse=True)

    def _clean(self, value: object) -> object:
        if isinstance(value, str) and any(form in value for form in self._forms):
            for form in self._forms:
                value = value.replace(form, "***")
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._clean(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self._clean(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {name: self._clean(arg) for name, arg in record.args.items()}
        return True


class KeyGuard:
    """ASGI middleware: a request that may carry a body (``POST``, ``PUT`` ...: the score paths
    ``path``, and any other) without the service's key in ``header`` is refused
    (``401``, the connection closed) before its body is read, so a client without the key cannot
    make the service buffer bodies up to the size limit (nor learn the limit from a ``413``). The
    app checks the key again (its endpoint's dependency, shown on ``/docs``).

    Examples
    --------
    >>> guard = KeyGuard(None, key="0123456789abcdef", path="/score")  # type: ignore[arg-type]
    >>> guard.allows({"method": "POST", "path": "/score", "headers": [(b"x-api-key", b"nope")]})
    False
    >>> guard.allows({"method": "GET", "path": "/health", "headers": []})
    True
    """

    def __init__(self, app: ASGIApp, key: str, path: str | tuple[str, ...],
                 header: str = "X-API-Key") -> None:
        self.app = app
        self.key = key
        self.paths = frozenset((path,) if isinstance(path, str) else path)
        self.header = header
        self._name = header.lower().encode("latin-1")

    def allows(self, scope: Scope) -> bool:
        """Whether the request may go on: a ``GET``, ``HEAD`` or ``OPTIONS`` (no body to
        buffer), or one with the key — a body-carrying request to any other path too (an
        unknown route, ``POST /health``), so no keyless body is read whatever its path."""
        if scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            return True
        given = next((value.decode("latin-1") for name, value in scope.get("headers", ())
                      if name == self._name), None)  # the first, as Starlette's headers.get
        return key_matches(given, self.key)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.allows(scope):
            await _refuse(send, 401, f"missing or wrong API key (header {self.header})")
            return
        await self.app(scope, receive, send)


class BodyLimit:
    """ASGI middleware that refuses a request body over ``max_bytes`` before the app parses it.

    A declared ``Content-Length`` over the limit is refused without reading the body; a body sent
    without one (chunked) is read and counted, and refused as soon as it passes the limit. The
    accepted body is handed to the app unchanged. Refusals are ``413`` with a JSON ``detail``.
    A body not received in full within ``timeout`` seconds (a client trickling it, holding a
    connection open) is ``408``; ``None``: :data:`BODY_TIMEOUT_S`, or 1 s per 128 KiB of
    ``max_bytes`` where that is longer.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float | None = None) -> None:
        if timeout is None:
            timeout = max(BODY_TIMEOUT_S, max_bytes / 2**17)
        if not timeout > 0:
            raise ValueError(f"timeout must be > 0, got {timeout!r}")
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = float(timeout)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = None
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _refuse(send, 400, "Content-Length: not a number")
                    return
        if declared is not None and declared > self.max_bytes:
            await _refuse(send, 413, self._too_large(f"{declared:,} bytes declared"))
            return
        chunks: list[bytes] = []
        size = 0
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(deadline - time.monotonic(), 0.0))
            except TimeoutError:
                await _refuse(send, 408, f"request body not received within {self.timeout:g} s "
                                         f"({size:,} bytes came): send it at once")
                return
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _refuse(send, 413, self._too_large(f"over {self.max_bytes:,} bytes received"))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _too_large(self, seen: str) -> str:
        return (f"request body too large ({seen}; the limit is {self.max_bytes:,} bytes, "
                "--max-body-mb): send fewer rows per request")


#: Longest ``Retry-After`` a refusal names (a day), whatever the rate.
_MAX_RETRY_S = 86_400.0


class RateLimit:
    """ASGI middleware: at most ``per_minute`` requests a minute from one client address, in
    bursts of at most ``burst``; more is ``429`` with ``Retry-After`` (seconds, at most a day:
    a client told to wait longer is told again when it comes back), before the body
    is read or the key checked (so a client guessing keys is slowed down too).

    A token bucket per client address: it holds ``burst`` requests and refills at
    ``per_minute / 60`` a second. Behind a proxy every client has the proxy's address, so the
    limit is then the proxy's. At most ``max_clients`` buckets are kept; the oldest-touched ones
    go first (a full bucket is the same as none).

    Examples
    --------
    >>> bucket = RateLimit(None, per_minute=60, burst=2)  # type: ignore[arg-type]
    >>> [bucket.wait("10.0.0.1", now=100.0) for _ in range(3)]
    [0.0, 0.0, 1.0]
    >>> bucket.wait("10.0.0.1", now=101.0), bucket.wait("10.0.0.2", now=101.0)
    (0.0, 0.0)
    """

    def __init__(self, app: ASGIApp, per_minute: float, burst: int | None = None,
                 max_clients: int = 10_000) -> None:
        if not per_minute > 0:
            raise ValueError(f"per_minute must be > 0, got {per_minute!r}")
        self.app = app
        self.rate = float(per_minute) / 60.0
        self.burst = float(burst if burst is not None else max(1, math.ceil(per_minute / 6)))
        if self.burst < 1:
            raise ValueError(f"burst must be >= 1, got {burst!r}")
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when), oldest first

    def wait(self, client: str, now: float | None = None) -> float:
        """Take one request from ``client``'s bucket: 0.0 when allowed, else the seconds until
        one is (nothing taken)."""
        now = time.monotonic() if now is None else now
        tokens, when = self._buckets.pop(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - when) * self.rate)
        if tokens >= 1.0:
            tokens -= 1.0
            wait = 0.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[client] = (tokens, now)  # re-inserted: the dict stays oldest-touched first
        while len(self._buckets) > self.max_clients:
            del self._buckets[next(iter(self._buckets))]
        return wait

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") == "OPTIONS":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = self.wait(str(client[0]) if client else "unknown")
        if wait > 0:  # at most a day: a rate of 1e-320 a minute waits inf s (ceil: OverflowError)
            retry = max(1, math.ceil(min(wait, _MAX_RETRY_S)))
            await _refuse(send, 429, f"too many requests from this address (limit "
                                     f"{self.rate * 60:g} a minute, --rate-limit): retry in {retry} s",
                          extra=[(b"retry-after", str(retry).encode("ascii"))])
            return
        await self.app(scope, receive, send)


async def _refuse(send: Send, status: int, detail: str,
                  extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode("ascii")),
                            (b"connection", b"close"), *(extra or [])]})
    await send({"type": "http.response.body", "body": body})
