"""``hourglass threshold``: what-if thresholds of a saved model, or a copy with another rule.

Every figure comes from the held-out normal scores the model keeps (``detector_.val_scores_``);
no data is read, no labels are used and nothing is retrained.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hourglass._columns import counted_plural
from hourglass.cli._options import (
    ForceOpt,
    ModelArg,
    QuietOpt,
    RethresholdEventsOpt,
    RethresholdJsonOpt,
    RethresholdOutputOpt,
    RethresholdSpecOpt,
)
from hourglass.cli._output import (
    data_on_stdout,
    err,
    out,
    output_name,
    setup_logging,
    table_console,
    user_errors,
)
from hourglass.errors import HourglassError, InputError

if TYPE_CHECKING:
    from hourglass.detectors.base import BaseDetector
    from hourglass.pipeline import Pipeline
    from hourglass.thresholds import Threshold

# The library (torch, pandas: seconds to import) is imported inside the functions, so that
# ``hourglass --help`` answers at once.

__all__ = ["threshold"]

#: What-if rules tried when no --threshold is given (the model's own comes first).
DEFAULT_SPECS = ("percentile:99", "percentile:99.9", "fpr:0.01", "fpr:0.001", "pot:1e-4")
#: ... and this per-day budget when the event rate is known (and well above it).
DEFAULT_BUDGET = 10

_UNIT = {"table": "rows", "time-series": "steps", "log": "sessions", "entity": "buckets"}


def threshold(
    model: ModelArg,
    rules: RethresholdSpecOpt = None,
    output: RethresholdOutputOpt = None,
    events_per_day: RethresholdEventsOpt = None,
    force: ForceOpt = False,
    json_out: RethresholdJsonOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Re-threshold a saved model without retraining, from the held-out normal scores it keeps.

    Without -o: one row per --threshold rule (default: the model's own and a few common ones):
    its cut-off, the share of the held-out normal scores it flags, its expected false-alarm
    rate and the alerts per 10k events (and per day, when the event rate is known). No labels
    are used.

    With -o NEW and one --threshold: write a copy of MODEL with that rule fitted on the same
    held-out scores (a time-series model's stream threshold too, on its causal held-out scores);
    MODEL is unchanged (unless NEW is MODEL itself, with --force: re-thresholded in place) and NEW
    records it (info.rethresholded_from).
    """
    data_on_stdout(json_out)  # '--json -': the JSON alone on stdout, the table on stderr
    from hourglass.cli._common import (
        check_model_dir,
        check_not_input,
        check_not_loop,
        check_output_kind,
        refuse_closed_stdout,
    )
    from hourglass.pipeline.artefact import load

    setup_logging(quiet)
    specs = list(rules or [])
    with user_errors():
        if json_out is None and output is None:  # the what-if table is the result
            refuse_closed_stdout("the what-if table", "--json")
        if json_out is not None and output is not None:
            raise HourglassError(f"--json {json_out}: writes the what-if table, which -o does not "
                                 "show; leave one of them out")
        check_not_input(json_out, "--json", model=model)
        check_output_kind(json_out, "--json", (".json",), "JSON")
        if output is not None and len(specs) != 1:
            raise HourglassError(f"-o {output}: give exactly one --threshold rule to apply "
                                 f"(got {len(specs)}); without -o, several are compared")
        if force and output is None:
            raise HourglassError("--force: only with -o NEW (it replaces an existing model there)")
        if events_per_day is not None and not 0 < events_per_day < float("inf"):  # inf: saved by -o
            raise HourglassError(f"--events-per-day: must be > 0 and finite, got {events_per_day}")
        if output is not None:
            check_not_loop(output, "-o")
            inside = output.resolve().is_relative_to(model.resolve())
            if inside and output.resolve() != model.resolve():
                raise HourglassError(f"-o {output}: is inside the model directory {model}; choose "
                                     "another path")
            check_model_dir(output)
            if output.is_dir() and any(output.iterdir()) and not force:
                raise HourglassError(f"-o {output}: exists and is not empty; choose another path or "
                                     "pass --force to replace the model there")
        pipe = load(model)
        rate = _event_rate(pipe, events_per_day)
        parsed = [(spec, _parse(spec, pipe, rate, model)) for spec in specs]
        if pipe.detector_.val_scores_.size == 0:
            raise HourglassError(f"{model}: keeps no held-out scores to fit a threshold on (a "
                                 "federated model trained with held_out='summaries'); retrain it, "
                                 "or keep the held-out scores (held_out='scores')")
        if output is not None:
            spec, rule = parsed[0]
            try:  # fitted once, there (its small-sample warning said once)
                new = pipe.with_threshold(rule, events_per_day=events_per_day)
            except InputError as exc:  # the rule's own refusal (in steps, as set_threshold says it)
                raise HourglassError(f"--threshold {spec}: {exc}") from None
            # without --force, not over a model saved meanwhile; in place, not over another model
            # than the one read (retrained there meanwhile)
            in_place = output.resolve() == model.resolve()
            new.save(output, replace=_still(pipe, model, output) if in_place else force)
        else:
            rows, notes = _what_if(pipe, parsed, rate)
            if json_out is not None:
                _write_json(json_out, pipe, model, rows, notes, rate)
    if output is not None:
        _report_apply(pipe, new, output, rate)
        return
    _print_table(pipe, model, rows, notes, rate)
    if json_out is not None:
        err.print(f"what-if table written to {output_name(json_out)}", highlight=False)


