"""The federated rounds over Flower on localhost: one server, three sites (threads), gRPC.

Needs ``flwr``, which conflicts with the pinned stack (see pyproject's ``federated`` extra): run
it from an environment that has it, e.g. a venv that adds flwr beside the project's packages::

    python -m venv /tmp/flvenv
    echo "$PWD/.venv/lib/python3.11/site-packages" > /tmp/flvenv/lib/python3.11/site-packages/zz.pth
    /tmp/flvenv/bin/pip install flwr
    PYTHONPATH=src /tmp/flvenv/bin/python benchmarks/federated_flower.py              # --api legacy
    /tmp/flvenv/bin/pip install ray   # Flower's simulation runtime
    PYTHONPATH=src /tmp/flvenv/bin/python benchmarks/federated_flower.py --api app

``--api legacy`` (default): ``fl.server.start_server`` + ``fl.client.start_client`` (deprecated
by Flower) on localhost gRPC, the sites in threads. ``--api app``: the current Message API,
``flower_server_app`` + ``flower_client_app`` under ``flwr.simulation.run_simulation`` (three
SuperNodes in Ray). It checks that the model trained over Flower scores as the one
:func:`run_federated` trains in one process from the same sites, and writes
``benchmarks/results/federated_flower_<api>.md``.
"""

from __future__ import annotations

import argparse
import logging
import platform
import sys
import threading
import time

import numpy as np
import pandas as pd

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from _common import write_result
from hourglass.detectors import AutoEncoder
from hourglass.distributed.federated import FederatedServer, Site, run_federated
from hourglass.distributed.flower import flower_client, flower_client_app, flower_server_app, flower_strategy

ADDRESS = "127.0.0.1:18089"


def _flows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"proto": rng.choice(["tcp", "udp", "icmp"], n, p=[0.6, 0.3, 0.1]),
                         "bytes": rng.lognormal(6, 2, n).round(), "rate": rng.uniform(0, 1, n)})


def _legacy(server: FederatedServer, det: AutoEncoder, sites: list[pd.DataFrame]) -> None:
    import flwr as fl

    def client(rows: object) -> None:
        time.sleep(4)  # the server starts first
        fl.client.start_client(server_address=ADDRESS, client=flower_client(Site(rows, det)))

    threads = [threading.Thread(target=client, args=(s,)) for s in sites]
    for t in threads:
        t.start()
    fl.server.start_server(server_address=ADDRESS, strategy=flower_strategy(server, sites=len(sites)),
                           config=fl.server.ServerConfig(num_rounds=server.n_rounds))
    for t in threads:
        t.join()


def _app(server: FederatedServer, det: AutoEncoder, sites: list[pd.DataFrame]) -> None:
    from flwr.simulation import run_simulation

    client_app = flower_client_app(lambda context: Site(sites[int(context.node_config["partition-id"])], det))
    run_simulation(server_app=flower_server_app(server, sites=len(sites)), client_app=client_app,
                   num_supernodes=len(sites),
                   backend_config={"client_resources": {"num_cpus": 1, "num_gpus": 0.0},
                                   "init_args": {"num_cpus": 2}})


def main() -> None:
    import flwr

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--api", choices=("legacy", "app"), default="legacy",
                    help="legacy: start_server/start_client (deprecated); app: ServerApp/ClientApp")
    args = ap.parse_args()
    det = AutoEncoder(hidden=(16, 4), epochs=1, verbose=0, device="cpu")
    sites = [_flows(n, seed) for seed, n in enumerate((400, 600, 800))]
    server = FederatedServer(det, rounds=3, local_epochs=2)
    start = time.perf_counter()
    (_legacy if args.api == "legacy" else _app)(server, det, sites)
    seconds = time.perf_counter() - start
    test = _flows(200, 9)
    # FedAvg sums the sites' weights in reply order (Flower's: node ids), and float sums depend on
    # order: compare with the in-process run over the sites in that order (row counts differ)
    order = sorted(sites, key=lambda rows: server.site_rows_.index(len(rows)))
    flower_pipe, local_pipe = server.pipeline(), run_federated(order, det, rounds=3, local_epochs=2)
    flower_scores, local_scores = flower_pipe.score(test), local_pipe.score(test)
    same = np.array_equal(flower_scores, local_scores)
    same_flags = np.array_equal(flower_pipe.predict(test), local_pipe.predict(test))
    logging.getLogger(__name__).warning("Flower (%s): %d rounds in %.1f s; scores identical to the "
                                        "in-process run: %s", args.api, server.n_rounds, seconds, same)
    how = ("`fl.server.start_server` + `fl.client.start_client` (deprecated upstream), gRPC on "
           "localhost, sites in threads (incl. a 4 s start delay)" if args.api == "legacy" else
           "`flower_server_app` + `flower_client_app` (Message API) under "
           "`flwr.simulation.run_simulation`, 3 SuperNodes on Ray")
    write_result(f"federated_flower_{args.api}", f"""# Federated rounds over Flower ({args.api} API)

`PYTHONPATH=src python benchmarks/federated_flower.py --api {args.api}` (flwr {flwr.__version__},
Python {platform.python_version()}, CPU, shared 2-core machine). {how}.

3 sites of generated flows (400, 600, 800 rows: proto, bytes, rate), `AutoEncoder(hidden=(16, 4))`,
3 FedAvg rounds of 2 local epochs ({server.n_rounds} Flower rounds with the statistics and scores).
Test: 200 generated rows scored by the model trained over Flower and by `run_federated` in one
process from the same sites, in the order Flower's replies came ({server.site_rows_} rows; FedAvg's
float sums depend on the order: in another order the scores differ by ~1e-3).

| check | result |
|---|---|
| scores identical to `run_federated` (`np.array_equal`) | {same} |
| max abs score difference | {float(np.max(np.abs(flower_scores - local_scores))):.3g} |
| 0/1 flags identical (the threshold fitted on the sites' held-out scores) | {same_flags} |
| wall seconds (Flower run, shared machine) | {seconds:.1f} |
""")
    if not (same and same_flags):
        raise SystemExit("the model trained over Flower differs from the in-process one")


if __name__ == "__main__":
    main()
