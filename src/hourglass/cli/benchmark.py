"""``hourglass benchmark``: table detectors and baselines side by side on the user's labelled data.

The work (split, training, thresholds, metrics, summary) is :class:`hourglass.pipeline.benchmark.Benchmark`;
this module reads the files, shows progress and prints the table.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from hourglass.cli._common import check_not_input, check_output_kind, refuse_closed_stdout
from hourglass.cli._options import (
    BenchBaselinesOpt,
    BenchDataArg,
    BenchDataDirOpt,
    BenchEpochsOpt,
    BenchJsonOpt,
    BenchMaxTrainOpt,
    BenchModelsOpt,
    BenchSeedOpt,
    BenchSeedsOpt,
    BenchSuiteOpt,
    BenchTestFractionOpt,
    BenchTestOpt,
    BenchThresholdOpt,
    CategoricalOpt,
    DeviceOpt,
    DropOpt,
    LabelOpt,
    NormalOpt,
    QuietOpt,
    ScalerOpt,
    TableBadRowsOpt,
    TableDatasetOpt,
    TableFormatOpt,
    TableRoleOpt,
    parse_roles,
    sub_own_words,
)
from hourglass.cli._output import (
    data_on_stdout,
    err,
    interrupted,
    out,
    output_name,
    setup_logging,
    table_console,
    user_errors,
)
from hourglass.cli._spool import shown, shown_name
from hourglass.errors import HourglassError, InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from rich.table import Table

    from hourglass.ingest import ReadStats
    from hourglass.pipeline.benchmark import Benchmark

__all__ = ["benchmark", "results_table", "suite_files"]

SUITES = ("nsl-kdd", "nsl-kdd-sample")
_COLUMNS = (("roc_auc", "ROC-AUC", 3), ("pr_auc", "PR-AUC", 3), ("f1", "F1", 3),
            ("precision", "prec.", 3), ("recall", "recall", 3), ("fpr", "FPR", 3),
            ("fit_seconds", "fit s", 2), ("rows_per_second", "rows/s", -1))


def _find(folder: Path, stem: str) -> Path | None:
    for name in (f"{stem}.txt.gz", f"{stem}.txt"):
        if (folder / name).is_file():
            return folder / name
    return None


def suite_files(suite: str, data_dir: Path | None, from_env: bool = False) -> tuple[Path, Path]:
    """(train, test) files of a ``--suite``; ``from_env``: ``data_dir`` is ``$HOURGLASS_DATA``'s
    (a refusal names the variable, not a ``--data`` that was never typed).

    Examples
    --------
    >>> [p.name for p in suite_files("nsl-kdd-sample", None)]
    ['nsl_kdd_demo_train.txt.gz', 'nsl_kdd_demo_test.txt.gz']
    """
    if suite == "nsl-kdd-sample":
        from hourglass.ingest import demo_path

        return demo_path("train"), demo_path("test")
    if suite != "nsl-kdd":
        raise HourglassError(f"--suite: unknown suite {suite!r}; known: {', '.join(SUITES)}")
    if data_dir is None:
        raise HourglassError("--suite nsl-kdd: give the folder holding KDDTrain+.txt.gz and "
                             "KDDTest+.txt.gz with --data DIR or the HOURGLASS_DATA variable")
    for folder in (data_dir, data_dir / "nsl_kdd"):
        train, test = _find(folder, "KDDTrain+"), _find(folder, "KDDTest+")
        if train is not None and test is not None:
            return train, test
    given = f"HOURGLASS_DATA={data_dir}" if from_env else f"--data {data_dir}"
    if data_dir.is_file():  # KDDTrain+.txt.gz itself: the folder holding it is wanted
        raise HourglassError(f"{given}: a file, not a folder; give the folder holding "
                             "KDDTrain+.txt(.gz) and KDDTest+.txt(.gz)")
    for folder in (data_dir, data_dir / "nsl_kdd"):
        # one of the two there (a download cut short): name the one missing, not both
        train, test = _find(folder, "KDDTrain+"), _find(folder, "KDDTest+")
        if train is not None or test is not None:
            have, lack = (train, "KDDTest+") if train is not None else (test, "KDDTrain+")
            raise HourglassError(f"{given}: {have} is there but no {lack}.txt(.gz) beside it")
    raise HourglassError(f"{given}: no KDDTrain+.txt(.gz) and KDDTest+.txt(.gz) there "
                         "(nor in its nsl_kdd/ folder)")


def _number(value: float, digits: int) -> str:
    """``value`` with ``digits`` decimals; ``digits=-1``: a rate, in k or M.

    Examples
    --------
    >>> _number(0.91234, 3), _number(52310.0, -1), _number(2_400_000.0, -1), _number(950.0, -1)
    ('0.912', '52k', '2.4M', '950')
    >>> _number(999_700.0, -1), _number(9_999.7, -1)
    ('1.0M', '10k')
    """
    if digits >= 0:
        return f"{value:.{digits}f}"
    # the unit is chosen on the rounded figure: 999,700 rows/s was "1000k", 9,999.7 "10,000"
    if value >= 1e6 or f"{value / 1e3:.0f}" == "1000":
        return f"{value / 1e6:.1f}M"
    return f"{value / 1e3:.0f}k" if value >= 1e4 or f"{value:.0f}" == "10000" else f"{value:,.0f}"


def _cell(stat: dict[str, float] | None, digits: int, seeds: int) -> str:
    r"""The mean, and under it ``±std`` when it is over several seeds (narrow columns: the table
    fits 80 characters); a mean over fewer than the ``seeds`` run (the others had no value,
    :func:`~hourglass.pipeline.benchmark.summarize`'s ``n``) says over how many.

    Examples
    --------
    >>> _cell({"mean": 0.5, "std": 0.1}, 3, 3), _cell({"mean": 0.5, "std": 0.0, "n": 1}, 3, 3)
    ('0.500\n±0.100', '0.500\n(1 of 3)')
    >>> _cell(None, 3, 3)
    'n/a'
    """
    if stat is None:
        return "n/a"
    mean, n = _number(stat["mean"], digits), int(stat.get("n", seeds))
    text = mean if n < 2 else f"{mean}\n±{_number(stat['std'], digits)}"
    return text if n == seeds else f"{text}\n({n} of {seeds})"


def results_table(title: str, rows: list[dict[str, Any]]) -> Table:
    """The summary rows as one rich table (mean ± std over seeds); baselines are marked."""
    from rich import box
    from rich.table import Table

    t = Table(title=title, header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 0, 0, 1))
    t.add_column("model", overflow="fold", min_width=11)
    for _, header, _ in _COLUMNS:
        t.add_column(header, justify="right")
    for r in rows:
        name = r["model"] + (" (baseline)" if r["kind"] == "baseline" else "")
        t.add_row(name, *(_cell(r[key], d, len(r["seeds"])) for key, _, d in _COLUMNS))
    return t


def _category_table(rows: list[dict[str, Any]]) -> Table | None:
    from rich import box
    from rich.table import Table

    cats = sorted({c for r in rows for c in r.get("per_category", {})})
    if not cats:
        return None
    t = Table(title="detection rate per attack category (mean over seeds)", header_style="bold",
              box=box.SIMPLE_HEAD)
    t.add_column("model")
    for c in cats:
        t.add_column(c, justify="right")
    for r in rows:
        name = r["model"] + (" (baseline)" if r["kind"] == "baseline" else "")
        t.add_row(name, *(f"{r['per_category'].get(c, 0.0):.3f}" for c in cats))
    return t


def _check_device(device: str) -> None:
    """Refuse an unknown or unavailable ``--device`` before any file is read."""
    from hourglass.errors import InputError
    from hourglass.nn.device import resolve_device

    try:
        resolve_device(device)
    except InputError as exc:  # "device: unknown device 'x'" -> "--device: unknown device 'x'"
        raise HourglassError(f"--{exc}") from None


def _name(path: Path) -> str:
    """A file's name in titles and notes; DATA or --test ``-`` is 'standard input', a folder or
    a pattern as messages name it (``day/ (2 files)``), not by its copy's name.

    Examples
    --------
    >>> _name(Path("/data/flows.csv"))
    'flows.csv'
    """
    return shown_name(path)


#: :class:`~hourglass.pipeline.benchmark.Benchmark`'s parameters, which its errors name (the
#: Python API's words), → the options of ``hourglass benchmark`` that set them.
_OPTION_OF = {"threshold": "--threshold", "models": "--models", "baselines": "--baselines",
              "seeds": "--seeds", "max_train": "--max-train", "test_fraction": "--test-fraction",
              "label_col": "--label-col", "normal": "--normal"}


def _as_options(exc: InputError) -> InputError:
    """``exc``, an error of :class:`~hourglass.pipeline.benchmark.Benchmark` or
    :func:`~hourglass.pipeline.benchmark.split_labelled` about its parameters (``exc.param``),
    naming benchmark's options instead where it names them as parameters: at its head
    (``threshold:``, ``models/baselines:``), in brackets (``(label_col)``) or given a value
    (``test_fraction=0.3``, ``with baselines=``); a word of the text (``every threshold``,
    ``table models``) stays.

    Examples
    --------
    >>> both = ("models", "baselines")
    >>> str(_as_options(InputError("models/baselines: nothing to compare", param=both)))
    '--models/--baselines: nothing to compare'
    >>> str(_as_options(InputError("models: x is a baseline; give it with baselines=", param=both)))
    '--models: x is a baseline; give it with --baselines'
    >>> str(_as_options(InputError("d: cannot split 3 rows at test_fraction=0.3: x", param="test_fraction")))
    'd: cannot split 3 rows at --test-fraction 0.3: x'
    >>> str(_as_options(InputError("threshold: fits every threshold on ...", param="threshold")))
    '--threshold: fits every threshold on ...'
    """
    names = (exc.param,) if isinstance(exc.param, str) else exc.param or ()
    if not any(name in _OPTION_OF for name in names):
        return exc  # about the data, or the features' parameters (user_errors names their options)
    text = str(exc)
    for name in names:
        option = _OPTION_OF.get(name)
        if option is None:
            continue
        word = rf"(?<![\w'-]){re.escape(name)}"
        # (in its own words: not in a value, path or regex the message quotes)
        text = sub_own_words(rf"^((?:[\w-]+/)*){re.escape(name)}(?=[:/])", rf"\g<1>{option}", text,
                             _OPTION_OF)  # its head
        text = sub_own_words(rf"(?<=\(){re.escape(name)}(?=\))", option, text)  # (label_col)
        text = sub_own_words(rf"{word}=(?=[^\s;,:)])", f"{option} ", text)  # test_fraction=0.3
        text = sub_own_words(rf"{word}=(?=[\s;,:)]|$)", option, text)  # with baselines=
    return InputError(text)


class _OnceAcrossRuns(logging.Filter):
    """Each warning of the runs once (a percentile fitted on few held-out scores warned per model
    and seed: 12 like lines for the defaults), train's ``--param validation_fraction`` advice
    said as benchmark can act on it."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        from hourglass.detectors.ensemble import MEMBER_SHARE_ADVICE
        from hourglass.thresholds.base import FEW_SCORES_ADVICE

        text = record.getMessage()
        advice = getattr(record, "advice", None)  # train's (an option benchmark lacks)
        if advice in (FEW_SCORES_ADVICE, MEMBER_SHARE_ADVICE):
            text = text.replace(advice, "more normal training rows")
            record.msg, record.args = text, ()
        if text in self.seen:
            return False
        self.seen.add(text)
        return True


def _more_held_out(bench: Benchmark, split: bool, max_train: int | None, smaller_depth: bool = True) -> str:
    """What gives a threshold rule more held-out normal scores in a benchmark (which sets no
    model's held-out share: ``train``'s ``--param validation_fraction`` is no option here);
    ``smaller_depth``: whether a smaller DSPOT depth fits the scores there are."""
    n = len(bench.X_train_)
    if max_train is not None and max_train < n:
        more = f"a larger --max-train (now {max_train:,} of the {n:,} normal training rows)"
    else:
        more = f"more normal training rows (now {n:,}" + (
            "; a smaller --test-fraction leaves more" if split else "") + ")"
    other = ("a higher rate or a lower confidence (fpr:RATE@CONFIDENCE)"
             if type(bench.threshold).__name__ == "FalseAlarmBound" else "a smaller depth (dspot:Q/DEPTH)"
             if type(bench.threshold).__name__ == "DSPOT" and smaller_depth else "another rule")
    return (f"each model holds out about 10% of its normal training rows for the threshold: give "
            f"{more}, or {other}")


def _split_names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip() and n.strip().lower() != "none"]


