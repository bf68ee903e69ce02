"""Ensemble: several detectors' scores, each calibrated on its held-out normal scores, combined."""

from __future__ import annotations

import copy
import functools
import json
import logging
import numbers
import threading
from collections.abc import Sequence
from typing import Any, ClassVar, cast

import numpy as np
import torch

from hourglass.detectors import registry
from hourglass.detectors.base import BaseDetector, _same_setting
from hourglass.errors import InputError
from hourglass.nn.device import check_device
from hourglass.nn.training import TrainingDiverged
from hourglass.thresholds import Threshold
from hourglass.thresholds.base import FEW_SCORES_ADVICE
from hourglass.thresholds.bound import MORE_SCORES_ADVICE
from hourglass.thresholds.calibration import FLOAT32_ROUNDING

__all__ = ["Ensemble"]


class _CombinedScore(torch.nn.Module):
    """The z-score-calibrated members' scores, averaged or maxed, as one torch function."""

    def __init__(self, members: list[torch.nn.Module], calibration: list[tuple[float, float]],
                 combine: str) -> None:
        super().__init__()
        self.members = torch.nn.ModuleList(members)
        self.calibration, self.combine = calibration, combine

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        parts = torch.stack([(m(x.to(_device_of(m))).to(x.device) - mean) / std for m, (mean, std)
                             in zip(self.members, self.calibration, strict=True)])
        return parts.mean(dim=0) if self.combine == "mean" else parts.max(dim=0).values


def _device_of(module: torch.nn.Module) -> torch.device:
    tensor = next(iter([*module.parameters(), *module.buffers()]), None)
    return torch.device("cpu") if tensor is None else tensor.device

_CALIBRATIONS = ("zscore", "rank")
_RANK_TOL = FLOAT32_ROUNDING  # relative: a few float32 roundings
_COMBINES = ("mean", "max")
# the advice of a member's percentile on few held-out scores: the member's own held-out share,
# not the ensemble's validation_fraction (a larger one of those leaves the members fewer rows,
# so fewer held-out scores still)
MEMBER_SHARE_ADVICE = ("more normal data, or a larger held-out share of the member when training "
                       "(its own validation_fraction: detectors=[(NAME, {'validation_fraction': 0.2}), "
                       "...])")

# the advice to an ensemble calibrated by rank, which has no gradients (the CLI's words: --param)
ZSCORE_ADVICE = "train it with calibration='zscore'"


def _label(m: BaseDetector) -> str:
    """A member's registered name, or its class name when the caller's own class is unregistered."""
    try:
        return registry.name_of(type(m))
    except InputError:
        return type(m).__name__


class _MemberWarnings(logging.Filter):
    """The warnings the members' threshold rules log while they are fitted (each member's
    percentile on its held-out scores: "too few scores ..."), held and then said once each,
    naming the members that gave it: the members of one ensemble share their held-out rows, and
    the same warning came once per member. A warning that differs is said on its own.

    Examples
    --------
    >>> log = logging.getLogger("hourglass.thresholds.base")
    >>> held = _MemberWarnings()
    >>> for name in ("autoencoder", "deep-svdd"):
    ...     held.member = name
    ...     log.warning("percentile %g of %d held-out normal scores: ...", 99, 27)
    >>> [(r.getMessage()) for r in held.records]
    ['percentile 99 of 27 held-out normal scores: ...', 'percentile 99 of 27 held-out normal scores: ...']
    >>> held.grouped()[0].getMessage()
    'ensemble members autoencoder, deep-svdd: percentile 99 of 27 held-out normal scores: ...'
    >>> held.release()
    """

    #: the logger whose warnings are held (the threshold rules' own: percentile, contamination)
    LOGGER = "hourglass.thresholds.base"

    def __init__(self) -> None:
        super().__init__()
        self.member = ""
        self.records: list[logging.LogRecord] = []
        self._members: list[str] = []
        self._thread = threading.get_ident()  # (another thread's fits are not this ensemble's)
        logging.getLogger(self.LOGGER).addFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or record.thread != self._thread:
            return True
        self.records.append(record)
        self._members.append(self.member)
        return False

    def grouped(self) -> list[logging.LogRecord]:
        """The held records, one for each message (the first of them), its members named."""
        names: dict[str, list[str]] = {}
        first: dict[str, logging.LogRecord] = {}
        for record, member in zip(self.records, self._members, strict=True):
            text = record.getMessage()
            first.setdefault(text, record)
            names.setdefault(text, []).append(member)
        out = []
        for text, record in first.items():
            who = list(dict.fromkeys(names[text]))
            record = logging.makeLogRecord(record.__dict__)  # (its extra fields kept: advice)
            if getattr(record, "advice", None) == FEW_SCORES_ADVICE:  # a member's, not the ensemble's
                text = text.replace(FEW_SCORES_ADVICE, MEMBER_SHARE_ADVICE)
                setattr(record, "advice", MEMBER_SHARE_ADVICE)  # noqa: B010 (an extra field)
            noun = "ensemble member" if len(who) == 1 else "ensemble members"
            record.msg, record.args = f"{noun} {', '.join(who)}: {text}", ()
            out.append(record)
        return out

    def release(self) -> None:
        """Stop holding, and say each held warning once."""
        log = logging.getLogger(self.LOGGER)
        log.removeFilter(self)
        for record in self.grouped():
            log.handle(record)
        self.records, self._members = [], []


