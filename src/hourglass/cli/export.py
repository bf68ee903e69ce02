"""``hourglass export``: a table model as a parity-checked ONNX graph."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hourglass.cli._common import check_not_input
from hourglass.cli._options import ModelArg, QuietOpt
from hourglass.cli._output import err, out, setup_logging, user_errors
from hourglass.errors import HourglassError

__all__ = ["export"]


def export(
    model: ModelArg,
    onnx_path: Annotated[Path, typer.Option(
        "--onnx", help="ONNX file to write (input 'features': the preprocessed feature matrix; "
                       "output 'score').")],
    check_rows: Annotated[int, typer.Option(
        "--check-rows", min=1, help="Generated feature rows that onnxruntime and torch must score "
                                    "alike before the file is written.")] = 1000,
    opset: Annotated[int, typer.Option("--opset", min=9, help="ONNX opset version.")] = 17,
    quiet: QuietOpt = False,
) -> None:
    """Export MODEL's scoring to ONNX, for any ONNX runtime: parity-checked, written atomically.

    For table models whose score is one pass of a torch network (autoencoder,
    sparse-autoencoder, denoising-autoencoder, vae, deep-svdd, ganomaly, encoder-gan). The graph
    takes the preprocessed feature matrix (float32, rows × features, any number of rows) and
    returns each row's score; the file's metadata holds the feature names, the preprocessing
    state, the threshold (flag = score > threshold), the model name and the artefact's content
    hash. Before writing, onnxruntime and torch score --check-rows generated rows: every score
    must agree within 1e-5 (relative) and every flag exactly, or nothing is written.
    """
    setup_logging(quiet)
    with user_errors():
        check_not_input(onnx_path, "--onnx", model=model)
        try:  # the library is imported here, not for 'hourglass --help'
            from hourglass.pipeline.export import RTOL, export_onnx
        except ImportError as exc:
            raise HourglassError(f"ONNX export needs the onnx extra: pip install 'hourglass[onnx]' "
                                 f"({exc})") from None
        done = export_onnx(model, onnx_path, opset=opset, check_rows=check_rows)
    err.print(f"parity on {done.rows_checked:,} generated rows ({done.flagged:,} flagged): max "
              f"relative difference {done.max_rel_diff:.2g} (tolerance {RTOL:g}), max absolute "
              f"{done.max_abs_diff:.2g}; flags identical", highlight=False)
    out.print(f"wrote {done.path} ({done.model}, {done.n_features} features, opset {opset})",
              highlight=False)
