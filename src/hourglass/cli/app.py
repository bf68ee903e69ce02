"""The ``hourglass`` typer app: global options and the commands, registered in help order.

The commands live beside it: ``train`` (train, demo), ``score``, ``evaluate``, ``info`` (models,
formats, inspect); ``tables``, ``logs`` and ``timeseries`` hold the work per input kind,
``_options`` the shared option types and ``_output`` the consoles, errors and tables.
"""

from __future__ import annotations

from typing import Annotated

import typer

from hourglass.cli._options import (
    BadRowsOpt,
    DataArg,
    DatasetOpt,
    DeprecatedTimeColOpt,
    FormatOpt,
    LabelOpt,
    ModelArg,
    NormalOpt,
    QuietOpt,
)
from hourglass.cli._output import err, out
from hourglass.cli.evaluate import evaluate
from hourglass.cli.info import formats, inspect, models
from hourglass.cli.score import score
from hourglass.cli.tables import train_pipeline
from hourglass.cli.train import demo, train

__all__ = ["BadRowsOpt", "DataArg", "DatasetOpt", "DeprecatedTimeColOpt", "FormatOpt", "LabelOpt",
           "ModelArg", "NormalOpt", "QuietOpt", "app", "demo", "err", "evaluate", "formats",
           "inspect", "main", "models", "out", "score", "train", "train_pipeline"]

app = typer.Typer(
    name="hourglass",
    help="Deep-learning anomaly detection for security telemetry.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _global_options(
    threads: Annotated[int | None, typer.Option(
        "--threads", envvar="HOURGLASS_THREADS", min=1,
        help="CPU threads for torch (default: torch's choice). 1 is often fastest on a busy "
             "or small machine.")] = None,
) -> None:
    """Deep-learning anomaly detection for security telemetry."""
    if threads is not None:
        import torch

        torch.set_num_threads(threads)


app.command()(train)
app.command()(score)
app.command()(evaluate)
app.command()(models)
app.command()(formats)
app.command()(inspect)
app.command()(demo)


def main() -> None:
    """Console-script entry point."""
    app()