def _still(pipe: Pipeline, model: Path, output: Path) -> Callable[[Path], bool]:
    """The ``replace`` of an in-place re-threshold's save (``-o MODEL --force``): the model found
    in MODEL as the new one is put in place must be the one read (its content hash); one that
    another run saved there meanwhile (a retrain) is kept, in one line, rather than replaced by
    a re-thresholded copy of the model it replaced."""
    import json

    read = (getattr(pipe, "artefact_", None) or {}).get("content_hash")

    def same(target: Path) -> bool:
        try:
            found = json.loads((target / "config.json").read_text(encoding="utf-8-sig")).get("content_hash")
        except (OSError, ValueError, AttributeError):
            found = None
        if found != read:
            raise HourglassError(f"-o {output}: {model} holds another model than the one read (saved "
                                 "there meanwhile by another run); it is kept and the re-thresholded "
                                 "copy is not saved: run the command again to re-threshold the new one")
        return True

    return same


def _write_json(path: Path, pipe: Pipeline, model: Path, rows: list[dict[str, Any]], notes: list[str],
                rate: float | None) -> None:
    """The what-if rows as JSON, written atomically: one object per rule, with the held-out
    scores they were measured on."""
    from hourglass.cli._common import model_kind
    from hourglass.ingest import atomic_output
    from hourglass.ingest.sqlite import json_document

    det = pipe.detector_
    current = det.threshold_
    doc = {"model": str(model), "model_name": pipe.model_name, "kind": model_kind(pipe),
           "unit": _UNIT[model_kind(pipe)], "scores": det.val_scores_source(),
           "n_scores": int(det.val_scores_.size), "events_per_day": rate,
           "current": {"rule": current.describe(), "value": float(current.value_)},
           "rules": [{**r, "value": float(r["value"]), "per_10k": float(r["per_10k"])} for r in rows],
           "notes": notes}
    with atomic_output(path) as tmp:
        tmp.write_text(json_document(doc), encoding="utf-8")


def _event_rate(pipe: Pipeline, given: float | None) -> float | None:
    """Events (rows, sessions, steps, buckets) per day: ``--events-per-day``, else the model's
    (``info["events_per_day"]``, or a time series' ``freq`` grid), else ``None``."""
    if given is not None:
        return float(given)
    rate = pipe.info.get("events_per_day")
    if rate:
        return float(rate)
    if getattr(pipe.features_, "output", "") == "timeseries":
        from hourglass._times import steps_per_day

        return steps_per_day(getattr(pipe.features_, "freq", None))
    return None


def _parse(spec: str, pipe: Pipeline, rate: float | None, model: Path) -> Threshold:
    """``spec`` as a rule that can be fitted on the model's held-out normal scores, or the one
    line saying why not."""
    from hourglass.cli._common import model_kind
    from hourglass.thresholds import threshold_from_spec

    rule = threshold_from_spec(spec, events_per_day=rate, name="--threshold")
    if rule.requires_labels:
        raise HourglassError(f"--threshold {spec}: needs a labelled validation set, which a saved "
                             "model does not keep; train with 'hourglass train DATA --threshold "
                             f"{spec.strip()} ...' on labelled data instead")
    if getattr(rule, "per", None) == "day" and rate is None:
        raise HourglassError(f"--threshold {spec}: a per-day budget needs the event rate, which "
                             f"{model} does not know ({_NO_RATE[model_kind(pipe)]}): give "
                             "--events-per-day N, or use budget:N/10k")
    return rule


