"""Flower wrappers of the federated run, so the rounds of :mod:`hourglass.distributed.federated`
travel over Flower.

Flower is the user's (``pip install flwr``, a separate environment: its own pins of typer, rich
and protobuf conflict with hourglass' stack today); this module imports it only when called.
The wrappers only carry messages: the logic, and its tests, are in
:class:`~hourglass.distributed.federated.Site` and
:class:`~hourglass.distributed.federated.FederatedServer`. Every site must answer every round
(the statistics and the held-out scores need them all); a failed site stops the run.

Flower's current API (the Message API; checked with flwr 1.42): :func:`flower_server_app` and
:func:`flower_client_app` give a ``ServerApp`` and a ``ClientApp`` for ``flwr run`` (local
SuperLink + SuperNodes) or ``flwr.simulation.run_simulation``::

    # app.py (the same module on the server and every site)
    from hourglass.distributed.flower import flower_client_app, flower_server_app
    server = FederatedServer(AutoEncoder(), TabularPreprocessor(), rounds=10, local_epochs=2)
    server_app = flower_server_app(server, sites=3, save="model/")
    client_app = flower_client_app(
        lambda context: Site(read_rows(context.node_config["data"]), AutoEncoder(), TabularPreprocessor()))

The older :func:`flower_strategy` and :func:`flower_client` (a ``Strategy`` and a
``NumPyClient`` for ``fl.server.start_server``/``fl.client.start_client``, deprecated by Flower
since 1.13) still work.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hourglass.distributed.federated import FederatedServer, Site
from hourglass.errors import InputError

__all__ = ["flower_client", "flower_client_app", "flower_server_app", "flower_strategy"]

logger = logging.getLogger(__name__)


def _flwr() -> Any:
    try:
        import flwr
    except ImportError:
        raise InputError("Flower is not installed: pip install flwr (in its own environment, see "
                         "the README's Federated training)") from None
    return flwr


def _too_old(flwr: Any, what: str) -> InputError:
    """The error for an installed Flower without ``what`` (its Message API came in later versions)."""
    version = getattr(flwr, "__version__", None) or "of unknown version"
    return InputError(f"Flower {version} is installed, without {what}: hourglass' Flower wrappers "
                      "need flwr >= 1.42 (pip install -U 'flwr>=1.42', in its own environment)")


def flower_client(site: Site) -> Any:
    """The site as a Flower client (``NumPyClient(...).to_client()``) for
    ``fl.client.start_client``, which Flower deprecates: prefer :func:`flower_client_app`.

    Parameters
    ----------
    site
        The site whose ``get_parameters``/``fit``/``evaluate`` answer Flower's calls.

    Returns
    -------
    flwr.client.Client
        The client to hand to ``fl.client.start_client``.

    Raises
    ------
    hourglass.errors.InputError
        Flower is not installed.

    Examples
    --------
    Flower is installed apart from hourglass (its pins conflict), so this example does not run
    in hourglass' own tests:

    >>> import flwr as fl  # doctest: +SKIP
    >>> site = Site(rows, AutoEncoder(), name="east")  # doctest: +SKIP
    >>> fl.client.start_client(server_address="127.0.0.1:8080", client=flower_client(site))  # doctest: +SKIP
    """
    flwr = _flwr()
    numpy_client: Any = flwr.client.NumPyClient  # a base class read at run time

    class _SiteClient(numpy_client):
        def get_parameters(self, config: dict[str, Any]) -> Any:
            return site.get_parameters(config)

        def fit(self, parameters: Any, config: dict[str, Any]) -> Any:
            return site.fit(parameters, config)

        def evaluate(self, parameters: Any, config: dict[str, Any]) -> Any:
            return site.evaluate(parameters, config)

    return _SiteClient().to_client()


def flower_strategy(server: FederatedServer, *, sites: int) -> Any:
    """A Flower ``Strategy`` that runs ``server``'s rounds with exactly ``sites`` clients (it
    waits for all of them each round); ``ServerConfig(num_rounds=server.n_rounds)``. For
    ``fl.server.start_server``, which Flower deprecates: prefer :func:`flower_server_app`.

    Parameters
    ----------
    server
        The federated run whose rounds the strategy carries.
    sites
        How many clients answer every round (>= 1).

    Returns
    -------
    flwr.server.strategy.Strategy
        The strategy to hand to ``fl.server.start_server``.

    Raises
    ------
    hourglass.errors.InputError
        Flower is not installed, or too old; a round some site did not answer.
    ValueError
        ``sites`` below 1.

    Examples
    --------
    Flower is installed apart from hourglass (its pins conflict), so this example does not run
    in hourglass' own tests:

    >>> import flwr as fl  # doctest: +SKIP
    >>> server = FederatedServer(AutoEncoder(), rounds=10)  # doctest: +SKIP
    >>> fl.server.start_server(server_address="0.0.0.0:8080", strategy=flower_strategy(server, sites=3),
    ...                        config=fl.server.ServerConfig(num_rounds=server.n_rounds))  # doctest: +SKIP
    >>> server.pipeline().save("model/")  # doctest: +SKIP
    """
    flwr = _flwr()
    try:
        from flwr.common import FitIns, ndarrays_to_parameters, parameters_to_ndarrays
    except ImportError:
        raise _too_old(flwr, "flwr.common's FitIns") from None

    if int(sites) < 1:
        raise InputError(f"sites must be >= 1, got {sites}", param="sites")

    strategy: Any = flwr.server.strategy.Strategy  # a base class read at run time

    class _Strategy(strategy):
        def initialize_parameters(self, client_manager: Any) -> Any:
            return ndarrays_to_parameters([])

        def configure_fit(self, server_round: int, parameters: Any, client_manager: Any) -> Any:
            # the sites first: sample() waits for them to connect, which is no training time
            clients = client_manager.sample(num_clients=int(sites), min_num_clients=int(sites))
            arrays, config = server.configure(server_round)
            ins = FitIns(ndarrays_to_parameters(arrays), config)
            return [(c, ins) for c in clients]

        def aggregate_fit(self, server_round: int, results: Any, failures: Any) -> Any:
            if failures or len(results) != int(sites):
                reasons = _reasons([_failed_fit(f) for f in failures])
                raise InputError(f"federated round {server_round}: {len(results)} of {sites} sites "
                                 f"answered ({len(failures)} failed{': ' + reasons if reasons else ''}); "
                                 "every site must answer")
            # replies in one order every round (by client id; they arrive in any order): FedAvg's
            # float sums depend on it, and site k of the last round must be site k of the first
            ordered = sorted(results, key=lambda cr: str(cr[0].cid))
            server.aggregate(server_round, [(parameters_to_ndarrays(r.parameters), r.num_examples,
                                             r.metrics) for _, r in ordered])
            weights = server.weights_ if hasattr(server, "weights_") else []
            return ndarrays_to_parameters(list(weights)), {}

        def configure_evaluate(self, server_round: int, parameters: Any, client_manager: Any) -> Any:
            return []

        def aggregate_evaluate(self, server_round: int, results: Any, failures: Any) -> Any:
            return None, {}

        def evaluate(self, server_round: int, parameters: Any) -> Any:
            return None

    return _Strategy()


# -- Flower's Message API (ServerApp / ClientApp) -----------------------------------------------
_STATE = "hourglass"  # the ConfigRecord in a node's context.state that keeps the shared preprocessing


def _reply_parts(message: Any, rnd: int) -> tuple[list[np.ndarray], int, dict[str, Any]]:
    """``(arrays, num-examples, metrics)`` of one site's train reply, or an :class:`InputError`
    naming the node and the missing part (a reply of another app, or an older client's)."""
    node = message.metadata.src_node_id
    try:
        arrays = message.content["arrays"].to_numpy_ndarrays()
        metrics = dict(message.content["metrics"])
    except (KeyError, AttributeError, TypeError) as err:
        raise InputError(f"federated round {rnd}: node {node}'s reply has no {err} record; a site "
                         "answers with 'arrays' and 'metrics' (hourglass' flower_client_app)") from None
    n = metrics.get("num-examples")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise InputError(f"federated round {rnd}: node {node}'s reply has no usable 'num-examples' "
                         f"metric (got {n!r}); a site reports how many rows it trained on")
    return arrays, int(n), metrics


def _failed_fit(failure: Any) -> str:
    """One failure of Flower's legacy server (``aggregate_fit``'s ``failures``) in one line: an
    exception (a client's error reply, as Flower raises it; a lost connection), or a ``(client,
    FitRes)`` whose status is not OK, with the client's id and its status message."""
    if isinstance(failure, BaseException):
        return _last_line(f"{type(failure).__name__}: {failure}")
    try:
        client, res = failure
    except (TypeError, ValueError):
        return _last_line(str(failure))
    message = str(getattr(getattr(res, "status", None), "message", "") or "")
    return f"client {getattr(client, 'cid', '?')}: {_last_line(message)}"


#: failed sites whose reasons a failed round tells, and the characters of each reason it shows
_REASONS, _REASON_CHARS = 3, 300


def _reasons(reasons: list[str]) -> str:
    """The reasons of a round's failed sites for its one-line error: the first :data:`_REASONS`
    (with many sites failing, often one reason many times), each cut to its start and end past
    :data:`_REASON_CHARS` characters (a site's error may quote a long value), and how many more.

    Examples
    --------
    >>> _reasons(["node 1: no rows", "node 2: no rows"])
    'node 1: no rows; node 2: no rows'
    >>> _reasons([f"node {k}: no rows" for k in range(1, 6)])
    'node 1: no rows; node 2: no rows; node 3: no rows (and 2 more)'
    >>> len(_reasons(["x" * 5000]))
    305
    """
    half = _REASON_CHARS // 2
    shown = [r if len(r) <= _REASON_CHARS else f"{r[:half]} ... {r[-half:]}" for r in reasons[:_REASONS]]
    more = f" (and {len(reasons) - _REASONS} more)" if len(reasons) > _REASONS else ""
    return "; ".join(shown) + more


def _last_line(reason: str) -> str:
    """A Flower error reason may be a whole traceback: its last line names the site's error
    (lines parted at newlines only: a CR in a value the error quotes is not a line's end)."""
    lines = [ln.strip() for ln in reason.split("\n") if ln.strip()]
    return lines[-1] if lines else "(no reason given)"


def flower_client_app(make_site: Callable[[Any], Site]) -> Any:
    """A Flower ``ClientApp`` whose ``train`` messages are answered by a :class:`Site`.

    ``make_site(context)`` builds the site from Flower's ``Context`` (e.g. its rows from
    ``context.node_config["partition-id"]`` in a simulation, or a path the SuperNode was started
    with, ``flower-supernode --node-config "data='rows.csv'"``). Flower may rebuild the app between
    rounds: the site is kept per node in this process until its run's last round (or a failed
    round), not after (its rows and model, run after run in a notebook), and the shared
    preprocessing in the node's ``context.state``, so a rebuilt site resumes
    (:meth:`Site.load_inputs`). A site without a
    ``name`` is named ``partition-<id>`` where the node config has a ``partition-id`` (Flower's
    simulation): its own model is saved under that name (:func:`flower_server_app`).

    Parameters
    ----------
    make_site
        Builds a node's :class:`Site` from Flower's ``Context``.

    Returns
    -------
    flwr.clientapp.ClientApp
        The app for ``flwr run`` or ``flwr.simulation.run_simulation``.

    Raises
    ------
    hourglass.errors.InputError
        Flower is not installed, or older than its Message API.

    Examples
    --------
    Flower is installed apart from hourglass (its pins conflict), so this example does not run
    in hourglass' own tests:

    >>> parts = [pd.DataFrame({"a": rng.normal(size=200)}) for _ in range(3)]  # doctest: +SKIP
    >>> def make_site(context):
    ...     return Site(parts[int(context.node_config["partition-id"])], AutoEncoder())
    >>> client_app = flower_client_app(make_site)  # doctest: +SKIP
    """
    flwr = _flwr()
    try:
        from flwr.app import ArrayRecord, ConfigRecord, Message, MetricRecord, RecordDict
        client_app: Any = flwr.clientapp.ClientApp
    except (ImportError, AttributeError):
        raise _too_old(flwr, "the Message API (flwr.app, flwr.clientapp)") from None

    sites: dict[tuple[int, int], Site] = {}
    app = client_app()

    @app.train()
    def train(msg: Any, context: Any) -> Any:
        key = (int(context.run_id), int(context.node_id))
        site = sites.get(key)
        if site is None:
            site = sites[key] = make_site(context)
            if site.name is None and "partition-id" in context.node_config:
                site.name = f"partition-{int(context.node_config['partition-id'])}"
            if _STATE in context.state and not hasattr(site, "X_"):
                site.load_inputs(json.loads(str(context.state[_STATE]["features"])))
        config = dict(msg.content["config"])
        try:
            arrays, n, metrics = site.fit(msg.content["arrays"].to_numpy_ndarrays(), config)
        except BaseException:
            sites.pop(key, None)  # a failed reply ends the run (flower_server_app)
            raise
        if config.get("phase") == "inputs":
            context.state[_STATE] = ConfigRecord({"features": json.dumps(site.features_.to_dict())})
        elif config.get("phase") == "scores":  # the run's last round: the site is done
            sites.pop(key, None)
        reply = RecordDict({"arrays": ArrayRecord([np.asarray(a) for a in arrays]),
                            "metrics": MetricRecord({**metrics, "num-examples": int(n)})})
        return Message(content=reply, reply_to=msg)

    return app


def flower_server_app(server: FederatedServer, *, sites: int, save: str | Path | None = None,
                      timeout: float | None = None, site_timeout: float | None = None) -> Any:
    """A Flower ``ServerApp`` that runs ``server``'s rounds with exactly ``sites`` SuperNodes.

    It waits until ``sites`` nodes are connected (at most ``site_timeout`` seconds, ``None``:
    wait; fewer by then stops the run with ``InputError`` naming how many connected), then sends
    every round to all of them and needs every reply (``timeout`` seconds per round, ``None``:
    wait); a missing or failed reply stops the run with ``InputError`` naming its node. When it ends
    ``server.pipeline()`` is the shared model and ``server.pipeline(site=k)`` site ``k``'s own;
    all are saved (:meth:`FederatedServer.save`:
    ``save`` holds the shared model, ``<save>-site-<name>`` each site's, named by the site's
    ``name``, else ``partition-<id>`` in a simulation, else its position among the sorted node
    ids from 1) to ``save`` or, without it, to the run config's ``save`` key if set
    (``flwr run . -c "save='model'"``; under ``flwr run`` the ServerApp is its own process).
    Those paths are checked before the rounds (:meth:`FederatedServer.check_save`: the shared
    model's before the first, each site's once round 1 names the sites): a folder that does not
    exist or a path that holds something other than an earlier model stops the run then, not
    after its training.

    Parameters
    ----------
    server
        The federated run whose rounds the app sends.
    sites
        How many SuperNodes must connect and answer every round (>= 1).
    save
        Where the models are saved at the end (``None``: the run config's ``save``, else not saved).
    timeout
        Seconds to wait for a round's replies (``None``: wait).
    site_timeout
        Seconds to wait for the ``sites`` nodes to connect (``None``: wait).

    Returns
    -------
    flwr.serverapp.ServerApp
        The app for ``flwr run`` or ``flwr.simulation.run_simulation``.

    Raises
    ------
    hourglass.errors.InputError
        Flower is not installed, or older than its Message API; at run time, too few nodes, a
        missing or failed reply, or a ``save`` path that cannot be written.
    ValueError
        ``sites`` below 1 or a negative ``site_timeout``.

    Examples
    --------
    Flower is installed apart from hourglass (its pins conflict), so this example does not run
    in hourglass' own tests:

    >>> from flwr.simulation import run_simulation  # doctest: +SKIP
    >>> server = FederatedServer(AutoEncoder(hidden=(8, 4)), rounds=3)  # doctest: +SKIP
    >>> run_simulation(flower_server_app(server, sites=3, save="model"), client_app,
    ...                num_supernodes=3)  # doctest: +SKIP
    >>> server.pipeline().info["federated"]["sites"]  # doctest: +SKIP
    3
    """
    flwr = _flwr()
    try:
        from flwr.app import ArrayRecord, ConfigRecord, Message, MessageType, RecordDict
        server_app: Any = flwr.serverapp.ServerApp
    except (ImportError, AttributeError):
        raise _too_old(flwr, "the Message API (flwr.app, flwr.serverapp)") from None

    if int(sites) < 1:
        raise InputError(f"sites must be >= 1, got {sites}", param="sites")
    if site_timeout is not None and not site_timeout >= 0:
        raise InputError(f"site_timeout must be >= 0 seconds or None, got {site_timeout}",
                         param="site_timeout")
    n_sites = int(sites)
    app = server_app()

    @app.main()
    def main(grid: Any, context: Any) -> None:
        target = save if save is not None else context.run_config.get("save")
        if target:  # a save refused after every round would lose the trained model
            server.check_save(str(target), sites=False)  # (an earlier run's sites are not this one's)
        deadline = None if site_timeout is None else time.monotonic() + site_timeout
        while len(nodes := sorted(grid.get_node_ids())) < n_sites:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise InputError(f"federated run: {len(nodes)} of {n_sites} sites connected within "
                                 f"{site_timeout:g} s (site_timeout); every site must connect")
            logger.info("waiting for sites: %d of %d connected", len(nodes), n_sites)
            time.sleep(1.0 if left is None else min(1.0, left))
        nodes = nodes[:n_sites]
        for rnd in range(1, server.n_rounds + 1):
            arrays, config = server.configure(rnd)
            content = RecordDict({"arrays": ArrayRecord([np.asarray(a) for a in arrays]),
                                  "config": ConfigRecord(config)})
            msgs = [Message(content=content, message_type=MessageType.TRAIN, dst_node_id=node)
                    for node in nodes]
            replies = list(grid.send_and_receive(msgs, timeout=timeout))
            failed = [m for m in replies if m.has_error()]
            if failed or len(replies) != n_sites:
                # each with its node: a site without a name says nothing of whose rows they are;
                # and the nodes that sent nothing (the round's timeout)
                answered = {m.metadata.src_node_id for m in replies}
                within = "" if timeout is None else f" within {timeout:g} s (timeout)"
                reasons = _reasons([f"node {m.metadata.src_node_id}: {_last_line(str(m.error.reason))}"
                                    for m in failed]
                                   + [f"node {n}: no reply{within}" for n in nodes if n not in answered])
                raise InputError(f"federated round {rnd}: {len(replies) - len(failed)} of {n_sites} "
                                 f"sites answered{': ' + reasons if reasons else ''}; every site must answer")
            senders = sorted(m.metadata.src_node_id for m in replies)
            if senders != nodes:  # a repeated or stray reply would stand in for a missing site's
                raise InputError(f"federated round {rnd}: replies came from nodes "
                                 f"{', '.join(map(str, senders))}, the run's sites are "
                                 f"{', '.join(map(str, nodes))}; every site must answer once")
            replies.sort(key=lambda m: nodes.index(m.metadata.src_node_id))
            server.aggregate(rnd, [_reply_parts(m, rnd) for m in replies])
            if target and rnd == 1:  # the sites' names known: their models' paths too
                server.check_save(str(target))
        if target:
            paths = server.save(str(target))
            logger.info("federated models saved: %s", ", ".join(f"{k} {v}" for k, v in paths.items()))

    return app
