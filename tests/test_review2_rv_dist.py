"""Review of federated training: what a malformed or malicious site reply does to the server."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.detectors import AutoEncoder
from hourglass.distributed.federated import FederatedServer, Site, decode, encode
from hourglass.errors import InputError


def _det() -> AutoEncoder:
    return AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)


def _run_to(last: int, held_out: str = "scores") -> tuple[FederatedServer, list]:
    """A two-site run driven to round ``last``; returns the server and the sites' honest replies
    to that round (not yet aggregated)."""
    rng = np.random.default_rng(0)
    det = _det()
    sites = [Site(pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)}), det) for _ in range(2)]
    srv = FederatedServer(det, rounds=1, held_out=held_out)
    for r in range(1, last + 1):
        p, c = srv.configure(r)
        replies = [s.fit(p, c) for s in sites]
        if r < last:
            srv.aggregate(r, replies)
    return srv, replies


@pytest.mark.parametrize("bad", ["nan", "broadcast", "short", "rows", "offset"])
def test_train_reply_that_would_poison_the_average_is_refused(bad: str) -> None:
    srv, replies = _run_to(4)
    arrays, n, m = replies[0]
    arrays = [np.asarray(a) for a in arrays]
    if bad == "nan":
        arrays = [arrays[0], arrays[1]] + [np.full_like(a, np.nan) if a.dtype.kind == "f" else a
                                           for a in arrays[2:]]
    elif bad == "broadcast":  # NumPy would broadcast a scalar into every weight
        arrays = arrays[:2] + [np.array(a.dtype.type(1)) for a in arrays[2:]]
    elif bad == "short":
        arrays = arrays[:-1]
    elif bad == "rows":
        n = 10**9
    else:
        arrays = [arrays[0] + 1.0, *arrays[1:]]
    before = [w.copy() for w in srv.weights_]
    with pytest.raises(InputError, match="site 1"):
        srv.aggregate(4, [(arrays, n, m), replies[1]])
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(before, srv.weights_, strict=True))
    srv.aggregate(4, replies)  # the honest replies still go through
    assert all(np.isfinite(w).all() for w in srv.weights_)


def test_a_message_that_is_not_encoded_json_is_an_input_error() -> None:
    with pytest.raises(InputError, match="encoded JSON"):
        decode(np.array([255, 0], np.uint8))
    assert decode(encode({"a": [1, 2]})) == {"a": [1, 2]}


@pytest.mark.parametrize("bad", ["nan", "2d", "rows", "knots", "garbage"])
@pytest.mark.parametrize("held_out", ["scores", "summaries"])
def test_scores_reply_that_is_not_the_sites_held_out_share_is_refused(bad: str, held_out: str) -> None:
    srv, replies = _run_to(5, held_out)
    (summary, scores), n, m = replies[0]
    s = decode(summary)
    if bad == "nan":
        scores = np.full(len(scores) or n, np.nan)
    elif bad == "2d":
        scores = np.tile(np.asarray(scores, np.float64), (3, 1))
    elif bad == "rows":  # with summaries the server would rebuild 10**9 values from it
        s["rows"], n = 10**9, 10**9
    elif bad == "knots":
        s["calibration"]["knots"] = [float("nan")] * len(s["calibration"]["knots"])
    if bad in ("nan", "2d") and held_out == "summaries":
        scores = np.zeros(0)  # no score travels: nothing to check there
        s["calibration"]["n_knots"] = 10**9
    reply = ([np.array([255, 0], np.uint8) if bad == "garbage" else encode(s), scores], n, m)
    with pytest.raises(InputError, match=r"site 1|encoded JSON"):
        srv.aggregate(5, [reply, replies[1]])
    srv.aggregate(5, replies)
    assert srv.pipeline().info["threshold_fit"]["rows"] == 12


def test_the_server_counts_held_out_rows_as_the_sites_split_them_without_a_permutation() -> None:
    det = _det()
    srv = FederatedServer(det, rounds=1)
    ns = [1, 2, 9, 10, 11, 15, 25, 99, 1000, 12345]
    assert srv._held_out_rows(ns) == [len(det._split(n, 0.1, np.random.default_rng(0))[1]) for n in ns]
    assert srv._held_out_rows([10**12]) == [10**11]  # a site's claimed count draws no 8 TB permutation


@pytest.mark.parametrize("bad", ["nan", "short", "rows", "sketch"])
def test_inputs_reply_that_would_set_a_nan_or_skewed_input_scaling_is_refused(bad: str) -> None:
    srv, replies = _run_to(3)
    st = decode(replies[0][0][0])
    if bad == "nan":
        st["mean"] = [float("nan")] * len(st["mean"])
    elif bad == "short":
        st["mean"] = st["mean"][:1]
    elif bad == "rows":
        st["rows"] = 10**9
    else:
        st["sketch"] = [[0.0]] * len(st["mean"])
    with pytest.raises(InputError, match="inputs round: site 1"):
        srv.aggregate(3, [([encode(st)], replies[0][1], {}), replies[1]])
    srv.aggregate(3, replies)
    assert all(np.isfinite(w).all() for w in srv.weights_)


@pytest.mark.parametrize("config", [{"local_epochs": "many"}, {"local_epochs": 0}, {},
                                    {"local_epochs": 1, "proximal_mu": float("nan")}])
def test_a_site_refuses_a_train_round_config_it_cannot_read_in_one_line(config: dict) -> None:
    srv, _ = _run_to(4)
    rng = np.random.default_rng(0)
    site = Site(pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)}), _det(), name="east")
    for r in (1, 2, 3):  # the site needs the shared preprocessing first
        p, c = srv.configure(r)
        site.fit(p, c)
    p, _ = srv.configure(4)
    with pytest.raises(InputError, match=r"^site east: train round: local_epochs"):
        site.fit(p, {"phase": "train", **config})


def test_the_flower_server_app_refuses_a_round_where_one_site_answered_twice(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    from tests.test_review3_fx_misc import FakeReply as _Msg
    from tests.test_review3_fx_misc import install_fake_flwr

    class _Grid:
        def get_node_ids(self) -> list[int]:
            return [1, 2]

        def send_and_receive(self, msgs, timeout=None):  # type: ignore[no-untyped-def]
            return [_Msg(src=1), _Msg(src=1)]  # node 1 twice, node 2 never

    install_fake_flwr(monkeypatch, _Msg)
    from hourglass.distributed.flower import flower_server_app

    server_app = flower_server_app(FederatedServer(_det(), rounds=1), sites=2)
    with pytest.raises(InputError, match=r"^federated round 1: replies came from nodes 1, 1, the run"):
        server_app.fn(_Grid(), types.SimpleNamespace(run_config={}))
