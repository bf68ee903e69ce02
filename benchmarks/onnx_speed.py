"""ONNX export on NSL-KDD: parity on real rows, and onnxruntime against torch scoring speed.

Trains the default hourglass AutoEncoder (pipeline defaults; NSL-KDD layout) on the normal rows
of KDDTrain+, exports it with ``export_onnx`` (parity checked on KDDTest+, attacks included),
then scores the same preprocessed rows (KDDTest+ tiled to ``--rows``) with the torch detector
(``detector.score``: input check + the folded network in 8k-row batches) and with onnxruntime
(one ``run`` over all rows, and 16k-row batches), median of ``--repeat`` runs, at 1 and 2 threads.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/onnx_speed.py [--rows 500000] [--epochs 40]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    NslKddFiles,
    header,
    ints,
    markdown_table,
    need_extra,
    positive,
    run_script,
    timed,
    write_result,
)
from hourglass import Pipeline
from hourglass.detectors import AutoEncoder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="folder holding nsl_kdd/ (default: ../shared/data or $HOURGLASS_DATA)")
    ap.add_argument("--rows", type=positive, default=500_000)
    ap.add_argument("--epochs", type=positive, default=40)
    ap.add_argument("--repeat", type=positive, default=3)
    ap.add_argument("--threads", default="1,2")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore")
    threads_list = ints("--threads", args.threads, least=1)  # before the model trains
    need_extra("onnx_speed.py", "onnx", "onnx", "onnxruntime")  # (dev installs them too)
    import onnxruntime as ort

    from hourglass.pipeline.export import ROUNDING_FACTOR, RTOL, export_onnx

    nsl = NslKddFiles(args.data, "KDDTrain+", "KDDTest+")
    test, normal = nsl.files["KDDTest+"], nsl.normal()
    pipe = Pipeline(AutoEncoder(epochs=args.epochs, verbose=0), features=nsl.preprocessor())
    _, fit_s = timed(lambda: pipe.fit(normal))
    rows_test = test.drop(columns=["label"])
    with tempfile.TemporaryDirectory() as tmp:
        done = export_onnx(pipe, Path(tmp) / "ae.onnx", sample=rows_test)
        data = done.path.read_bytes()
    X = pipe.transform(rows_test)
    print(f"fit {fit_s:.1f}s on {len(normal)} normal rows, {X.shape[1]} features; parity on "
          f"{done.rows_checked} KDDTest+ rows: max rel {done.max_rel_diff:.2g}, abs "
          f"{done.max_abs_diff:.2g}, {done.flagged} flagged", flush=True)
    big = np.ascontiguousarray(np.tile(X, (args.rows // len(X) + 1, 1))[: args.rows])
    det = pipe.detector_
    rows = []
    for threads in threads_list:
        torch.set_num_threads(threads)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads, opts.inter_op_num_threads = threads, 1
        sess = ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])

        def ort_batches(n: int, sess: ort.InferenceSession = sess) -> np.ndarray:
            return np.concatenate([sess.run(["score"], {"features": big[lo:lo + n]})[0]
                                   for lo in range(0, len(big), n)])

        want, torch_s = timed(lambda: det.score(big), repeat=args.repeat)
        got_one, one_s = timed(lambda sess=sess: sess.run(["score"], {"features": big})[0],  # type: ignore[misc]
                               repeat=args.repeat)
        got_b, b_s = timed(lambda: ort_batches(16384), repeat=args.repeat)
        same = bool(np.array_equal(det.threshold_predict(got_one), det.threshold_predict(want))
                    and np.array_equal(det.threshold_predict(got_b), det.threshold_predict(want)))
        for what, s in (("torch (detector.score)", torch_s), ("onnxruntime, one run", one_s),
                        ("onnxruntime, 16k-row batches", b_s)):
            rows.append([what, threads, round(len(big) / s), round(s, 3), round(torch_s / s, 2),
                         "yes" if same else "NO"])
        print(f"threads {threads}: torch {len(big) / torch_s:,.0f} rows/s, ort one run "
              f"{len(big) / one_s:,.0f}, ort 16k batches {len(big) / b_s:,.0f}", flush=True)
    table = markdown_table(["scorer", "threads", "rows/s", "seconds", "speed vs torch", "flags equal"],
                           rows)
    text = (header("ONNX export: parity and onnxruntime vs torch scoring speed (NSL-KDD)")
            + f"\nDefault AutoEncoder ({args.epochs} epochs) trained on {len(normal):,} KDDTrain+ normal "
              f"rows in {fit_s:.0f} s, {X.shape[1]} features. Parity of the exported graph on all "
              f"{done.rows_checked:,} KDDTest+ rows (attacks included): max relative difference "
              f"{done.max_rel_diff:.2g} (tolerance {done.tolerance:g}"
              + (f": {ROUNDING_FACTOR:g}× torch's own float32 rounding, above the default {RTOL:g}"
                 if done.tolerance > RTOL else "")
              + ", relative to max(|score|, threshold)), "
              f"max absolute {done.max_abs_diff:.2g}, flags identical"
            + (f" but for {done.on_threshold:,} row(s) scoring on the threshold (equal to float32 "
               "rounding: flagged by chance either way)" if done.on_threshold else "")
            + f" ({done.flagged:,} flagged).\n\n"
            f"Scoring {len(big):,} preprocessed rows (KDDTest+ tiled), median of {args.repeat}; "
              "torch and onnxruntime at the same thread count. The machine was shared with other "
              "jobs: compare rows within this table only.\n\n" + table + "\n")
    print(table)
    print(f"wrote {write_result('onnx_speed', text)}")


if __name__ == "__main__":
    run_script(main)
