"""HDFS (and Loghub BGL_2k) log anomaly detection: DeepLog and sequence/count autoencoders
beside PCA and IsolationForest on event-count vectors (the loglizer baselines), same run.

Protocols (see ../shared/data/hdfs_deeplog/SOURCE.md and loghub_2k/SOURCE.md):

1. DeepLog keys: train on ``hdfs_train`` minus a seeded 20% kept as held-out normal test
   sessions; recall on all of ``hdfs_test_abnormal``, false-positive rate on the held-out normal
   sessions (the published ``hdfs_test_normal`` file is not available). DeepLog with h = 10,
   g = 9 as published, and with g chosen on training data only: the smallest g whose FPR on the
   detector's own held-out validation slice (10% of its training sessions) is at most 2%.
2. Labelled HDFS_100k sessions with ``deeploglizer_split``: train on the normal training
   sessions, test on the test split. Every model's threshold comes from the same held-out 10% of
   the normal training sessions (99th percentile of their scores; DeepLog is shown with its g
   rule above and with that same 99th-percentile rule). "Ours" is chosen on the training split
   only: each candidate (DeepLog, sequence AE, count AE, EventEnsemble) is fitted on 80% of the
   normal training sessions and judged on the other 20% plus the labelled anomalies of the
   training split; the chosen model, DeepLog and the EventEnsemble are then run with seeds 0-2.
3. Raw text: Loghub HDFS_2k / BGL_2k through hourglass' parser: grouping accuracy against the
   structured files; BGL_2k detection on 1-hour windows (chronological 60/40 split, a window is
   anomalous if it holds an alert line) — a small sample, read the figures as a smoke test.

    nice -n 10 python benchmarks/hdfs.py [--data DIR] [--seed 0] [--epochs 60] [--threads 1]
"""

from __future__ import annotations

import argparse
import gzip
import logging
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    data_dir,
    grouping_accuracy,
    header,
    markdown_table,
    no_write_option,
    not_written,
    positive,
    run_script,
    seed_arg,
    write_result,
)
from hourglass.detectors.deeplog import DeepLog
from hourglass.detectors.event_ensemble import EventEnsemble
from hourglass.detectors.sequence_ae import EventCountAutoEncoder, SequenceAutoEncoder
from hourglass.evaluate import binary_metrics
from hourglass.features.sessions import EventSessions, count_vectors, read_key_sequences
from hourglass.ingest.logs import LogParser, file_lines
from hourglass.thresholds import Percentile

FPR_BUDGET = 0.02


#: the files of ``hdfs_deeplog/`` the protocols read (each checked before the minutes of work)
HDFS_FILES = ("hdfs_train", "hdfs_test_abnormal", "hdfs_100k_sessions.csv.gz")


def best_g(det: DeepLog) -> int:
    """Smallest g whose FPR on the detector's held-out normal validation sessions is within budget."""
    for g in range(1, det.n_features_in_ + 3):
        if float(np.mean(det.val_scores_ > g)) <= FPR_BUDGET:
            return g
    return det.n_features_in_ + 2


