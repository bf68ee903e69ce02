"""Federated training and its Flower apps: the save paths checked before the rounds, the
records a saved federated model keeps, and the threshold rebuilt from the sites' summaries."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass.detectors import AutoEncoder
from hourglass.distributed.federated import FederatedServer, Site
from hourglass.errors import InputError
from tests._federated import StandInServerApp


def _det() -> AutoEncoder:
    return AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, device="cpu", random_state=0)


def _rows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"a": rng.normal(size=n), "b": rng.exponential(2.0, n)})


# -- flower_server_app: where the models go, checked before the rounds ---------------------------


class _Sent(Exception):
    """Raised by the grid when the server sends the round it stops at."""


class _Reply:
    def __init__(self, content: Any, src: int) -> None:
        self.content = content
        self.metadata = types.SimpleNamespace(src_node_id=src)

    def has_error(self) -> bool:
        return False


class _Grid:
    """Flower's grid with the sites in this process: each node's Site answers its messages; the
    round ``stop`` is not sent (``_Sent``)."""

    def __init__(self, sites: dict[int, Site], stop: int) -> None:
        self.sites, self.stop, self.rounds = sites, stop, 0

    def get_node_ids(self) -> list[int]:
        return list(self.sites)

    def send_and_receive(self, msgs: Any, timeout: Any = None) -> Any:
        self.rounds += 1
        if self.rounds == self.stop:
            raise _Sent(self.rounds)
        out = []
        for m in msgs:
            arrays, n, metrics = self.sites[m.dst_node_id].fit(m.content["arrays"].to_numpy_ndarrays(),
                                                               dict(m.content["config"]))
            out.append(_Reply({"arrays": _arrays(arrays), "metrics": {**metrics, "num-examples": n}},
                              m.dst_node_id))
        return out


def _arrays(arrays: Any) -> Any:
    kept = [np.asarray(a) for a in arrays]
    return types.SimpleNamespace(to_numpy_ndarrays=lambda: list(kept))


@pytest.fixture
def fake_flwr(monkeypatch: pytest.MonkeyPatch) -> None:
    class Message:
        def __init__(self, content: Any, message_type: Any, dst_node_id: int) -> None:
            self.content, self.dst_node_id = content, dst_node_id

    flwr = types.ModuleType("flwr")
    flwr.serverapp = types.SimpleNamespace(ServerApp=StandInServerApp)  # type: ignore[attr-defined]
    app = types.ModuleType("flwr.app")
    app.ArrayRecord = _arrays  # type: ignore[attr-defined]
    app.ConfigRecord = dict  # type: ignore[attr-defined]
    app.RecordDict = dict  # type: ignore[attr-defined]
    app.Message = Message  # type: ignore[attr-defined]
    app.MessageType = types.SimpleNamespace(TRAIN="train")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "flwr", flwr)
    monkeypatch.setitem(sys.modules, "flwr.app", app)


def _server_app(save: Path | None, run_config: dict[str, Any] | None = None) -> Any:
    from hourglass.distributed.flower import flower_server_app

    app = flower_server_app(FederatedServer(_det(), rounds=1), sites=2, save=save)
    return lambda grid: app.fn(grid, types.SimpleNamespace(run_config=run_config or {}))


def _grid(stop: int) -> _Grid:
    return _Grid({1: Site(_rows(60, 1), _det(), name="east"), 2: Site(_rows(40, 2), _det(), name="west")},
                 stop)


def test_the_server_app_refuses_a_save_folder_that_does_not_exist_before_any_round(
        fake_flwr: None, tmp_path: Path) -> None:
    grid = _grid(stop=1)
    with pytest.raises(InputError, match=r"nowhere: output folder does not exist"):
        _server_app(tmp_path / "nowhere" / "model")(grid)
    assert grid.rounds == 0  # no round was sent: the sites trained nothing for a model not saved
    # the run config's save key is checked as well
    with pytest.raises(InputError, match=r"nowhere: output folder does not exist"):
        _server_app(None, {"save": str(tmp_path / "nowhere" / "model")})(grid)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match=r"model: exists and is not a model directory"):
        _server_app(tmp_path / "model")(grid)
    assert grid.rounds == 0
    with pytest.raises(_Sent):  # a path it can save to: the rounds start
        _server_app(tmp_path / "fresh")(grid)


def test_the_server_app_refuses_a_sites_save_path_once_round_1_names_the_sites(
        fake_flwr: None, tmp_path: Path) -> None:
    (tmp_path / "model-site-west").write_text("not a model")
    grid = _grid(stop=2)
    with pytest.raises(InputError, match=r"model-site-west: exists and is not a model directory"):
        _server_app(tmp_path / "model")(grid)
    assert grid.rounds == 1  # refused after the schema round, before any training round
    assert not (tmp_path / "model").exists()


def test_the_server_app_runs_every_round_and_saves_each_model(fake_flwr: None, tmp_path: Path) -> None:
    import hourglass

    grid = _grid(stop=0)
    _server_app(tmp_path / "model")(grid)
    assert grid.rounds == 5  # schema, scales, inputs, 1 train, scores
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model", "model-site-east", "model-site-west"]
    shared = hourglass.load(tmp_path / "model")
    assert shared.info["federated"]["site_names"] == ["east", "west"]


def test_check_save_checks_the_sites_paths_of_the_current_run_only(tmp_path: Path) -> None:
    det = _det()
    server = FederatedServer(det, rounds=1)
    (tmp_path / "m-site-east").write_text("x")
    server.check_save(tmp_path / "m")  # no run yet: the shared path only
    server.run([Site(_rows(60, 1), det, name="east"), Site(_rows(40, 2), det, name="west")])
    with pytest.raises(InputError, match="m-site-east: exists and is not a model directory"):
        server.check_save(tmp_path / "m")
    with pytest.raises(InputError, match="m-site-east"):
        server.save(tmp_path / "m")
    assert not (tmp_path / "m").exists()  # nothing of the set written
    server.configure(1)  # a new run starts: its sites are not yet known
    server.check_save(tmp_path / "m")


# -- FederatedServer.save: no model of an earlier run among this run's ---------------------------


def test_a_site_without_a_model_in_this_run_keeps_no_model_of_an_earlier_run(tmp_path: Path,
                                                                            caplog: Any) -> None:
    import hourglass

    det = _det()
    first = FederatedServer(det, rounds=1).run([Site(_rows(60, 1), det, name="east"),
                                                Site(_rows(40, 2), det, name="west")])
    first.save(tmp_path / "m")
    (tmp_path / "keep-site-west").mkdir()  # a folder of the user's, beside another run's name
    (tmp_path / "keep-site-west" / "notes.txt").write_text("mine")
    # west now holds out 1 row: no model of its own in this run
    second = FederatedServer(det, rounds=2).run([Site(_rows(80, 3), det, name="east"),
                                                 Site(_rows(12, 4), det, name="west")])
    with caplog.at_level("WARNING", logger="hourglass.distributed.federated"):
        paths = second.save(tmp_path / "m")
    assert sorted(paths) == ["east", "shared"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep-site-west", "m", "m-site-east"]
    assert "m-site-west: removed, a model of an earlier run (site west has none in this run)" in caplog.text
    assert hourglass.load(tmp_path / "m-site-east").info["federated"]["rounds"] == 2
    second.save(tmp_path / "keep")  # what is not a model is left as it was, and is no error
    assert (tmp_path / "keep-site-west" / "notes.txt").read_text() == "mine"


# -- a federated model re-thresholded: each site's share above the new threshold -----------------


def _unlike_server() -> FederatedServer:
    det = _det()
    west = _rows(200, 2)
    west["a"] = west["a"] * 3.0
    return FederatedServer(det, rounds=2).run([Site(_rows(400, 1), det, name="east"),
                                               Site(west, det, name="west")])


def test_a_rethresholded_federated_model_records_each_sites_share_above_the_new_threshold(
        tmp_path: Path) -> None:
    import hourglass
    from hourglass.cli import app
    from tests._cli import runner

    server = _unlike_server()
    for pipe, parts in ((server.pipeline(), (40, 20)), (server.pipeline(site="west"), (20,))):
        new = pipe.with_threshold("percentile:80")
        scores, start = new.detector_.val_scores_, 0
        for site, rows in zip(new.info["federated"]["held_out"], parts, strict=True):
            share = float(new.detector_.threshold_predict(scores[start:start + rows]).mean())
            assert site["rows"] == rows and site["flagged"] == pytest.approx(share)
            start += rows
        assert new.info["federated"]["held_out"] != pipe.info["federated"]["held_out"]
        # the same scores: still those of the sites' held-out rows under the final global model
        assert new.info["threshold_fit"]["on"] == pipe.info["threshold_fit"]["on"]
    server.save(tmp_path / "m")
    res = runner.invoke(app, ["threshold", str(tmp_path / "m"), "--threshold", "percentile:80",
                              "-o", str(tmp_path / "m80")])
    assert res.exit_code == 0, res.output
    saved = hourglass.load(tmp_path / "m80").info["federated"]["held_out"]
    assert saved == server.pipeline().with_threshold("percentile:80").info["federated"]["held_out"]


# -- held_out="summaries": the pseudo-union of many held-out scores ------------------------------


def test_the_pseudo_union_of_many_held_out_scores_is_quick_and_each_value_as_asked_alone() -> None:
    import time

    from hourglass.distributed.summaries import pseudo_union, site_summary
    from hourglass.features.statistics import mixture_quantiles
    from hourglass.thresholds import Percentile

    rng = np.random.default_rng(0)
    parts = [rng.exponential(1.0, 100_000), np.r_[np.zeros(25_000), rng.normal(3.0, 1.0, 25_000)]]
    summaries = [site_summary(p, Percentile(99)) for p in parts]
    start = time.thread_time()  # CPU seconds of this thread: a loaded machine does not inflate them
    union = pseudo_union(summaries)
    assert time.thread_time() - start < 0.5  # (a value at a time: 1.2 s for these 150k)
    assert len(union) == 150_000 and bool(np.all(np.diff(union) >= 0))
    # every value as the mixture's quantile at its probability asked alone: ties, flat stretches
    # and jumps included
    sketches = [np.quantile(p, np.linspace(0, 1, 257)) for p in parts] + [np.array([1.0, 1.0, 2.0])]
    probs = np.r_[np.linspace(0.0, 1.0, 101), 0.2500000000001, 1 / 3]
    together = mixture_quantiles(sketches, [200, 100, 7], probs)
    alone = [mixture_quantiles(sketches, [200, 100, 7], [p])[0] for p in probs]
    assert np.array_equal(np.maximum.accumulate(together[:101]), together[:101])
    assert np.array_equal(together[101:], alone[101:])
    assert np.allclose(together[:101], alone[:101], rtol=0, atol=1e-12)


# -- a site that holds no row out: its saved record is JSON ---------------------------------------


def test_a_site_without_held_out_rows_leaves_no_nan_in_the_saved_config(tmp_path: Path, caplog: Any) -> None:
    import json

    import hourglass

    det = _det()
    server = FederatedServer(det, rounds=2)
    with caplog.at_level("INFO", logger="hourglass.distributed.federated"):
        server.run([Site(_rows(60, 1), det, name="east"), Site(_rows(9, 2), det, name="tiny")])
    assert [h["held_out_loss"][1] for h in server.history_] == [None, None]
    assert "sites' held-out losses" in caplog.text and ", none" in caplog.text
    server.save(tmp_path / "m")

    def refuse(token: str) -> None:
        raise AssertionError(f"config.json holds {token}, which JSON has not")

    text = (tmp_path / "m" / "config.json").read_text()
    json.loads(text, parse_constant=refuse)  # as a strict reader (JavaScript's, jq's) reads it
    history = hourglass.load(tmp_path / "m").info["federated"]["history"]
    assert [h["held_out_loss"][1] for h in history] == [None, None]
    assert all(isinstance(h["held_out_loss"][0], float) for h in history)


def test_the_server_app_checks_the_sites_of_its_own_run_not_of_an_earlier_one(fake_flwr: None,
                                                                              tmp_path: Path) -> None:
    from hourglass.distributed.flower import flower_server_app

    det = _det()
    server = FederatedServer(det, rounds=1)
    server.run([Site(_rows(60, 1), det, name="north"), Site(_rows(40, 2), det, name="south")])
    (tmp_path / "m-site-north").write_text("the earlier run's site, not this one's")
    app = flower_server_app(server, sites=2, save=tmp_path / "m")
    grid = _grid(stop=2)  # east and west this time
    with pytest.raises(_Sent):
        app.fn(grid, types.SimpleNamespace(run_config={}))
    assert grid.rounds == 2


# -- a column the preprocessing drops by name: a site may lack it --------------------------------


def test_a_column_given_the_drop_role_may_be_missing_at_a_site_as_with_drop() -> None:
    from hourglass.distributed.federated import run_federated
    from hourglass.features import TabularPreprocessor
    from hourglass.features.statistics import merge_schema, site_schema

    east = _rows(100, 1).assign(ticket=[f"T{i}" for i in range(100)], label="normal")
    west = _rows(80, 2)
    by_role = TabularPreprocessor(roles={"ticket": "drop", "label": "drop"})
    by_drop = TabularPreprocessor(drop=["ticket", "label"])
    pipes = [run_federated([east, west], _det(), pre, rounds=1) for pre in (by_role, by_drop)]
    assert pipes[0].features_.columns_ == pipes[1].features_.columns_ == ["a", "b"]
    assert pipes[0].features_.roles_["ticket"] == "drop"
    assert np.array_equal(pipes[0].score(west), pipes[1].score(west))
    # a column dropped at one site only by inference (near-unique text there) still needs every site
    params = TabularPreprocessor().get_params()
    with pytest.raises(InputError, match=r"other columns than site 1 \(differ: it lacks 'label', 'ticket'"):
        merge_schema([site_schema(params, east), site_schema(params, west)])
    # and a feature given a role other than drop too
    roles = TabularPreprocessor(roles={"label": "categorical"}).get_params()
    with pytest.raises(InputError, match=r"site 2 has other columns than site 1 \(differ: it lacks 'label'"):
        merge_schema([site_schema(roles, east.drop(columns="ticket")), site_schema(roles, west)])


# -- the caller's torch random numbers ---------------------------------------------------------


def test_a_federated_run_and_loading_its_model_leave_the_callers_torch_rng_alone(tmp_path: Path) -> None:
    import torch

    import hourglass
    from hourglass.distributed.federated import run_federated

    def after(work: Any) -> torch.Tensor:
        torch.manual_seed(7)
        work()
        return torch.rand(3)

    untouched = after(lambda: None)
    sites = [_rows(60, 1), _rows(40, 2)]
    pipe = run_federated(sites, _det(), rounds=1)
    assert torch.equal(after(lambda: run_federated(sites, _det(), rounds=1)), untouched)
    pipe.save(tmp_path / "m")
    assert torch.equal(after(lambda: hourglass.load(tmp_path / "m")), untouched)
    # as a pooled fit leaves it (its training draws from a generator of its own)
    assert torch.equal(after(lambda: hourglass.Pipeline(_det()).fit(_rows(60, 1))), untouched)
    # and the scores are those of the model, not of the caller's random state
    torch.manual_seed(1)
    first = hourglass.load(tmp_path / "m").score(_rows(20, 3))
    torch.manual_seed(2)
    assert np.array_equal(hourglass.load(tmp_path / "m").score(_rows(20, 3)), first)


def test_sites_too_small_to_hold_rows_out_are_not_told_to_raise_validation_fraction() -> None:
    from hourglass.distributed.federated import run_federated

    with pytest.raises(InputError, match=r"0 held-out rows in all \(sites of 9, 8 rows; .*needs at least 2; "
                                         r"add rows \(validation_fraction holds none out below 10\)") as err:
        run_federated([_rows(9, 1), _rows(8, 2)], _det().set_params(validation_fraction=0.5))
    assert "raise validation_fraction" not in str(err.value)
    with pytest.raises(InputError, match=r"needs at least 2; raise validation_fraction or add rows"):
        run_federated([_rows(12, 1), _rows(8, 2)], _det().set_params(validation_fraction=0.05))
