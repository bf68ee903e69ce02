"""Artefact format: a directory with ``config.json`` and ``weights.safetensors``. No pickle.

``config.json`` holds the class names (resolved only through the detector registry), parameters,
preprocessing state, threshold, feature schema, library versions and a content hash over the
config and the weight bytes. Loading checks the hash first: a flipped byte is refused.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import math
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import safetensors.numpy
import sklearn
import torch
from safetensors import SafetensorError

import hourglass
from hourglass._limits import loads_json
from hourglass._locks import turn_of
from hourglass._placed import note_placed
from hourglass.detectors import registry
from hourglass.detectors.base import BaseDetector
from hourglass.errors import (
    ArtefactError,
    InputError,
    is_link_loop,
    no_file,
    path_exists,
    path_hint,
    read_problem,
)
from hourglass.features.registry import features_from_dict
from hourglass.ingest.readers import _replaced_mode, default_mode, synced
from hourglass.nn.meta import NetworkPastLimit, module_on_meta
from hourglass.thresholds import Threshold, threshold_from_dict

if TYPE_CHECKING:
    from hourglass.pipeline.pipeline import Pipeline

__all__ = ["ARTEFACT_FILES", "FORMAT", "FORMAT_VERSION", "check_replaceable", "is_artefact", "load",
           "replacing", "save"]

logger = logging.getLogger(__name__)

FORMAT = "hourglass-artefact"
FORMAT_VERSION = 1
CONFIG = "config.json"
WEIGHTS = "weights.safetensors"
ARTEFACT_FILES = frozenset({CONFIG, WEIGHTS})  # all that save writes into a model directory
#: Largest ``config.json`` read (its JSON is parsed whole, at a few times its size in memory; the
#: arrays are in the weights file): a larger one is refused unread, and never saved.
MAX_CONFIG_BYTES = 256 << 20


def is_artefact(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` holds a hourglass model: its ``config.json`` carries the artefact format
    marker (any other program's ``config.json`` does not make a folder a model).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "config.json").write_text('{"app": 1}')
    >>> is_artefact(folder)
    False
    >>> _ = (folder / "config.json").write_text('{"format": "hourglass-artefact"}')
    >>> is_artefact(folder)
    True
    """
    target = Path(path) / CONFIG
    try:
        if not target.is_file():  # a named pipe there would be read for ever (no writer comes)
            return False
        config = loads_json(target.read_text(encoding="utf-8-sig"))  # (as _read_config)
    except OSError as exc:
        if exc.errno in _NO_MODEL:
            return False
        # a disk's I/O error: not 'no model' (a save then said the folder was 'not a model
        # directory', or the model there could be taken for none and replaced)
        raise _unreadable(target, exc) from None
    except (UnicodeDecodeError, ValueError, RecursionError):  # (JSON nested too deep)
        return False
    return isinstance(config, dict) and config.get("format") == FORMAT


#: the errors of reading a ``config.json`` that mean there is no model there to read (gone, a
#: folder in its place, closed to this user), as against a failure to read one (``EIO``)
_NO_MODEL = (errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EACCES, errno.EPERM, errno.ENAMETOOLONG,
             errno.ELOOP)


def check_replaceable(path: str | os.PathLike[str]) -> None:
    """Raise :class:`InputError` unless saving a model at ``path`` would delete nothing but an
    earlier model's own files: ``path`` is missing (and no link to a missing place), an empty
    folder, or a model directory that holds only :data:`ARTEFACT_FILES` (a file the user put
    beside a model is never deleted).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> check_replaceable(folder)
    >>> _ = (folder / "config.json").write_text('{"format": "hourglass-artefact"}')
    >>> _ = (folder / "notes.txt").write_text("mine")
    >>> check_replaceable(folder)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: ...: holds notes.txt, which is not part of the model there; ...
    """
    target = Path(path)
    _check_aside_free(target)
    if not target.exists():
        if target.is_symlink():  # a link to nothing: the rename into place would fail after training
            folder = Path(os.path.realpath(target)).parent  # (a file there: its own name for it)
            why = (f"whose folder {folder} is a file, not a folder" if folder.is_file()
                   else "which does not exist")
            raise InputError(f"{target}: is a link to {os.readlink(target)}, {why}; "
                             "remove the link or choose another output path")
        return
    if not target.is_dir():
        raise InputError(f"{target}: exists and is not a model directory; "
                         "choose another output path")
    entries = sorted(os.listdir(target))
    if not entries:
        return
    if not is_artefact(target):
        raise InputError(f"{target}: exists and is not a model directory; "
                         "choose another output path")
    others = [name for name in entries if name not in ARTEFACT_FILES]
    if others:
        raise InputError(f"{target}: holds {others[0]}, which is not part of the model there; "
                         "replacing the model would delete it: move it out or choose another "
                         "output path")


def _check_aside_free(target: Path) -> None:
    """Raise :class:`InputError` unless what a save at ``target`` removes beside it (its
    :func:`_aside` name, where the model it replaces waits until the new one is in place) is
    absent, a link, or a model an interrupted save left there (only :data:`ARTEFACT_FILES`): a
    user's own ``.NAME.old`` folder was deleted with no word."""
    old = _aside(Path(os.path.abspath(target)))
    if old.is_symlink() or not old.exists():
        return
    try:
        stale = old.is_dir() and all(name in ARTEFACT_FILES for name in os.listdir(old))
    except OSError:
        stale = False
    if not stale:
        raise InputError(f"{target}: {old} is in the way (a save moves the model it replaces to that "
                         "name, and removes what is there); move it or choose another output path")


def _encode(value: Any) -> Any:
    """Constructor parameter → JSON (tuples and thresholds tagged so they round-trip)."""
    if isinstance(value, Threshold):
        return {"__threshold__": value.to_dict()}
    if isinstance(value, BaseDetector):
        return {"__detector__": {"name": registry.name_of(type(value)),
                                 "params": {k: _encode(v) for k, v in
                                            value.get_params(deep=False).items()}}}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (np.integer, np.floating, np.bool_)):  # a grid's np.array([True, False])
        return value.item()
    if isinstance(value, torch.device):  # device=torch.device("cuda:0"), which training takes:
        return str(value)  # saved as the name it reads the same from ("cuda:0", "cpu")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise InputError(f"cannot save parameter value {value!r} of type {type(value).__name__}")


