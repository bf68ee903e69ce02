"""Helpers shared by the benchmark scripts: data location, timing, table output."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


class OptionError(SystemExit):
    """A bad option or data folder, found before any work: :func:`run_script` prints its one
    line and exits with code 2, as argparse does for its own errors (a plain ``SystemExit(text)``
    exits with 1). In process (tests) it is a ``SystemExit`` whose ``code`` is the line."""


def run_script(main: Callable[[], object]) -> None:
    """Run a script's ``main``: an :class:`OptionError` becomes its line on stderr and exit
    code 2, not exit code 1 (what ``SystemExit(text)`` gives); so does hourglass' ``InputError``
    (a dataset file that is empty, cut short or of another layout: its line names the file),
    not a traceback; anything else passes through."""
    from hourglass.errors import InputError

    try:
        main()
    except OptionError as stop:
        print(stop.code, file=sys.stderr)
        raise SystemExit(2) from None
    except InputError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None


def data_dir(option: str | None, *need: str) -> Path:
    """``--data`` if given, else ``$HOURGLASS_DATA``, else ``../shared/data`` beside the repo.

    ``need``: the dataset folders the script reads in it (``hdfs_deeplog``), or files in them
    (``hdfs_deeplog/hdfs_train``); a missing one stops the script with one line naming it (and
    the dataset's SOURCE.md, where it has one), before any work (not a traceback from the first
    file read, minutes in). A ``--data`` that is itself one of the dataset folders is told to
    give its parent."""
    root = Path(option or os.environ.get("HOURGLASS_DATA") or REPO.parent / "shared" / "data")
    if not root.exists():
        raise OptionError(f"data folder {root} not found: pass --data DIR or set HOURGLASS_DATA")
    folders = dict.fromkeys(n.split("/", 1)[0] for n in need)
    missing = [name for name in folders if not (root / name).is_dir()]
    if missing:
        # --data .../nsl_kdd, the dataset's own folder: its parent is the folder wanted
        given = f"; {root} is the {root.name}/ folder itself: pass {root.parent}" \
            if root.name in missing and root.is_dir() else ""
        raise OptionError(f"data folder {root} has no {', '.join(f'{m}/' for m in missing)}: pass "
                          f"--data DIR (the folder holding the datasets) or set HOURGLASS_DATA{given}")
    for name in dict.fromkeys(n for n in need if "/" in n):
        if not (root / name).is_file():
            source = root / name.split("/", 1)[0] / "SOURCE.md"
            where = f" ({source} says where to get it)" if source.is_file() else ""
            raise OptionError(f"data folder {root}: no file {name}{where}")
    return root


def names(option: str, value: str, known: Sequence[str]) -> list[str]:
    """The comma-separated names of ``value``, each once and in order; a name not in ``known``
    (or an empty one) stops the script with one line naming it and the known names, before any
    work (not a traceback after the names listed before it have run).

    Examples
    --------
    >>> names("--sets", "a,b,a", ["a", "b", "c"])
    ['a', 'b']
    """
    got = list(dict.fromkeys(v.strip() for v in value.split(",")))
    bad = [repr(n) if not n else n for n in got if n not in known]
    if bad:
        raise OptionError(f"{option}: unknown {', '.join(bad)}; known: {', '.join(known)}")
    return got


def not_read(ap: argparse.ArgumentParser, args: argparse.Namespace, what: str,
             read: Sequence[str]) -> None:
    """Stop the script with one line (:class:`OptionError`) at the first option given (a value
    other than its default) that ``what`` (``--part report``) does not read: only the options
    whose ``dest`` is in ``read`` may be given, so that a run is never taken for what it is not
    (``gan.py --part report --models x`` rewrote the whole report, --models unread).

    Examples
    --------
    >>> ap = argparse.ArgumentParser()
    >>> _ = ap.add_argument("--models", default="a"); _ = ap.add_argument("--no-write", action="store_true")
    >>> not_read(ap, ap.parse_args(["--no-write"]), "--part report", ["no_write"])
    >>> not_read(ap, ap.parse_args(["--models", "b"]), "--part report", ["no_write"])
    Traceback (most recent call last):
    ...
    _common.OptionError: --models: not read by --part report; leave it out
    """
    for action in ap._actions:
        if action.option_strings and action.dest not in read and \
                getattr(args, action.dest, action.default) != action.default:
            raise OptionError(f"{action.option_strings[0]}: not read by {what}; leave it out")


def ints(option: str, value: str, least: int = 0) -> list[int]:
    """The comma-separated integers of ``value`` (each at least ``least``); anything else stops the
    script with one line naming the option, before any work (not a ValueError traceback later).

    Examples
    --------
    >>> ints("--seeds", "0, 1,2")
    [0, 1, 2]
    """
    try:
        got = [int(v) for v in value.split(",")]
    except ValueError:
        got = []
    if not got or min(got) < least:  # '-1' is a list of integers: say which bound it misses
        raise OptionError(f"{option}: {value!r} is not a comma-separated list of integers"
                         + (f" >= {least}" if least or got else ""))
    return got


def _whole(text: str, low: int, high: int | None, what: str) -> int:
    """``text`` as an integer from ``low`` to ``high`` (``None``: no upper bound), else
    argparse's error saying it is not ``what``."""
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if value < low or (high is not None and value > high):
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
    return value


