"""Shared checks of the CLI's error policy for the test modules."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from hourglass.cli import app

runner = CliRunner()


def one_line_error(args: list[str], match: str, out: Path | None = None) -> None:
    """``hourglass ARGS`` exits with code 2 and one stderr line containing ``match``, no
    traceback, and leaves no ``out`` behind."""
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert match in lines[0], lines[0]
    assert out is None or not out.exists()


def console_refusal(args: list[str], capsys: Any, monkeypatch: Any) -> str:
    """The one stderr line of the console script ``hourglass ARGS`` (``main``, which words an
    option's refusal by the parser), once it exits with code 2 in one line."""
    import sys

    import pytest

    from hourglass.cli import main

    monkeypatch.setattr(sys, "argv", ["hourglass", *args])
    capsys.readouterr()
    with pytest.raises(SystemExit) as ended:
        main()
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert ended.value.code == 2 and len(lines) == 1, lines
    return lines[0]


def digest(model: Path) -> str:
    """SHA-256 of a saved model's config and weights (to check that a command left it alone)."""
    return hashlib.sha256((model / "config.json").read_bytes()
                          + (model / "weights.safetensors").read_bytes()).hexdigest()


def labelled_model_of(frame: Any, folder: Path) -> tuple[Path, Path]:
    """(data, model): ``frame`` written to ``folder/flows.csv`` and an autoencoder trained on it
    by ``hourglass train --label-col label --normal normal`` (one epoch, tiny)."""
    data, model = folder / "flows.csv", folder / "m"
    frame.to_csv(data, index=False)
    res = runner.invoke(app, ["train", str(data), "--label-col", "label", "--normal", "normal",
                              "--epochs", "1", "--hidden", "4,2", "-o", str(model), "-q"])
    assert res.exit_code == 0, res.output
    return data, model


def small_labelled_model(folder: Path) -> dict[str, Any]:
    """An autoencoder trained by ``hourglass train`` on a small labelled table in ``folder``:
    the table (``frame``, written to ``data``), the ``model`` and the ``folder``."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    label = np.where(np.arange(300) % 30 == 0, "attack", "normal")
    frame = pd.DataFrame({"bytes": rng.lognormal(5, 1, 300), "pkts": rng.poisson(8, 300),
                          "proto": rng.choice(["tcp", "udp"], 300), "label": label})
    data = folder / "flows.csv"
    frame.to_csv(data, index=False)
    model = folder / "m"
    res = runner.invoke(app, ["train", str(data), "-o", str(model), "--label-col", "label",
                              "--normal", "normal", "--epochs", "1", "--hidden", "4,2",
                              "--batch-size", "64", "-q"])
    assert res.exit_code == 0, res.output
    return {"data": data, "model": model, "folder": folder, "frame": frame}


def ab_model(folder: Path) -> Path:
    """``folder/m``: an autoencoder trained by ``hourglass train`` on ``folder/train.csv``, 3,000
    uniform rows of two numeric columns ``a``, ``b`` (one epoch, tiny): rows far from [0, 1]
    score above its threshold."""
    import numpy as np

    rng = np.random.default_rng(0)
    train = folder / "train.csv"
    train.write_text("a,b\n" + "".join(f"{a:.6f},{b:.6f}\n" for a, b in rng.random((3000, 2))))
    res = runner.invoke(app, ["train", str(train), "--epochs", "1", "--hidden", "4,2",
                              "-o", str(folder / "m"), "-q"])
    assert res.exit_code == 0, res.output
    return folder / "m"


def timed_model(folder: Path) -> Path:
    """A one-epoch model of columns ``a``, ``b`` and ``src`` with the time column ``ts`` (300
    rows, 7 s apart), saved as ``folder/m``; ``folder``."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    pd.DataFrame({"a": rng.random(300), "b": rng.random(300), "src": rng.choice(["x", "y"], 300),
                  "ts": pd.date_range("2024-01-01", periods=300, freq="7s").astype(str)}
                 ).to_csv(folder / "train.csv", index=False)
    res = runner.invoke(app, ["train", str(folder / "train.csv"), "--timestamp-col", "ts", "--epochs",
                              "1", "--hidden", "4,2", "-o", str(folder / "m"), "-q"])
    assert res.exit_code == 0, res.output
    return folder


#: a firewall's key=value record (``.format(host, bytes)``)
KV_LINE = "srcip=10.0.0.{0} dstip=10.0.1.1 srcport={1} dstport=443 sentbyte={1} action=accept"


def key_value_model(folder: Path) -> Path:
    """A one-epoch model of 300 :data:`KV_LINE` records, saved as ``folder/m``; its path."""
    train = folder / "train.log"
    train.write_text("".join(KV_LINE.format(i % 50, 1000 + i) + "\n" for i in range(300)))
    res = runner.invoke(app, ["train", str(train), "--epochs", "1", "--hidden", "4,2", "-o",
                              str(folder / "m"), "-q"])
    assert res.exit_code == 0, res.output
    return folder / "m"


def cef_line(i: int, inn: object = None, extra: str = "") -> str:
    """The ``i``-th CEF connection record (``inn``: its ``in`` field instead; ``extra``: fields
    appended)."""
    return (f"CEF:0|Acme|FW|1.0|100|conn|3|src=10.0.0.{i % 50} dst=10.0.1.{i % 7} spt={1000 + i} "
            f"dpt={(80, 443, 22)[i % 3]} proto=TCP in={100 + i * 7 % 900 if inn is None else inn} "
            f"out={200 + i * 13 % 700}{extra}")


def trained_cef_model(folder: Path, *options: str) -> Path:
    """A one-epoch model of 300 :func:`cef_line` records, saved as ``folder/m`` (``options``: more
    ``train`` options); its path."""
    train = folder / "train.log"
    train.write_text("".join(cef_line(i) + "\n" for i in range(300)))
    res = runner.invoke(app, ["train", str(train), "--format", "cef", "--epochs", "1", "--hidden", "4,2",
                              *options, "-o", str(folder / "m"), "-q"])
    assert res.exit_code == 0, res.output
    return folder / "m"
