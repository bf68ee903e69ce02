"""The ``hourglass`` typer app: global options and the commands, registered in help order.

The commands live beside it: ``train`` (train, demo), ``score``, ``stream``, ``evaluate``,
``benchmark``, ``explain``, ``threshold`` (what-if thresholds, re-threshold a saved model),
``serve``, ``export``, ``info`` (models, formats, inspect);
``tables``, ``logs`` and
``timeseries`` hold the work per input kind, ``_options`` the shared option types and ``_output``
the consoles, errors and tables.
"""

from __future__ import annotations

import functools
import inspect as _inspect
import logging
import math
import os
import signal
import sys
import typing
from pathlib import Path, PurePath
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from hourglass._placed import cut_outputs, placed_outputs
from hourglass.cli import NOT_FINISHED
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
from hourglass.cli._output import (
    debug_traceback,
    end_by_sigterm,
    err,
    error_line,
    interrupt_seen,
    interruption_reported,
    out,
    output_full,
    output_name,
    reader_gone,
    release_stdout,
    say_error,
    set_command_options,
    sigint_noted,
    sigterm_as_exception,
    sigterm_name,
    sigterm_seen,
    text_never_fails,
    usable_widths,
    user_errors,
)
from hourglass.cli._spool import remove_spooled
from hourglass.cli.benchmark import benchmark
from hourglass.cli.evaluate import evaluate
from hourglass.cli.explain import explain
from hourglass.cli.export import export
from hourglass.cli.info import formats, inspect, models
from hourglass.cli.score import score
from hourglass.cli.serve import serve
from hourglass.cli.stream import stream
from hourglass.cli.threshold import threshold
from hourglass.cli.train import demo, train
from hourglass.errors import HourglassError

__all__ = ["BadRowsOpt", "DataArg", "DatasetOpt", "DeprecatedTimeColOpt", "FormatOpt", "LabelOpt",
           "ModelArg", "NormalOpt", "QuietOpt", "app", "benchmark", "demo", "err", "evaluate", "explain",
           "export",
           "formats", "idle_threads", "inspect", "main", "misplaced_global", "models",
           "omp_threads_set", "out", "score", "serve", "stream", "threshold", "train"]

class _Commands(TyperGroup):
    """The command group: a reader that closes the output early (``... -o - | head -1``) ends
    any command quietly, with exit code 141 (:func:`~hourglass.cli._output.reader_gone`), where
    click ended it with exit code 1. The help pages (``--help | head``) still end with exit
    code 1, quietly: typer writes them with a console of its own, which exits itself. A full
    standard output (``hourglass --version > /dev/full``) is one line, exit code 1
    (:func:`~hourglass.cli._output.output_full`), while the options are read too."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:  # option parsing (--version, --help)
        with reader_gone(), output_full():
            return super().make_context(*args, **kwargs)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        given = list(args)  # (--threads 1 --threads 2, before the command: as a command's options)
        _read_numbers(self.params)
        _blank_envvars_unset(self.params)
        rest = super().parse_args(ctx, args)
        ctx.meta[_SPELLING] = spelling_error(self.make_parser(ctx), given)
        return rest

    def invoke(self, ctx: Any) -> Any:  # the command
        _refuse_spelling(ctx)
        with reader_gone(), output_full():
            return super().invoke(ctx)


class _Command(TyperCommand):
    """A command that also keeps its paths as typed: pathlib drops a '/' (or '/.') at a path's
    end, which names a folder, so ``-o out.csv/`` wrote the file out.csv and ``data.csv/`` read
    the file; such a path, where no folder can be meant, is refused before the command runs
    (:func:`~hourglass.cli._common.refuse_folder_endings`)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        given = list(args)  # (the parser consumes its list)
        _read_numbers(self.params)
        _blank_envvars_unset(self.params)
        try:
            rest = super().parse_args(ctx, args)  # usage errors, --help: as before
        except Exception as exc:  # click's NoSuchOption (vendored by typer: duck-typed) named
            _visible_possibilities(exc, self.params)  # hidden options among its "Possible options"
            raise
        ctx.meta[_SPELLING] = spelling_error(self.make_parser(ctx), given)
        typed = self.make_parser(ctx).parse_args(args=given)[0]  # the same parse, values as text
        paths = {p.name: p for p in self.params if p.name is not None and _is_path(ctx.params.get(p.name))}
        ctx.meta[_TYPED_PATHS] = (
            {name: typed[name] for name in paths if name in typed},
            {name: next((o for o in p.opts if o.startswith("--")), "") for name, p in paths.items()})
        return rest

    def invoke(self, ctx: Any) -> Any:
        _refuse_spelling(ctx)
        if _TYPED_PATHS in ctx.meta:
            from hourglass.cli._common import refuse_folder_endings

            with user_errors():
                refuse_folder_endings(self.name or "", *ctx.meta[_TYPED_PATHS])
        return super().invoke(ctx)