def _labelled(df: pd.DataFrame, label_col: str, normal: list[str], data: Path,
              stats: ReadStats) -> np.ndarray | None:
    """Mask of the rows of ``df`` (DATA as read, ``stats`` its read's counts) with a label,
    the others said in one warning naming the first one's line
    (:func:`~hourglass.cli.tables.unlabelled_rows`); ``None`` where every row has one, or
    ``df`` has no label column (Benchmark says so)."""
    from hourglass.cli.tables import unlabelled_rows
    from hourglass.ingest.formats import label_strings

    if label_col not in df.columns:
        return None
    kept = unlabelled_rows(label_strings(df[label_col]), normal, label_col, str(data), "left out",
                           stats=stats)
    return None if kept.all() else kept


def _labelled_part(df: pd.DataFrame, label_col: str, normal: list[str]) -> pd.DataFrame:
    """A part of a split without its rows that have no label (said by :func:`_labelled`)."""
    from hourglass.ingest.formats import label_strings

    return df.loc[label_strings(df[label_col]) != ""].reset_index(drop=True)


def benchmark(
    ctx: typer.Context,
    data: BenchDataArg = None,
    test: BenchTestOpt = None,
    dataset: TableDatasetOpt = None,
    label_col: LabelOpt = None,
    normal: NormalOpt = None,
    models: BenchModelsOpt = "autoencoder,vae,deep-svdd",
    baselines: BenchBaselinesOpt = "iforest",
    seeds: BenchSeedsOpt = 3,
    seed: BenchSeedOpt = 0,
    threshold: BenchThresholdOpt = None,
    json_out: BenchJsonOpt = None,
    max_train: BenchMaxTrainOpt = None,
    test_fraction: BenchTestFractionOpt = None,
    epochs: BenchEpochsOpt = None,
    device: DeviceOpt = "auto",
    suite: BenchSuiteOpt = None,
    data_dir: BenchDataDirOpt = None,
    fmt: TableFormatOpt = "auto",
    on_bad_rows: TableBadRowsOpt = "error",
    categorical: CategoricalOpt = None,
    drop: DropOpt = None,
    role: TableRoleOpt = None,
    scaler: ScalerOpt = "minmax",
    quiet: QuietOpt = False,
) -> None:
    """Compare table detectors and baselines on labelled DATA: ROC-AUC, PR-AUC, F1, precision,
    recall and FPR at each model's own threshold, fit time and scoring speed (mean ± std over seeds).

    Every model trains on the same normal training rows with the same preprocessing; each
    threshold is fitted on held-out normal training rows (a fixed one is given); test labels are
    used only for the metrics. Without --test, a seeded stratified 30% (--test-fraction) of DATA
    is the test part.
    --suite nsl-kdd runs KDDTrain+ -> KDDTest+ from --data DIR (or HOURGLASS_DATA).
    """
    data_on_stdout(json_out)  # '-': the data alone on stdout, the command's lines on stderr
    import time

    import pandas as pd

    from hourglass.cli._schema import chosen_text, in_one_form, preprocessor_for, read_as_text
    from hourglass.cli.tables import read_data, resolve_spec
    from hourglass.ingest import ReadStats, atomic_output
    from hourglass.ingest.sqlite import json_document
    from hourglass.pipeline.benchmark import Benchmark, split_labelled, summarize
    from hourglass.thresholds import threshold_from_spec

    setup_logging(quiet)
    with user_errors():
        if json_out is None:  # the tables are the result: said now, not after the training
            refuse_closed_stdout("the results", "--json")
        if seed + seeds - 1 >= 2**64:  # numpy's and torch's seeds: said now, not at the last run
            raise HourglassError(f"--seed {seed}: the runs' seeds go up to {seed + seeds - 1} "
                                 f"(--seeds {seeds}), above 2**64-1, the largest seed")
        source = ctx.get_parameter_source("data_dir")
        if (data_dir is not None and getattr(source, "name", "") == "COMMANDLINE"
                and suite in (None, "nsl-kdd-sample")):
            # (HOURGLASS_DATA, set for every run, is no option given: read only by that suite)
            why = "without --suite" if suite is None else f"--suite {suite} reads no folder"
            raise HourglassError(f"--data {data_dir}: the folder of --suite nsl-kdd's files; "
                                 f"{why}, it would be ignored: leave it out")
        if suite is not None:
            if data is not None or test is not None:
                raise HourglassError(f"--suite {suite}: takes no DATA or --test (it names its files)")
            if dataset is not None and dataset != "nsl-kdd":
                raise HourglassError(f"--suite {suite}: reads NSL-KDD; leave out --dataset {dataset}")
            data, test = suite_files(suite, data_dir, getattr(source, "name", "") == "ENVIRONMENT")
            dataset = "nsl-kdd"
        elif data is None:
            raise HourglassError("DATA: give a labelled table, or --suite nsl-kdd")
        check_not_input(json_out, "--json", data)
        check_not_input(json_out, "--json", test)
        check_output_kind(json_out, "--json", (".json",), "JSON")
        if test is not None and test_fraction is not None:  # given, even as the default 0.3
            raise HourglassError(f"--test-fraction {test_fraction:g}: splits DATA when there is no "
                                 f"test file; {test} is the test part here: leave it out")
        if test_fraction is None:
            test_fraction = 0.3
        if test is not None and test.resolve() == data.resolve():
            raise HourglassError(f"--test {test}: is DATA itself: the models would be scored on the "
                                 "rows they trained on; give another file, or leave --test out "
                                 "for a stratified split of DATA")
        _check_device(device)
        spec, label_col, normal_values = resolve_spec(dataset, label_col, normal, fmt, data)
        if label_col is None:
            raise HourglassError("--label-col: benchmark needs labelled data (or --dataset)")
        rule = threshold_from_spec(threshold, name="--threshold") if threshold else None
        names, base = _split_names(models), _split_names(baselines)
        stats = ReadStats()
        spec = read_as_text(spec, chosen_text(categorical, parse_roles(role)))  # '007' as train reads it
        df = read_data(data, spec, on_bad_rows, stats)
        # one category per value, however the exports wrote it (as train reads it)
        df = in_one_form(df, str(data), parse_roles(role), spec)
        if test is None:
            try:
                train_df, test_df = split_labelled(df, label_col, normal_values, test_fraction=test_fraction,
                                                   seed=seed, where=str(data))
            except InputError as exc:  # in the Python API's words: named as benchmark's options
                raise _as_options(exc) from None
            # the rows without a label, said once with the first one's line (as train and evaluate
            # say them) and left out of both parts, as Benchmark leaves them out (the split as it was)
            if _labelled(df, label_col, normal_values, data, stats) is not None:
                train_df, test_df = (_labelled_part(p, label_col, normal_values) for p in (train_df, test_df))
            train_name = f"{_name(data)} (training {1 - test_fraction:.0%})"
            test_name = f"{_name(data)} (test {test_fraction:.0%}, stratified, seed {seed})"
        else:
            test_spec, _, _ = resolve_spec(dataset, label_col, normal, fmt, test)
            # the training file's text columns as text ('1.10', '007' as written), as score reads
            # a file with a model's categories: typed from the test file, 1.10 read as 1.1, unseen
            test_spec = read_as_text(test_spec, [c for c in df.columns if c != label_col and (
                df[c].dtype == object or isinstance(df[c].dtype, pd.StringDtype | pd.CategoricalDtype))])
            test_stats = ReadStats()  # its own counts: a row of the test file is told as its line
            train_df, test_df = df, read_data(test, test_spec, on_bad_rows, test_stats)
            stats.bad_rows += test_stats.bad_rows
            test_df = in_one_form(test_df, str(test), parse_roles(role), spec)
            for part, name, counts in ((train_df, data, stats), (test_df, test, test_stats)):
                kept = _labelled(part, label_col, normal_values, name, counts)
                if kept is not None:
                    part.drop(index=part.index[~kept], inplace=True)
                    part.reset_index(drop=True, inplace=True)
            train_name, test_name = _name(data), _name(test)
        features = preprocessor_for(train_df.drop(columns=[label_col], errors="ignore"), str(data),
                                    spec=spec, categorical=categorical or [], drop=drop or [],
                                    roles=parse_roles(role), scaler=scaler)
        params: dict[str, Any] = {"device": device}
        if epochs is not None:
            params["epochs"] = epochs
        try:
            bench = Benchmark(train_df, test_df, label_col=label_col, normal=normal_values, models=names,
                              baselines=base, seeds=range(seed, seed + seeds), threshold=rule,
                              features=features, params=params, max_train=max_train,
                              categories=getattr(spec, "categories", None) or None,
                              train_name=train_name, test_name=test_name)
        except InputError as exc:  # in the Python API's words: named as benchmark's options
            raise _as_options(exc) from None
    plan = bench.plan()
    runs: list[dict[str, Any]] = []
    progress = None
    if err.is_terminal and not quiet:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=err, transient=True)
    task = progress.add_task("benchmark", total=len(plan)) if progress else None

    running: list[str] = []  # the run under way, named in a threshold rule's refusal

    def on_start(name: str, kind: str, s: int) -> None:
        running[:] = [f"{name} seed {s}"]
        if progress is not None and task is not None:
            progress.update(task, description=f"{name} seed {s}", completed=len(runs))

    start = time.perf_counter()
    log = logging.getLogger("hourglass")
    level = log.level
    if not quiet:  # per-run training lines would repeat for every model and seed: the table says it
        log.setLevel(logging.WARNING)
    once = _OnceAcrossRuns()
    handlers = list(logging.getLogger().handlers)
    for h in handlers:
        h.addFilter(once)
    try:
        with user_errors():
            if progress is not None:
                progress.start()
            try:
                for run in bench.runs(on_start):
                    runs.append(run)
            except ValueError as exc:  # an InputError too; the line names the run it stopped
                if isinstance(exc, InputError) and rule is not None and str(exc).startswith(
                        f"{type(rule).__name__}:"):  # e.g. fpr:RATE on too few held-out rows
                    few = getattr(exc, "too_few_scores", None)
                    if few is not None:  # its advice (--param validation_fraction) is train's
                        more = _more_held_out(bench, test is None, max_train,
                                              getattr(exc, "smaller_depth", True))
                        raise HourglassError(f"--threshold {threshold}: {running[0]}: {few}; "
                                             f"{more}") from None
                    raise HourglassError(f"--threshold {threshold}: {running[0]}: {exc}") from None
                # e.g. a PyOD baseline refusing --max-train's few rows: which of the runs it was
                raise HourglassError(f"{running[0]}: {exc}") from exc
            finally:
                log.setLevel(level)
                for h in handlers:
                    h.removeFilter(once)
                if progress is not None:
                    progress.stop()
    except KeyboardInterrupt:
        err.print(f"interrupted: {len(runs)} of {len(plan)} runs finished; no --json written",
                  highlight=False)
        if runs:
            table_console().print(results_table(f"{test_name}: finished runs only", summarize(runs)))
        raise interrupted() from None
    rows = summarize(runs)
    notes = bench.notes()
    if json_out is not None:
        with user_errors(), atomic_output(json_out) as tmp:
            tmp.write_text(json_document({
                "train": shown(data), "test": shown(test) if test is not None else None,
                "test_fraction": None if test is not None else test_fraction,
                "label_col": label_col, "normal": normal_values, "seeds": list(bench.seeds),
                "threshold": threshold, "max_train": max_train, "epochs": epochs,
                "seconds": time.perf_counter() - start, "models": rows, "runs": runs,
                "notes": notes}), encoding="utf-8")
    wide = table_console()
    wide.print(results_table(f"{test_name}: mean ± std over {len(bench.seeds)} seed(s)", rows))
    cats = _category_table(rows)
    if cats is not None:
        wide.print(cats)
    for r in rows:
        out.print(f"  {r['model']}: threshold {r['threshold']}", highlight=False)
    for line in notes:
        out.print(f"note: {line}", highlight=False)
    if stats.bad_rows:
        err.print(f"skipped {stats.bad_rows} malformed row(s)", highlight=False)
    if json_out is not None:
        err.print(f"results written to {output_name(json_out)}", highlight=False)
