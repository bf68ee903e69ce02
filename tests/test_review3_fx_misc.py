"""Review 3 (fx-misc): the Flower ServerApp's bounded wait for its sites."""

from __future__ import annotations

import sys
import time
import types
from typing import Any

import pytest

from hourglass import AutoEncoder
from hourglass.distributed.federated import FederatedServer
from hourglass.errors import InputError

# -- flower_server_app: the wait for the sites -------------------------------------------------


class _Stop(Exception):
    """Raised by the fake grid when the rounds begin: the wait for the sites is over."""


class _Grid:
    def __init__(self, connected: list[int], joins_after: int | None = None, more: int = 0) -> None:
        self.connected, self.joins_after, self.more, self.polls = connected, joins_after, more, 0

    def get_node_ids(self) -> list[int]:
        self.polls += 1
        if self.joins_after is not None and self.polls > self.joins_after:
            return self.connected + list(range(100, 100 + self.more))
        return list(self.connected)

    def send_and_receive(self, msgs: Any, timeout: Any = None) -> Any:
        raise _Stop([m.dst_node_id for m in msgs])


@pytest.fixture
def fake_flwr(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in for the parts of Flower's Message API that ``flower_server_app`` uses (Flower is
    not installed here, nor in CI)."""

    class ServerApp:
        def main(self) -> Any:
            def keep(fn: Any) -> Any:
                self.fn = fn
                return fn
            return keep

    class Message:
        def __init__(self, content: Any, message_type: Any, dst_node_id: int) -> None:
            self.content, self.dst_node_id = content, dst_node_id

    flwr = types.ModuleType("flwr")
    flwr.serverapp = types.SimpleNamespace(ServerApp=ServerApp)  # type: ignore[attr-defined]
    app = types.ModuleType("flwr.app")
    for name in ("ArrayRecord", "ConfigRecord", "RecordDict"):
        setattr(app, name, lambda *a, **k: (a, k))
    app.Message = Message  # type: ignore[attr-defined]
    app.MessageType = types.SimpleNamespace(TRAIN="train")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "flwr", flwr)
    monkeypatch.setitem(sys.modules, "flwr.app", app)


def _server_app(**kw: Any) -> Any:
    from hourglass.distributed.flower import flower_server_app

    return flower_server_app(FederatedServer(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0), rounds=1),
                             sites=3, **kw)


def _context() -> Any:
    return types.SimpleNamespace(run_config={})


def test_the_server_app_stops_waiting_for_sites_after_site_timeout(fake_flwr: None) -> None:
    app = _server_app(site_timeout=0.2)
    start = time.monotonic()
    with pytest.raises(InputError, match=r"^federated run: 1 of 3 sites connected within 0\.2 s "
                                         r"\(site_timeout\); every site must connect$"):
        app.fn(_Grid([7]), _context())
    assert time.monotonic() - start < 1.5  # the last sleep is cut to the time left
    with pytest.raises(InputError, match="0 of 3 sites connected within 0 s"):
        _server_app(site_timeout=0).fn(_Grid([]), _context())
    for bad in (-1.0, float("nan")):
        with pytest.raises(ValueError, match="site_timeout"):
            _server_app(site_timeout=bad)


def test_the_server_app_starts_the_rounds_once_every_site_is_in(fake_flwr: None,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    for kw in ({}, {"site_timeout": 3600.0}):  # without site_timeout it waits as long as it takes
        slept.clear()
        grid = _Grid([5], joins_after=4, more=2)
        with pytest.raises(_Stop) as sent:
            _server_app(**kw).fn(grid, _context())
        assert sent.value.args[0] == [5, 100, 101]  # the round goes to every site
        assert len(slept) == 4 and all(s == 1.0 for s in slept)
