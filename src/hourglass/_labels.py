"""Names of columns that usually hold a row's verdict, and of the normal classes, importable
without pandas or torch."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["LABEL_COLUMN_WARNING", "LABEL_NAMES", "label_like", "looks_like_label", "normal_names"]

#: Column names that usually hold a row's verdict: trained on as a feature they teach the model
#: the labels (attack rows included). ``y`` is the label of the ODDS/ADBench sets,
#: ``changepoint`` SKAB's second label column (beside ``anomaly``).
LABEL_NAMES = frozenset({"label", "labels", "class", "attack", "attack_cat", "attack_type",
                         "is_attack", "is_anomaly", "anomaly", "malicious", "y", "changepoint",
                         "outlier", "is_outlier"})

#: ``Pipeline.fit``'s warning of a column named like a label that it trains on without labels,
#: as a ``warnings`` filter's message pattern (the CLI, which says it with its own options,
#: ``--label-col`` and ``--drop``, filters it out by it)
LABEL_COLUMN_WARNING = r"Pipeline\.fit: columns? .* (looks like a label|look like labels), and without y"


def looks_like_label(name: object) -> bool:
    """Whether the column ``name`` is named like a label (whatever columns stand beside it; see
    :func:`label_like` for ``y`` beside an ``x``).

    Examples
    --------
    >>> looks_like_label(" Label"), looks_like_label("bytes")
    (True, False)
    """
    return str(name).strip().lower() in LABEL_NAMES


def label_like(columns: Iterable[object], label_col: str | None = None) -> list[str]:
    """The columns of ``columns`` named like a label (``label``, ``attack_cat``, ``y``...), other
    than ``label_col`` itself; ``y`` beside an ``x`` or ``z`` is an axis (an accelerometer's, a
    position's), not a label.

    Examples
    --------
    >>> label_like(["bytes", "label", "attack_cat"], "label")
    ['attack_cat']
    >>> label_like(["bytes", "Label ", "y"])
    ['Label ', 'y']
    >>> label_like(["x", "y", "z"])
    []
    """
    columns = list(columns)
    names = {str(c).strip().lower() for c in columns}
    axes = bool(names & {"x", "z"})
    return [str(c) for c in columns if looks_like_label(c) and str(c) != label_col
            and not (axes and str(c).strip().lower() == "y")]


def normal_names(normal: object) -> tuple[str, ...]:
    """The normal class names ``normal`` as a tuple of text: one name given alone (a ``str``,
    or a number such as ``0``) is that name, not its letters (``normal="normal"`` made every
    class whose name is part of it, ``"mal"``, normal, and ``tuple("normal")`` the letters).

    Examples
    --------
    >>> normal_names("normal"), normal_names(["benign", "normal"]), normal_names(0)
    (('normal',), ('benign', 'normal'), ('0',))
    """
    if isinstance(normal, str) or not isinstance(normal, Iterable):
        return (str(normal),)
    return tuple(str(n) for n in normal)