def rate(fn, n: int, repeat: int = 3) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(sessions per wall-clock second, sessions per CPU second of this process), medians."""
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return n / float(np.median(wall)), n / float(np.median(cpu))


class CountBaseline:
    """PCA (squared prediction error) or IsolationForest on event-count vectors."""

    def __init__(self, kind: str, n_keys: int, seed: int) -> None:
        self.kind, self.n_keys, self.seed = kind, n_keys, seed

    def _X(self, seqs: list[np.ndarray]) -> np.ndarray:
        return count_vectors(seqs, self.n_keys)

    def fit(self, seqs: list[np.ndarray]) -> CountBaseline:
        X = self._X(seqs)
        if self.kind == "pca":
            from sklearn.decomposition import PCA

            self.mu = X.mean(axis=0)
            self.model = PCA(n_components=0.95, random_state=self.seed).fit(X - self.mu)
        else:
            from sklearn.ensemble import IsolationForest

            self.model = IsolationForest(random_state=self.seed, n_jobs=1).fit(X)
        return self

    def score(self, seqs: list[np.ndarray]) -> np.ndarray:
        X = self._X(seqs)
        if self.kind == "pca":
            Z = X - self.mu
            R = Z - self.model.inverse_transform(self.model.transform(Z)) + self.model.mean_
            return (R ** 2).sum(axis=1)
        return -self.model.score_samples(X)


def row(name: str, m: dict, extra: str = "") -> list:  # type: ignore[type-arg]
    return [name, m["precision"], m["recall"], m["f1"], m["fpr"],
            m["roc_auc"] if m["roc_auc"] is not None else float("nan"),
            m["pr_auc"] if m["pr_auc"] is not None else float("nan"), extra]


HEAD = ["model", "precision", "recall", "F1", "FPR", "ROC-AUC", "PR-AUC", "threshold"]


def protocol1(root: Path, seed: int, epochs: int) -> tuple[str, dict[str, float]]:
    d = root / "hdfs_deeplog"
    _, train, _ = read_key_sequences(open(d / "hdfs_train"))
    _, abnormal, _ = read_key_sequences(open(d / "hdfs_test_abnormal"))
    perm = np.random.default_rng(seed).permutation(len(train))
    n_test = int(0.2 * len(train))
    normal_test = [train[i] for i in perm[:n_test]]
    fit_on = [train[i] for i in perm[n_test:]]
    t = time.perf_counter()
    dl = DeepLog(window=10, top_g=9, epochs=epochs, verbose=0, random_state=seed).fit(fit_on)
    fit_s = time.perf_counter() - t
    s_ab, s_no = dl.score(abnormal), dl.score(normal_test)
    y = np.r_[np.ones(len(s_ab)), np.zeros(len(s_no))]
    s = np.r_[s_ab, s_no]
    rows = []
    g_star = best_g(dl)
    figures = {}
    for label, g in (("DeepLog h=10 g=9 (published setting)", 9),
                     (f"DeepLog h=10 g={g_star} (g chosen on training data)", g_star)):
        m = binary_metrics(y, s, (s > g).astype(int))
        rows.append([label, m["recall"], m["fpr"], m["roc_auc"], f"rank > {g}"])
        figures[f"recall_g{g}"], figures[f"fpr_g{g}"] = m["recall"], m["fpr"]
    for name, det in (("SequenceAutoEncoder (LSTM)", SequenceAutoEncoder(verbose=0, epochs=epochs,
                                                                         random_state=seed)),
                      ("EventCountAutoEncoder", EventCountAutoEncoder(verbose=0,
                                                                      random_state=seed))):
        det.fit(fit_on)
        sa, sn = det.score(abnormal), det.score(normal_test)
        ss = np.r_[sa, sn]
        m = binary_metrics(y, ss, det.threshold_predict(ss))
        rows.append([name, m["recall"], m["fpr"], m["roc_auc"], "p99 of held-out normal"])
    sps, cps = rate(lambda: dl.score(abnormal), len(abnormal))
    figures.update(g_star=g_star, fit_s=fit_s, sessions_per_s=sps, sessions_per_cpu_s=cps)
    text = (f"## Protocol 1 — DeepLog keys (train {len(fit_on)} normal sessions, test "
            f"{len(abnormal)} abnormal + {len(normal_test)} held-out normal)\n\n"
            + markdown_table(["model", "recall (abnormal)", "FPR (held-out normal)", "ROC-AUC",
                              "threshold"], rows)
            + f"\n\nPublished DeepLog (h=10, g=9, with `hdfs_test_normal`): P 0.95 / R 0.96 / F1 0.96. "
            f"Target: recall ≥ 0.97 at FPR ≤ 2%. g* = {g_star} = smallest g with FPR ≤ "
            f"{FPR_BUDGET:.0%} on DeepLog's own validation slice of the training sessions. "
            f"DeepLog fit {fit_s:.0f}s; scoring {sps:,.0f} sessions/s wall-clock, {cps:,.0f} "
            "sessions per CPU-second of the scoring process (one torch thread), on "
            "`hdfs_test_abnormal` (median of 3).\n")
    return text, figures


SEEDS_P2 = (0, 1, 2)


def candidates(seed: int, epochs: int) -> dict[str, tuple[object, str]]:
    """The detectors compared on protocol 2: name → (unfitted detector, threshold rule).
    ``"g"`` is DeepLog's rank rule with g chosen on its validation slice; ``"p99"`` the detector's
    own fitted threshold (99th percentile of its held-out normal scores)."""
    return {
        "DeepLog h=10": (DeepLog(window=10, top_g=9, epochs=epochs, verbose=0, random_state=seed), "g"),
        "SequenceAutoEncoder (LSTM)": (SequenceAutoEncoder(verbose=0, epochs=epochs,
                                                           random_state=seed), "p99"),
        "EventCountAutoEncoder": (EventCountAutoEncoder(verbose=0, random_state=seed), "p99"),
        "EventEnsemble (count AE + DeepLog, rank, max)": (
            EventEnsemble(epochs=epochs, verbose=0, random_state=seed), "p99"),
    }


def flags(det: object, rule: str, s: np.ndarray) -> tuple[np.ndarray, str]:
    """0/1 decisions of a fitted candidate under its rule, and the rule's description."""
    if rule == "g":
        g = best_g(det)  # type: ignore[arg-type]
        return (s > g).astype(int), f"rank > {g} (g from training data)"
    return det.threshold_predict(s), "p99 of held-out normal"  # type: ignore[attr-defined]


