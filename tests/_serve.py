"""Helpers for the service tests: small table and entity-bucket models and a client for them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from hourglass.serve.app import create_app

KEY = "test-key-0123456789abcdef"
AUTH = {"X-API-Key": KEY}


def small_entity_model(directory: Path) -> tuple[Path, list[dict[str, Any]]]:
    """A small entity-bucket model (entity ``src_ip``, time ``ts``) saved under ``directory``, and
    20 rows of the flows it was fitted on, as plain JSON values."""
    from hourglass import Pipeline
    from hourglass.detectors import AutoEncoder
    from hourglass.features.entity import EntityWindows
    from hourglass.ingest.synthetic import port_scan_flows

    flows, _ = port_scan_flows(hosts=3, days=0.3, scan_flows=0, seed=1)
    out = directory / "m"
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
             features=EntityWindows("src_ip", "ts", bucket="5min")).fit(flows).save(out)
    rows = flows.head(20).to_dict("records")
    return out, [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()} for r in rows]


def small_table_model(directory: Path) -> Path:
    """A one-epoch model of two normal columns ``a`` and ``b`` (60 rows), saved as
    ``directory/m``; its path."""
    import numpy as np
    import pandas as pd

    from hourglass import Pipeline
    from hourglass.detectors import AutoEncoder

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    Pipeline(AutoEncoder(hidden=(2,), epochs=1, verbose=0)).fit(df).save(directory / "m")
    return directory / "m"


@contextlib.contextmanager
def client_of(model: Path) -> Iterator[TestClient]:
    """A test client of the service of ``model`` whose server errors come back as 500 answers."""
    with TestClient(create_app(model, api_key=KEY), raise_server_exceptions=False) as c:
        yield c


def optional_field_model(directory: Path, epochs: int = 1) -> tuple[Any, Any]:
    """A model of ``bytes``, ``port`` and ``opt``, a column missing in two rows of three of its
    training rows (its one optional field), saved as ``directory/m``; the fitted pipeline and its
    120 training rows."""
    import numpy as np
    import pandas as pd

    from hourglass import AutoEncoder, Pipeline

    rng = np.random.default_rng(0)
    train = pd.DataFrame({"bytes": rng.exponential(100, 120), "port": rng.choice([22.0, 80.0], 120),
                          "opt": np.where(np.arange(120) % 3 == 0, rng.normal(size=120), np.nan)})
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=epochs, verbose=0, random_state=0)).fit(train)
    assert pipe.optional_fields == ["opt"]
    pipe.save(directory / "m")
    return pipe, train