def positive(text: str) -> int:
    """argparse ``type`` of a count option: an integer >= 1 (``--limit -1`` took all files but the
    last, ``--limit 0`` or ``--seeds 0`` ran nothing and stopped on an empty table).

    Examples
    --------
    >>> positive("3")
    3
    """
    return _whole(text, 1, None, "an integer >= 1")


def count_arg(text: str) -> int:
    """argparse ``type`` of a count option where none is a choice: an integer >= 0
    (``--pyod-deep-seeds -1``, a bare ``type=int``, ran as 0).

    Examples
    --------
    >>> count_arg("0")
    0
    """
    return _whole(text, 0, None, "an integer >= 0")


def number(low: float, high: float = float("inf"), *, open_low: bool = False,
           open_high: bool = False) -> Callable[[str], float]:
    """argparse ``type`` of a number option: the value, once it lies from ``low`` to ``high``
    (``open_low`` / ``open_high``: not the bound itself); else the option's one-line error and
    exit code 2 before any work (``tabular.py --semi --label-rate 1`` ran the whole comparison,
    then stopped with a ZeroDivisionError, its table lost; ``nsl_kdd.py --percentile 150``
    trained every model first).

    Examples
    --------
    >>> number(0, 100)("99.5")
    99.5
    >>> number(0, 1, open_low=True, open_high=True)("1")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: '1' is not a number x with 0 < x < 1
    """
    what = (f"a number x with {low:g} {'<' if open_low else '<='} x"
            + ("" if high == float("inf") else f" {'<' if open_high else '<='} {high:g}"))

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        ok = (value > low if open_low else value >= low) and \
            (value < high if open_high else value <= high)
        if not ok:  # (NaN fails both)
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        return value

    return parse


def seed_arg(text: str) -> int:
    """argparse ``type`` of ``--seed``: an integer from 0 to 2**32 - 1, what numpy's and
    scikit-learn's generators take (``--seed -1`` stopped with a traceback after the data was read).

    Examples
    --------
    >>> seed_arg("7")
    7
    """
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer from 0 to {2**32 - 1}")
    return value


def port_arg(text: str) -> int:
    """argparse ``type`` of ``--port``: a TCP port from 1 to 65535, the one the script's client
    connects to (``--port 99999`` trained every model, then stopped with "hourglass serve ...
    exited with 2" and exit code 1; 0, any free port to the server, leaves the client none).

    Examples
    --------
    >>> port_arg("18091")
    18091
    """
    return _whole(text, 1, 65535, "a TCP port from 1 to 65535")