def select_on_training(train: list[np.ndarray], train_anomalies: list[np.ndarray], seed: int,
                       epochs: int) -> tuple[str, str, dict[str, float]]:
    """Choose "ours" on the training split only: every candidate is fitted on a seeded 80% of
    the normal training sessions and judged on the other 20% plus the labelled anomalies of the
    training split (never trained on). F1 is taken at the training split's own prevalence
    (false positives scaled from the 20% to all normal training sessions)."""
    perm = np.random.default_rng(seed + 1).permutation(len(train))
    n_val = len(train) // 5
    fit_on = [train[i] for i in perm[n_val:]]
    val_normal = [train[i] for i in perm[:n_val]]
    rows, f1s = [], {}
    for name, (det, rule) in candidates(seed, epochs).items():
        det.fit(fit_on)  # type: ignore[attr-defined]
        sn, sa = det.score(val_normal), det.score(train_anomalies)  # type: ignore[attr-defined]
        fn_, how = flags(det, rule, sn)
        fa, _ = flags(det, rule, sa)
        tp, fp = int(fa.sum()), float(fn_.sum()) * len(train) / n_val
        f1 = 2 * tp / (2 * tp + fp + len(sa) - tp) if tp else 0.0
        rows.append([name, tp / len(sa), float(fn_.mean()), f1, how])
        f1s[name] = f1
    best = max(f1s, key=lambda k: f1s[k])  # first listed wins a tie
    text = ("### Choosing \"ours\" on the training split only\n\n"
            f"Fitted on 80% of the normal training sessions ({len(fit_on)}); judged on the other "
            f"20% ({n_val} normal) and the {len(train_anomalies)} labelled anomalies of the "
            "training split (never trained on, used for this choice only). F1 at the training "
            "split's prevalence: false positives scaled to all normal training sessions.\n\n"
            + markdown_table(["model", "recall (train anomalies)", "FPR (held-out normal)",
                              "F1 (train prevalence)", "threshold"], rows)
            + f"\n\nChosen: **{best}**.\n")
    return text, best, f1s