def _visible_possibilities(exc: Exception, params: list[Any]) -> None:
    """Leave out of the "Possible options" of ``exc`` (click's ``NoSuchOption``; any other
    exception is left as it is) the options of ``params`` hidden from the help: ``train
    --lable-col x`` suggested the deprecated --time-col beside --label-col."""
    possible = getattr(exc, "possibilities", None)
    if possible:
        hidden = {o for p in params if getattr(p, "hidden", False) for o in p.opts + p.secondary_opts}
        setattr(exc, "possibilities", [o for o in possible if o not in hidden] or None)  # noqa: B010


class _NumberText:
    """An option's coercion (typer's) fed the number its text reads as by the rule every way a
    number reaches the CLI follows (:func:`~hourglass._numbers.read_number`; a whole number for
    an ``int`` option: :func:`~hourglass._numbers.read_whole`), or refusing the text in one line
    naming the option and the text as typed. typer's own reading took ``--epochs 10.0`` but
    refused ``--epochs 1e1`` (which ``--param epochs=1e1`` and ``--lr 1e1`` take) and said
    "Input should be a valid integer, unable to parse string as an integer" without the value
    (and "Input should be greater than or equal to 1" without it: now ``..., got '0'``)."""

    def __init__(self, inner: Any, whole: bool, seed: bool = False) -> None:
        self.inner, self.whole, self.seed = inner, whole, seed

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        typed = value
        if (isinstance(value, str) and value.strip().lower() == "auto"
                and getattr(param, "name", None) == "batch_size"):
            # the batch the autoencoders pick from the table size: a value of the parameter the
            # option's help names, which the option (a whole number) cannot carry
            raise typer.BadParameter(f"{value!r} is not a whole number; --param batch_size=auto asks for "
                                     "the batch picked from the table size, of a model that takes it "
                                     "(the autoencoder's default: leave --batch-size out)",
                                     ctx=ctx, param=param)
        if isinstance(value, str):
            value = self._number(value)
        elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            value = type(value)(map(self._number, value))
        try:
            read = self.inner.coerce(value, param=param, ctx=ctx)
        except typer.BadParameter as exc:  # out of range ("Input should be greater than or
            if not isinstance(typed, str):  # equal to 1"): the value as typed too
                raise
            if isinstance(value, float) and math.isnan(value):  # NaN fails any range: not a number
                raise typer.BadParameter(f"{typed!r} is not a number", ctx=ctx, param=param) from None
            raise typer.BadParameter(f"{exc.message}, got {typed!r}", ctx=ctx, param=param) from None
        # past its own range (--threads: 1024) an option says that; else past a C long's, unless a
        # seed (to 2**64-1: said here with the value as typed, '1e308' rather than its 309 digits)
        if self.seed and isinstance(typed, str) and type(read) is int and read >= 2**64:
            raise typer.BadParameter(f"{typed.strip()!r} is above 2**64-1 (18446744073709551615), the "
                                     "largest seed", ctx=ctx, param=param)
        if self.whole and not self.seed and isinstance(typed, str) and type(read) is int:
            from hourglass._limits import too_large

            said = too_large(read)
            if said is not None:
                raise typer.BadParameter(f"{typed!r} is {said}", ctx=ctx, param=param)
        return read

    def _number(self, text: str) -> int | float:
        number = _as_number(text, self.whole)
        if number is None:
            raise typer.BadParameter(f"{text!r} is not a {'whole ' if self.whole else ''}number")
        return number