def param_dicts(option: str, text: str, estimator: type | None = None, *,
                named: bool = False) -> Any:
    """The parameter sets of a JSON option: a non-empty list of objects (``named``: an object of
    named objects, ``{"name": {...}}``), each name a parameter of ``estimator`` (its
    ``get_params``) where one is given; anything else stops the script with one line naming the
    option, before any data is read (not a JSONDecodeError, AttributeError or "unexpected
    keyword argument" traceback at the first fit).

    Examples
    --------
    >>> param_dicts("--configs", '[{}, {"lr": 0.01}]')
    [{}, {'lr': 0.01}]
    >>> param_dicts("--configs", '{"a": {"epochs": 5}}', named=True)
    {'a': {'epochs': 5}}
    >>> param_dicts("--grid", '[{"lr": 1}]', dict)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    _common.OptionError: --grid: lr is not a parameter of dict; ...
    """
    try:
        got = json.loads(text)
    except ValueError as e:
        raise OptionError(f"{option}: not JSON ({e})") from None
    sets = got.values() if named and isinstance(got, dict) else got
    if not isinstance(got, dict if named else list) or not got or \
            not all(isinstance(d, dict) for d in sets):
        what, example = (("object of named objects", '{"name": {"lr": 0.001}}') if named
                         else ("list of objects", '[{"lr": 0.001}]'))
        raise OptionError(f"{option}: expected a non-empty JSON {what}, e.g. '{example}'")
    if estimator is not None:
        parameters_of(option, [k for d in sets for k in d], estimator)
    return got


def parameters_of(option: str, given: Sequence[str], estimator: type) -> None:
    """Stop with one line at the first name of ``given`` that is not a parameter of ``estimator``
    (its ``get_params``), before any data is read: not an "unexpected keyword argument"
    traceback at the first fit.

    Examples
    --------
    >>> from hourglass.detectors import AutoEncoder
    >>> parameters_of("--param", ["epochs", "lr"], AutoEncoder)
    """
    known = set(estimator().get_params()) if hasattr(estimator, "get_params") else set()
    bad = [k for k in given if k not in known]
    if bad:
        raise OptionError(f"{option}: {bad[0]} is not a parameter of {estimator.__name__}; "
                          f"known: {', '.join(sorted(known))}")


def source_tree(option: str, folder: str | None) -> str | None:
    """``folder`` (the ``src`` of another checkout, to measure beside this one) once it holds the
    hourglass package; ``None`` (the option not given) as it is. Anything else stops the script
    with one line, before any work: a process started with ``PYTHONPATH`` at such a folder
    imports the installed hourglass instead, so the "before" figures were silently this code's
    (or the install's).

    Examples
    --------
    >>> source_tree("--before", None) is None
    True
    >>> source_tree("--before", str(REPO / "src")) == str(REPO / "src")
    True
    """
    if folder is not None and not (Path(folder) / "hourglass" / "__init__.py").is_file():
        raise OptionError(f"{option}: {folder} holds no hourglass package (give a src folder)")
    return folder


def need_pyod(option: str, picked: Sequence[str], pyod: Sequence[str]) -> None:
    """Stop with one line when a name of ``picked`` is a PyOD baseline (in ``pyod``) and PyOD (the
    ``bench`` extra) is not installed: before any data is read or model trained, not an import
    traceback when the baseline is built."""
    import importlib.util

    wanted = [m for m in picked if m in pyod]
    if wanted and importlib.util.find_spec("pyod") is None:
        raise OptionError(f"{option}: {', '.join(wanted)} need PyOD, which is not installed here: "
                         'pip install -c constraints.txt -e ".[bench]", or leave them out')


def need_extra(script: str, extra: str, *modules: str) -> None:
    """Stop with one line when a module of ``modules`` (what ``extra``, a pyproject extra, installs)
    is missing: before any data is read, not a ModuleNotFoundError traceback that does not say
    which extra to install.

    Examples
    --------
    >>> need_extra("x.py", "bench", "json")
    >>> need_extra("x.py", "onnx", "json", "no_such_module_zz")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    _common.OptionError: x.py needs no_such_module_zz, not installed here: pip install -c ...
    """
    import importlib.util

    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise OptionError(f"{script} needs {', '.join(missing)}, not installed here: "
                          f'pip install -c constraints.txt -e ".[{extra}]"')


def odds_sets(root: Path) -> list[str]:
    """The ODDS/ADBench sets of ``root`` (a folder of ``<name>.npz`` files), sorted."""
    return sorted(p.stem for p in root.glob("*.npz"))


