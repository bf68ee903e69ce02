"""The federated rounds over Flower on localhost: one server, three sites (threads), gRPC.

Needs ``flwr``, which conflicts with the pinned stack (see pyproject's ``federated`` extra): run
it from an environment that has it, e.g. a venv that adds flwr beside the project's packages::

    python -m venv /tmp/flvenv
    echo "$PWD/.venv/lib/python3.11/site-packages" > /tmp/flvenv/lib/python3.11/site-packages/zz.pth
    /tmp/flvenv/bin/pip install flwr
    PYTHONPATH=src /tmp/flvenv/bin/python benchmarks/federated_flower.py

It checks that the model trained over Flower scores as the one :func:`run_federated` trains in
one process from the same sites.
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pandas as pd

from hourglass.detectors import AutoEncoder
from hourglass.distributed.federated import FederatedServer, Site, run_federated
from hourglass.distributed.flower import flower_client, flower_strategy

ADDRESS = "127.0.0.1:18089"


def _flows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"proto": rng.choice(["tcp", "udp", "icmp"], n, p=[0.6, 0.3, 0.1]),
                         "bytes": rng.lognormal(6, 2, n).round(), "rate": rng.uniform(0, 1, n)})


def main() -> None:
    import flwr as fl

    det = AutoEncoder(hidden=(16, 4), epochs=1, verbose=0, device="cpu")
    sites = [_flows(n, seed) for seed, n in enumerate((400, 600, 800))]
    server = FederatedServer(det, rounds=3, local_epochs=2)

    def client(rows: object) -> None:
        time.sleep(4)  # the server starts first
        fl.client.start_client(server_address=ADDRESS, client=flower_client(Site(rows, det)))

    threads = [threading.Thread(target=client, args=(s,)) for s in sites]
    for t in threads:
        t.start()
    start = time.perf_counter()
    fl.server.start_server(server_address=ADDRESS, strategy=flower_strategy(server, sites=len(sites)),
                           config=fl.server.ServerConfig(num_rounds=server.n_rounds))
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    test = _flows(200, 9)
    same = np.array_equal(server.pipeline().score(test),
                          run_federated(sites, det, rounds=3, local_epochs=2).score(test))
    logging.getLogger(__name__).warning("Flower: %d rounds in %.1f s (incl. 4 s start); scores "
                                        "identical to the in-process run: %s", server.n_rounds, seconds, same)


if __name__ == "__main__":
    main()