def _members_with_gradients(members: list[BaseDetector]) -> str:
    """What to train instead of an ensemble holding a member without gradients: the same
    ensemble without such members (autoencoder + Deep SVDD where none is left), as a Python
    ``detectors`` value and as the CLI's ``--param``."""
    kept = [_label(m) for m in members if m.get_tags()["gradients"]] or ["autoencoder", "deep-svdd"]
    return (f"an ensemble of members with gradients is explained (detectors={tuple(kept)!r}; in the "
            f"CLI: train --model ensemble --param 'detectors={json.dumps(kept)}')")


@functools.cache
def _fixed_params(cls: Any) -> tuple[str, ...]:
    """The parameters of detector class ``cls`` that a fitted member's weights depend on: all but
    its ``_free_after_fit`` (training settings a fitted deep detector takes changed)."""
    free: frozenset[str] = getattr(cls, "_free_after_fit", frozenset())
    names = cls._get_param_names() if isinstance(cls, type) and issubclass(cls, BaseDetector) else ()
    return tuple(n for n in names if n not in free)


@functools.cache
def _free_of(name: str) -> frozenset[str]:
    """The free settings (``_free_after_fit``) of the detector registered as ``name``."""
    try:
        return frozenset(getattr(registry.get(name), "_free_after_fit", frozenset()))
    except InputError:  # an unknown name: refused by fit before this
        return frozenset()


def _member_settings(spec: object, keep: bool = True) -> object:
    """What of one entry of ``detectors`` its fitted member depends on: a detector instance's
    parameters but its free ones (read from the instance, no ``get_params``), a (name, params)
    pair's params but the free ones of the named class; anything else itself. Copies when
    ``keep`` (what fit keeps), so that a list or dict changed in place later is noticed."""
    cp = copy.deepcopy if keep else _same
    if isinstance(spec, BaseDetector):
        state, kind = vars(spec), type(spec)
        return kind, {n: cp(state.get(n)) for n in _fixed_params(cast(Any, kind))}
    if (isinstance(spec, (tuple, list)) and len(spec) == 2 and isinstance(spec[0], str)
            and isinstance(spec[1], dict)):
        free = _free_of(spec[0])
        return spec[0], {k: cp(v) for k, v in spec[1].items() if k not in free}
    return cp(spec)


def _same(value: object) -> object:
    return value


def _unchanged(now: object, was: object) -> bool:
    """``now == was`` (fast: the usual case, nothing changed) or else :func:`_same_setting`
    (numbers by value, a list as its tuple, ...)."""
    try:
        if bool(now == was):
            return True
    except (TypeError, ValueError):  # an array's == is no truth value
        pass
    return _same_setting(now, was)


