"""Review round 55 (fed55): federated and distributed training read against their definitions."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hourglass.detectors import AutoEncoder
from hourglass.distributed.federated import FederatedServer, Site
from tests._federated import StandInServerApp


def _frames(sizes: tuple[int, ...] = (300, 200), seed: int = 0) -> list[pd.DataFrame]:
    rng = np.random.default_rng(seed)
    return [pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)}) for n in sizes]


def test_held_out_loss_is_that_of_the_weights_a_site_sent_back(caplog: pytest.LogCaptureFixture) -> None:
    # What was wrong: a site reported min(val_loss) of its local epochs as its round's held-out
    # loss (logged, and kept in info["federated"]["history"]), also where no epoch beat the global
    # weights and it sent those back: the figure was of weights thrown away (1.13 where the model
    # it kept scored 1.03), so a round that left the model unchanged showed the losses rising.
    det = AutoEncoder(hidden=(4, 2), verbose=0, lr=1e-7)  # steps too small to beat the global weights
    sites = [Site(df, det) for df in _frames()]
    with caplog.at_level(logging.INFO, logger="hourglass.distributed.federated"):
        server = FederatedServer(det, rounds=4, local_epochs=2).run(sites)
    assert any("did not change" in r.getMessage() for r in caplog.records)
    last = server.history_[-1]["held_out_loss"]
    # the last round sent back the global weights at every site: their held-out loss is the mean
    # held-out score under them (the autoencoder's loss is its mean squared error)
    for site, loss in zip(sites, last, strict=True):
        mean_score, n_held_out, _ = site.evaluate(server.weights_, {})
        assert n_held_out > 0
        assert loss == pytest.approx(mean_score, rel=1e-5)


def test_best_val_loss_is_none_where_nothing_was_held_out() -> None:
    # What was wrong (with TrainHistory.best_val_loss, added above for the sites' held-out
    # losses): a GAN that holds nothing out watches its training rows as if held out, then clears
    # val_loss; best_val_loss kept the training rows' loss, as if it were a held-out one.
    from hourglass.detectors import GANomaly

    X = np.random.default_rng(0).normal(size=(200, 3)).astype("float32")
    gan = GANomaly(hidden=(8,), latent_dim=2, epochs=2, min_steps=0, verbose=0, validation_fraction=0.0)
    history = gan.fit(X).history_
    assert history.val_loss == [] and history.best_val_loss is None


@pytest.mark.parametrize("name", [None, "east"])
def test_a_site_whose_training_diverges_is_named(name: str | None) -> None:
    # What was wrong: an InputError at a site was told as "site <name>: ...", but a site's local
    # training that diverged raised the bare TrainingDiverged ("lower the learning rate or scale
    # the inputs"), naming no site: the server, which sees no row, could not tell whose inputs.
    from hourglass.nn.training import TrainingDiverged

    det = AutoEncoder(hidden=(4, 2), verbose=0, lr=1e30)
    frames = _frames((60, 60))
    sites = [Site(frames[0], det, name=name), Site(frames[1], det)]
    with pytest.raises(TrainingDiverged, match=rf"^site {name or 1}: training diverged") as info:
        FederatedServer(det, rounds=1).run(sites)
    assert isinstance(info.value, FloatingPointError)  # its type kept


def test_log1p_of_a_negative_column_is_not_blamed_on_a_site_without_one() -> None:
    # What was wrong: log1p=["b"] with a negative value of b at site west only stopped the run in
    # the scales round with "site east: log1p: column 'b' has negative values": each site built
    # the preprocessing from the merged (pooled) statistics and said their fault as its own, so
    # the first site to answer was blamed. The server now checks the merged schema in round 1.
    from hourglass.errors import InputError
    from hourglass.features.tabular import TabularPreprocessor

    rng = np.random.default_rng(0)
    frames = [pd.DataFrame({"a": rng.normal(size=60), "b": rng.exponential(5, 60)}) for _ in range(2)]
    frames[1].loc[3, "b"] = -1.0  # west's
    det, features = AutoEncoder(hidden=(4, 2), verbose=0, epochs=1), TabularPreprocessor(log1p=["b"])
    sites = [Site(df, det, features, name=name) for df, name in zip(frames, ["east", "west"], strict=True)]
    server = FederatedServer(det, features, rounds=1)
    parameters, config = server.configure(1)
    replies = [site.fit(parameters, config) for site in sites]
    with pytest.raises(InputError, match=r"^log1p: column 'b' has negative values$"):
        server.aggregate(1, replies)  # on the server, before any site is asked for its scales
    with pytest.raises(InputError, match=r"^log1p: column 'b' has negative values$"):
        FederatedServer(det, features, rounds=1).run(sites)


@pytest.mark.parametrize("weighting", ["rows", "sites"])
def test_the_server_touches_no_gpu_to_build_its_cpu_networks(weighting: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: the server built its networks (the initial global weights; the names of
    # the batch-norm buffers for weighting="sites") on the CPU inside forked_rng() with no
    # devices, which forks the generator of every CUDA device there is: on a GPU machine the
    # server (which trains nothing) created a CUDA context on each GPU, and with two or more,
    # torch warned that it initialises every device. Seen here with two pretend GPUs.
    import warnings

    import torch

    touched: list[object] = []
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "get_rng_state", lambda device="cuda": touched.append(device))
    monkeypatch.setattr(torch.cuda, "set_rng_state", lambda state, device="cuda": None)
    monkeypatch.setattr(torch.random, "_fork_rng_warned_already", False)
    det = AutoEncoder(hidden=(4, 2), verbose=0, epochs=1, device="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        FederatedServer(det, rounds=1, weighting=weighting).run([Site(df, det) for df in _frames()])
    assert touched == []


def test_a_failed_site_reply_over_flower_names_its_node(monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: the ServerApp stopped a run on a failed reply with "federated round 1: 1 of
    # 2 sites answered: InputError: column 'a': expected numbers ...", the reason alone: a site
    # without a name (a SuperNode started with only its data path) was not told apart, so the
    # operator could not say whose rows were at fault. Each reason now comes with its node.
    import sys
    import types

    from hourglass.distributed.flower import flower_server_app
    from hourglass.errors import InputError

    class Message:
        def __init__(self, content: object = None, message_type: object = None, dst_node_id: int = 0,
                     error: object = None) -> None:
            self.content, self.dst_node_id, self.error = content, dst_node_id, error
            self.metadata = types.SimpleNamespace(src_node_id=dst_node_id)

        def has_error(self) -> bool:
            return self.error is not None

    def arrays(values: object) -> object:
        kept = [np.asarray(a) for a in values]  # type: ignore[attr-defined]
        return types.SimpleNamespace(to_numpy_ndarrays=lambda: list(kept))

    flwr, app = types.ModuleType("flwr"), types.ModuleType("flwr.app")
    flwr.serverapp = types.SimpleNamespace(ServerApp=StandInServerApp)  # type: ignore[attr-defined]
    app.ArrayRecord, app.ConfigRecord, app.RecordDict = arrays, dict, dict  # type: ignore[attr-defined]
    app.Message, app.MessageType = Message, types.SimpleNamespace(TRAIN="train")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "flwr", flwr)
    monkeypatch.setitem(sys.modules, "flwr.app", app)

    det = AutoEncoder(hidden=(4, 2), verbose=0, epochs=1)
    good, bad = _frames((60, 1))  # a site of 1 row: too few to train on
    sites = {11: Site(good, det), 42: Site(bad, det)}  # unnamed, as a SuperNode's data path alone

    class Grid:
        def get_node_ids(self) -> list[int]:
            return list(sites)

        def send_and_receive(self, msgs: list[Message], timeout: object = None) -> list[Message]:
            out = []
            for m in msgs:
                try:
                    parts, n, metrics = sites[m.dst_node_id].fit(m.content["arrays"].to_numpy_ndarrays(),
                                                                  dict(m.content["config"]))
                    out.append(Message({"arrays": arrays(parts), "metrics": {**metrics, "num-examples": n}},
                                       dst_node_id=m.dst_node_id))
                except InputError as e:  # as Flower hands a ClientApp's exception back: its traceback
                    reason = f"Traceback (most recent call last):\n  ...\nInputError: {e}"
                    out.append(Message(dst_node_id=m.dst_node_id, error=types.SimpleNamespace(reason=reason)))
            return out

    server_app = flower_server_app(FederatedServer(det, rounds=1), sites=2)
    with pytest.raises(InputError, match=r"1 of 2 sites answered: node 42: InputError: 1 row\(s\)"):
        server_app.fn(Grid(), types.SimpleNamespace(run_config={}))


def test_the_legacy_strategy_says_why_a_site_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    # What was wrong: flower_strategy's aggregate_fit stopped the run with "federated round 1: 1
    # of 2 sites answered (1 failed); every site must answer" and dropped Flower's failures, the
    # exceptions (a site's error reply, a lost connection) and the (client, FitRes) of a status
    # not OK: the site's own message ("1 row(s), ... a site needs at least 2") was lost.
    import sys
    import types

    from hourglass.distributed.flower import flower_strategy
    from hourglass.errors import InputError

    flwr = types.ModuleType("flwr")
    common = types.ModuleType("flwr.common")
    common.FitIns = lambda p, c: types.SimpleNamespace(parameters=p, config=c)  # type: ignore[attr-defined]
    common.ndarrays_to_parameters = list  # type: ignore[attr-defined]
    common.parameters_to_ndarrays = list  # type: ignore[attr-defined]
    flwr.common = common  # type: ignore[attr-defined]
    flwr.server = types.SimpleNamespace(strategy=types.SimpleNamespace(Strategy=object))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "flwr", flwr)
    monkeypatch.setitem(sys.modules, "flwr.common", common)

    strategy = flower_strategy(FederatedServer(AutoEncoder(hidden=(4, 2), verbose=0), rounds=1), sites=2)
    ok = (types.SimpleNamespace(cid="a1"), types.SimpleNamespace(parameters=[], num_examples=60, metrics={}))
    error = ValueError("Message contains an Error (reason: Traceback (most recent call last):\n  ...\n"
                       "InputError: 1 row(s), 1 to train on; a site needs at least 2)")
    with pytest.raises(InputError, match=r"\(1 failed: InputError: 1 row\(s\), 1 to train on"):
        strategy.aggregate_fit(1, [ok], [error])
    status = types.SimpleNamespace(status=types.SimpleNamespace(code=1, message="fit failed: out of memory"))
    with pytest.raises(InputError, match=r"\(1 failed: client b2: fit failed: out of memory\)"):
        strategy.aggregate_fit(1, [ok], [(types.SimpleNamespace(cid="b2"), status)])


def test_spark_names_a_bad_row_by_its_kept_columns_not_its_place_in_a_batch(tmp_path: Path) -> None:
    # What was wrong: a bad value stopped a Spark job with "column 'a': expected numbers, found
    # 'abc' (row 3)": row 3 of one pandas batch of one partition, which Spark cuts anywhere, so
    # no row the user could find. It is now told as that row of its batch and by the kept
    # columns (the id the README says to keep), the place of each as hourglass score tells lines.
    from hourglass import Pipeline
    from hourglass.distributed.spark import score_partitions
    from hourglass.errors import InputError

    rows = _frames((120,))[0]
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(rows).save(tmp_path / "m")
    batch = rows.head(5).assign(flow_id=range(100, 105)).astype({"a": object})
    batch.loc[2, "a"] = "abc"
    with pytest.raises(InputError, match=r"^column 'a': expected numbers, found 'abc' "
                                         r"\(row 3 of a batch of 5: flow_id=102\)"):
        list(score_partitions(tmp_path / "m", keep=["flow_id"])(iter([batch])))
    with pytest.raises(InputError, match=r"found 'abc' \(row 3 of a batch of 5; keep an id column"):
        list(score_partitions(tmp_path / "m")(iter([batch])))
