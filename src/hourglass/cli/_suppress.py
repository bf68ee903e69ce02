"""``--suppress FILE`` of ``score``, ``stream`` and ``serve``: the rules read once at start,
applied to each scored chunk or batch, counted per rule for the summary."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hourglass.errors import HourglassError, InputError

if TYPE_CHECKING:
    from hourglass.serve.suppress import Suppressions

__all__ = ["Silencer", "SuppressOpt", "bind_rules", "read_rules"]

SuppressOpt = Annotated[Path | None, typer.Option(
    "--suppress", help="TOML file of alert suppression rules (table and entity-bucket models): a "
                       "flagged row (or entity bucket) a rule matches keeps its score, its flag "
                       "becomes 0 and 'suppressed' names the rule (README: Suppressing known "
                       "benign alerts).")]

_SHOWN_RULES = 10


def read_rules(path: Path | None) -> Suppressions | None:
    """The rules of ``--suppress`` (``None`` without it): a missing file, bad TOML, a bad rule
    are one line naming the option."""
    if path is None:
        return None
    from hourglass.serve.suppress import load_suppressions

    try:
        return load_suppressions(path)
    except InputError as exc:
        raise HourglassError(f"--suppress {exc}") from None


def bind_rules(rules: Suppressions | None, pipe: Any, kind: str) -> Suppressions | None:
    """``rules`` reading the model's time column (for ``between``), or for an entity-bucket
    model its buckets (``match`` on the entity column, ``between`` on the bucket start); refused
    for a model that reads no table rows, with ``between`` and no time column, and for an entity
    model with a rule on another column than its entity."""
    if rules is None:
        return None
    if kind not in ("table", "entity"):
        raise HourglassError(f"--suppress: for table and entity-bucket models; not supported for "
                             f"{kind} models ({pipe.model_name})")
    info = pipe.info
    try:
        if kind == "entity":
            return rules.for_buckets(str(pipe.features_.entity_col), f"the model ({pipe.model_name})",
                                     getattr(pipe.features_, "entity_case", "exact"))
        return rules.for_times(info.get("time_col"), info.get("time_dayfirst"),
                               f"the model ({pipe.model_name})")
    except InputError as exc:
        raise HourglassError(f"--suppress {exc}") from None


class Silencer:
    """The rules applied to ``score``'s chunks, and the alerts each silenced (for an entity
    model, :meth:`count` alone: its buckets are silenced as they are scored).

    A rule's column is looked for in the data: at the first chunk, or (``lenient``: JSON lines,
    whose chunks may lack a field later rows have) among all chunks' columns at :meth:`check`.

    Examples
    --------
    >>> import pandas as pd
    >>> from hourglass.serve.suppress import Suppressions
    >>> rules = Suppressions.parse('[[rule]]\\nname = "backup"\\nmatch = { ip = "10.0.0.5" }\\n', "r.toml")
    >>> s = Silencer(rules, "flows.csv")
    >>> result = pd.DataFrame({"score": [9.0, 8.0], "flag": [1, 1]})
    >>> s.frame(pd.DataFrame({"ip": ["10.0.0.5", "10.0.0.6"]}), result)
    >>> result["flag"].tolist(), result["suppressed"].tolist(), s.text()
    ([0, 1], ['backup', ''], '1 suppressed (backup: 1)')
    """

    def __init__(self, rules: Suppressions, data: object, *, lenient: bool = False) -> None:
        self.rules, self.data, self.lenient = rules, data, lenient
        self.counts: dict[str, int] = dict.fromkeys(rules.names_in_force, 0)
        self.columns: dict[str, None] | None = None

    def frame(self, df: Any, result: Any) -> None:
        """Set ``result``'s ``flag`` to 0 where a rule matches a flagged row of ``df`` (the
        chunk as read) and add its ``suppressed`` column."""
        first = self.columns is None
        self.columns = {**(self.columns or {}), **dict.fromkeys(map(str, df.columns))}
        if first and not self.lenient:
            self.check()
        flags, names = self.rules.apply(df, result["flag"].to_numpy())
        result["flag"] = flags
        result["suppressed"] = names
        self.count(names[names != ""])

    def count(self, names: Any) -> None:
        """Count the rule names of silenced rows (``""`` ones skipped)."""
        for name in names:
            if name:
                self.counts[name] = self.counts.get(name, 0) + 1

    def check(self) -> None:
        """Raise if a rule matches a column the data does not have."""
        try:
            self.rules.check_columns(self.columns or {}, str(self.data))
        except InputError as exc:
            raise HourglassError(f"--suppress {exc}") from None

    @property
    def total(self) -> int:
        """Alerts silenced."""
        return sum(self.counts.values())

    def text(self) -> str:
        """``N suppressed (rule: n, ...)`` for the summary line, every rule in force named (of
        more than ten, the ten that silenced the most, in file order, and how many more), as
        written (the consoles print no markup; a control character, which TOML's escapes can put
        in a name, as ``\\xNN``, as values from the data are shown)."""
        from hourglass.cli._output import on_screen

        shown = list(self.counts.items())
        if len(shown) > _SHOWN_RULES:  # the rules that silenced the most, in file order (not
            # the first ones of the file, which may have silenced nothing)
            top = set(sorted(range(len(shown)), key=lambda i: -shown[i][1])[:_SHOWN_RULES])
            shown = [item for i, item in enumerate(shown) if i in top]
        more = f", {len(self.counts) - _SHOWN_RULES} more rule(s)" if len(self.counts) > _SHOWN_RULES else ""
        rules = ", ".join(f"{on_screen(name)}: {n:,}" for name, n in shown) + more
        return f"{self.total:,} suppressed" + (f" ({rules})" if rules else "")