def protocol2(root: Path, seed: int, epochs: int) -> tuple[str, dict[str, float]]:
    df = pd.read_csv(root / "hdfs_deeplog" / "hdfs_100k_sessions.csv.gz")
    seqs = [np.array([int(e[1:]) for e in s.split()], dtype=np.int64) for s in df["EventSequence"]]
    train_mask = ((df["deeploglizer_split"] == "train") & (df["Label"] == 0)).to_numpy()
    test_mask = (df["deeploglizer_split"] == "test").to_numpy()
    train = [seqs[i] for i in np.flatnonzero(train_mask)]
    test = [seqs[i] for i in np.flatnonzero(test_mask)]
    y = df.loc[test_mask, "Label"].to_numpy()
    train_anomalies = [seqs[i] for i in np.flatnonzero(
        ((df["deeploglizer_split"] == "train") & (df["Label"] == 1)).to_numpy())]
    sel_text, chosen, _ = select_on_training(train, train_anomalies, seed, epochs)
    rows, figures = [], {}
    dl = DeepLog(window=10, top_g=9, epochs=epochs, verbose=0, random_state=seed).fit(train)
    g = best_g(dl)
    s = dl.score(test)
    m = binary_metrics(y, s, (s > g).astype(int))
    rows.append(row("DeepLog h=10", m, f"rank > {g} (g from training data)"))
    figures["deeplog_f1"] = m["f1"]
    done = {"DeepLog h=10": rows[-1]}  # this seed's test rows, reused in the seeds table
    dl.set_threshold(Percentile(99))  # the rule every other model here uses
    m = binary_metrics(y, s, dl.threshold_predict(s))
    rows.append(row("DeepLog h=10", m, "p99 of held-out normal"))
    figures["deeplog_p99_f1"] = m["f1"]
    val_idx = dl.val_index_
    keep = np.setdiff1d(np.arange(len(train)), val_idx)
    fit_rows = [train[i] for i in keep]
    val_rows = [train[i] for i in val_idx]
    for name, det in (("SequenceAutoEncoder (LSTM)", SequenceAutoEncoder(verbose=0, epochs=epochs,
                                                                         random_state=seed)),
                      ("SequenceAutoEncoder (bi-GRU)", SequenceAutoEncoder(
                          cell="gru", bidirectional=True, verbose=0, epochs=epochs,
                          random_state=seed)),
                      ("EventCountAutoEncoder", EventCountAutoEncoder(verbose=0,
                                                                      random_state=seed)),
                      ("EventEnsemble (count AE + DeepLog, rank, max)",
                       EventEnsemble(epochs=epochs, verbose=0, random_state=seed))):
        det.fit(train)
        s = det.score(test)
        m = binary_metrics(y, s, det.threshold_predict(s))
        rows.append(row(name, m, "p99 of held-out normal"))
        figures[f"{name}_f1"] = m["f1"]
        done[name] = rows[-1]
    n_keys = int(max(int(x.max()) for x in seqs)) + 1
    for name, kind in (("PCA on counts (loglizer)", "pca"),
                       ("IsolationForest on counts (loglizer)", "iforest")):
        base = CountBaseline(kind, n_keys, seed).fit(fit_rows)
        thr = float(np.percentile(base.score(val_rows), 99))
        s = base.score(test)
        m = binary_metrics(y, s, (s > thr).astype(int))
        rows.append(row(name, m, "p99 of held-out normal"))
        figures[f"{kind}_f1"] = m["f1"]
    # the model chosen on training data, over several seeds (DeepLog is order-sensitive here)
    seed_rows, chosen_f1 = [], []
    for sd in SEEDS_P2:
        for name, (det, rule) in candidates(sd, epochs).items():
            if name != chosen and not name.startswith(("DeepLog", "EventEnsemble")):
                continue
            if sd == seed:
                r = [f"{name}, seed {sd}", *done[name][1:]]
            else:
                det.fit(train)  # type: ignore[attr-defined]
                s = det.score(test)  # type: ignore[attr-defined]
                f, how = flags(det, rule, s)
                r = row(f"{name}, seed {sd}", binary_metrics(y, s, f), how)
            seed_rows.append(r)
            if name == chosen:
                chosen_f1.append(float(r[3]))
    base_best = max(figures["pca_f1"], figures["iforest_f1"])
    figures["chosen_f1_median"] = float(np.median(chosen_f1))
    met = "met" if min(chosen_f1) > base_best else (
        "met for some seeds only" if max(chosen_f1) > base_best else "not met")
    sps, cps = rate(lambda: dl.score(test), len(test))
    figures["sessions_per_s_100k"] = sps
    in_train, in_normal_test, ceiling, c_tp, c_fp = sequence_ceiling(test, y, train)
    figures["sequence_ceiling_f1"] = ceiling
    text = (f"## Protocol 2 — HDFS_100k labelled sessions, deeploglizer_split (train "
            f"{len(train)} normal sessions; test {len(test)} sessions, {int(y.sum())} anomalous)\n\n"
            + sel_text + "\n### Test split (seed " + str(seed) + ")\n\n"
            + markdown_table(HEAD, rows)
            + "\n\nSame held-out 10% of the normal training sessions sets every threshold "
            "(baselines are fitted on the other 90%). PCA: squared prediction error with 95% of "
            "the variance kept; IsolationForest: scikit-learn defaults. Target: F1 above both "
            f"baselines. DeepLog scoring: {sps:,.0f} sessions/s wall-clock, {cps:,.0f} per "
            "CPU-second (median of 3).\n\n"
            f"### Seeds {', '.join(map(str, SEEDS_P2))}: the chosen model, DeepLog and the "
            "EventEnsemble on the test split\n\n" + markdown_table(HEAD, seed_rows)
            + f"\n\nChosen on training data: {chosen}; test F1 over seeds "
            f"{', '.join(f'{v:.4f}' for v in chosen_f1)} against the best baseline "
            f"{base_best:.4f}: target (F1 above both baselines) **{met}**.\n\n"
            f"Ceiling (computed with the test labels, used for nothing else): {in_train} of the "
            f"{int(y.sum())} test anomalies have a key sequence identical to a normal training "
            f"session, and {in_normal_test} one identical to a normal test session; no detector "
            "that scores the key sequence alone can separate those. The best F1 any function of "
            f"the sequence can reach on this test set is {ceiling:.4f} ({c_tp} TP, {c_fp} FP).\n")
    return text, figures


