"""``hourglass serve``: the REST scoring service for one saved model or several, run with uvicorn."""

from __future__ import annotations

import contextlib
import errno
import logging
import math
import signal
import socket
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from hourglass.cli._options import DriftWindowOpt, QuietOpt
from hourglass.cli._output import err, is_sigterm_handler, setup_logging, user_errors
from hourglass.errors import HourglassError, InputError, no_file, read_problem

__all__ = ["listen_sockets", "parse_models", "parse_suppress", "run_server", "serve"]

_LOOPBACK = ("127.0.0.1", "::1", "localhost")


ModelsArg = Annotated[list[str], typer.Argument(
    metavar="MODEL", help="Model directory written by 'hourglass train'; several to serve them "
                             "all on one port, each as DIR (named after the directory) or "
                             "NAME=DIR, on /models/NAME/score.")]
ServeSuppressOpt = Annotated[list[str] | None, typer.Option(
    "--suppress", help="TOML file of alert suppression rules (table and entity-bucket models): a "
                       "flagged row a rule matches keeps its score, its flag becomes 0 and "
                       "'suppressed' names the rule (README: Suppressing known benign alerts). With "
                       "several models NAME=FILE, once per model that has rules.")]


def serve(
    model: ModelsArg,
    host: Annotated[str, typer.Option(
        "--host", help="Address to listen on (0.0.0.0: every interface; put TLS in front).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8080,
    api_key_file: Annotated[Path | None, typer.Option(
        "--api-key-file", help="File whose first line that is not blank is the API key (at least "
                               "16 characters) clients send in X-API-Key (default: "
                               "$HOURGLASS_API_KEY). Never on the command line.")] = None,
    max_body_mb: Annotated[float, typer.Option(
        "--max-body-mb", help="Largest request body in MB of 2**20 bytes (MiB); larger is refused "
        "(413): unread when its Content-Length says so, a chunked one once past the limit.")] = 8.0,
    max_rows: Annotated[int, typer.Option(
        "--max-rows", min=1, help="Most rows (log lines, sessions) per request; more is refused "
                                  "(413).")] = 100_000,
    rate_limit: Annotated[float, typer.Option(
        "--rate-limit", min=0, help="Most requests a minute from one client address (bursts of a "
                                    "sixth of it), to any route, /health and /metrics too; more get "
                                    "429 with Retry-After. 0: no limit. "
                                    "Behind a proxy it limits the proxy.")] = 0.0,
    tls_cert: Annotated[Path | None, typer.Option(
        "--tls-cert", help="PEM certificate (or chain) file: serve HTTPS instead of plain HTTP.")] = None,
    tls_key: Annotated[Path | None, typer.Option(
        "--tls-key", help="PEM private key of --tls-cert, when it is not in the certificate "
                          "file.")] = None,
    quiet: QuietOpt = False,
    drift_window: DriftWindowOpt = 1000,
    suppress: ServeSuppressOpt = None,
) -> None:
    """Serve MODEL over HTTP: POST /score scores JSON (header X-API-Key), GET /health says
    what the model expects, GET /metrics gives Prometheus counters (the key as X-API-Key or
    Authorization: Bearer), GET /docs is the OpenAPI page.

    A table model takes {"rows": [{column: value}, ...]}; a time-series model the rows of one
    series (at least one window); a log model {"lines": [...]} of raw log lines (grouped into
    sessions as in training), or {"sessions": [[5, 5, 22], ...]} (integer keys) for --format keys;
    an entity-bucket model (--entity-col) table rows, grouped per (entity, bucket) within each
    request (for live traffic, 'hourglass stream' keeps buckets open across rows).

    The service refuses to start without an API key (--api-key-file or
    $HOURGLASS_API_KEY, at least 16 characters). With --tls-cert (and --tls-key) it speaks
    HTTPS, so the key does not travel in clear; without it, put a TLS proxy in front of any
    address other than localhost. Scores, flags, calibrated probabilities and
    severities are those 'hourglass score' writes for the same rows. GET /health also reports
    the drift check: the flag rate of the last --drift-window scored rows (of a time series:
    time steps) beside the rate the threshold promises, and whether it is far too high.

    With --suppress FILE (read once at start) a flagged row that a rule of the TOML file matches
    is answered with flag 0 and 'suppressed' naming the rule (ECS answers: no alert,
    'suppressed' counts per rule); GET /metrics counts them per rule
    (hourglass_suppressed_total). For an entity-bucket model a rule matches the entity column
    only, and its 'between' the bucket's start.

    Several models (hourglass serve zeek=models/zeek audit=models/audit) share the port, the
    key and the limits; each has its own routes, POST /models/NAME/score and GET
    /models/NAME/health, its own drift check and its own rules (--suppress NAME=FILE). GET
    /models lists them, GET /health gives a line per model, GET /metrics labels each model's
    series model="NAME". One model answers on those routes too, beside /score and /health.
    The port is held from start-up; every model is loaded and checked before the service
    answers (a connection made meanwhile waits: GET /health is the readiness check).
    """
    setup_logging(quiet)
    with contextlib.ExitStack() as held:
        with user_errors():
            app, models, sockets = _load(model, host, port, api_key_file, max_body_mb, max_rows,
                                         rate_limit, tls_cert, tls_key, drift_window, suppress, held)
        port = int(sockets[0].getsockname()[1])  # 0: the free port the system gave
        if host not in _LOOPBACK and tls_cert is None:
            logging.getLogger("hourglass").warning(
                "listening on %s: plain HTTP, the API key travels in clear; use --tls-cert or put a "
                "TLS proxy in front", host)
        tls: dict[str, Any] = {} if tls_cert is None else {
            "ssl_certfile": str(tls_cert), "ssl_keyfile": str(tls_key) if tls_key is not None else None}
        address = f"[{host}]" if ":" in host else host  # an IPv6 literal goes in brackets in a URL
        url = f"{'https' if tls else 'http'}://{address}:{port}"
        if len(models) == 1:
            scorer = app.state.scorer
            err.print(f"serving {models[0][1]} ({scorer.model_name}, {_takes(scorer)}) on "  # markup off:
                      f"{url} (docs: /docs); Ctrl-C stops", highlight=False, markup=False)  # a path's '[x]'
        else:
            for name, path in models:
                scorer = app.state.hosted[name].scorer
                err.print(f"serving {path} as {name} ({scorer.model_name}, {_takes(scorer)}): "
                          f"POST /models/{name}/score", highlight=False, markup=False)
            err.print(f"{len(models)} models on {url} (list: /models, docs: /docs); Ctrl-C stops",
                      highlight=False, markup=False)
        # proxy_headers off: uvicorn's default believes X-Forwarded-For from 127.0.0.1, so behind
        # a TLS proxy on this host that passes the client's header on (stunnel, haproxy in TCP
        # mode) any client named itself anew each request, past --rate-limit and in the log
        # the key never logged: a client that puts it in the URL has it in the access log's line
        redactor = app.state.key_redactor
        access = logging.getLogger("uvicorn.access")
        access.addFilter(redactor)
        held.callback(access.removeFilter, redactor)
        run_server(app, sockets, host=host, port=port, log_level="warning" if quiet else "info",
                   server_header=False, log_config=None, proxy_headers=False, **tls)


def _load(model: list[str], host: str, port: int, api_key_file: Path | None, max_body_mb: float,
          max_rows: int, rate_limit: float, tls_cert: Path | None, tls_key: Path | None,
          drift_window: int, suppress: list[str] | None,
          held: contextlib.ExitStack) -> tuple[Any, list[tuple[str, Path]], list[socket.socket]]:
    """What ``hourglass serve`` checks and loads before it listens: the app of the models, their
    ``(name, directory)`` pairs and the sockets it will listen on (bound: :func:`listen_sockets`;
    closed when ``held`` closes)."""
    if not 0 < max_body_mb < math.inf:
        raise HourglassError(f"--max-body-mb: must be > 0 and finite, got {max_body_mb}")
    if not max_body_mb * 2**20 < math.inf:  # 1e308 is finite, its bytes are not
        raise HourglassError(f"--max-body-mb: {max_body_mb:g} MB is more bytes than a number holds; "
                             "give a size a request may have (the default: 8)")
    if not rate_limit < math.inf:  # typer has checked >= 0
        raise HourglassError(f"--rate-limit: must be finite (0: no limit), got {rate_limit}")
    try:  # the library is imported here, not for 'hourglass --help'
        import uvicorn  # noqa: F401  # run_server's, imported now to say it is missing up front

        from hourglass.serve import read_api_key
        from hourglass.serve.app import create_app
    except ImportError as exc:
        raise HourglassError(f"hourglass serve needs {exc.name or 'fastapi'}: "
                             "pip install 'hourglass[serve]'") from None
    from hourglass.cli._suppress import read_rules
    from hourglass.serve.suppress import SuppressionError

    models = parse_models(model)
    files = parse_suppress(suppress, [name for name, _ in models])
    rules = {name: read_rules(path) for name, path in files.items()}
    key = read_api_key(api_key_file)
    check_tls(tls_cert, tls_key)
    sockets = listen_sockets(host, port)  # held from here to the end: no other process takes it
    for sock in sockets:
        held.callback(sock.close)
    limits: dict[str, Any] = {"api_key": key, "max_body_bytes": max(1, int(max_body_mb * 2**20)),
                              "max_rows": max_rows, "drift_window": drift_window,
                              "rate_limit": rate_limit}
    try:
        if len(models) == 1:
            (name, path), = models
            app = create_app(path, name=name, suppress=rules.get(name), **limits)
        else:
            from hourglass.serve.multi import create_models_app

            given = {n: r for n, r in rules.items() if r is not None}
            app = create_models_app(dict(models), suppress=given, **limits)
    except SuppressionError as exc:
        raise HourglassError(f"--suppress {exc}") from None
    return app, models, sockets


def run_server(app: Any, sockets: list[socket.socket], **options: Any) -> None:
    """Serve ``app`` with uvicorn on ``sockets`` (bound and listening: :func:`listen_sockets`),
    ``options`` being uvicorn's ``Config``; Ctrl-C ends it as it ends ``uvicorn.run``, after
    uvicorn's graceful shutdown, and a server that could not start exits with uvicorn's code 3.
    SIGHUP (its terminal closed) shuts it down as SIGTERM does, then the process ends by it
    (exit status 129), where it is not ignored (``nohup``)."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, **options))
    hups: list[int] = []

    def on_hup(signum: int, frame: Any) -> None:  # (uvicorn itself handles SIGINT and SIGTERM)
        hups.append(signum)
        server.handle_exit(signum, frame)

    before = None
    if threading.current_thread() is threading.main_thread():
        before = signal.getsignal(signal.SIGHUP)
        if before is signal.SIG_DFL or is_sigterm_handler(before):
            signal.signal(signal.SIGHUP, on_hup)
        else:
            before = None
    try:
        with contextlib.suppress(KeyboardInterrupt):  # uvicorn raises Ctrl-C again once shut down
            server.run(sockets=sockets)
    finally:
        if before is not None:
            signal.signal(signal.SIGHUP, before)
    if hups:  # the process ends by it now, or (hourglass's handler) once the command returned,
        with contextlib.suppress(KeyboardInterrupt):  # as uvicorn's SIGTERM does
            signal.raise_signal(signal.SIGHUP)
    if not server.started:
        raise typer.Exit(3)


def _takes(scorer: Any) -> str:
    """What a request to ``scorer`` carries, for the start-up line."""
    if scorer.kind == "timeseries":
        return f"time series of {len(scorer.columns)} columns, {scorer.length_text()}"
    if scorer.kind == "events":
        return f"log {scorer.body}"
    if scorer.kind == "entity":
        return f"rows per ({scorer.entity_col}, {scorer.bucket} bucket)"
    if getattr(scorer, "line_parse", None) is not None:  # cef, leef, panos, kv, auditd: the lines
        return f"{scorer.pipeline.info.get('dataset')} lines of {len(scorer.columns)} columns"
    return f"{len(scorer.columns)} columns"


def parse_models(args: Sequence[str]) -> list[tuple[str, Path]]:
    """``(name, directory)`` of each MODEL argument, ``DIR`` (named after the directory,
    :func:`~hourglass.serve.app.route_name`) or ``NAME=DIR`` (an existing path with a ``=`` in
    it is a ``DIR``); two models of one name are refused.

    Examples
    --------
    >>> parse_models(["models/zeek", "audit=models/linux-audit/model"])
    [('zeek', PosixPath('models/zeek')), ('audit', PosixPath('models/linux-audit/model'))]
    >>> parse_models([""])
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: MODEL: empty, which names no model folder; give a path
    >>> parse_models(["a/model", "b/model"])
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: two models named 'model' (a/model, b/model): name each, NAME=DIR ...
    """
    from hourglass.serve.app import check_name, route_name

    out: list[tuple[str, Path]] = []
    for arg in args:
        if arg == "":  # a script's unset variable: pathlib reads it as '.', the current folder
            raise HourglassError("MODEL: empty, which names no model folder; give a path")
        name, sep, rest = arg.partition("=")
        if sep and not Path(arg).exists():
            if not rest.strip():
                raise HourglassError(f"MODEL {arg}: NAME=DIR without the directory after '='")
            try:
                out.append((check_name(name), Path(rest)))
            except InputError as exc:
                raise HourglassError(f"MODEL {arg}: {exc}") from None
        else:
            out.append((route_name(arg), Path(arg)))
    seen: dict[str, Path] = {}
    for name, path in out:
        if name in seen:
            raise HourglassError(f"two models named {name!r} ({seen[name]}, {path}): name each, "
                                 f"NAME=DIR (e.g. zeek={seen[name]})")
        seen[name] = path
    return out


def parse_suppress(values: Sequence[str] | None, names: Sequence[str]) -> dict[str, Path]:
    """Model name → rules file of the ``--suppress`` options: ``FILE`` with one model,
    ``NAME=FILE`` (any number of models; one file a model).

    Examples
    --------
    >>> parse_suppress(["rules.toml"], ["zeek"])
    {'zeek': PosixPath('rules.toml')}
    >>> parse_suppress(["zeek=zeek.toml"], ["zeek", "audit"]), parse_suppress(["zeek=z.toml"], ["zeek"])
    ({'zeek': PosixPath('zeek.toml')}, {'zeek': PosixPath('z.toml')})
    >>> parse_suppress(["rules.toml"], ["zeek", "audit"])
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --suppress rules.toml: with several models say whose rules ...
    """
    from hourglass.cli._common import refuse_folder_endings
    from hourglass.serve.app import NAME_PATTERN

    out: dict[str, Path] = {}
    for value in values or ():
        name, sep, rest = value.partition("=")
        if sep and NAME_PATTERN.fullmatch(name) and not Path(value).exists():
            if name not in names:
                raise HourglassError(f"--suppress {value}: no model named {name!r} (the models: "
                                     f"{', '.join(names)})")
            if not rest.strip():  # Path('') is '.': the error named the working folder
                raise HourglassError(f"--suppress {value}: NAME=FILE without the file after '='")
            text = rest
        elif len(names) == 1:
            if not value.strip():  # Path('') is '.' (an unset "$RULES"): named the working folder
                raise HourglassError("--suppress: empty file name")
            name, text = names[0], value
        else:
            raise HourglassError(f"--suppress {value}: with several models say whose rules these are, "
                                 f"--suppress NAME=FILE (the models: {', '.join(names)})")
        # (a text option: the '/' at its end, which pathlib drops, is seen here)
        refuse_folder_endings("serve", {"suppress": text}, {"suppress": "--suppress"})
        path = Path(text)
        if name in out:
            raise HourglassError(f"--suppress: two files for {name} ({out[name]}, {path}); give one "
                                 "file a model (it holds any number of rules)")
        out[name] = path
    return out


class _EncryptedKey(Exception):
    """The TLS private key asked for a pass phrase."""


def check_tls(cert: Path | None, key: Path | None) -> None:
    """Refuse, in one line, a certificate or key the server could not use (missing, unreadable,
    not PEM, encrypted, a key that does not match the certificate) before the model is loaded.

    Examples
    --------
    >>> check_tls(None, None)
    >>> check_tls(None, Path("server.key"))
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --tls-key: give the certificate too (--tls-cert)
    """
    if cert is None:
        if key is not None:
            raise HourglassError("--tls-key: give the certificate too (--tls-cert)")
        return
    import ssl

    for path, option in ((cert, "--tls-cert"), (key, "--tls-key")):
        if path is not None and not path.is_file():
            raise HourglassError(f"{option} {path}: not a file" if path.exists()
                                 else f"{option} {no_file(path)}")  # (a link loop said as such)

    def no_pass_phrase() -> str:  # else OpenSSL prompts on the terminal, and uvicorn again
        raise _EncryptedKey

    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
            cert, key, password=no_pass_phrase)
    except _EncryptedKey:
        option, path = ("--tls-key", key) if key is not None else ("--tls-cert", cert)
        raise HourglassError(f"{option} {path}: the private key is encrypted (needs a pass "
                             f"phrase); give it unencrypted, readable by this user only: openssl "
                             f"pkey -in {path} -out server.key && chmod 600 server.key") from None
    except (ssl.SSLError, OSError) as exc:
        what = ("--tls-cert/--tls-key" if key is not None
                else "--tls-cert (no --tls-key: the key must be in it)")
        raise HourglassError(f"{what}: cannot use {cert}"
                             f"{f' with {key}' if key is not None else ''} "
                             f"({getattr(exc, 'reason', None) or exc})") from None


def listen_sockets(host: str, port: int) -> list[socket.socket]:
    """Sockets bound to ``host``:``port`` and listening, one for each address ``host`` names
    (``localhost``: IPv4 and IPv6, as uvicorn binds them), for :func:`run_server` to serve on as
    they are: the port is held from here on, so no other process takes it before the service
    listens, and with port 0 (a free one the system picks, the same for every address) the
    start-up line names the port served on. A host/port the server could not listen on (a port
    in use, an address not on this machine) is refused in one line before the model is loaded.

    Examples
    --------
    >>> sockets = listen_sockets("127.0.0.1", 0)
    >>> port = sockets[0].getsockname()[1]
    >>> port > 0
    True
    >>> listen_sockets("127.0.0.1", port)
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --port ...: cannot listen on 127.0.0.1 (Address already in use)
    >>> for sock in sockets:
    ...     sock.close()
    >>> listen_sockets("a..b", 8080)
    Traceback (most recent call last):
    ...
    hourglass.errors.HourglassError: --host a..b: not a valid host name or address
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as exc:
        raise HourglassError(f"--host {host}: {read_problem(exc)}") from None
    except UnicodeError:  # a name the IDNA codec refuses ('a..b', a label over 63 characters)
        raise HourglassError(f"--host {host}: not a valid host name or address") from None
    # the whole address: an IPv6 one keeps its flow info and scope ('fe80::1%eth0')
    addresses = list(dict.fromkeys((family, tuple(address)) for family, _, _, _, address in infos))
    sockets: list[socket.socket] = []
    try:
        for family, address in addresses:  # port 0: the others take the port the first was given
            bound = (address[0], sockets[0].getsockname()[1] if sockets else port, *address[2:])
            sock = _listen(family, bound, host, skip_family=len(addresses) > 1)
            if sock is not None:
                sockets.append(sock)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    if not sockets:  # every family the name gave is one this system has no sockets of
        raise HourglassError(f"--host {host}: no address of it can be listened on here")
    return sockets


def _listen(family: int, address: tuple[Any, ...], host: str, *, skip_family: bool = False,
            ) -> socket.socket | None:
    """One socket bound to ``address`` and listening, set up as asyncio sets up uvicorn's;
    ``None`` for a family this system has no sockets of (IPv6 off) when ``skip_family``, as
    asyncio skips it, where the host names other addresses too."""
    try:
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        if skip_family and exc.errno == errno.EAFNOSUPPORT:
            return None
        raise HourglassError(f"--host {host}: cannot open a socket for it ({read_problem(exc)})") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        if family == socket.AF_INET6 and hasattr(socket, "IPPROTO_IPV6"):  # '::' beside '0.0.0.0'
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(2048)  # uvicorn's backlog; listening, the port is ours (a bound one is not)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRNOTAVAIL:  # the host's fault, not the port's
            raise HourglassError(f"--host {host}: not an address of this machine "
                                 f"({read_problem(exc)})") from None
        raise HourglassError(f"--port {address[1]}: cannot listen on {host} "
                             f"({read_problem(exc)})") from None
    except BaseException:
        sock.close()
        raise
    return sock
