"""Review 8 of distributed and federated training (federated rounds, Spark scoring, the Adam
optimiser, grouped reductions, the small-batch transform, input checks): each test the
reproduction of a defect found, fixed in the same change."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass.detectors import AutoEncoder
from hourglass.distributed.federated import FederatedServer, Site
from hourglass.errors import InputError


def _site(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"bytes": rng.exponential(100, n), "proto": rng.choice(["tcp", "udp"], n)})


def _det() -> AutoEncoder:
    return AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)


def test_summaries_without_a_site_of_two_held_out_rows_refused_in_round_one() -> None:
    # two sites of 11 rows hold out 1 row each: 2 in all (enough for held_out="scores"), but a
    # site under 2 held-out rows sends no calibration, so "summaries" had nothing to fit the
    # shared threshold on, and said so only after every training round
    server = FederatedServer(_det(), rounds=1, held_out="summaries")
    sites = [Site(_site(11, 0), _det()), Site(_site(11, 1), _det())]
    parameters, config = server.configure(1)
    with pytest.raises(InputError, match=r"held_out='summaries': no site holds out 2 or more rows"):
        server.aggregate(1, [s.fit(parameters, config) for s in sites])
    scores = FederatedServer(_det(), rounds=1).run(sites).pipeline()  # "scores": 2 rows, fine
    assert scores.info["threshold_fit"]["rows"] == 2


def test_spark_keep_as_a_bare_string_is_refused_on_the_driver() -> None:
    from hourglass.distributed.spark import output_schema, score_partitions

    # keep="flow_id" was read as its letters: accepted, then the first batch on an executor
    # failed with "no column 'f'" (and output_schema with "not enough values to unpack")
    with pytest.raises(ValueError, match=r"string 'flow_id' \(read as its letters\); write \['flow_id'\]"):
        score_partitions("model", keep="flow_id", check=False)
    with pytest.raises(ValueError, match=r"write \{'flow_id': 'string'\}"):
        output_schema(keep="flow_id")  # type: ignore[arg-type]
    assert score_partitions("model", keep=["flow_id"], check=False).keep == ("flow_id",)


def test_federated_fit_seconds_is_the_runs_not_since_the_server_was_built(monkeypatch) -> None:
    from types import SimpleNamespace

    from hourglass.distributed import federated

    clock = {"now": 0.0}
    monkeypatch.setattr(federated, "time", SimpleNamespace(perf_counter=lambda: clock["now"]))
    server = FederatedServer(_det(), rounds=1)
    clock["now"] = 1000.0  # the sites connected late (a Flower server waits for them)
    server.run([Site(_site(30, 0), _det()), Site(_site(30, 1), _det())])
    clock["now"] = 5000.0  # the models built an hour later
    # it counted from the server's construction to each pipeline() call: 5000 s, then more
    assert server.pipeline().info["fit_seconds"] == 0.0
    assert server.pipeline(site=1).info["fit_seconds"] == 0.0


def test_a_flower_without_the_message_api_is_one_clear_error(monkeypatch) -> None:
    import sys
    import types

    from hourglass.distributed import flower

    old = types.ModuleType("flwr")  # an older Flower: no flwr.app (the Message API's records)
    old.__version__ = "1.18.0"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "flwr", old)
    monkeypatch.delitem(sys.modules, "flwr.app", raising=False)
    monkeypatch.delitem(sys.modules, "flwr.common", raising=False)
    # it was "ModuleNotFoundError: No module named 'flwr.app'", a traceback
    for make in (lambda: flower.flower_server_app(FederatedServer(_det(), rounds=1), sites=2),
                 lambda: flower.flower_client_app(lambda ctx: Site(_site(30, 0), _det())),
                 lambda: flower.flower_strategy(FederatedServer(_det(), rounds=1), sites=2)):
        with pytest.raises(InputError, match=r"^Flower 1\.18\.0 is installed, without .*flwr >= 1\.42"):
            make()


def test_a_label_near_one_is_shown_as_it_is_not_as_one() -> None:
    from hourglass.features.validation import check_labels

    # "%g" rounded it to 6 digits: "labels must be 0 or 1, found 1"
    for bad, shown in ((1.0000001, "1.0000001"), (0.9999999, "0.9999999"), (2.0, "2")):
        with pytest.raises(InputError, match=rf"found {shown}$"):
            check_labels([0, bad], 2)


def test_federated_save_writes_no_model_when_one_target_is_refused(tmp_path) -> None:
    server = FederatedServer(_det(), rounds=1).run(
        [Site(_site(40, k), _det(), name=n) for k, n in enumerate(("east", "west"))])
    (tmp_path / "model-site-west").mkdir()
    (tmp_path / "model-site-west" / "notes.txt").write_text("mine")
    # it saved model/ and model-site-east/ (replacing an earlier run's), then refused the west
    with pytest.raises(InputError, match="model-site-west: exists and is not a model directory"):
        server.save(tmp_path / "model")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model-site-west"]
    (tmp_path / "model-site-west" / "notes.txt").unlink()
    assert sorted(server.save(tmp_path / "model")) == ["east", "shared", "west"]


def test_spark_output_schema_refuses_keep_that_is_not_column_type_pairs() -> None:
    from hourglass.distributed.spark import output_schema

    # ["ab"] gave the column `a` of Spark type "b"; ["flow_id"] "too many values to unpack"
    for bad in (["ab"], ["flow_id"], [("a", "bigint", "x")], [("a", 5)]):
        with pytest.raises(ValueError, match=r"^keep: expected the kept columns with their Spark types"):
            output_schema(keep=bad)  # type: ignore[arg-type]
    assert output_schema(keep=[["id", "bigint"]]).endswith("`id` bigint")  # type: ignore[list-item]


def test_federated_save_to_the_current_folder(tmp_path, monkeypatch) -> None:
    server = FederatedServer(_det(), rounds=1).run([Site(_site(40, k), _det()) for k in range(2)])
    (tmp_path / "model").mkdir()
    monkeypatch.chdir(tmp_path / "model")
    # "." has no name to put "-site-1" after: "ValueError: PosixPath('.') has an empty name",
    # after the shared model was written
    paths = server.save(".")
    assert {k: p.name for k, p in paths.items()} == {"shared": "model", "1": "model-site-1",
                                                     "2": "model-site-2"}
    assert all((p / "config.json").is_file() for p in paths.values())


def test_a_threshold_rule_no_site_can_fit_is_refused_before_training(caplog) -> None:
    import logging

    from hourglass.thresholds import AlertBudget, BestF1

    # the sites fit the rule on their unlabelled held-out scores in the last round: a rule that
    # needs labels or an event rate failed there, after every training round
    for rule, why in ((BestF1(), "labelled validation"), (AlertBudget(10), "needs the event rate")):
        with pytest.raises(InputError, match=rf"^threshold: .*{why}.*held-out normal scores, unlabelled"):
            FederatedServer(AutoEncoder(verbose=0, threshold=rule))
    with caplog.at_level(logging.INFO, logger="hourglass"):  # the made-up fit's notes stay quiet
        FederatedServer(AutoEncoder(verbose=0, threshold=AlertBudget(5, events_per_day=1e5)))
    assert not caplog.records
    assert logging.getLogger("hourglass.thresholds").level == logging.NOTSET


def test_held_out_rows_too_few_for_the_rule_are_refused_in_round_one() -> None:
    from hourglass.thresholds import FalseAlarmBound

    # FalseAlarmBound(0.01) needs 299 held-out scores: a site of 120 rows (12 held out) failed
    # fitting its own threshold in the last round, after every training round
    det = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, threshold=FalseAlarmBound(0.01))
    server = FederatedServer(det, rounds=1)
    sites = [Site(_site(120, 0), det), Site(_site(3000, 1), det)]
    parameters, config = server.configure(1)
    with pytest.raises(InputError, match=r"^site 1: 12 held-out rows, too few for its own threshold "
                                         r"\(FalseAlarmBound: .*needs at least 299"):
        server.aggregate(1, [s.fit(parameters, config) for s in sites])


@pytest.mark.parametrize("rnd,change", [(1, lambda st: {"foo": 1}), (1, lambda st: [1, 2]),
                                        (1, lambda st: {**st, "columns": {c: {} for c in st["columns"]}}),
                                        (2, lambda st: {**st, "mean": st["mean"][:1]}),
                                        (2, lambda st: {**st, "comoment": [[1.0, 2.0], [3.0]]}),
                                        (2, lambda st: {**st, "rows": st["rows"] - 1})])
def test_schema_and_scales_replies_that_are_not_site_statistics_are_refused(rnd, change) -> None:
    from hourglass.distributed.federated import decode, encode

    # merged as they came: KeyError, TypeError or ValueError tracebacks at the server, or (a
    # mean of one column beside two) NumPy broadcasting one site's statistics over the others'
    rng = np.random.default_rng(0)
    sites = [Site(pd.DataFrame({"a": rng.normal(size=50), "b": rng.exponential(size=50)}), _det())
             for _ in range(2)]
    server = FederatedServer(_det(), rounds=1)
    for r in range(1, rnd + 1):
        parameters, config = server.configure(r)
        replies = [s.fit(parameters, config) for s in sites]
        if r == rnd:
            arrays, n, metrics = replies[1]
            replies[1] = ([encode(change(decode(arrays[0]))), *arrays[1:]], n, metrics)
            with pytest.raises(InputError, match=r"round: (site 2|the sites').*same hourglass version"):
                server.aggregate(r, replies)
        else:
            server.aggregate(r, replies)