def sequence_ceiling(test: list[np.ndarray], y: np.ndarray,
                     train: list[np.ndarray]) -> tuple[int, int, float, int, int]:
    """How far any detector that sees only the key sequences can go on this test set.

    Returns (test anomalies whose exact sequence occurs among the normal training sessions,
    test anomalies whose exact sequence also occurs among the normal test sessions, the best F1
    of any flag rule that is a function of the sequence (oracle: groups of identical sequences
    taken in order of their anomaly share), and its TP and FP). Uses the test labels: a bound
    that is reported, never used to choose anything.
    """
    seen = {tuple(s.tolist()) for s in train}
    groups: dict[tuple[int, ...], list[int]] = {}
    for seq, label in zip(test, y, strict=True):
        groups.setdefault(tuple(seq.tolist()), [0, 0])[int(label)] += 1
    in_train = sum(int(lab) for seq, lab in zip(test, y, strict=True) if tuple(seq.tolist()) in seen)
    in_normal_test = sum(a for n, a in groups.values() if n > 0)
    P, tp, fp, best, at = int(y.sum()), 0, 0, 0.0, (0, 0)
    for n, a in sorted(groups.values(), key=lambda g: -g[1] / (g[0] + g[1])):
        tp, fp = tp + a, fp + n
        f1 = 2 * tp / (2 * tp + fp + (P - tp))
        if f1 > best:
            best, at = f1, (tp, fp)
    return in_train, in_normal_test, best, at[0], at[1]