#: Why a model of each kind may not know its event rate (what 'train' would have needed)
_NO_RATE = {"table": "trained without --events-per-day or --timestamp-col",
            "time-series": "trained without --freq, which sets its steps per day",
            "log": "a log model does not record its sessions per day",
            "entity": "trained without timestamps"}


def _fit(rule: Threshold, scores: Any, on: str, pipe: Pipeline) -> Threshold:
    """A fresh copy of ``rule`` fitted on ``scores``, the held-out scores of ``pipe``'s model
    (a warning of too few of them says the held-out steps to have, where they give fewer)."""
    return type(rule)(**rule.get_params()).fit(scores, on=on, steps=pipe.detector_._val_steps())


def _fit_or_refuse(spec: str, rule: Threshold, pipe: Pipeline) -> Threshold:
    """``rule`` fitted on the model's held-out normal scores, or its refusal naming ``spec``."""
    det = pipe.detector_
    try:
        return _fit(rule, det.val_scores_, det.val_scores_source(), pipe)
    except InputError as exc:
        raise HourglassError(f"--threshold {spec}: {pipe.detector_._held_out_said(exc)}") from None


def _row(label: str, fitted: Threshold, scores: Any, stream: Threshold | None, current: bool,
         rate: float | None) -> dict[str, Any]:
    """One what-if row: the fitted rule's cut-off, the share of ``scores`` above it, its
    expected false-alarm rate and the alerts that makes."""
    from hourglass.thresholds import expected_alert_rate

    expected = expected_alert_rate(fitted, scores).rate
    flagged = int((scores > fitted.value_).sum())
    return {"spec": label, "rule": fitted.describe(), "value": fitted.value_, "current": current,
            "flagged": flagged, "share": flagged / scores.size, "expected": expected,
            "per_10k": 1e4 * expected, "per_day": None if rate is None else rate * expected,
            "stream": None if stream is None else stream.value_,
            "ties": int((scores == fitted.value_).sum())}


