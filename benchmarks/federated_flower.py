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
SuperNodes in Ray; ``run_simulation`` is itself deprecated upstream). ``--api deployment``: the
same apps (``benchmarks/flower_app``) under ``flwr run`` with a local ``flower-superlink`` and one
``flower-supernode`` per site, no Ray. It checks that the model trained over Flower scores as the one
:func:`run_federated` trains in one process from the same sites, and writes
``benchmarks/results/federated_flower_<api>.md``.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
import hourglass
from _common import OptionError, run_script, write_result
from hourglass.detectors import AutoEncoder
from hourglass.distributed.federated import FederatedServer, Site
from hourglass.distributed.flower import flower_client, flower_client_app, flower_server_app, flower_strategy

ADDRESS = "127.0.0.1:18089"


def _flows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"proto": rng.choice(["tcp", "udp", "icmp"], n, p=[0.6, 0.3, 0.1]),
                         "bytes": rng.lognormal(6, 2, n).round(), "rate": rng.uniform(0, 1, n)})


def _legacy(server: FederatedServer, det: AutoEncoder, sites: list[pd.DataFrame], save: Path) -> None:
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
    server.save(save)


def _app(server: FederatedServer, det: AutoEncoder, sites: list[pd.DataFrame], save: Path) -> None:
    from flwr.simulation import run_simulation

    client_app = flower_client_app(lambda context: Site(sites[int(context.node_config["partition-id"])], det))
    run_simulation(server_app=flower_server_app(server, sites=len(sites), save=save), client_app=client_app,
                   num_supernodes=len(sites),
                   backend_config={"client_resources": {"num_cpus": 1, "num_gpus": 0.0},
                                   "init_args": {"num_cpus": 2}})


def _wait_port(port: int, seconds: float = 60.0) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port} after {seconds:.0f} s")


def _deployment(server: FederatedServer, det: AutoEncoder, sites: list[pd.DataFrame], save: Path
                ) -> list[pd.DataFrame]:
    """A local deployment: ``flower-superlink``, one ``flower-supernode`` per site (its rows in a
    CSV), ``flwr run benchmarks/flower_app``; the ServerApp (its own process) saves the models to
    ``save``. Returns the sites as the SuperNodes read them."""
    tmp = save.parent
    (tmp / "home").mkdir()
    (tmp / "home" / "config.toml").write_text('[superlink]\ndefault = "local-deployment"\n\n'
                                              '[superlink.local-deployment]\naddress = "127.0.0.1:8000"\n'
                                              'insecure = true\n')
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
           "FLWR_HOME": str(tmp / "home"), "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    for i, rows in enumerate(sites):
        rows.to_csv(tmp / f"site{i}.csv", index=False)
    link = [f"{bindir}/flower-superlink", "--insecure", "--database", str(tmp / "state.db")]
    procs = [subprocess.Popen(link, env=env, stdout=open(tmp / "superlink.log", "w"),
                              stderr=subprocess.STDOUT)]
    try:
        _wait_port(8000)
        for i in range(len(sites)):
            procs.append(subprocess.Popen(
                [f"{bindir}/flower-supernode", "--insecure", "--superlink", "127.0.0.1:8000",
                 "--port", str(9094 + i), "--node-config", f"data='{tmp / f'site{i}.csv'}'"],
                env=env, stdout=open(tmp / f"supernode{i}.log", "w"), stderr=subprocess.STDOUT))
        run = subprocess.run([f"{bindir}/flwr", "run", str(Path(__file__).parent / "flower_app"),
                              "local-deployment", "--stream", "-c", f"save='{save}'"],
                             env=env, capture_output=True, text=True, timeout=600)
        if run.returncode != 0 or not save.exists():
            raise SystemExit(f"flwr run failed (logs in {tmp}):\n{run.stdout[-3000:]}{run.stderr[-3000:]}")
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=30)
    return [pd.read_csv(tmp / f"site{i}.csv") for i in range(len(sites))]


