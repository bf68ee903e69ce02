"""Review of the CLI (round 4): regression tests of the defects found."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass.cli import app
from tests._cli import runner

SRC = str(Path(__file__).resolve().parents[1] / "src")
ENV = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
       "OMP_NUM_THREADS": "1"}


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An autoencoder trained on a small table, and other rows of it."""
    folder = tmp_path_factory.mktemp("review4")
    rng = np.random.default_rng(0)
    data, test = folder / "flows.csv", folder / "test.csv"
    for path in (data, test):
        label = np.where(np.arange(400) % 40 == 0, "attack", "normal")
        pd.DataFrame({"bytes": rng.lognormal(5, 1, 400), "pkts": rng.poisson(8, 400),
                      "label": label}).to_csv(path, index=False)
    model = folder / "m"
    res = runner.invoke(app, ["train", str(data), "-o", str(model), "--label-col", "label", "--normal",
                              "normal", "--epochs", "1", "--hidden", "4,2", "--batch-size", "64", "-q"])
    assert res.exit_code == 0, res.output
    return {"data": data, "test": test, "model": model}


# a reader that closes standard output early ('... -o - | head -1')

def _closed_pipe() -> int:
    """The writing end of a pipe whose reader has already gone."""
    read, write = os.pipe()
    os.close(read)
    return write


def test_a_command_whose_reader_has_gone_ends_quietly_with_141() -> None:
    # was: exit code 1 (click's and rich's handling of the broken pipe), as for a real failure
    write = _closed_pipe()
    try:
        proc = subprocess.run([sys.executable, "-m", "hourglass", "formats"], stdout=write,
                              stderr=subprocess.PIPE, env=ENV, timeout=60)
    finally:
        os.close(write)
    assert proc.returncode == 141, proc.stderr
    assert proc.stderr == b""  # no traceback, no 'Exception ignored ... BrokenPipeError' at exit


@contextlib.contextmanager
def stdout_to_closed_pipe() -> Iterator[None]:
    """File descriptor 1 on a pipe whose reader has gone, within the block (in the test's body:
    pytest puts its own file back on descriptor 1 before the call)."""
    write, saved = _closed_pipe(), os.dup(1)
    os.dup2(write, 1)
    os.close(write)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


@pytest.mark.parametrize("argv", [["score", "{model}", "{test}", "-o", "-"],
                                  ["explain", "{model}", "{test}", "-o", "-"],
                                  ["evaluate", "{model}", "{test}"]])
def test_an_output_to_a_closed_stdout_ends_the_command_with_141(
        kit: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        argv: list[str]) -> None:
    from hourglass.cli.app import main

    monkeypatch.setattr(sys, "argv", ["hourglass", *(a.format(**kit) for a in argv), "-q"])
    with stdout_to_closed_pipe(), open(1, "w", closefd=False) as stdout:  # sys.stdout on fd 1
        monkeypatch.setattr(sys, "stdout", stdout)
        with pytest.raises(SystemExit) as exit_:
            main()
        assert exit_.value.code == 141
        assert os.path.samestat(os.fstat(1), os.stat(os.devnull))  # nothing left to fail at exit
        stdout.flush()
    assert capsys.readouterr().err == ""  # no traceback, no message


def test_a_broken_pipe_elsewhere_is_not_taken_for_a_closed_stdout() -> None:
    from hourglass.cli._output import reader_gone

    with pytest.raises(BrokenPipeError), reader_gone():  # stdout and stderr still have readers
        raise BrokenPipeError(32, "Broken pipe")


# 'hourglass serve --port 0': the port named is the port served on