#: what to do with a model of another hourglass than this one can read
_ANOTHER_VERSION = "load it with the hourglass that saved it, or retrain it with this one"


def _build_detector(name: str, saved: dict[str, Any]) -> BaseDetector:
    """The registered detector ``name`` with its saved parameters; a parameter the artefact
    predates takes the value the model was built with (``_params_before_added``), not today's
    default."""
    cls = registry.get(name)
    taken = cls._get_param_names()
    unknown = [k for k in saved if k not in taken]
    if unknown:  # (a later hourglass's parameter: TypeError's "unexpected keyword argument" said)
        raise InputError(f"{CONFIG}: parameter {unknown[0]!r} of {name} is one hourglass "
                         f"{hourglass.__version__} does not take (saved by a later hourglass, or "
                         f"edited); {_ANOTHER_VERSION}")
    params = {**cls._params_before_added, **{k: _decode(v) for k, v in saved.items()}}
    return cls(**params)


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "__threshold__" in value:
            return threshold_from_dict(value["__threshold__"])
        if "__tuple__" in value:
            return tuple(_decode(v) for v in value["__tuple__"])
        if "__detector__" in value:
            d = value["__detector__"]
            return _build_detector(d["name"], d["params"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _versions() -> dict[str, str]:
    return {"hourglass": hourglass.__version__, "torch": torch.__version__,
            "numpy": np.__version__, "scikit-learn": sklearn.__version__,
            "python": platform.python_version()}


def _content_hash(config: dict[str, Any], weights: bytes) -> str:
    body = {k: v for k, v in config.items() if k != "content_hash"}
    canon = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(canon + b"\0" + weights).hexdigest()


def _model_path(path: object, name: str = "path") -> Path:
    """``path`` as a :class:`Path`, or a ``TypeError`` that names it, as the argument ``name``
    (pathlib's says only "expected str, bytes or os.PathLike object, not int"); a fitted
    :class:`~hourglass.pipeline.Pipeline` given for it is told how to get a directory. A name the
    system cannot look up (longer than it allows, a NUL character) is an
    :class:`~hourglass.errors.InputError` (:func:`~hourglass.errors.path_exists`), not the
    ``OSError``/``ValueError`` of the load's or the save's first look at it.

    Examples
    --------
    >>> _model_path("models/flows").as_posix()
    'models/flows'
    >>> _model_path(3, "model_dir")
    Traceback (most recent call last):
    ...
    TypeError: model_dir: expected a model directory (str or os.PathLike), got int
    """
    if not isinstance(path, str | os.PathLike):
        from hourglass.pipeline.pipeline import Pipeline

        saved = (f"; save the {type(path).__name__} first (pipe.save('model/')) and give its directory"
                 if isinstance(path, Pipeline) else "")
        raise TypeError(f"{name}: expected a model directory (str or os.PathLike), got "
                        f"{type(path).__name__}{saved}")
    path_exists(path)  # (its answer is not wanted here: only whether the name can be looked up)
    return Path(path)


def _aside(path: Path) -> Path:
    """Where a save moves the model it replaces until the new one is in place: ``.NAME.old``
    beside it, or for a name too long to take 5 more bytes, its first 40 characters and a hash
    of the whole (any legal name can be saved over).

    Examples
    --------
    >>> _aside(Path("models/flows")).as_posix()
    'models/.flows.old'
    >>> _aside(Path(".")) == _aside(Path(os.getcwd()))
    True
    >>> name = _aside(Path("m" * 250)).name
    >>> name.startswith("." + "m" * 40 + ".") and name.endswith(".old"), len(name)
    (True, 62)
    """
    if path.name in ("", ".."):  # 'score . data.csv' (or ''): "PosixPath('.') has an empty name"
        path = Path(os.path.abspath(path))
    if not path.name:  # the root: no name to put aside under, nor a model saved there
        return path / ".old"
    if len(os.fsencode(path.name)) <= 200:
        return path.with_name(f".{path.name}.old")
    digest = hashlib.sha256(os.fsencode(path.name)).hexdigest()[:16]
    return path.with_name(f".{path.name[:40]}.{digest}.old")


def _remove(path: Path) -> None:
    """Remove what ``path`` names, quietly: a folder with its files, or a link or file itself
    (``rmtree`` leaves a link in place: saving over a link to a model moves the link aside)."""
    if path.is_symlink() or path.is_file():
        with contextlib.suppress(OSError):
            path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)
        if path.is_dir():  # a read-only model folder (kept with chmod -R a-w, a mode a save keeps):
            with contextlib.suppress(OSError):  # its files cannot be unlinked until it is writable
                os.chmod(path, 0o700)
            shutil.rmtree(path, ignore_errors=True)


#: the advice of a save that found a model saved at its path meanwhile, and was not to replace it
REPLACE_ADVICE = "save with replace=True to replace it"
#: ``save``'s ``replace`` where the caller gives none (:func:`replacing` sets it for a command)
_REPLACE: ContextVar[bool] = ContextVar("hourglass_save_replace", default=True)


def replacing(allowed: bool) -> Callable[[], None]:
    """Set whether the saves that give no ``replace`` may replace a model found at their path
    (the CLI's ``train`` without ``--force`` refuses one saved meanwhile by another run); the
    function returned undoes it."""
    token = _REPLACE.set(allowed)
    return lambda: _REPLACE.reset(token)


def save(pipe: Pipeline, path: str | os.PathLike[str], *,
         replace: bool | Callable[[Path], bool] | None = None) -> Path:
    """Save a fitted :class:`~hourglass.pipeline.Pipeline` to directory ``path``.

    The directory is written beside its target and renamed into place, so a failure leaves no
    half-written model. An existing artefact at ``path`` is replaced when the folder holds
    nothing but that artefact's files; any other non-empty directory is refused
    (:func:`check_replaceable`).

    Parameters
    ----------
    pipe
        A fitted pipeline.
    path
        The directory to write (``config.json`` and ``weights.safetensors``).
    replace
        Whether a model at ``path`` may be replaced (default: yes, unless :func:`replacing` said
        otherwise); ``False`` refuses one found there when the new model is put in place (saved
        meanwhile by another process), keeping it. A function of the folder decides for the
        model found there then (called under the save's lock, so that no model saved in
        between escapes it): ``hourglass demo`` replaces an earlier demo's model only.

    Returns
    -------
    Path
        The directory written.

    Examples
    --------
    >>> import tempfile, numpy as np, pandas as pd
    >>> from hourglass import Pipeline, AutoEncoder, load
    >>> df = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 7})
    >>> pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df)
    >>> out = tempfile.mkdtemp() + "/model"
    >>> pipe.save(out)
    >>> bool(np.array_equal(load(out).score(df), pipe.score(df)))
    True
    """
    with _written(pipe, path) as (tmp, target):
        _put_in_place(tmp, target, replace)
    logger.debug("saved model to %s", target)  # the CLI says it on stdout
    return target


@contextlib.contextmanager
def _written(pipe: Pipeline, path: str | os.PathLike[str]) -> Iterator[tuple[Path, Path]]:
    """The first step of :func:`save`: ``pipe``'s model written in full, and synced to the disk,
    in a new hidden folder beside the model folder ``path``, which the caller puts in place
    (:func:`_put_in_place`); yields ``(that folder, the model folder)``, and removes the folder
    if it is still there when the block ends. Several models written first, then put in place,
    leave none of them half-saved when the disk fills on the last (a federated run's).

    Examples
    --------
    See :func:`save`, which is this step, then :func:`_put_in_place`.
    """
    pipe._check_fitted()
    target = Path(os.path.abspath(_model_path(path)))  # "." and "dir/.." get a real name to rename
    check_replaceable(target)  # the swap below removes the old folder: nothing else may be in it
    if not target.parent.is_dir():  # (a file there: mkdtemp's bare NotADirectoryError)
        raise InputError(f"{target.parent}: output folder does not exist"
                         + (" (a file of that name does)" if target.parent.exists() else ""))
    det: BaseDetector = pipe.detector_
    meta, arrays = det.get_state()
    tensors = {f"detector.{k}": np.ascontiguousarray(v) for k, v in arrays.items()}
    weights = safetensors.numpy.save(tensors)
    versions = _versions()
    # the versions the model was fitted under, as load records them in ``info`` (the model card's):
    # saved with a model fitted here too, so that a loaded model saved again is the same file
    info = pipe.info if "versions" in pipe.info else {**pipe.info, "versions": versions}
    config: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": versions,
        "features": pipe.features_.to_dict(),
        "schema": {"columns": list(pipe.features_.columns_),
                   "feature_names": list(pipe.features_.feature_names_)},
        "detector": {
            "name": registry.name_of(type(det)),
            "params": {k: _encode(v) for k, v in det.get_params(deep=False).items()},
            "state": _encode(meta),
        },
        "info": _encode(info),
        "weights_sha256": hashlib.sha256(weights).hexdigest(),
    }
    config["content_hash"] = _content_hash(config, weights)
    try:  # what load checks (a record set in pipe.info by hand): not a model that cannot load,
        _check_layout(target, config)  # nor one put in place of a good one
    except ArtefactError as exc:
        raise InputError(f"{exc}; not saved, as loading it would refuse that") from None
    with _named_as(target):  # (an error names the model, not the hidden folders of the save)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name[:40]}.", dir=target.parent))  # (any legal name)
    try:
        with _named_as(target):
            (tmp / WEIGHTS).write_bytes(weights)
            text = json.dumps(config, indent=1, sort_keys=True).encode("utf-8")
            if len(text) > MAX_CONFIG_BYTES:  # load would refuse it unread
                raise InputError(f"{target}: its {CONFIG} would be {len(text):,} bytes, over "
                                 f"{MAX_CONFIG_BYTES >> 20} MiB (fewer categories or templates); not "
                                 "saved, as loading it would refuse that")
            (tmp / CONFIG).write_bytes(text)
            for file in (tmp / WEIGHTS, tmp / CONFIG, tmp):  # on the disk before the swap: a
                synced(file)  # power cut after it keeps a whole model (the old or this one)
        yield tmp, target
    finally:
        if tmp.exists():  # (a read-only folder mode given it: its files could not be removed)
            with contextlib.suppress(OSError):
                os.chmod(tmp, 0o700)
            shutil.rmtree(tmp, ignore_errors=True)