def _spread(ref: np.ndarray) -> float:
    """The standard deviation of a member's held-out scores ``ref``, the unit of its calibrated
    score; 1 when they do not vary. Scores equal up to a few float32 roundings (identical rows
    scored in other batches, a forest's path lengths averaged in another order) do not vary
    either: their standard deviation of ~1e-17 made a row scored as the held-out ones z = 1, and
    one a last bit off z = 1e8."""
    std = float(ref.std())
    return std if std > _RANK_TOL * float(np.abs(ref).max(initial=0.0)) else 1.0


def _member(spec: object, position: int) -> BaseDetector:
    """A fresh, unfitted detector from one entry of ``detectors``."""
    if isinstance(spec, BaseDetector):
        return spec.clone()
    if isinstance(spec, str):
        return registry.get(spec)()
    if (isinstance(spec, (tuple, list)) and len(spec) == 2 and isinstance(spec[0], str)
            and isinstance(spec[1], dict)):
        cls = registry.get(spec[0])
        unknown = sorted(set(spec[1]) - set(cls().get_params()))
        if unknown:  # else Python's "__init__() got an unexpected keyword argument", no position
            raise InputError(f"detectors[{position}]: {spec[0]} has no parameter {unknown[0]!r}; it "
                             f"takes {', '.join(sorted(cls().get_params()))}", param="detectors")
        return cls(**spec[1])
    raise InputError(f"detectors[{position}] must be a detector, a registered name or a "
                     f"(name, params) pair, got {spec!r}", param="detectors")