def test_serve_on_port_0_answers_on_the_port_its_start_up_line_names(
        kit: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    # the port was found by binding a probe socket and closing it; uvicorn then bound the port
    # again: in between another process could take it, and the start-up line named a port the
    # service might not get. Now the socket bound at start is the one served on.
    import socket
    import threading
    import time
    import urllib.request

    import uvicorn

    servers: list[uvicorn.Server] = []

    class Recorded(uvicorn.Server):
        def __init__(self, config: uvicorn.Config) -> None:
            super().__init__(config)
            servers.append(self)

    monkeypatch.setattr(uvicorn, "Server", Recorded)
    monkeypatch.setenv("HOURGLASS_API_KEY", "k" * 24)
    done: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: done.update(res=runner.invoke(
        app, ["serve", str(kit["model"]), "--port", "0", "-q"])), daemon=True)
    thread.start()
    try:
        for _ in range(600):
            if (servers and servers[0].started) or not thread.is_alive():
                break
            time.sleep(0.05)
        assert servers and servers[0].started, done
        port = servers[0].servers[0].sockets[0].getsockname()[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as answer:
            assert answer.status == 200 and json.loads(answer.read())["model"] == "autoencoder"
        with socket.socket() as other, pytest.raises(OSError):  # held: no one else gets it
            other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            other.bind(("127.0.0.1", port))
    finally:
        for server in servers:
            server.should_exit = True
        thread.join(timeout=30)
    res = done["res"]
    assert res.exit_code == 0, res.output
    assert f"on http://127.0.0.1:{port} (docs: /docs)" in " ".join(res.stderr.split())


def test_serve_holds_its_port_while_the_models_load(kit: dict[str, Path],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # another process could take the port between the probe and uvicorn's bind (the models
    # load in between): the service then failed to start after saying where it would listen
    import socket

    import hourglass.serve.app as serve_app
    from hourglass.cli import serve as serve_cli

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    real, tries = serve_app.create_app, []

    def load_beside_another_process(*args: Any, **kwargs: Any) -> Any:
        with socket.socket() as other:
            other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                other.bind(("127.0.0.1", port))
                other.listen()
                tries.append("taken")
            except OSError:
                tries.append("refused")
        return real(*args, **kwargs)

    seen: dict[str, Any] = {}
    monkeypatch.setattr(serve_app, "create_app", load_beside_another_process)
    monkeypatch.setattr(serve_cli, "run_server", lambda app, sockets, **kw: seen.update(
        served=[s.getsockname()[1] for s in sockets], **kw))
    monkeypatch.setenv("HOURGLASS_API_KEY", "k" * 24)
    res = runner.invoke(app, ["serve", str(kit["model"]), "--port", str(port), "-q"])
    assert res.exit_code == 0, res.output
    assert tries == ["refused"] and seen["served"] == [port] and seen["port"] == port


def test_serve_on_a_port_in_use_is_one_line(kit: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from hourglass.cli.serve import listen_sockets

    monkeypatch.setenv("HOURGLASS_API_KEY", "k" * 24)
    taken = listen_sockets("127.0.0.1", 0)
    try:
        port = taken[0].getsockname()[1]
        res = runner.invoke(app, ["serve", str(kit["model"]), "--port", str(port)])
    finally:
        for sock in taken:
            sock.close()
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert res.exit_code == 2 and len(lines) == 1, res.stderr
    assert f"--port {port}: cannot listen on 127.0.0.1" in lines[0]


def test_listen_sockets_keep_an_ipv6_address_whole_and_skip_a_family_the_system_lacks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # a link-local host ('fe80::1%eth0') needs its scope id at bind: (ip, port) alone was EINVAL;
    # a name that also gives ::1 on a system without IPv6 sockets was an OSError traceback
    import errno
    import socket

    from hourglass.cli import serve as serve_cli

    infos = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 0)),
             (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("fe80::1", 0, 0, 7))]
    monkeypatch.setattr(serve_cli.socket, "getaddrinfo", lambda *a, **k: infos)
    seen: list[tuple[Any, ...]] = []
    real = serve_cli._listen

    def spy(family: int, address: tuple[Any, ...], host: str, **kw: Any) -> Any:
        seen.append(address)
        return real(family, address, host, **kw)

    real_socket = socket.socket

    def no_ipv6(family: int = socket.AF_INET, *args: Any) -> socket.socket:
        if family == socket.AF_INET6:  # a system without IPv6 sockets
            raise OSError(errno.EAFNOSUPPORT, "Address family not supported by protocol")
        return real_socket(family, *args)

    monkeypatch.setattr(serve_cli, "_listen", spy)
    monkeypatch.setattr(serve_cli.socket, "socket", no_ipv6)
    sockets = serve_cli.listen_sockets("dual.example", 0)
    try:
        assert len(sockets) == 1 and sockets[0].family == socket.AF_INET
        port = sockets[0].getsockname()[1]
        assert seen == [("127.0.0.1", 0), ("fe80::1", port, 0, 7)]  # flow info and scope kept
    finally:
        for sock in sockets:
            sock.close()
