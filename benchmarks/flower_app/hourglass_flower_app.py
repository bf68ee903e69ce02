"""hourglass' federated rounds as a Flower App: ``flwr run`` loads ``server_app`` on the SuperLink
side and ``client_app`` on every SuperNode (started with ``--node-config "data='rows.csv'"``)."""

from __future__ import annotations

import pandas as pd

from hourglass.detectors import AutoEncoder
from hourglass.distributed.federated import FederatedServer, Site
from hourglass.distributed.flower import flower_client_app, flower_server_app


def detector() -> AutoEncoder:
    return AutoEncoder(hidden=(16, 4), epochs=1, verbose=0, device="cpu")


server_app = flower_server_app(FederatedServer(detector(), rounds=3, local_epochs=2), sites=3)
client_app = flower_client_app(lambda ctx: Site(pd.read_csv(str(ctx.node_config["data"])), detector()))