def odds_arrays(folder: Path, name: str) -> tuple[Any, Any]:
    """``X`` (as float64) and ``y`` of the ODDS/ADBench set ``name`` in ``folder`` (its
    ``odds_adbench/``); a file cut short, not an ``.npz``, or without 2-D ``X`` and 1-D ``y`` of
    as many rows stops the script with one line naming it (and the folder's SOURCE.md), not a
    ``BadZipFile``/``KeyError`` traceback between the sets run before it."""
    import zipfile

    import numpy as np

    path = folder / f"{name}.npz"
    source = folder / "SOURCE.md"
    see = f" (see {source})" if source.is_file() else ""
    try:
        with np.load(path, allow_pickle=False) as z:
            lacks = [k for k in ("X", "y") if k not in z.files]
            if lacks:
                raise OptionError(f"{path}: no array {lacks[0]!r} (has {', '.join(z.files) or 'none'}); "
                                  f"an ODDS/ADBench set holds X and y{see}")
            X, y = z["X"], z["y"]
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as exc:
        raise OptionError(f"{path}: cannot read as an ODDS/ADBench .npz ({exc}){see}") from None
    if X.ndim != 2 or y.ndim != 1 or len(X) != len(y) or not len(y):
        raise OptionError(f"{path}: X {X.shape} and y {y.shape} are not rows x features and one "
                          f"label a row{see}")
    try:
        return X.astype(np.float64), y
    except (TypeError, ValueError) as exc:
        raise OptionError(f"{path}: X is not numbers ({exc}){see}") from None


def otrf_recordings(root: Path, names: Sequence[str]) -> list[tuple[Path, str]]:
    """Each OTRF recording of ``root``'s ``mordor_otrf/*/`` and which of ``names`` (the start
    of its file name, any case) it is, checked before a script's minutes of work: a name with
    no recording (a partial copy) stops the script with one line naming it and SOURCE.md; a
    file of no name given (an extra file put there) is left out, said on stderr."""
    folder = root / "mordor_otrf"
    found: list[tuple[Path, str]] = []
    for f in sorted(folder.glob("*/*.json.gz")):
        name = next((n for n in names if f.name.lower().startswith(n.lower())), None)
        if name is None:
            print(f"note: {f}: not one of the {len(names)} OTRF recordings this benchmark "
                  "reads; left out", file=sys.stderr)
        else:
            found.append((f, name))
    missing = [n for n in names if all(n != name for _, name in found)]
    if missing:
        raise OptionError(f"{folder}: no recording {missing[0]}*.json.gz in its folders ({len(missing)} "
                          f"of the {len(names)} this benchmark reads missing; see {folder / 'SOURCE.md'})")
    return found


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[Any, float]:
    """Run ``fn`` ``repeat`` times; return the last result and the median seconds."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, statistics.median(times)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table; floats get 4 decimals, ``None`` (a figure that does
    not apply: the precision of a rule that flagged nothing) is ``n/a``."""
    def fmt(v: Any) -> str:
        if v is None:
            return "n/a"
        if isinstance(v, float):
            return f"{v:.4f}" if abs(v) < 1000 else f"{v:,.0f}"
        return str(v)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def load_note() -> str:
    """How busy the machine was when the result was written (the 1-minute load average against
    the core count): timings are only comparable within a run on a busy machine."""
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    # The load alone cannot tell a benchmark's own threads from another job's: a one-thread
    # benchmark beside another one-thread job reads 2 on 2 cores. So only say what it shows.
    verdict = ("more runnable jobs than cores: times are inflated, compare them within this run"
               if load > 1.5 * cores else
               "not oversubscribed, but other jobs may have shared the cores: see the notes")
    return f"1-minute load average when written: {load:.1f} on {cores} cores ({verdict})."


def command_line() -> str:
    """The command running now, as it would be typed again from the repository root (with
    ``OMP_NUM_THREADS`` when it is set: it changes the timings).

    Examples
    --------
    >>> command_line().split()[0] in ("python", "OMP_NUM_THREADS=" + os.environ.get("OMP_NUM_THREADS", ""))
    True
    """
    script = Path(sys.argv[0]).resolve()
    name = script.relative_to(REPO).as_posix() if script.is_relative_to(REPO) else sys.argv[0]
    threads = os.environ.get("OMP_NUM_THREADS")
    return shlex.join([*([f"OMP_NUM_THREADS={threads}"] if threads else []), "python", name,
                       *sys.argv[1:]])