class Ensemble(BaseDetector):
    """Combine detectors: each member's score is calibrated on its held-out normal scores, then
    the calibrated scores are averaged or maxed.

    Every member is a fresh clone fitted on the ensemble's training rows; each holds out its own
    ``validation_fraction`` of them, and its scores on that held-out normal slice calibrate it:

    * ``"zscore"``: ``(s − mean) / std`` of the held-out scores;
    * ``"rank"``: the empirical CDF of the held-out scores (0 … 1), plus, above their maximum,
      the distance beyond it in held-out standard deviations, so rows past every normal score
      keep their order instead of tying at 1.

    ``combine="mean"`` averages (a consensus), ``"max"`` takes the most alarmed member. Labels
    given to ``fit`` reach the members that support them; the others are fitted on the rows
    labelled normal only (as normal data, labelled anomalies would teach them to score attacks
    low and widen their calibration). The ensemble's own threshold is fitted
    on its held-out rows as for any detector. Saved state holds every member's state (no pickle).

    Members given by registry name or ``(name, params)`` get the ensemble's ``epochs`` (when
    set), ``device``, ``verbose`` and ``random_state`` where they take them, unless their params
    set them; instances keep their own. So ``hourglass train --model ensemble --device cuda``
    reaches every member.

    Parameters
    ----------
    detectors
        Members: detector instances (cloned, so fitted ones are re-fitted), registry names, or
        ``(name, params)`` pairs. At least one. The default, an autoencoder, Deep SVDD and an
        isolation forest on the autoencoder's code, is the combination of
        ``benchmarks/tabular.py`` (best mean ROC-AUC there).
    calibration
        ``"zscore"`` or ``"rank"``.
    combine
        ``"mean"`` or ``"max"``.
    validation_fraction
        Share of the rows the ensemble holds out for its threshold (members are fitted on the rest).
    threshold
        Threshold rule fitted on held-out combined scores (default ``Percentile(99)``).
    epochs
        Training epochs of every member built from a name (``None``: each member's own default).
    device, verbose
        Passed to members built from names.
    random_state
        Seed of the ensemble's held-out split, also passed to members built from names.

    Examples
    --------
    >>> import numpy as np
    >>> from hourglass.detectors import AutoEncoder, Ensemble
    >>> X = np.random.default_rng(0).normal(size=(400, 6)).astype("float32")
    >>> ens = Ensemble(detectors=(AutoEncoder(hidden=(8, 4), epochs=5, verbose=0),
    ...                           ("deep-svdd", {"hidden": (8, 4), "epochs": 5, "verbose": 0}))
    ...                ).fit(X)
    >>> bool(ens.score(X[:1] + 10)[0] > ens.score(X[:1])[0])
    True
    """

    # gradients: when every member has them and the calibration is "zscore" (why_no_gradients)
    _tags: ClassVar[dict[str, Any]] = {"supports_labels": True, "gradients": True}

    _member_input: ClassVar[str] = "tabular"

    def __init__(
        self,
        detectors: Sequence[Any] = ("autoencoder", "deep-svdd", "latent-iforest"),
        calibration: str = "zscore",
        combine: str = "mean",
        validation_fraction: float = 0.1,
        threshold: Threshold | None = None,
        epochs: int | None = None,
        device: str = "auto",
        verbose: int = 1,
        random_state: int | None = 0,
    ) -> None:
        self.detectors = detectors
        self.calibration = calibration
        self.combine = combine
        self.validation_fraction = validation_fraction
        self.threshold = threshold
        self.epochs = epochs
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    def _members(self) -> list[BaseDetector]:
        shared: dict[str, Any] = {"device": self.device, "verbose": self.verbose,
                                  "random_state": self.random_state}
        if self.epochs is not None:
            shared["epochs"] = self.epochs
        members = []
        for i, spec in enumerate(self.detectors):
            if isinstance(spec, str):
                spec = (spec, {})
            if (isinstance(spec, (tuple, list)) and len(spec) == 2 and isinstance(spec[0], str)
                    and isinstance(spec[1], dict)):
                known = registry.get(spec[0])().get_params()
                spec = (spec[0], {**{k: v for k, v in shared.items() if k in known}, **spec[1]})
            m = _member(spec, i)
            if isinstance(m, Ensemble):
                raise InputError(f"detectors[{i}]: an Ensemble cannot contain an Ensemble", param="detectors")
            kind = m.get_tags()["input"]
            if kind != self._member_input:
                raise InputError(f"detectors[{i}]: {type(m).__name__} takes {kind} input; "
                                 f"{type(self).__name__} combines {self._member_input} detectors",
                                 param="detectors")
            members.append(m)
        return members

    def _check_params(self) -> None:
        if not isinstance(self.detectors, (tuple, list)) or len(self.detectors) == 0:
            # an empty one as typed (--param 'detectors=[]' is read as a tuple: "got ()" was
            # Python's words for it)
            shown = "an empty list" if isinstance(self.detectors, (tuple, list)) else repr(self.detectors)
            raise InputError(f"detectors must be a non-empty list of detectors, got {shown}",
                             param="detectors")
        e = self.epochs  # checked whole here: handed to every member, a member would be named
        if e is not None and (isinstance(e, bool) or not isinstance(e, numbers.Real)
                              or not float(e).is_integer() or int(e) < 1):
            shown = e if isinstance(e, numbers.Real) else repr(e)  # 2.5, not np.float64(2.5); '3'
            raise InputError(f"epochs must be None or an integer >= 1, got {shown}", param="epochs")
        if self.calibration not in _CALIBRATIONS:
            raise InputError(f"calibration must be one of {_CALIBRATIONS}, got {self.calibration!r}",
                             param="calibration")
        if self.combine not in _COMBINES:
            raise InputError(f"combine must be one of {_COMBINES}, got {self.combine!r}", param="combine")
        self._seed()  # handed to every member: the ensemble's own setting, not member 0's
        check_device(self.device)  # so is the device (its kind; whether this machine has it: fit)
        for i, m in enumerate(self._members()):
            try:
                m.validate_params()
            except ValueError as exc:  # which member: two may share a parameter's name (an
                # InputError too: a member's setting, its threshold rule's (Percentile(150)))
                raise InputError(f"detectors[{i}] ({_label(m)}): {exc}", param="detectors") from None

    def _fit(self, X: np.ndarray, X_val: np.ndarray | None, y: np.ndarray | None) -> None:
        members = self._members()
        labelled = y is not None and bool(np.any(y))
        held = _MemberWarnings()
        try:
            for i, m in enumerate(members):
                held.member = _label(m)
                try:
                    self._fit_member(m, X, y, labelled)
                except InputError as exc:  # which member: its own split or threshold can fail
                    # (too few held-out scores: the member's share, as its warning advises)
                    text = str(exc).replace(FEW_SCORES_ADVICE, MEMBER_SHARE_ADVICE).replace(
                        MORE_SCORES_ADVICE, MEMBER_SHARE_ADVICE)
                    raise InputError(f"detectors[{i}] ({_label(m)}): {text}") from None
                except TrainingDiverged as exc:  # which member's learning rate to lower
                    raise TrainingDiverged(f"detectors[{i}] ({_label(m)}): {exc}") from None
        finally:
            held.release()
        self.members_ = members
        self._calibrate()

    def _fit_member(self, m: BaseDetector, X: np.ndarray, y: np.ndarray | None,
                    labelled: bool) -> None:
        if m.get_tags()["supports_labels"]:
            m.fit(X, y)
        elif not labelled:
            m.fit(X)
        else:  # the rows labelled anomalies are not normal rows to learn (nor calibrate on)
            # _take: an EventEnsemble's X is a list of sessions, which a mask cannot index
            normal = self._take(X, np.flatnonzero(np.asarray(y) == 0))
            # said as such, not as an empty or one-row X; one session trains a sequence model
            least, unit = (1, "sessions") if m.get_tags()["input"] == "events" else (2, "rows")
            if len(normal) < least:
                raise InputError(f"y: {len(normal)} of the {len(X)} training {unit} (those not "
                                 f"held out) are labelled normal; {type(m).__name__} learns "
                                 f"from normal {unit} only and needs at least {least}")
            m.fit(normal)

    def _calibrate(self) -> None:
        refs = [np.sort(m.val_scores_) for m in self.members_]
        self.calibration_ = [(r, float(r.mean()), _spread(r)) for r in refs]
        # the rules the threshold was fitted under (by fit, or saved with it)
        self.combined_by_ = (self.calibration, self.combine)
        # the specification members_ were made from, copied: a member spec edited in place
        # (detectors[0][1]["hidden"] = ..., or a member instance's set_params) is noticed too;
        # a member's free settings (its training settings: epochs, verbose, ...) are left out
        self.members_from_ = [_member_settings(spec) for spec in self.detectors]

    def _check_rules(self) -> None:
        """Refuse to score, save or build gradients under another ``calibration`` or ``combine``
        than the fit's: the threshold was fitted on the scores of those (``set_params`` after
        ``fit``)."""
        why = self._rules_mismatch()
        if why is not None:
            raise InputError(f"{type(self).__name__}: {why}")

    def _rules_mismatch(self) -> str | None:
        """What differs between the ``calibration``/``combine`` fitted and those set now
        (``None`` when nothing does): what :meth:`_check_rules` and :meth:`why_no_gradients` say."""
        made_from = getattr(self, "members_from_", None)
        if made_from is not None and not _unchanged(
                [_member_settings(spec, keep=False) for spec in self.detectors], made_from):
            return ("detectors were changed since fit (the members fitted then still score, "
                    "and an artefact would name the new ones, which their saved weights do not "
                    "fit); fit again, or set detectors back")
        fitted = getattr(self, "combined_by_", (self.calibration, self.combine))
        for name, was, now in zip(("calibration", "combine"), fitted,
                                  (self.calibration, self.combine), strict=True):
            if now != was:
                return (f"{name} is {now!r}, but the model was fitted with {was!r} (its threshold "
                        f"is on those scores); fit again, or set {name}={was!r}")
        return None

    def member_scores(self, X: object) -> np.ndarray:
        """Calibrated score of every member (members × rows), before they are combined.

        Examples
        --------
        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(200, 4)).astype("float32")
        >>> ens = Ensemble(detectors=(("autoencoder", {"hidden": (4, 2), "epochs": 2}),),
        ...                verbose=0).fit(X)
        >>> ens.member_scores(X[:3]).shape
        (1, 3)
        """
        self._check_fitted()
        return self._calibrated(self._validate(X, reset=False))

    def _calibrated(self, X: Any) -> np.ndarray:
        self._check_rules()
        parts = []
        for m, (ref, mean, std) in zip(self.members_, self.calibration_, strict=True):
            s = m.score(X)
            if self.calibration == "zscore":
                parts.append((s - mean) / std)
            else:
                # a score within float32 rounding of a held-out one counts as that score: the
                # same session scored in another batch differs in its last bits, and held-out
                # scores tied at their maximum made its rank jump from 1 to 0 (0.64 alone, 1.0 in
                # a batch); so does one a rounding above their maximum, which ranks 1 too, not
                # 1 plus its last bits' distance past it (flagged alone where a threshold of 1,
                # the held-out sessions tied there, leaves the same session unflagged in a batch)
                tol = _RANK_TOL * np.abs(s)
                cdf = np.searchsorted(ref, s + tol, side="right") / ref.size
                past = s - ref[-1]
                parts.append(cdf + np.where(past > tol, past, 0.0) / std)
        return np.vstack(parts)

    def _score(self, X: Any) -> np.ndarray:
        parts = self._calibrated(X)
        return parts.mean(axis=0) if self.combine == "mean" else parts.max(axis=0)

    def why_no_gradients(self) -> str | None:
        """As for any detector; an ensemble has gradients when every member has them and it was
        fitted with calibration ``"zscore"`` (a rank is a step function of a member's score),
        the one still set (see ``_check_rules``). The fitted model's own reasons come first:
        setting back the calibration it was fitted with cannot give it gradients.

        Examples
        --------
        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(50, 3)).astype("float32")
        >>> Ensemble(detectors=("autoencoder",), epochs=1, verbose=0).fit(X).why_no_gradients() is None
        True
        >>> ranked = Ensemble(detectors=("autoencoder",), calibration="rank", epochs=1, verbose=0).fit(X)
        >>> print(ranked.why_no_gradients())  # doctest: +NORMALIZE_WHITESPACE
        the calibration it was fitted with ('rank') is a step function of the members' scores
        (no gradient); train it with calibration='zscore'
        """
        self._check_fitted()
        fitted = getattr(self, "combined_by_", (self.calibration, self.combine))[0]
        if fitted != "zscore":
            return (f"the calibration it was fitted with ({fitted!r}) is a step function of the "
                    f"members' scores (no gradient); {ZSCORE_ADVICE}")
        for i, m in enumerate(self.members_):
            why = m.why_no_gradients()
            if why is not None:
                # the CLI's default members hold latent-iforest: say which ensemble explains
                hint = "" if m.get_tags()["gradients"] else f"; {_members_with_gradients(self.members_)}"
                return f"member {i} ({_label(m)}): {why}{hint}"
        mismatch = self._rules_mismatch()
        if mismatch is not None:
            return mismatch
        return super().why_no_gradients()

    def _gradient_module(self) -> torch.nn.Module:
        self._check_rules()
        return _CombinedScore([m.gradient_module() for m in self.members_],
                              [(mean, std) for _, mean, std in self.calibration_],
                              self.combine).eval()

    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        # an artefact records the parameters, not combined_by_: saved under other rules, the
        # loaded model would score under those against the threshold fitted on the old ones
        self._check_rules()
        metas, arrays = [], {}
        for i, m in enumerate(self.members_):
            meta, arr = m.get_state()
            metas.append({"name": registry.name_of(type(m)), "state": meta})
            arrays.update({f"member{i}.{k}": v for k, v in arr.items()})
        return {"members": metas}, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        members = self._members()
        saved = meta.get("members")
        if not isinstance(saved, list) or len(saved) != len(members):
            raise InputError(f"ensemble state holds {len(saved) if isinstance(saved, list) else 'no'}"
                             f" members, the parameters name {len(members)}")
        for i, (m, entry) in enumerate(zip(members, saved, strict=True)):
            if not isinstance(entry, dict) or not isinstance(entry.get("state"), dict):
                raise InputError(f"ensemble member {i}: its saved state is missing or not an object")
            if entry.get("name") != registry.name_of(type(m)):
                raise InputError(f"ensemble member {i}: saved {entry.get('name')!r}, parameters "
                                 f"name {registry.name_of(type(m))!r}")
            prefix = f"member{i}."
            try:
                m.set_state(entry["state"], {k[len(prefix):]: v for k, v in arrays.items()
                                             if k.startswith(prefix)})
            except InputError as exc:  # every member has a 'val_scores': say whose it is
                raise type(exc)(f"ensemble member {i} ({_label(m)}): {exc}") from None
        self.members_ = members
        self._calibrate()