def _put_in_place(tmp: Path, target: Path, replace: bool | Callable[[Path], bool] | None = None) -> None:
    """The second step of :func:`save`: the model :func:`_written` wrote in ``tmp`` swapped in at
    ``target`` (``replace`` as :func:`save` takes it), under the lock of ``target``'s folder.

    Examples
    --------
    See :func:`save`, which is :func:`_written`, then this step.
    """
    with _named_as(target), _saving_in(target.parent):  # another save to this folder waits
        _swap(tmp, target, _REPLACE.get() if replace is None else replace)


@contextlib.contextmanager
def _named_as(target: Path) -> Iterator[None]:
    """A file error of a save names the model folder ``target``, not the hidden folders the
    save works in (the new model's ``.NAME.XXXXXXXX``, the old one's ``.NAME.old``) or nothing
    (a write's error names no file), in the system's words for the errno: the user gave
    ``target``, and a message naming a temporary that is gone by the time it is read misled.

    Examples
    --------
    >>> with _named_as(Path("models/flows")):
    ...     raise OSError(5, "Input/output error", "models/.flows.k2j3abcd/weights.safetensors")
    Traceback (most recent call last):
    OSError: [Errno 5] Input/output error: 'models/flows'
    """
    try:
        yield
    except OSError as exc:
        hidden = str(target.parent / f".{target.name[:40]}.")  # (both temporaries' names start so)
        names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
        if exc.errno is None or isinstance(exc, ConnectionError) or (
                names and not any(n.startswith(hidden) for n in names)):
            raise
        raise OSError(exc.errno, os.strerror(exc.errno), str(target)) from None