def header(title: str, command: bool = True) -> str:
    """Title line with date, machine and its load, for result files; then the command that wrote
    the file (``command=False`` for a script that writes its own command line)."""
    return (f"# {title}\n\n{dt.date.today().isoformat()} · {platform.machine()} · "
            f"{os.cpu_count()} CPU cores · Python {platform.python_version()}\n\n{load_note()}\n"
            + (f"\nCommand: `{command_line()}`\n" if command else ""))


def result_file(name: str) -> Path:
    """``benchmarks/results/<name>.md`` (``name`` may be a path of its own, e.g. under /tmp)."""
    return REPO / "benchmarks" / "results" / f"{name}.md"


def _writable(path: Path) -> Path:
    """``path`` once a file can be written there: its folder is made (as writing would) and a
    probe file created and removed in it; else the argparse error of an ``--out`` option."""
    import tempfile

    if path.is_dir():
        raise argparse.ArgumentTypeError(f"cannot write {path}: a folder")
    if path.parent.exists() and not path.parent.is_dir():  # (mkdir's bare "File exists")
        raise argparse.ArgumentTypeError(f"cannot write {path}: {path.parent} is a file, not a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}."):
            pass
    except OSError as e:
        raise argparse.ArgumentTypeError(f"cannot write {path}: {e.strerror or e}") from None
    return path


def result_name(text: str) -> str:
    """argparse ``type`` of a result-name option (``--out NAME``: ``benchmarks/results/NAME.md``):
    the name, once a file can be written there (an unwritable one stopped the script with a
    PermissionError traceback after the whole run, its table lost). A trailing ``.md`` is dropped
    (``--out /tmp/x.md`` wrote ``/tmp/x.md.md``); a name that is a folder (``/tmp``, ``smoke/``)
    is refused (it wrote ``/tmp.md`` or a hidden ``smoke/.md``).

    Examples
    --------
    >>> result_name("tabular_smoke")
    'tabular_smoke'
    >>> result_name("tabular_smoke.md")
    'tabular_smoke'
    """
    name = text[:-3] if text.endswith(".md") else text
    if not name.strip():
        raise argparse.ArgumentTypeError("an empty result name")
    if name.endswith(("/", os.sep)) or (REPO / "benchmarks" / "results" / name).is_dir():
        folder = name.rstrip("/" + os.sep)
        raise argparse.ArgumentTypeError(
            f"{text!r} is a folder, not a result name: give a name in it, e.g. {folder}/NAME")
    _writable(result_file(name))
    return name


def output_file(text: str) -> Path:
    """argparse ``type`` of an output-file option (``--out FILE``): the path, once a file can be
    written there (not a traceback after the run)."""
    return _writable(Path(text))