def protocol3(root: Path, seed: int, epochs: int) -> tuple[str, dict[str, float]]:
    d = root / "loghub_2k"
    rows, figures = [], {}
    for system, fmt in (("HDFS", "hdfs"), ("BGL", "bgl")):
        path = d / system / f"{system}_2k.log.gz"
        t = time.perf_counter()
        parser = LogParser(fmt).fit(file_lines(path))
        secs = time.perf_counter() - t
        truth = pd.read_csv(d / system / f"{system}_2k.log_structured.csv.gz")["EventId"].to_numpy()
        ev = parser.events_
        ga = grouping_accuracy(ev["key"].to_numpy(), truth[ev["line"].to_numpy() - 1])
        rows.append([system, parser.stats_.parsed, len(parser.templates()),
                     len(set(truth)), ga, f"{parser.stats_.lines / secs:,.0f}"])
        figures[f"ga_{system}"] = ga
    text = ("## Raw text — Loghub 2k samples through hourglass' parser (default masks, Drain "
            "sim 0.7, depth 5)\n\n"
            + markdown_table(["log", "lines parsed", "templates found", "true templates",
                              "grouping accuracy", "lines/s"], rows)
            + "\n\nTarget GA ≥ 0.9 (Drain published ≈ 0.99 HDFS / 0.96 BGL).\n")
    # BGL_2k detection on 1-hour windows, chronological split
    path = d / "BGL" / "BGL_2k.log.gz"
    with gzip.open(path, "rt") as fh:
        lines = fh.read().splitlines()
    alert = np.array([ln.split(" ", 1)[0] != "-" for ln in lines])
    times = np.array([int(ln.split(" ", 2)[1]) for ln in lines])
    cut = float(np.quantile(times, 0.6))
    train_lines = [ln for ln, t, a in zip(lines, times, alert, strict=True) if t < cut and not a]
    test_lines = [ln for ln, t in zip(lines, times, strict=True) if t >= cut]
    test_alert = alert[times >= cut]
    pre = EventSessions(format="bgl", window=3600.0).fit(train_lines)
    train_sess = pre.transform(train_lines)
    sess = pre.sessions(test_lines)
    y = np.array([int(test_alert[ln - 1].any()) for ln in sess.lines])
    brows = []
    dl = DeepLog(window=5, top_g=9, hidden=32, epochs=epochs, verbose=0,
                 random_state=seed).fit(train_sess)
    g = best_g(dl)
    s = dl.score(sess.sequences)
    m = binary_metrics(y, s, (s > g).astype(int))
    brows.append(row("DeepLog h=5", m, f"rank > {g}"))
    figures["bgl_deeplog_f1"] = m["f1"]
    dl.set_threshold(Percentile(99))
    m = binary_metrics(y, s, dl.threshold_predict(s))
    brows.append(row("DeepLog h=5", m, "p99 of held-out normal"))
    ca = EventCountAutoEncoder(verbose=0, random_state=seed).fit(train_sess)
    s = ca.score(sess.sequences)
    m = binary_metrics(y, s, ca.threshold_predict(s))
    brows.append(row("EventCountAutoEncoder", m, "p99 of held-out normal"))
    keep = np.setdiff1d(np.arange(len(train_sess)), ca.val_index_)
    n_keys = int(max(int(x.max()) for x in [*train_sess, *sess.sequences])) + 1
    for name, kind in (("PCA on counts", "pca"), ("IsolationForest on counts", "iforest")):
        base = CountBaseline(kind, n_keys, seed).fit([train_sess[i] for i in keep])
        thr = float(np.percentile(base.score([train_sess[i] for i in ca.val_index_]), 99))
        s = base.score(sess.sequences)
        m = binary_metrics(y, s, (s > thr).astype(int))
        brows.append(row(name, m, "p99 of held-out normal"))
    text += (f"\n### BGL_2k detection — 1-hour windows; train on the alert-free lines of the first "
             f"60% of time ({len(train_sess)} windows), test on the rest ({len(y)} windows, "
             f"{int(y.sum())} with an alert; {sess.stats.get('unknown_template', 0)} test lines "
             "had a template unseen in training)\n\n" + markdown_table(HEAD, brows) + "\n")
    return text, figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data")
    ap.add_argument("--seed", type=seed_arg, default=0)
    ap.add_argument("--epochs", type=positive, default=60)
    ap.add_argument("--threads", type=positive, default=1,
                    help="torch threads (1 is fastest on a shared 2-core machine)")
    no_write_option(ap, "results/hdfs.md")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    torch.set_num_threads(args.threads)
    root = data_dir(args.data, *(f"hdfs_deeplog/{f}" for f in HDFS_FILES),
                    *(f"loghub_2k/{s}/{s}_2k.{f}" for s in ("HDFS", "BGL")
                      for f in ("log.gz", "log_structured.csv.gz")))
    t0 = time.perf_counter()
    parts, figures = [], {}
    for proto in (protocol1, protocol2, protocol3):
        text, figs = proto(root, args.seed, args.epochs)
        print(text, flush=True)
        parts.append(text)
        figures.update(figs)
    total = time.perf_counter() - t0
    body = (header("HDFS / BGL log anomaly detection", command=False) + "\n"
            + f"Command: `nice -n 10 python benchmarks/hdfs.py {' '.join(sys.argv[1:])}` (seed "
              f"{args.seed}, {args.epochs} epochs max, torch threads {args.threads}). Total run "
              f"{total / 60:.1f} min.\n\n"
            + "\n".join(parts))
    done = not_written("hdfs.md") if args.no_write else f"wrote {write_result('hdfs', body)}"
    print(f"{done} in {total:.0f}s")


if __name__ == "__main__":
    run_script(main)
