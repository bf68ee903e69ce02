"""Names of columns that usually hold a row's verdict, importable without pandas or torch."""

from __future__ import annotations

__all__ = ["LABEL_NAMES", "looks_like_label"]

#: Column names that usually hold a row's verdict: trained on as a feature they teach the model
#: the labels (attack rows included).
LABEL_NAMES = frozenset({"label", "labels", "class", "attack", "attack_cat", "attack_type",
                         "is_attack", "is_anomaly", "anomaly", "malicious"})


def looks_like_label(name: object) -> bool:
    """Whether the column ``name`` is named like a label.

    Examples
    --------
    >>> looks_like_label(" Label"), looks_like_label("bytes")
    (True, False)
    """
    return str(name).strip().lower() in LABEL_NAMES