def _site_models(save: Path, local: FederatedServer, test: pd.DataFrame) -> list[dict[str, object]]:
    """Each site's own model the server saved beside the shared one (``<save>-site-<name>``),
    loaded and checked against the in-process run's ``pipeline(site=k)`` (the site with as many
    held-out rows)."""
    import hourglass

    out = []
    for path in sorted(save.parent.glob(f"{save.name}-site-*")):
        pipe = hourglass.load(path)
        k = local.site_held_out_.index(int(pipe.info["threshold_fit"]["rows"])) + 1
        ref = local.pipeline(site=k)
        same = (np.array_equal(pipe.calibrated_score(test), ref.calibrated_score(test))
                and np.array_equal(pipe.predict(test), ref.predict(test)))
        out.append({"dir": path.name, "threshold": pipe.detector_.threshold_.value_,
                     "same threshold": pipe.detector_.threshold_.value_ == ref.detector_.threshold_.value_,
                     "same scores": bool(same)})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--api", choices=("legacy", "app", "deployment"), default="legacy",
                    help="legacy: start_server/start_client (deprecated); app: ServerApp/ClientApp "
                         "under run_simulation; deployment: the same apps under flwr run with a local "
                         "SuperLink and SuperNodes")
    ap.add_argument("--held-out", choices=("scores", "summaries"), default="scores",
                    help="what of its held-out scores a site sends (FederatedServer(held_out=...)); "
                         "legacy and app only: the deployment's app module builds its own server")
    args = ap.parse_args()
    try:
        import flwr
    except ImportError:  # one line and exit code 2, not a traceback (the module docstring says how)
        print("federated_flower.py: needs Flower, which is not installed here: run it from an "
              "environment with flwr (see the top of benchmarks/federated_flower.py)", file=sys.stderr)
        raise SystemExit(2) from None
    if args.api == "deployment" and args.held_out != "scores":
        raise OptionError("--held-out summaries: with --api legacy or app")
    det = AutoEncoder(hidden=(16, 4), epochs=1, verbose=0, device="cpu")
    sites = [_flows(n, seed) for seed, n in enumerate((400, 600, 800))]
    server = FederatedServer(det, rounds=3, local_epochs=2, held_out=args.held_out)
    save = Path(tempfile.mkdtemp(prefix="hourglass-flower-")) / "model"
    start = time.perf_counter()
    if args.api == "deployment":
        sites = _deployment(server, det, sites, save)
    else:
        (_legacy if args.api == "legacy" else _app)(server, det, sites, save)
    seconds = time.perf_counter() - start
    test = _flows(200, 9)
    # the model the server saved (under flwr run the ServerApp is its own process)
    flower_pipe = hourglass.load(save)
    # FedAvg sums the sites' weights in reply order (Flower's: node ids), and float sums depend on
    # order: compare with the in-process run over the sites in that order (row counts differ)
    rows = list(flower_pipe.info["federated"]["rows"])
    order = sorted(sites, key=lambda site: rows.index(len(site)))
    local = FederatedServer(det, rounds=3, local_epochs=2, held_out=args.held_out).run(
        [Site(s, det) for s in order])
    local_pipe = local.pipeline()
    own = _site_models(save, local, test)
    flower_scores, local_scores = flower_pipe.score(test), local_pipe.score(test)
    same = np.array_equal(flower_scores, local_scores)
    same_flags = np.array_equal(flower_pipe.predict(test), local_pipe.predict(test))
    logging.getLogger(__name__).warning("Flower (%s): %d rounds in %.1f s; scores identical to the "
                                        "in-process run: %s; site models %s", args.api, server.n_rounds,
                                        seconds, same, own)
    how = {"legacy": "`fl.server.start_server` + `fl.client.start_client` (deprecated upstream), gRPC "
                     "on localhost, sites in threads (incl. a 4 s start delay)",
           "app": "`flower_server_app` + `flower_client_app` (Message API) under "
                  "`flwr.simulation.run_simulation` (deprecated upstream in favour of `flwr run`), 3 "
                  "SuperNodes on Ray",
           "deployment": "`flower_server_app` + `flower_client_app` (Message API) in "
                         "`benchmarks/flower_app` under `flwr run`, with a local `flower-superlink` "
                         "and 3 `flower-supernode` processes (each site's rows a CSV); the ServerApp "
                         "saves the model, loaded back for the check. Wall time includes the SuperLink "
                         "start and the app install"}[args.api]
    suffix = "" if args.held_out == "scores" else "_summaries"
    flag = "" if args.held_out == "scores" else " --held-out summaries"
    name = f"federated_flower_{args.api}{suffix}"
    write_result(name, f"""# Federated rounds over Flower ({args.api} API{flag})

`PYTHONPATH=src python benchmarks/federated_flower.py --api {args.api}{flag}` (flwr {flwr.__version__},
Python {platform.python_version()}, CPU, shared 2-core machine). {how}.

3 sites of generated flows (400, 600, 800 rows: proto, bytes, rate), `AutoEncoder(hidden=(16, 4))`,
3 FedAvg rounds of 2 local epochs ({server.n_rounds} Flower rounds with the statistics and scores).
Test: 200 generated rows scored by the model trained over Flower and by `run_federated` in one
process from the same sites, in the order Flower's replies came ({rows} rows; FedAvg's
float sums depend on the order: in another order the scores differ by ~1e-3). The server saves the
shared model to `model/` and each site's own (threshold and calibration fitted at the site) to
`model-site-<name>/` (a simulated site is named `partition-<id>`; otherwise its position among the
node or client ids); each is loaded back and checked against the in-process run's `pipeline(site=k)`.

| check | result |
|---|---|
| scores identical to `run_federated` (`np.array_equal`) | {same} |
| max abs score difference | {float(np.max(np.abs(flower_scores - local_scores))):.3g} |
| 0/1 flags identical (the threshold fitted on the sites' held-out scores) | {same_flags} |
| wall seconds (Flower run, shared machine) | {seconds:.1f} |
| per-site models saved (directories) | {len(own)}: {", ".join(str(o["dir"]) for o in own)} |
| per-site thresholds = the in-process `pipeline(site=k)`'s | {all(o["same threshold"] for o in own)} |
| per-site calibrated scores and flags identical | {all(o["same scores"] for o in own)} |
""")
    if not (same and same_flags):
        raise SystemExit("the model trained over Flower differs from the in-process one")
    if len(own) != len(sites) or not all(o["same threshold"] and o["same scores"] for o in own):
        raise SystemExit(f"the per-site models saved over Flower are missing or differ: {own}")


if __name__ == "__main__":
    run_script(main)