@contextlib.contextmanager
def _saving_in(folder: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``folder`` (a model's parent) while a save checks and swaps
    its model: two saves to one place (two ``train -o M`` run at once) take turns, so the later
    one sees the earlier one's model whole, not a folder half swapped (its renames then failed
    with a raw ``Directory not empty`` or ``No such file or directory``). Nothing is written
    there for it; where the folder cannot be opened or locked (no ``fcntl``, a file system
    without locks) the save goes on unlocked, as before (:func:`hourglass._locks.turn_of`)."""
    fd = -1
    with contextlib.suppress(OSError):  # (Windows opens no folder)
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        with turn_of(fd) if fd >= 0 else contextlib.nullcontext():
            yield
    finally:
        if fd >= 0:
            os.close(fd)


def _swap(tmp: Path, target: Path, replace: bool | Callable[[Path], bool]) -> None:
    """Move the model written in ``tmp`` to ``target`` (a save's last step, under
    :func:`_saving_in`): what is at ``target`` now is checked again (another process may have
    saved there since the save's first check), refused if it is a model and not ``replace``
    (a function: not ``replace(target)``), else moved aside as :func:`_aside` until the new
    model is in place."""
    check_replaceable(target)
    if is_artefact(target) and not (replace(target) if callable(replace) else replace):
        raise InputError(f"{target}: a model was saved there meanwhile (by another run); it is kept "
                         f"and this one is not saved ({REPLACE_ADVICE})")
    # a model replaced keeps its folder's and files' modes (a private 0700/0600 one stayed
    # private, not 0755/0644), a new one gets the umask's; set once written (mkdtemp's 0700 meanwhile)
    try:
        folder_mode = os.stat(target).st_mode & 0o777 if target.is_dir() else default_mode(directory=True)
    except OSError:
        folder_mode = default_mode(directory=True)
    for name in (WEIGHTS, CONFIG):
        os.chmod(tmp / name, _replaced_mode(target / name))
    os.chmod(tmp, folder_mode)  # mkdtemp's 0700 would outlive the rename
    if target.exists():
        old = _aside(target)
        _remove(old)
        if os.path.lexists(old):  # (not ours to remove): the rename would fail 'Directory not empty'
            raise InputError(f"{target}: {old} is in the way and could not be removed (a save moves "
                             "the model it replaces to that name); remove it or choose another "
                             "output path")
        os.replace(target, old)
        try:
            os.replace(tmp, target)
        except BaseException:  # Ctrl-C or a failure between the renames: the old model returns
            if tmp.exists():
                os.replace(old, target)
            else:  # (Ctrl-C as the rename returned: the new model is in place, the old one goes)
                note_placed(target)
                _remove(old)
            raise
        note_placed(target)
        _remove(old)
        if os.path.lexists(old):  # (another user's folder): said now, not at the next save here
            logger.warning("%s: the model it replaced stays as %s, which could not be removed; "
                           "remove it before the next save there", target, old)
    else:
        try:
            os.replace(tmp, target)
        finally:  # (Ctrl-C as the rename returns: the model is in place all the same)
            if not tmp.exists():
                note_placed(target)
        # a model an interrupted save left aside (see read_config): superseded now
        _remove(_aside(target))


# The shape of a config (a hand-edited one can pass the hash check if the hash is recomputed):
# section -> (JSON type, required)
_LAYOUT: dict[str, tuple[type, bool]] = {
    "detector": (dict, True), "features": (dict, True), "info": (dict, False),
    "versions": (dict, False), "schema": (dict, False),
    "detector.name": (str, True), "detector.params": (dict, True), "detector.state": (dict, False),
    # the records the model card, the stream's optional fields and a warm start read
    "info.optional_fields": (list, False), "info.threshold_fit": (dict, False),
    "info.warm_start": (dict, False), "info.rethresholded_from": (dict, False),
    "info.federated": (dict, False),
    # inside those records, what the model card reads as a record, a number or a list
    "info.warm_start.parent": (dict, False), "info.warm_start.unknown": (dict, False),
    "info.warm_start.unknown.events": (float, False),
    "info.warm_start.unknown.unknown_events": (float, False),
    "info.warm_start.unknown.sessions_with_unknown": (float, False),
    "info.rethresholded_from.threshold_value": (float, False), "info.federated.rows": (list, False),
    # the columns score, explain and export leave out of the features, the format that decides
    # whether fields may be absent, and the figures the model card prints as numbers
    "info.label_col": (str, False), "info.time_col": (str, False), "info.dataset": (str, False),
    "info.fit_seconds": (float, False), "info.events_per_day": (float, False),
    # the label values evaluate and a warm start read as normal, the order of numeric dates
    "info.normal": (list, False), "info.time_dayfirst": (bool, False),
}
_JSON_NAMES: dict[type, str] = {dict: "an object", str: "a string", list: "an array", float: "a number",
                                bool: "true or false"}
_JSON_TYPES: dict[type, tuple[type, ...]] = {float: (int, float)}  # JSON numbers read as either
_POSITIVE = ("info.events_per_day",)  # a rate: every writer refuses one <= 0


def _finite(node: Any, positive: bool) -> bool:
    """Whether the JSON number ``node`` is a finite float (not an integer past float's range,
    nor a ``1e999``, ``Infinity`` or ``NaN`` that Python's JSON reads), and > 0 if ``positive``."""
    try:
        value = float(node)
    except OverflowError:
        return False
    return math.isfinite(value) and (value > 0 or not positive)


def _check_layout(p: Path, config: dict[str, Any]) -> None:
    """Each section of ``config`` has its JSON type, or :class:`ArtefactError` names it."""
    for key, (kind, required) in _LAYOUT.items():
        node: Any = config
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None and not required:
            continue
        if not isinstance(node, _JSON_TYPES.get(kind, kind)) or (kind is float and (
                isinstance(node, bool) or not _finite(node, key in _POSITIVE))):
            text = json.dumps(node)
            found = "nothing" if node is None else \
                f"{type(node).__name__} {text[:40]}{'…' if len(text) > 40 else ''}"
            what = _JSON_NAMES[kind] + (" > 0" if key in _POSITIVE else "")
            raise ArtefactError(f"{p}: {CONFIG}: {key!r} must be {what}, found {found}")


def read_config(path: str | os.PathLike[str]) -> tuple[dict[str, Any], bytes]:
    """Read and verify an artefact's config and weight bytes (hash and format checked).

    A model replaced while it is read (``train --force`` or ``threshold -o MODEL --force`` in
    another process swapping the folder between the reads of its two files, or caught between
    the swap's two renames, with no folder at the path for that moment) is read again, a few
    times over a second, before its hash is called a mismatch or the save an interrupted one."""
    for wait in _REREAD_WAITS:
        with contextlib.suppress(_Replaced):
            return _read_config(path)
        time.sleep(wait)
    try:
        return _read_config(path)
    except _Replaced as exc:
        raise ArtefactError(str(exc)) from None


#: seconds :func:`read_config` waits before each new read of a model replaced while it read it
_REREAD_WAITS = (0.0, 0.05, 0.1, 0.2, 0.4)


def _identity(path: Path) -> tuple[int, int, int] | None:
    """Which folder ``path`` is now (device, inode, change time: a folder renamed into place
    has a new change time even where its inode number is an old one's), or ``None`` for none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_ctime_ns


class _Replaced(ArtefactError):
    """What a model replaced while it is read looks like: its content hash does not match (the
    files changed, or were read across a replacement), or the folder is gone with the model it
    held aside (a save killed between its renames, or one in that moment)."""


def _unreadable(file: Path, exc: OSError) -> OSError | ArtefactError:
    """A model's ``file`` that could not be read: ``exc`` as it is when it names a file already (a
    permission refused), else an :class:`~hourglass.errors.ArtefactError` naming ``file`` (a
    disk's I/O error, which named nothing).

    Examples
    --------
    >>> str(_unreadable(Path("m/config.json"), OSError(5, "Input/output error")))
    'm/config.json: cannot read (Input/output error)'
    """
    if exc.filename is not None:
        return exc
    return ArtefactError(f"{file}: cannot read ({read_problem(exc)})")


def _read_config(path: str | os.PathLike[str]) -> tuple[dict[str, Any], bytes]:
    """:func:`read_config`, once."""
    p = _model_path(path)
    if not p.is_dir():
        old = _aside(p)
        if not p.exists() and (old / CONFIG).is_file():  # killed between save's two renames
            raise _Replaced(f"{p}: no model here, but a save there was interrupted; the model it "
                                f"was replacing is {old} (rename it back, or train again)")
        if is_link_loop(p):  # ('ln -s loop loop'), or a folder on its path: said as such
            raise ArtefactError(str(no_file(p)))
        hint = "" if p.exists() else path_hint(p)  # (a line break kept from a file, a '~')
        shown = repr(str(p)) if hint or "\n" in str(p) or "\r" in str(p) else str(p)
        told = hint or " (train one with 'hourglass train')"
        not_model = f"{shown}: not a model directory{told}"
        raise (_Replaced if p.is_dir() else ArtefactError)(not_model)  # (a save's, put in place since)
    folder = _identity(p)  # a save swaps a new folder in: the files read changed only if it did
    incomplete = f"{p}: not a hourglass model (missing {CONFIG} or {WEIGHTS})"
    if not (p / CONFIG).is_file() or not (p / WEIGHTS).is_file():
        # (the folder gone since, or a save's model aside: swapped away while read)
        raise (_Replaced if not p.is_dir() or _aside(p).exists() else ArtefactError)(incomplete)
    try:
        with (p / CONFIG).open("rb") as fh:  # its size told before it is read, then read bounded
            size = os.fstat(fh.fileno()).st_size
            raw = fh.read(MAX_CONFIG_BYTES + 1) if size <= MAX_CONFIG_BYTES else b""
        if max(size, len(raw)) > MAX_CONFIG_BYTES:
            too_large = f"{max(size, len(raw)):,} bytes"
        else:
            too_large = ""
            # (a byte-order mark an editor saved it with, Notepad's "UTF-8 with BOM", is no
            # change: the hash is over the JSON read, and JSON readers may pass one over)
            config = loads_json(raw.decode("utf-8-sig"))
    except FileNotFoundError:  # the folder swapped away since the check above
        raise _Replaced(incomplete) from None
    except OSError as exc:  # a disk's I/O error: a read's error names no file
        raise _unreadable(p / CONFIG, exc) from None
    except (UnicodeDecodeError, ValueError) as exc:  # ValueError: a JSONDecodeError, or an
        # integer of more digits than Python converts (4300), which is no JSONDecodeError
        raise ArtefactError(f"{p / CONFIG}: corrupt ({exc}); the artefact was modified") from None
    except RecursionError:  # arrays or objects nested deeper than the parser goes
        raise ArtefactError(f"{p / CONFIG}: corrupt (JSON nested too deep to read); the artefact "
                            "was modified") from None
    if too_large:
        raise ArtefactError(f"{p / CONFIG}: {too_large}, over {MAX_CONFIG_BYTES >> 20} MiB, larger "
                            "than any config hourglass saves; not read (the artefact was modified)")
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ArtefactError(f"{p}: {CONFIG} is not a hourglass artefact config")
    version = config.get("format_version")
    if type(version) is not int:  # "1" (or 1.0, true) would read as the supported version 1
        raise ArtefactError(f"{p}: {CONFIG}: 'format_version' must be an integer, found "
                            f"{type(version).__name__} {version!r}; the artefact was modified")
    if version != FORMAT_VERSION:
        raise ArtefactError(f"{p}: artefact format version {version} is not supported by "
                            f"hourglass {hourglass.__version__} (reads version {FORMAT_VERSION}); "
                            f"{_ANOTHER_VERSION}")
    try:
        past = _past_header(p / WEIGHTS)  # (a file of another size: refused unread, below)
        weights = b"" if past else (p / WEIGHTS).read_bytes()
    except FileNotFoundError:
        raise _Replaced(incomplete) from None
    except OSError as exc:
        raise _unreadable(p / WEIGHTS, exc) from None
    if past:
        raise ArtefactError(f"{p / WEIGHTS}: corrupt ({past}); the artefact was modified or is damaged "
                            "(not read)")
    if config.get("content_hash") != _content_hash(config, weights):
        # read across a swap (another folder at ``p`` now): read again; else the files changed
        raise (_Replaced if _identity(p) != folder else ArtefactError)(
            f"{p}: content hash mismatch; the artefact was modified or is incomplete, refusing to "
            "load it")
    _check_layout(p, config)
    saved = config.get("versions") or {}  # (null: the layout allows it)
    major = str(saved.get("hourglass", "")).split(".")[:1]
    if major != hourglass.__version__.split(".")[:1]:
        raise ArtefactError(f"{p}: saved by hourglass {saved.get('hourglass')}, which this "
                            f"version ({hourglass.__version__}) cannot read; {_ANOTHER_VERSION}")
    for lib, ver in _versions().items():
        if lib in saved and saved[lib] != ver and lib != "python":
            logger.info("%s: saved with %s %s, running %s", p, lib, saved[lib], ver)
    return config, weights


#: Longest header a safetensors file may have (safetensors' own limit, 100 MB)
_MAX_HEADER_BYTES = 100_000_000


def _past_header(file: Path) -> str:
    """What is wrong with the size of the weights ``file``, from its safetensors header alone
    (``""``: nothing found): a file larger than its header describes (padded, or another file in
    its place), or one whose header cannot be read, is no weights file hourglass saved, and is
    refused before it is read whole: a 100 GB file there was read into memory, and failed
    as "out of memory: ... give a smaller --chunk-mb". A shorter one, cut in its data or inside
    its header, is read (the hash check calls it incomplete).

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "w.safetensors"
    >>> _ = f.write_bytes(safetensors.numpy.save({"a": np.zeros(2, np.float32)}) + bytes(10))
    >>> _past_header(f)
    '10 bytes more than its safetensors header describes (8 bytes of data)'
    >>> _ = f.write_bytes(f.read_bytes()[:20])  # cut inside its header: left to the hash check
    >>> _past_header(f)
    ''
    """
    with file.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        head = fh.read(8)
        if len(head) < 8:
            return ""
        n = int.from_bytes(head, "little")
        if n > _MAX_HEADER_BYTES:
            return f"{size:,} bytes, not a safetensors file: its header is unreadable"
        if n > size - 8:  # cut inside its header (smaller than a header it may have: read, and
            return ""  # the hash check calls it incomplete, as a file cut in its data)
        try:
            header = loads_json(fh.read(n).decode("utf-8"))
            end = max([int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"],
                      default=0)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
            return f"{size:,} bytes, not a safetensors file: its header is unreadable"
    extra = size - (8 + n + end)
    return f"{extra:,} bytes more than its safetensors header describes ({end:,} bytes of data)" \
        if extra > 0 else ""


def _check_module_size(det: BaseDetector, meta: Any, arrays: dict[str, np.ndarray]) -> None:
    """Refuse saved parameters that describe a far larger network than the saved weights,
    before the network is built: a layer width edited to 10**8 in ``config.json`` (hash
    recomputed) would otherwise take minutes and gigabytes of memory to allocate, only to be
    refused by ``load_state_dict``.

    The network is built on torch's ``meta`` device (shapes, no memory) and its size compared
    with the saved ``module.*`` arrays'. A smaller mismatch, a network that cannot be built that
    way, or a detector without one is left to ``set_state``, whose checks name the array."""
    saved = sum(int(v.size) for k, v in arrays.items() if k.startswith("module."))
    if not saved or not isinstance(meta, dict):
        return
    try:
        n_features = int(meta["n_features_in"])
    except (KeyError, TypeError, ValueError, OverflowError):  # set_state's to refuse, naming it
        return
    most = max(2 * saved, saved + _SLACK)
    try:  # stopped past the most: a layer count edited to millions looped for minutes over them
        module = module_on_meta(det, n_features, limit=most)
    except NetworkPastLimit:
        needed = f"more than {most:,}"
    else:
        if module is None:
            return
        count = sum(int(v.numel()) for v in module.state_dict().values())
        if count <= most:
            return
        needed = f"{count:,}"
    raise ArtefactError(f"the parameters of {type(det).__name__} in {CONFIG} describe a network "
                        f"of {needed} values, but {WEIGHTS} holds {saved:,}: the artefact was "
                        "modified; refusing to build it")


def _check_member_sizes(det: BaseDetector, meta: Any, arrays: dict[str, np.ndarray]) -> None:
    """:func:`_check_module_size` for each member of an ensemble (its state ``members[i]``, its
    arrays ``member{i}.*``): a member's network is built by the ensemble's ``set_state``, past
    the ensemble's own check (it has no network of its own). Members that cannot be listed are
    left to ``set_state``, whose checks name them."""
    members = getattr(det, "_members", None)
    saved = meta.get("members") if isinstance(meta, dict) else None
    if not callable(members) or not isinstance(saved, list):
        return
    try:
        built = members()  # detectors from the saved parameters: no network built yet
    except Exception:  # a refusal is set_state's to make, with its own message
        return
    for i, (member, entry) in enumerate(zip(built, saved, strict=False)):
        if isinstance(entry, dict):
            prefix = f"member{i}."
            try:
                _check_module_size(member, entry.get("state"),
                                   {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)})
            except ArtefactError as exc:
                raise ArtefactError(f"ensemble member {i}: {exc}") from None


def _held_out_rows(name: object, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``arrays`` with the held-out rows of an autoencoder saved by hourglass' first commits:
    their held-out scores (``val_scores``), but not which rows they were (``val_index``,
    recorded since: the held-out count that a warm start and the training record report).
    Such a model failed to load with "detector state is missing 'val_index'"; it reads with no
    held-out row named, and scores its rows as it did when trained (those commits' own load
    ordered its one-hot columns otherwise, and scored them otherwise)."""
    if name == "autoencoder" and "val_scores" in arrays and "val_index" not in arrays:
        return {**arrays, "val_index": np.zeros(0, dtype=np.int64)}
    return arrays


def _check_finite_weights(arrays: dict[str, np.ndarray]) -> None:
    """Refuse saved arrays of numbers that hold NaN or inf: network weights (``module.*``, an
    ensemble member's ``member{i}.module.*``) and input standardisation (training refuses such
    weights: "training diverged"), held-out scores (an ensemble scales its members' scores by
    them; the calibration refuses non-finite ones), a latent forest's split values, the
    explanations' baseline row. Training saves none, so only a damaged or edited file has them,
    and they scored every row ``inf`` or flagged every row, with no word. Likewise a divisor
    (:data:`_DIVISORS`: an input or error scale, a batch norm's running variance) of zero or
    below."""
    for key, value in arrays.items():
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            raise ArtefactError(f"{WEIGHTS}: tensor 'detector.{key}' holds NaN or inf, which training "
                                "never saves; the artefact was modified or is damaged")
        least = _DIVISORS.get(key.rpartition(".")[2])
        if least is not None and value.dtype.kind == "f" and value.size \
                and not (value > 0 if least == ">" else value >= 0).all():
            raise ArtefactError(f"{WEIGHTS}: tensor 'detector.{key}' holds a value "
                                f"{'<= 0' if least == '>' else '< 0'}, which training never saves (it "
                                "divides the scores); the artefact was modified or is damaged")


#: Saved tensors that scoring divides by (by their square root: a batch norm's running variance),
#: by the last part of their name: training saves them > 0 (a floored spread), the variance >= 0.
#: Zeroed, every row scored inf and was flagged; negated, rows scored otherwise, with no word.
_DIVISORS: dict[str, str] = {"input_scale": ">", "error_scale": ">", "latent_scale": ">",
                             "running_var": ">="}


def _check_standardisation(det: BaseDetector) -> None:
    """Refuse a detector (or ensemble member) fitted with ``standardize`` whose weights hold no
    input standardisation (``input_offset``, ``input_scale``: removed, hash recomputed).
    ``set_state`` reads such a state as one saved before ``standardize`` existed, and the model
    scored its raw inputs: other scores and flags, with no word. (Artefacts of that time load with
    ``standardize=False``, the detector's ``_params_before_added``, and are not refused.)"""
    members = getattr(det, "members_", None)
    for key, part in ([(f"member{i}.", m) for i, m in enumerate(members)] if isinstance(members, list)
                      else [("", det)]):
        if getattr(part, "standardize", False) and hasattr(part, "input_scale_") \
                and part.input_scale_ is None:
            raise ArtefactError(f"{WEIGHTS}: lacks 'detector.{key}input_offset' or "
                                f"'detector.{key}input_scale', the input standardisation a model "
                                "fitted with standardize saves; the artefact was modified")


#: Values a network built from the saved parameters may have beyond the saved weights before
#: :func:`_check_module_size` refuses it unbuilt (smaller mismatches: set_state names the array)
_SLACK = 1_000_000


def _unread(saved: Any, written: Any, where: str) -> list[str]:
    """The keys of the JSON object ``saved`` that ``written`` (what :func:`save` writes for the
    same model now) lacks, named by their place (``where``), and those of an ensemble's members'
    states, one level down (``members[i].state``)."""
    if not isinstance(saved, dict) or not isinstance(written, dict):
        return []
    found = [f"{where}{k}" for k in saved if k not in written]
    members, now = saved.get("members"), written.get("members")
    if isinstance(members, list) and isinstance(now, list):
        for i, (entry, mine) in enumerate(zip(members, now, strict=False)):
            if isinstance(entry, dict) and isinstance(mine, dict):
                found += _unread(entry.get("state"), mine.get("state"), f"{where}members[{i}].state.")
    return found


def _check_all_read(det: BaseDetector, saved_state: Any, saved_arrays: dict[str, np.ndarray],
                    features: Any, saved_features: Any) -> None:
    """Refuse an artefact whose detector state, preprocessing or weights hold an entry this
    version never saves for that model: a later hourglass's (an entry added with a new way of
    scoring, read by this version as if absent: other scores, with no word, as a
    ``latent-iforest`` saved with ``latent_dtype`` by 0.1.0 of December 5th was scored by the
    code before it), or an edited one. Every entry an earlier version saved is one this version
    saves too (those that are no longer written would be listed here first)."""
    from hourglass._params import saved_kinds

    with saved_kinds():  # (a setting of a kind an earlier version saved is not refused here)
        meta, arrays = det.get_state()
    unread = _unread(saved_state, _encode(meta), "detector.state.")
    unread += [f"{WEIGHTS} tensor 'detector.{k}'" for k in saved_arrays if k not in arrays]
    written = features.to_dict()
    unread += [f"features.{k}" for k in (saved_features if isinstance(saved_features, dict) else {})
               if k not in written]
    if unread:
        more = f" (and {len(unread) - 1} more)" if len(unread) > 1 else ""
        raise ArtefactError(f"{CONFIG}: holds {unread[0]!r}{more}, which hourglass "
                            f"{hourglass.__version__} does not read (saved by a later hourglass, or "
                            "edited): scored without it, the model could score otherwise; "
                            f"{_ANOTHER_VERSION}")


def _check_calibration(det: BaseDetector) -> None:
    """Calibrate a few scores (held-out ones, and some below and far above them) now, so that a
    calibration state edited into one that cannot calibrate (``n_fit`` 0, no knots) is refused
    on load rather than failing on the first score of ``hourglass score``."""
    scores = np.asarray(det.val_scores_, dtype=np.float64)[:16]
    scores = scores[np.isfinite(scores)]
    top = float(np.abs(scores).max()) if scores.size else 1.0
    det.calibrate(np.concatenate([scores, [-top - 1.0, 0.0, top + 1.0, 10.0 * top + 1.0]]))


def _on_cpu(spec: Any) -> Any:
    """An ensemble member's spec (a detector, a name, or a name and its parameters) with its
    device the CPU; a detector is changed in place (:func:`_check_params` works on a clone)."""
    if isinstance(spec, BaseDetector):
        params = spec.get_params(deep=False)
        if "device" in params:
            spec.set_params(device="cpu")
        if isinstance(params.get("detectors"), tuple | list):
            spec.set_params(detectors=type(params["detectors"])(_on_cpu(m) for m in params["detectors"]))
        return spec
    if isinstance(spec, tuple | list) and len(spec) == 2 and isinstance(spec[1], dict) \
            and "device" in spec[1]:
        return (spec[0], {**spec[1], "device": "cpu"})  # (as a tuple: the spec is only checked)
    return spec


def _check_params(det: BaseDetector) -> None:
    """Check the saved parameters as fit checks them (their kinds and each detector's ranges), but
    not the device (a model trained on a GPU loads on a machine without one): an edited
    ``combine="zzz"`` loaded and combined its members otherwise, ``standardize="false"`` (text)
    read as true, a series model's ``stride=0`` failed every score. The kinds earlier versions
    trained and saved (``standardize=2``, ``lr=true``) are taken
    (:func:`~hourglass._params.saved_kinds`): such a model scores as it always did.
    A refusal is an :class:`ArtefactError` that says the saved config is at fault (the parameter
    is not one the user gave: "artefact config is incomplete or invalid (hidden must be ...)")."""
    from hourglass._params import check_numeric_params, saved_kinds

    probe = _on_cpu(det.clone())
    try:
        with saved_kinds():
            check_numeric_params(probe, refuse_none=True)
            probe._check_params()
            # a series model's window settings (window, stride, score_reduce, score_norm,
            # linear_path), which scoring reads: an edited stride=0 loaded and failed every score
            check_window = getattr(probe, "_check_window", None)
            if callable(check_window):
                check_window()
    except InputError as exc:  # (no param: the option of that name did not set it)
        raise ArtefactError(f"artefact config is incomplete or invalid ({exc})") from None


def load(path: str | os.PathLike[str]) -> Pipeline:
    """Load a saved pipeline. Refuses tampered, incomplete or incompatible artefacts.

    Loading never runs code from the artefact: classes are looked up in the detector registry
    and weights are read with safetensors.

    Parameters
    ----------
    path
        The model directory :meth:`Pipeline.save <hourglass.pipeline.Pipeline.save>` (or
        ``hourglass train -o``) wrote.

    Returns
    -------
    Pipeline
        The fitted pipeline; its ``artefact_`` holds the path and the content hash.

    Raises
    ------
    ArtefactError
        ``path`` is no model directory, or its files were changed, are incomplete or are of an
        incompatible version (an :class:`~hourglass.errors.InputError`, a ``ValueError``).

    Examples
    --------
    >>> import tempfile, numpy as np, pandas as pd
    >>> from pathlib import Path
    >>> from hourglass import Pipeline, AutoEncoder
    >>> df = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 7})
    >>> out = Path(tempfile.mkdtemp()) / "model"
    >>> Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df).save(out)
    >>> load(out).predict(df).shape
    (50,)
    >>> with open(out / "weights.safetensors", "r+b") as f:     # change one byte
    ...     _ = f.seek(-1, 2); _ = f.write(b"x")
    >>> load(out)
    Traceback (most recent call last):
    ...
    hourglass.errors.ArtefactError: ...
    """
    return load_read(path, read_config(path))


def load_read(path: str | os.PathLike[str], read: tuple[dict[str, Any], bytes]) -> Pipeline:
    """:func:`load` of the artefact at ``path`` whose config and weight bytes ``read`` (from
    :func:`read_config`, checked there) were read already: a caller that has read them to
    check the folder is a model builds the pipeline from them, not from a second read.

    Examples
    --------
    >>> import tempfile, numpy as np, pandas as pd
    >>> from pathlib import Path
    >>> from hourglass import Pipeline, AutoEncoder
    >>> df = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 7})
    >>> out = Path(tempfile.mkdtemp()) / "model"
    >>> Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0)).fit(df).save(out)
    >>> load_read(out, read_config(out)).predict(df).shape
    (50,)
    """
    from hourglass.pipeline.pipeline import Pipeline

    config, weights = read
    try:
        arrays = safetensors.numpy.load(weights)
    except SafetensorError as exc:
        raise ArtefactError(f"{Path(path) / WEIGHTS}: corrupt ({exc})") from None
    except KeyError as exc:  # a dtype numpy has none of (BF16, F8_E4M3): the dtype's name
        raise ArtefactError(f"{Path(path) / WEIGHTS}: holds a tensor of dtype {exc.args[0]}, which "
                            "hourglass never saves; the artefact was modified") from None
    try:
        det_cfg = config["detector"]
        det = _build_detector(det_cfg["name"], det_cfg["params"])
        _check_params(det)
        det_arrays = {k[len("detector."):]: v for k, v in arrays.items()
                      if k.startswith("detector.")}
        state = _decode(det_cfg["state"])
        det_arrays = _held_out_rows(det_cfg["name"], det_arrays)
        _check_finite_weights(det_arrays)
        _check_module_size(det, state, det_arrays)
        _check_member_sizes(det, state, det_arrays)
        det.set_state(state, det_arrays)
        _check_standardisation(det)
        _check_calibration(det)
        features = features_from_dict(config["features"])
        _check_all_read(det, det_cfg["state"], det_arrays, features, config["features"])
        # inside the try: a saved parameter of the wrong kind (a number for a column list)
        # fails only when the parts are rebuilt from their parameters
        pipe = Pipeline(detector=det.clone(), features=type(features)(**features.get_params()),
                        threshold=None)
        # a tagged value there is rebuilt like the others; null (which the layout allows for an
        # optional section) is no record at all
        info = _decode(config.get("info") or {})
        if not isinstance(info, dict):  # {"__tuple__": ...}: no mapping to record lineage in
            raise TypeError(f"'info' must be an object, found {type(info).__name__}")
    except ArtefactError as exc:  # a state array of another shape or dtype: say which artefact too
        if str(path) in str(exc):
            raise
        raise ArtefactError(f"{path}: {exc}") from None
    except InputError as exc:  # a part refused its saved state: say which artefact
        raise ArtefactError(f"{path}: {exc}") from None
    except (RuntimeError, MemoryError) as exc:
        if isinstance(exc, MemoryError) or "allocate" in str(exc) or "out of memory" in str(exc):
            raise  # the machine's memory, not the artefact: the CLI says what to change
        # torch refusing a layer the saved parameters describe (a negative width)
        raise ArtefactError(f"{path}: artefact config is incomplete or invalid "
                            f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]})") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ArithmeticError) as exc:
        # a value of the wrong kind deep inside (a state entry, a parameter): name the artefact
        raise ArtefactError(f"{path}: artefact config is incomplete or invalid "
                            f"({type(exc).__name__}: {exc})") from None
    pipe.features_ = features
    pipe.detector_ = det
    pipe.info = info
    pipe.info.setdefault("versions", config.get("versions", {}))
    # where it came from (what a warm start records as its parent); not saved with it
    pipe.artefact_ = {"path": str(path), "content_hash": config.get("content_hash")}
    return pipe
