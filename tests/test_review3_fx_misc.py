"""Review 3 (fx-misc): the Flower ServerApp's bounded wait for its sites; the training median an
entity model's explanation shows is the median of the counts, not of their log1p."""

from __future__ import annotations

import json
import sys
import time
import types
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hourglass import AutoEncoder, Pipeline, load
from hourglass.distributed.federated import FederatedServer
from hourglass.errors import InputError
from hourglass.explain import explain_buckets
from hourglass.explain.entity import training_medians
from hourglass.features import EntityWindows
from tests._federated import StandInServerApp

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


class FakeReply:
    """A site's reply in Flower's Message API as ``flower_server_app`` reads it: content, the
    node it was sent to and the node it came from, no error."""

    def __init__(self, content: Any = None, message_type: Any = None, dst_node_id: int = 0,
                 src: int = 0) -> None:
        self.content, self.dst_node_id = content, dst_node_id
        self.metadata = types.SimpleNamespace(src_node_id=src)

    def has_error(self) -> bool:
        return False


def install_fake_flwr(monkeypatch: pytest.MonkeyPatch, message: type | None = None) -> None:
    """Install a stand-in for the parts of Flower's Message API that ``flower_server_app`` uses
    (Flower is not installed here, nor in CI); ``message``: the class of its messages."""

    class Message:
        def __init__(self, content: Any, message_type: Any, dst_node_id: int) -> None:
            self.content, self.dst_node_id = content, dst_node_id

    flwr = types.ModuleType("flwr")
    flwr.serverapp = types.SimpleNamespace(ServerApp=StandInServerApp)  # type: ignore[attr-defined]
    app = types.ModuleType("flwr.app")
    for name in ("ArrayRecord", "ConfigRecord", "RecordDict"):
        setattr(app, name, lambda *a, **k: (a, k))
    app.Message = message or Message  # type: ignore[attr-defined]
    app.MessageType = types.SimpleNamespace(TRAIN="train")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "flwr", flwr)
    monkeypatch.setitem(sys.modules, "flwr.app", app)


@pytest.fixture
def fake_flwr(monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_flwr(monkeypatch)


def _server_app(**kw: Any) -> Any:
    from hourglass.distributed.flower import flower_server_app

    return flower_server_app(FederatedServer(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0), rounds=1),
                             sites=3, **kw)


def _context() -> Any:
    return types.SimpleNamespace(run_config={})


def test_the_server_app_stops_waiting_for_sites_after_site_timeout(fake_flwr: None,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    app = _server_app(site_timeout=0.2)
    slept: list[float] = []
    real_sleep = time.sleep
    # the sleeps asked for, not the wall-clock time the wait took (a loaded machine adds to that)
    monkeypatch.setattr(time, "sleep", lambda s: slept.append(s) or real_sleep(s))
    with pytest.raises(InputError, match=r"^federated run: 1 of 3 sites connected within 0\.2 s "
                                         r"\(site_timeout\); every site must connect$"):
        app.fn(_Grid([7]), _context())
    assert slept and max(slept) <= 0.2  # the last sleep is cut to the time left
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


# -- entity explanations: the training median --------------------------------------------------


def _buckets() -> pd.DataFrame:
    """Six 5-minute buckets, each with host a (1 row, 1 port) and host b (3 rows, 3 ports): an
    even number of (entity, bucket) rows whose middle two are 1 and 3, median 2."""
    rows = [{"host": h, "ts": b * 300 + i, "port": i}
            for b in range(6) for h, n in (("a", 1), ("b", 3)) for i in range(n)]
    return pd.DataFrame(rows)


def _medians_shown(pipe: Pipeline, df: pd.DataFrame) -> set[str]:
    why = explain_buckets(pipe, df, top=2)["why"]
    return {part.rpartition("median ")[2].rstrip(")") for w in why for part in w.split("); ")}


def _without_raw_medians(model: Path) -> None:
    """The model as saved before the raw medians were kept (its content hash that of the rest)."""
    from hourglass.pipeline.artefact import _content_hash

    config = model / "config.json"
    d = json.loads(config.read_text())
    del d["features"]["raw_medians"]
    d["content_hash"] = _content_hash(d, (model / "weights.safetensors").read_bytes())
    config.write_text(json.dumps(d))


def test_the_median_shown_is_that_of_the_counts_and_older_models_still_explain(tmp_path: Path) -> None:
    df = _buckets()
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, device="cpu", random_state=0),
                    features=EntityWindows("host", "ts", categorical=("port",), top_share=False)).fit(df)
    # log1p of 1 and 3 averaged, then expm1: 1.83; the counts' median is 2
    assert training_medians(pipe.features_) == {"count": 2.0, "port:distinct": 2.0}
    assert _medians_shown(pipe, df) == {"2"}
    pipe.save(tmp_path / "m")
    again = load(tmp_path / "m")
    assert training_medians(again.features_) == {"count": 2.0, "port:distinct": 2.0}
    assert _medians_shown(again, df) == {"2"}
    # a model saved before: loads, scores and explains as it did (the imputer's median)
    _without_raw_medians(tmp_path / "m")
    old = load(tmp_path / "m")
    assert old.features_.raw_medians_ is None
    assert {k: round(v, 4) for k, v in training_medians(old.features_).items()} == {
        "count": 1.8284, "port:distinct": 1.8284}
    assert _medians_shown(old, df) == {"1.828"}
    assert old.score(df).tolist() == pipe.score(df).tolist()
    old.save(tmp_path / "resaved")  # and is saved again as it was, without the field
    assert "raw_medians" not in json.loads((tmp_path / "resaved" / "config.json").read_text())["features"]