def _what_if(pipe: Pipeline, parsed: list[tuple[str, Threshold]], rate: float | None,
             ) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows of the what-if table (the model's own rule first when no rule was given) and
    the notes on rules that could not be fitted."""
    det = pipe.detector_
    scores, on = det.val_scores_, det.val_scores_source()
    causal = getattr(det, "stream_val_scores_", None)
    causal_on = on
    if causal is not None:  # what the stream threshold's own fit calls them (its warnings name them)
        from hourglass.detectors.windowed import CAUSAL_HELD_OUT, CAUSAL_TRAINING
        from hourglass.thresholds import HELD_OUT

        causal_on = CAUSAL_HELD_OUT if on == HELD_OUT else CAUSAL_TRAINING
    current = det.threshold_
    explicit = bool(parsed)
    if not explicit:
        specs = list(DEFAULT_SPECS)
        if rate is not None and rate >= 10 * DEFAULT_BUDGET:
            specs.append(f"budget:{DEFAULT_BUDGET}/day")
        parsed = [(s, _parse(s, pipe, rate, Path("MODEL"))) for s in specs]
    rows = [] if explicit else [_row("(current)", current, scores, pipe.stream_threshold_, True, rate)]
    notes: list[str] = []
    for spec, rule in parsed:
        same = type(rule) is type(current) and rule.get_params() == current.get_params()
        if same and not explicit:
            continue  # the model's own rule is the first row
        if explicit:
            fitted = _fit_or_refuse(spec, rule, pipe)
        else:
            try:
                fitted = _fit(rule, scores, on, pipe)
            except InputError as exc:
                notes.append(f"{spec}: not shown: {pipe.detector_._held_out_said(exc)}")
                continue
        stream = None
        if causal is not None:
            try:
                stream = _fit(rule, causal, causal_on, pipe)
            except InputError as exc:  # what -o would then say: the stream keeps no threshold of its own
                said = det.causal_scores_said(exc)  # (in held-out steps, as training says it)
                notes.append(f"{spec}: no stream cut-off (n/a): the rule could not be fitted on the "
                             f"causal scores ({said}); with -o, 'hourglass stream' would apply the "
                             "cut-off fitted on averaged scores")
        rows.append(_row(spec, fitted, scores, stream, same, rate))
    return rows, notes


def _pct(x: float) -> str:
    """A rate as a percentage with 3 significant digits.

    Examples
    --------
    >>> _pct(0.01), _pct(0.000123), _pct(0.0)
    ('1%', '0.0123%', '0%')
    """
    return f"{100 * x:.3g}%"


def _scored(det: BaseDetector, n: int, unit: str, held: bool) -> tuple[str, str]:
    """What the model's ``n`` kept scores (held-out ones, or with ``held`` false its training
    scores) are of, and how its steps gave them: ``(unit, "")``, or ``("scores", how)`` where
    its steps give fewer scores (a forecaster's first ``window`` steps of a series have no
    forecast of their own), said as the refusal of too few of them says it; ``train`` said the
    steps.

    Examples
    --------
    >>> from hourglass.detectors import AutoEncoder
    >>> _scored(AutoEncoder(), 30, "rows", True)
    ('rows', '')
    """
    how = det._scores_said(n, held)  # (the model card's words too)
    return ("scores", how) if how else (unit, "")


def _print_table(pipe: Pipeline, model: Path, rows: list[dict[str, Any]], notes: list[str],
                 rate: float | None) -> None:
    from hourglass.cli._common import model_kind
    from hourglass.cli._output import rich_table
    from hourglass.thresholds import HELD_OUT

    det = pipe.detector_
    n, unit = int(det.val_scores_.size), _UNIT[model_kind(pipe)]
    series = getattr(det, "stream_val_scores_", None) is not None
    held = det.val_scores_source() == HELD_OUT
    noun, how = _scored(det, n, unit, held)
    # the scores the rules are tried on: training scores when nothing was held out
    headers = ["", "spec", "rule", "cut-off", f"flagged ({'held-out' if held else 'training'})",
               "expected rate", f"alerts /10k {unit}"]
    if rate is not None:
        headers.append("alerts /day")
    if series:
        headers.append("stream cut-off")
    cells = []
    for r in rows:
        row = ["*" if r["current"] else "", r["spec"], r["rule"], f"{r['value']:.6g}",
               f"{_pct(r['share'])} ({r['flagged']:,})", _pct(r["expected"]), f"{r['per_10k']:,.3g}"]
        if rate is not None:
            row.append(f"{r['per_day']:,.4g}")
        if series:
            row.append("n/a" if r["stream"] is None else f"{r['stream']:.6g}")
        cells.append(row)
    table = rich_table(f"thresholds for {model} ({pipe.model_name})", headers, cells)
    table_console().print(table)
    marked = any(r["current"] for r in rows)
    current = det.threshold_
    foot = [("* the model's current rule. " if marked else
             f"The model's current rule: {current.describe()} = {current.value_:.6g}. ")
            + "Figures from "
            + (f"{counted_plural(n, f'held-out normal {noun}')} (never trained on"
               f"{f'; {how}' if how else ''})" if held else
               f"{counted_plural(n, f'training {noun}')} (no held-out rows: fresh normal {unit} "
               f"exceed these cut-offs more often{f'; {how}' if how else ''})")
            + " kept in the model; no labels used. flagged: the share of them above the cut-off; "
            "expected rate: the false-alarm rate the rule promises on fresh normal traffic (measured "
            "on those scores for a fixed cut-off)."]
    if rate is not None:
        foot.append(f"alerts /day at {rate:,.6g} {unit} per day (false alarms only; attacks come on "
                    "top).")
    if series:
        from hourglass.detectors.windowed import CAUSAL_HELD_OUT, CAUSAL_TRAINING, stream_fitted_on

        causal = "held-out" if held else "training (no held-out rows)"
        own = pipe.stream_threshold_  # the current row's: fitted otherwise, or none (n/a)?
        mine = ""
        if marked and own is None:
            mine = (f"; the current rule has none (n/a: {det.stream_threshold_missing()}): "
                    "'hourglass stream' applies its cut-off")
        elif marked and own is not None and getattr(own, "fitted_on_", None) not in (
                CAUSAL_HELD_OUT, CAUSAL_TRAINING):
            mine = f"; the current rule's is its threshold, fitted on {stream_fitted_on(own)}"
        on = counted_plural(int(det.stream_val_scores_.size), f"causal {causal} scores")
        foot.append(f"stream cut-off: the same rule on {on} (the window ending at each step), "
                    f"what 'hourglass stream' applies{mine}.")
    # the top-g rule is Fixed(top_g); a cut-off of another value (fixed:2.5) is the user's own
    if (hasattr(det, "top_g") and type(det.threshold_).__name__ == "Fixed"
            and float(det.threshold_.value_) == float(det.top_g)):
        foot.append(f"the current rule is DeepLog's top-g rank (g = {det.top_g}: an event is flagged "
                    "when its key is not among the g likeliest); the other rules cut its session "
                    "scores (rank - p) at a level fitted on held-out normal sessions instead.")
    tied = [r for r in rows if _tied(r["ties"], r["share"], r["expected"])]
    if tied:
        foot.append(_tied_note(", ".join(r["spec"] for r in tied), max(r["ties"] for r in tied),
                               several=len(tied) > 1))
    foot.extend(notes)
    foot.append(f"apply one: hourglass threshold {model} --threshold SPEC -o NEW")
    for line in foot:
        out.print(line, highlight=False)


def _tied(ties: int, share: float, expected: float) -> bool:
    """Whether a cut-off that ``ties`` kept scores equal flags too few of them (``share``, under
    half the ``expected`` rate) because of those ties."""
    return ties > 1 and share < expected / 2


def _tied_note(what: str, ties: int, several: bool = False) -> str:
    """The note on the rule(s) ``what`` whose cut-off ``ties`` kept scores equal (``several``
    rules: at most that many; the what-if table's foot, and ``-o``'s report of the rule it
    applied)."""
    return (f"{what}: {'up to ' if several else ''}{ties:,} held-out scores equal the cut-off (tied "
            "scores, e.g. identical "
            "normal sessions), so fewer of them are flagged than the expected rate; the rate a rule "
            "promises does not hold for tied scores.")


def _report_apply(old: Pipeline, new: Pipeline, output: Path, rate: float | None) -> None:
    """What ``-o`` changed: the rule and value before and after, the share of the held-out
    normal scores each flags, and the stream threshold of a time-series model."""
    from hourglass.cli._common import model_kind
    from hourglass.thresholds import HELD_OUT, expected_alert_rate

    scores = old.detector_.val_scores_
    unit = _UNIT[model_kind(old)]
    # a model trained with nothing held out keeps its training scores (as the what-if table says)
    held = old.detector_.val_scores_source() == HELD_OUT
    noun, how = _scored(old.detector_, int(scores.size), unit, held)
    n = int(scores.size)
    kept = (counted_plural(n, f"held-out normal {noun}") if held
            else f"{counted_plural(n, f'training {noun}')}, none held out") + (f"; {how}" if how else "")

    def text(t: Threshold) -> str:
        flagged = float((scores > t.value_).mean())
        expected = expected_alert_rate(t, scores).rate
        per_day = "" if rate is None else f", {rate * expected:,.4g} alerts/day expected"
        return f"{t.describe()} = {t.value_:.6g} (flags {_pct(flagged)} of {kept}{per_day})"

    err.print(f"threshold: {text(old.threshold_)}\n        -> {text(new.threshold_)}", highlight=False)
    cut = new.threshold_.value_  # (the what-if table says it of its rows: -o said nothing)
    ties = int((scores == cut).sum())
    if _tied(ties, float((scores > cut).mean()), expected_alert_rate(new.threshold_, scores).rate):
        err.print(_tied_note("the new rule", ties), highlight=False)
    if getattr(old.detector_, "stream_val_scores_", None) is not None:
        before, after = old.stream_threshold_, new.stream_threshold_
        missing = new.detector_.stream_threshold_missing()
        err.print("stream threshold: "
                  + ("none" if before is None else f"{before.describe()} = {before.value_:.6g}")
                  + "\n        -> "
                  + (f"none ({missing}); 'hourglass stream' applies the threshold above"
                     if after is None else f"{after.describe()} = {after.value_:.6g}"), highlight=False)
    parent = (getattr(old, "artefact_", None) or {}).get("content_hash")
    out.print(f"model saved to {output}"
              + (f" (re-thresholded from content hash {str(parent)[:12]})" if parent else ""),
              highlight=False)