class _PathText:
    """A path parameter's coercion (typer's) that refuses an empty path (``score model/ "$DATA"``
    with ``DATA`` unset) in one line naming the parameter: pathlib reads ``""`` as ``.``, so
    ``train ""`` trained on every file of the current folder, ``score model/ ""`` scored them, and
    an empty ``-o`` or ``--warm-start`` was refused as the current folder ('.: not a hourglass
    model'), which the user never typed."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        items = value if isinstance(value, list | tuple) else [value]
        if any(isinstance(item, str) and item == "" for item in items):
            opt = getattr(param, "param_type_name", "") == "option" and not param.required
            raise typer.BadParameter("empty, which names no file or folder; give a path"
                                     + (", or leave the option out" if opt else ""),
                                     ctx=ctx, param=param)
        return self.inner.coerce(value, param=param, ctx=ctx)


def _read_numbers(params: list[Any]) -> None:
    """Have each of ``params`` (a command's) that takes a number (``int`` or ``float``) read its
    text as :class:`_NumberText` says, and each that takes a path (or paths) refuse an empty one
    as :class:`_PathText` does (once; typer's internals: where they differ, typer reads the text
    itself, as before)."""
    for p in params:
        try:
            kind = p.type_descriptor.annotation
            runtime = p.get_runtime_param()
            if kind in (int, float) and not isinstance(runtime, _NumberText):
                p._runtime_param = _NumberText(runtime, whole=kind is int, seed=p.name == "seed")
            elif ((kind is Path or typing.get_args(kind) == (Path,))
                  and not isinstance(runtime, _PathText)):
                p._runtime_param = _PathText(runtime)
        except AttributeError:  # pragma: no cover - another typer
            return


def _blank_envvars_unset(params: list[Any]) -> None:
    """Have each of ``params`` (a command's) read from an environment variable take a blank
    value (``HOURGLASS_THREADS='  '``) as unset, as click takes an empty one: such a
    ``HOURGLASS_DATA`` named a folder "  " and such a ``HOURGLASS_THREADS`` was refused, where an
    empty one of either means the option's default (once per parameter)."""
    for p in params:
        if not getattr(p, "envvar", None) or getattr(p, "_blank_unset", False):
            continue
        resolve = p.resolve_envvar_value

        def blank_unset(ctx: Any, resolve: Any = resolve) -> str | None:
            value = resolve(ctx)
            return value if value is None or value.strip() else None

        p.resolve_envvar_value = blank_unset
        p._blank_unset = True


_TYPED_PATHS = "hourglass.typed_paths"
_SPELLING = "hourglass.spelling_error"


def _refuse_spelling(ctx: Any) -> None:
    """Say the :func:`spelling_error` that parsing noted in ``ctx`` (one line, exit code 2)."""
    if ctx.meta.get(_SPELLING):
        with user_errors():
            raise HourglassError(ctx.meta[_SPELLING])


def spelling_error(parser: Any, given: list[str]) -> str | None:
    """What is wrong with how ``given`` (a command's arguments) spells its options, read by
    ``parser`` (a fresh one of the command's), else ``None``:

    - an option that takes one value given twice with different ones (``--epochs 3 --epochs 5``,
      ``--threshold fixed:1 --threshold percentile:99``): click kept the last one silently, which
      in a script that adds an option to a line already holding it is a run with settings no one
      asked for; the same value twice is taken (a number option's in any spelling of it:
      ``--epochs 10 --epochs 10.0``). Repeatable options (``--normal``, ``--keep``) are not
      concerned.
    - a short option's value joined by ``=`` (``-o=out.csv``): click takes what follows the
      letter, so the command wrote a file named ``=out.csv`` (``-m=vae``: "unknown model
      '=vae'"); ``--output=out.csv`` and ``-oout.csv`` are the ways to join a value.

    Examples
    --------
    >>> from hourglass.cli.app import app
    >>> import typer
    >>> command = typer.main.get_command(app).commands["train"]
    >>> parser = command.make_parser(command.make_context("train", ["d", "-o", "m"]))
    >>> spelling_error(parser, ["d", "-o", "m", "--epochs", "3", "--epochs", "5"])
    "--epochs given twice, with different values ('3', '5'); give it once"
    >>> spelling_error(parser, ["d", "-o", "m", "--epochs", "3", "--epochs=3"]) is None
    True
    >>> spelling_error(parser, ["d", "-o=m"])
    "-o=m: a short option's value follows it without '=': -o m, -om or --output=m"
    """
    try:  # (click's parser internals: a click without them checks nothing, as click did)
        options = list({id(o): o for o in [*parser._long_opt.values(), *parser._short_opt.values()]}.values())
        single = {o.dest for o in options if o.action == "store"}
        for o in options:  # each occurrence's value kept, to compare them
            if o.action == "store":
                o.action = "append"
        typed = parser.parse_args(args=list(given))[0]
    except Exception:  # (click's usage errors: already said by the command's own parse)
        return None
    for o in options:
        values = typed.get(o.dest) or []
        long = next(iter(o._long_opts), None)
        for short in o._short_opts if o.takes_value else ():
            for value in values:
                if isinstance(value, str) and value.startswith("=") and f"{short}{value}" in given:
                    v = value[1:]
                    ways = f"{short} {v}, {short}{v} or {long}={v}" if long else f"{short} {v} or {short}{v}"
                    return f"{short}{value}: a short option's value follows it without '=': {ways}"
        if o.dest in single and len(values) > 1 and len({_as_read(o, v) for v in values}) > 1:
            times = "twice" if len(values) == 2 else f"{len(values)} times"
            return (f"{long or o._short_opts[0]} given {times}, with different values "
                    f"({', '.join(repr(v) for v in values)}); give it once")
    return None


def misplaced_global(name: str | None, ctx: Any) -> str | None:
    """What to say of the option ``name`` that the command of ``ctx`` (a click/typer context)
    does not have, where it is one of hourglass' own, given after the command (``hourglass
    train data.csv -o m --threads 2``): click said 'No such option: --threads (Possible options:
    --threshold)', advice that does not work; else ``None``.

    Examples
    --------
    >>> import typer
    >>> from hourglass.cli.app import app
    >>> group = typer.main.get_command(app)
    >>> ctx = group.commands["train"].make_context("train", ["d", "-o", "m"],
    ...                                            parent=group.make_context("hourglass", ["train"]))
    >>> print(misplaced_global("--threads", ctx))  # doctest: +NORMALIZE_WHITESPACE
    --threads: an option of hourglass itself, not of 'train': give it before the command
    (hourglass --threads ... train ...)
    >>> misplaced_global("--threshhold", ctx) is None
    True
    """
    parent = getattr(ctx, "parent", None)
    if name is None or parent is None:
        return None
    param = next((p for p in parent.command.params if name in getattr(p, "opts", ())), None)
    if param is None:
        return None
    typed = name if getattr(param, "is_flag", False) else f"{name} ..."
    return (f"{name}: an option of hourglass itself, not of '{ctx.info_name}': give it before the "
            f"command ({parent.command_path} {typed} {ctx.info_name} ...)")


def _as_read(option: Any, value: Any) -> Any:
    """``value`` (text given to ``option``, a parser's option) as the option reads it where it
    takes a number (:class:`_NumberText`: ``10.0`` and ``1e1`` are one value of ``--epochs``),
    else as text."""
    kind = getattr(getattr(getattr(option, "obj", None), "type_descriptor", None), "annotation", None)
    if isinstance(value, str) and kind in (int, float):
        number = _as_number(value, kind is int)
        if number is not None:
            return "nan" if number != number else number  # (nan: one value, as its text was)
    return str(value)


def _as_number(text: str, whole: bool) -> int | float | None:
    """``text`` as a number option reads it: a whole number (``int`` options) or any number
    (:func:`~hourglass._numbers.read_whole`, :func:`~hourglass._numbers.read_number`); ``None``
    where it reads as none.

    Examples
    --------
    >>> _as_number("1e1", True), _as_number("10.5", True), _as_number(".5", False)
    (10, None, 0.5)
    """
    from hourglass._numbers import read_number, read_whole

    return read_whole(text) if whole else read_number(text)


def _is_path(value: object) -> bool:
    """Whether a parameter's value is a path, or a list of them (an option given more than once)."""
    values = value if isinstance(value, list | tuple) else [value]
    return bool(values) and all(isinstance(v, PurePath) for v in values)


app = typer.Typer(
    cls=_Commands,
    name="hourglass",
    help="Deep-learning anomaly detection for security telemetry.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def idle_threads(default: int, cpus: int | None, load: float | None) -> int:
    """Torch threads for a run when none were asked for: the CPUs not already busy (rounded, at
    least 1), never more than torch's own ``default``.

    Torch's OpenMP threads wait for each other by spinning; when another job holds a core, a
    descheduled thread stalls every parallel step, and a run that takes 7 s on an idle 2-core
    machine was measured at 50–390 s beside other jobs. Using only the idle cores avoids that;
    with no load information (``None``) torch's default stands.

    Examples
    --------
    >>> idle_threads(2, cpus=2, load=0.1)     # idle machine: torch's default
    2
    >>> idle_threads(2, cpus=2, load=2.6)     # both cores busy: one thread
    1
    >>> idle_threads(16, cpus=16, load=4.0)
    12
    """
    if cpus is None or load is None:
        return default
    return max(1, min(default, int(cpus - load + 0.5)))


def omp_threads_set(value: str | None) -> bool:
    """Whether ``OMP_NUM_THREADS``'s ``value`` sets a thread count (a whole number from 1, or
    OpenMP's list of them: ``4,2``), which the CLI then respects. An empty value (a unit file's
    ``OMP_NUM_THREADS=``, ``docker run -e OMP_NUM_THREADS=`` with it unset) or one OpenMP refuses
    (``abc``, ``0``) sets none: torch keeps its default, so the idle-core rule applies; it was
    skipped for any value, and beside other jobs a run spun on busy cores.

    Examples
    --------
    >>> omp_threads_set("4"), omp_threads_set(" 4,2 "), omp_threads_set("")
    (True, True, False)
    >>> omp_threads_set("abc"), omp_threads_set("0"), omp_threads_set(None)
    (False, False, False)
    """
    if value is None:
        return False
    first = value.split(",")[0].strip()
    return first.isascii() and first.isdigit() and int(first) > 0


#: most torch threads ``--threads`` takes: ``HOURGLASS_THREADS=100000`` (a typo, a core count
#: times a thousand) ended in a traceback as the system refused the threads and then a
#: segmentation fault (exit 139); a number past 64 bits in a traceback from torch
MAX_THREADS = 1024

# commands that never run torch: no thread setting, no torch import for them
_NO_TORCH = frozenset({"formats", "inspect", "models"})


def _print_version(value: bool) -> None:
    """``--version``: the package version and the versions that decide a model's numbers."""
    if not value:
        return
    if sys.stdout is None:  # (>&-: the version would go nowhere, exit code 0); looked at here,
        # as the check's module imports the readers (pandas, torch: --version took 0.5 s -> 1.2 s)
        from hourglass.cli._common import refuse_closed_stdout

        with user_errors():
            refuse_closed_stdout("the version")
    from importlib.metadata import PackageNotFoundError, version

    from hourglass import __version__

    parts = [f"hourglass {__version__}"]
    for dist in ("torch", "numpy"):
        try:
            parts.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:  # pragma: no cover - both are dependencies
            continue
    out.print(", ".join(parts) + f", python {sys.version.split()[0]}", highlight=False)
    raise typer.Exit()


@app.callback()
def _global_options(
    ctx: typer.Context,
    _version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=_print_version,
        help="Print hourglass' version (with torch's, numpy's and python's) and exit.")] = False,
    threads: Annotated[int | None, typer.Option(
        "--threads", envvar="HOURGLASS_THREADS", min=1, max=MAX_THREADS,
        help=f"CPU threads for torch, 1 to {MAX_THREADS} (default: the CPUs not busy with other "
             "jobs, at most torch's choice).")] = None,
) -> None:
    """Deep-learning anomaly detection for security telemetry."""
    placed_outputs()  # outputs saved before this command (in this process) are none of its own
    cut_outputs()
    get_command = getattr(ctx.command, "get_command", None)  # (the group's)
    command = get_command(ctx, ctx.invoked_subcommand) if get_command and ctx.invoked_subcommand else None
    # (whose options running out of memory advises: score has no --batch-size)
    set_command_options(None if command is None else
                        [o for p in command.params for o in getattr(p, "opts", ())])
    ctx.call_on_close(lambda: set_command_options(None))
    release_stdout()  # a command that writes data to '-' moves its own lines to stderr ...
    ctx.call_on_close(release_stdout)  # ... until it ends
    ctx.call_on_close(remove_spooled)  # and DATA '-' (standard input) is copied to a file until then
    if "torch" not in sys.modules and ("--help" in sys.argv[1:] or ctx.invoked_subcommand in _NO_TORCH):
        return  # nothing will run torch ('COMMAND --help', 'formats', ...): not worth its import
    import torch

    if threads is None and not omp_threads_set(os.environ.get("OMP_NUM_THREADS")):
        try:
            load: float | None = os.getloadavg()[0]
        except OSError:  # no load average on this platform
            load = None
        threads = idle_threads(torch.get_num_threads(), os.cpu_count(), load)
        logging.getLogger(__name__).debug("torch threads: %d (1-min load %s)", threads, load)
    if threads is not None:
        # (the caller's count back when the command ends: a command run in-process, from a
        # notebook or tests, left the next one and the caller's own torch work on its threads)
        ctx.call_on_close(functools.partial(torch.set_num_threads, torch.get_num_threads()))
        torch.set_num_threads(threads)


def unwrap_help(doc: str | None) -> str | None:
    """A command's docstring with each paragraph on one line: typer's rich help keeps the
    source's line breaks inside a paragraph, which broke sentences at random widths.

    Examples
    --------
    >>> unwrap_help("Score DATA.\\n\\n    Input is streamed\\n    in chunks.\\n    ")
    'Score DATA.\\n\\nInput is streamed in chunks.'
    """
    if doc is None:
        return None
    return "\n\n".join(" ".join(p.split()) for p in _inspect.cleandoc(doc).split("\n\n"))


for _command in (train, score, stream, evaluate, benchmark, explain, threshold, serve, export, models,
                 formats, inspect, demo):
    _command.__doc__ = unwrap_help(_command.__doc__)
    app.command(cls=_Command)(_command)


def main() -> None:
    """Console-script entry point.

    A usage error (an unknown option such as ``--threshhold``, a value of the wrong type, a
    missing argument) is one line on stderr and exit code 2, like bad input, instead of
    click's usage box; ``hourglass`` alone still prints the help. Ctrl-C is one line and exit
    code 130 (the streaming commands and ``benchmark`` first say what they finished).
    """
    finished: list[int] = []
    try:
        text_never_fails()  # (in the try: a Ctrl-C this early is the one line too)
        usable_widths()  # (typer's help console reads COLUMNS and TERMINAL_WIDTH)
        _main(finished)
    except KeyboardInterrupt:  # before the handlers are set, or after the command finished
        if finished:  # (a Ctrl-C as it exits does not change what it did)
            sys.exit(finished[0])
        err.print(error_line(f"interrupted {NOT_FINISHED}"), highlight=False)
        sys.exit(130)


def _main(finished: list[int]) -> None:
    """:func:`main`; ``finished`` gets the exit code once the command has run."""
    if not sys.argv[1:]:
        app()
        return
    interruption_reported()  # a mark left by an earlier in-process run does not count
    placed_outputs()  # (and nor do the outputs it wrote)
    cut_outputs()
    before = sigterm_as_exception()  # SIGTERM, SIGHUP unwind: temporaries removed on the way out
    before_int = sigint_noted()
    try:
        rv = app(standalone_mode=False)
    except Exception as exc:  # click's exceptions (vendored by newer typer): duck-typed
        if not hasattr(exc, "format_message") or type(exc).__name__ == "NoArgsIsHelpError":
            if not interrupt_seen():
                raise
            # Ctrl-C or SIGTERM cut an import short (numpy's 'cannot load module more than once
            # per process', a RecursionError came of it): the interruption, not a traceback
            debug_traceback()
            rv = 130
        else:
            ctx = getattr(exc, "ctx", None)
            misplaced = misplaced_global(getattr(exc, "option_name", None), ctx)
            if misplaced is not None and ctx is not None:  # (a misplaced one has a context)
                ctx = ctx.parent
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            say_error(f"{misplaced or exc.format_message()}{hint}")
            sys.exit(int(getattr(exc, "exit_code", 2)))
    except KeyboardInterrupt:  # Ctrl-C (or SIGTERM) while typer builds the command, before
        debug_traceback()  # click's own handling of it: the interruption, not a traceback
        rv = 130
    except BaseException as exc:
        if type(exc).__name__ == "Abort":
            sys.exit(1)
        raise
    finally:
        remove_spooled()  # (again: a signal may have cut short the call as the command closed)
        term = bool(before) and sigterm_seen()
        for signum, handler in before.items():
            signal.signal(signum, handler)
        if before_int is not None:
            signal.signal(signal.SIGINT, before_int)
    finished.append(rv if isinstance(rv, int) else 0)
    if rv == 130 and not interruption_reported():  # Ctrl-C, turned into exit code 130 by typer
        what = f"stopped by {sigterm_name()}" if term else "interrupted"
        placed = placed_outputs()  # (already complete: the rest of the command, a table, was cut)
        cut = cut_outputs()  # (being copied out to a pipe: its reader has the first part)
        parts = [f"{', '.join(output_name(p) for p in placed)} written in full"] if placed else []
        if cut:
            parts.append(f"{', '.join(output_name(p) for p in cut)} cut short: what it got is incomplete")
        done = f"before the command finished; {'; '.join(parts)}" if parts else NOT_FINISHED
        err.print(error_line(f"{what} {done}"), highlight=False)
    if term:  # ended by SIGTERM (SIGHUP), as without the handler (exit status 143, 129)
        end_by_sigterm()
    sys.exit(rv if isinstance(rv, int) else 0)