def work_folder(text: str) -> Path:
    """argparse ``type`` of a work-folder option (``--dir DIR``): the path, once it is a folder
    (made if missing) that a file can be written in; else one line and exit code 2 (a file there
    stopped the script with a FileExistsError traceback after its parsing).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     work_folder(tmp + "/work").is_dir()
    True
    """
    import tempfile

    path = Path(text)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".probe."):
            pass
    except FileExistsError:
        raise argparse.ArgumentTypeError(f"cannot use {path}: a file, not a folder") from None
    except OSError as e:
        raise argparse.ArgumentTypeError(f"cannot use {path}: {e.strerror or e}") from None
    return path


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file renamed into place (an interrupted
    write leaves the previous file, not half a table); return ``path``. A write that fails (a
    full disk, a folder turned read-only during the run) ends the script with one line naming
    ``path`` and exit code 1, not a traceback: the table is on stdout already."""
    from hourglass.ingest.readers import atomic_output  # (keeps a link, the file's mode)

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(path) as tmp:
            tmp.write_text(text)
    except OSError as exc:
        raise SystemExit(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def write_result(name: str, text: str) -> Path:
    """Write ``benchmarks/results/<name>.md`` (through a temporary file) and return its path."""
    return write_text(result_file(name), text)


def no_write_option(ap: argparse.ArgumentParser, files: str) -> None:
    """Add ``--no-write`` to the parser ``ap``: print the tables only and leave ``files`` (the
    committed full-run results) as they are; a partial or smoke run would overwrite them."""
    ap.add_argument("--no-write", action="store_true",
                    help=f"print only, do not write {files} (for partial or smoke runs)")


def not_written(name: str) -> str:
    """The line a script prints instead of writing ``results/<name>`` under ``--no-write``.

    Examples
    --------
    >>> not_written("x.md")
    'not written (--no-write): results/x.md left as it is'
    """
    return f"not written (--no-write): results/{name} left as it is"


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run ``cmd`` in a fresh wrapper process with ``src`` on the path (plus ``env``):
    (wall seconds, the child's peak RSS in MB, its stdout + stderr). Exits on failure."""
    wrapper = ("import resource, subprocess, sys, time, json\n"
               "t = time.perf_counter()\n"
               "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
               "w = time.perf_counter() - t\n"
               "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
               "print(json.dumps({'rc': p.returncode, 'wall': w, 'rss': rss, "
               "'out': p.stdout + p.stderr}))\n")
    full_env = {**os.environ, "PYTHONPATH": str(REPO / "src"), **(env or {})}
    res = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True,
                         env=full_env, check=True)
    info = json.loads(res.stdout.strip().splitlines()[-1])
    if info["rc"] != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{info['out']}")
    return info["wall"], info["rss"], info["out"]


#: NSL-KDD's attack categories, in the order the tables print them.
NSL_CATEGORIES = ("DoS", "Probe", "R2L", "U2R")


class NslKddFiles:
    """NSL-KDD files read once with hourglass' ``nsl-kdd`` format (``--data``'s ``nsl_kdd/``).

    ``files["KDDTrain+"]`` is the whole frame (with its ``label``); :meth:`normal` its normal
    rows without the label; :meth:`attacks` a seeded per-category sample of its attacks;
    :meth:`preprocessor` the benchmarks' feature preparation (the format's categorical and
    dropped columns).
    """

    def __init__(self, data: str | None, *names: str) -> None:
        from hourglass.ingest import get_dataset

        root = data_dir(data, *(f"nsl_kdd/{name}.txt.gz" for name in names)) / "nsl_kdd"
        self.spec = get_dataset("nsl-kdd")
        self.files = {name: self.spec.read(root / f"{name}.txt.gz") for name in names}

    def normal(self, name: str = "KDDTrain+") -> Any:
        """The normal rows of ``name`` without the label column."""
        df = self.files[name]
        return df[df.label == "normal"].drop(columns=["label"])

    def attacks(self, name: str = "KDDTrain+", per_category: int = 3000) -> tuple[Any, Any]:
        """Up to ``per_category`` attack rows of each category of ``name`` (seeded sample, label
        kept) and each row's category."""
        import pandas as pd

        df = self.files[name]
        cat = df.label.map(self.spec.categories)
        att = pd.concat([df[cat == c].sample(min(int((cat == c).sum()), per_category), random_state=0)
                         for c in NSL_CATEGORIES])
        return att, att.label.map(self.spec.categories).to_numpy()

    def preprocessor(self, **params: Any) -> Any:
        """An unfitted TabularPreprocessor for these files (``params`` on top)."""
        from hourglass.features import TabularPreprocessor

        return TabularPreprocessor(categorical=self.spec.categorical, drop=self.spec.drop, **params)


def grouping_accuracy(pred: Any, truth: Any) -> float:
    """Share of lines whose predicted group is exactly their true group (Zhu et al. 2019).

    Examples
    --------
    >>> import numpy as np
    >>> grouping_accuracy(np.array([1, 1, 2, 3]), np.array(["a", "a", "b", "b"]))
    0.5
    """
    import pandas as pd

    df = pd.DataFrame({"p": pred, "t": truth})
    sizes = df.groupby("p").size()
    ok = 0
    for _, g in df.groupby("t"):
        ps = g["p"].unique()
        if len(ps) == 1 and sizes[ps[0]] == len(g):
            ok += len(g)
    return ok / len(df)
