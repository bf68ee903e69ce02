"""Flower wrappers of the federated run: a ``NumPyClient`` per site and a ``Strategy`` on the
server, so the rounds of :mod:`hourglass.distributed.federated` travel over Flower.

Flower is the user's (``pip install flwr``, a separate environment: its own pins of typer, rich
and protobuf conflict with hourglass' stack today); this module imports it only when called.
The wrappers only carry messages: the logic, and its tests, are in
:class:`~hourglass.distributed.federated.Site` and
:class:`~hourglass.distributed.federated.FederatedServer`. Every site must answer every round
(the statistics and the held-out scores need them all); a failed site stops the run::

    # server
    import flwr as fl
    from hourglass.distributed.flower import flower_strategy
    server = FederatedServer(AutoEncoder(), TabularPreprocessor(), rounds=10, local_epochs=2)
    fl.server.start_server(server_address="0.0.0.0:8080", strategy=flower_strategy(server, sites=3),
                           config=fl.server.ServerConfig(num_rounds=server.n_rounds))
    server.pipeline().save("model/")

    # each site
    from hourglass.distributed.flower import flower_client
    fl.client.start_client(server_address="server:8080",
                           client=flower_client(Site(my_rows, AutoEncoder(), TabularPreprocessor())))
"""

from __future__ import annotations

from typing import Any

from hourglass.distributed.federated import FederatedServer, Site
from hourglass.errors import InputError

__all__ = ["flower_client", "flower_strategy"]


def _flwr() -> Any:
    try:
        import flwr
    except ImportError:
        raise InputError("Flower is not installed: pip install flwr (in its own environment, see "
                         "the README's Federated training)") from None
    return flwr


def flower_client(site: Site) -> Any:
    """The site as a Flower client (``NumPyClient(...).to_client()``)."""
    flwr = _flwr()

    class _SiteClient(flwr.client.NumPyClient):  # type: ignore[misc,name-defined]
        def get_parameters(self, config: dict[str, Any]) -> Any:
            return site.get_parameters(config)

        def fit(self, parameters: Any, config: dict[str, Any]) -> Any:
            return site.fit(parameters, config)

        def evaluate(self, parameters: Any, config: dict[str, Any]) -> Any:
            return site.evaluate(parameters, config)

    return _SiteClient().to_client()


def flower_strategy(server: FederatedServer, *, sites: int) -> Any:
    """A Flower ``Strategy`` that runs ``server``'s rounds with exactly ``sites`` clients (it
    waits for all of them each round); ``ServerConfig(num_rounds=server.n_rounds)``."""
    flwr = _flwr()
    from flwr.common import FitIns, ndarrays_to_parameters, parameters_to_ndarrays

    if int(sites) < 1:
        raise ValueError(f"sites must be >= 1, got {sites}")

    class _Strategy(flwr.server.strategy.Strategy):  # type: ignore[misc,name-defined]
        def initialize_parameters(self, client_manager: Any) -> Any:
            return ndarrays_to_parameters([])

        def configure_fit(self, server_round: int, parameters: Any, client_manager: Any) -> Any:
            arrays, config = server.configure(server_round)
            clients = client_manager.sample(num_clients=int(sites), min_num_clients=int(sites))
            ins = FitIns(ndarrays_to_parameters(arrays), config)
            return [(c, ins) for c in clients]

        def aggregate_fit(self, server_round: int, results: Any, failures: Any) -> Any:
            if failures or len(results) != int(sites):
                raise InputError(f"federated round {server_round}: {len(results)} of {sites} sites "
                                 f"answered ({len(failures)} failed); every site must answer")
            server.aggregate(server_round, [(parameters_to_ndarrays(r.parameters), r.num_examples,
                                             r.metrics) for _, r in results])
            weights = server.weights_ if hasattr(server, "weights_") else []
            return ndarrays_to_parameters(list(weights)), {}

        def configure_evaluate(self, server_round: int, parameters: Any, client_manager: Any) -> Any:
            return []

        def aggregate_evaluate(self, server_round: int, results: Any, failures: Any) -> Any:
            return None, {}

        def evaluate(self, server_round: int, parameters: Any) -> Any:
            return None

    return _Strategy()
