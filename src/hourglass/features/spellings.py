"""Values that Windows event exports write in more than one way (a ``Keywords`` mask in hex or
as a signed decimal, a GUID or a classic log's channel in either letter case), read as the
spelling a model learnt.

Preprocessing knowledge (it matches a fitted model's categories), so it lives here, not with
the readers in :mod:`hourglass.ingest.evtx`, which must not import the features layer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hourglass.features.roles import factorize_strings

__all__ = ["one_form", "windows_forms"]

_GUID = re.compile(r"\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?")
# The classic event logs, as Windows names them; a channel's name is read without regard to case
# (wevtutil, an event subscription), and a collector's subscription may write it in another
# case: OTRF's empire_uac_shellapi_fodhelper has 'security' from one host, 'Security' from others.
_CHANNELS = {name.casefold(): name for name in ("Application", "Security", "System", "Setup",
                                                "ForwardedEvents")}


def _same_value(column: str) -> Any:
    """How the exports of column ``column`` write one value in several ways, as a function from
    a value's text to its one spelling, equal for all its spellings (``None``: not such a
    value); ``None`` for other columns. ``Keywords`` is a 64-bit mask: hex text
    (``0x8020000000000000``, the ``.evtx`` reader and newer exports) or a signed decimal
    (``-9214364837600034816``, NXLog-era exports), spelt as 16 lower-case hex digits after
    ``0x``; a GUID (``ProviderGuid``) is written in either letter case, with or without braces,
    spelt in lower case within braces; a classic log's ``Channel`` (``Security``, ``System``,
    ``Application``, ``Setup``, ``ForwardedEvents``) in any letter case is spelt as Windows
    names it."""
    if column == "Channel":
        return lambda text: _CHANNELS.get(text.casefold())
    if column == "Keywords":
        def mask(text: str) -> str | None:
            try:
                n = int(text, 16) if text[:2].lower() == "0x" else int(text)
            except ValueError:
                return None
            return f"0x{n % (1 << 64):016x}" if -(1 << 63) <= n < (1 << 64) else None
        return mask
    if column.lower().endswith("guid"):
        def guid(text: str) -> str | None:
            m = _GUID.fullmatch(text.lower())
            return "{" + m.group(1) + "}" if m else None
        return guid
    return None


def windows_forms(df: pd.DataFrame, categories: Mapping[str, Sequence[str]]) -> dict[str, pd.Series]:
    """Per column of ``df`` whose values Windows exports write in more than one way
    (``Keywords``, ``*Guid``, ``Channel``: see :func:`_same_value`), the column with each value the model
    never saw but saw written another way replaced by the spelling it learnt (its text in
    ``categories``, a model's categories per column); columns with no such value are left out.

    Examples
    --------
    >>> df = pd.DataFrame({"Keywords": [-9214364837600034816, 0],
    ...                    "ProviderGuid": ["{5770385F-C22A-43E0-BF4C-06F5698FFBD9}", "x"]})
    >>> seen = {"Keywords": ["0x8020000000000000"],
    ...         "ProviderGuid": ["{5770385f-c22a-43e0-bf4c-06f5698ffbd9}"]}
    >>> {c: s.tolist() for c, s in windows_forms(df, seen).items()}
    {'Keywords': ['0x8020000000000000', 0], 'ProviderGuid': ['{5770385f-c22a-43e0-bf4c-06f5698ffbd9}', 'x']}
    """
    out: dict[str, pd.Series] = {}
    for c, cats in categories.items():
        key = _same_value(str(c))
        if key is None or c not in df.columns or not cats:
            continue
        learnt: dict[Any, str] = {}
        for v in cats:
            k = key(v)
            if k is not None:
                learnt.setdefault(k, v)
        if not learnt:
            continue
        codes, uniques = factorize_strings(df[c])
        seen = set(cats)
        spelt = {i: w for i, u in enumerate(uniques)
                 if u not in seen and (w := learnt.get(key(u))) is not None}
        if spelt:
            out[c] = _respelt(df[c], codes, spelt)
    return out


def _respelt(s: pd.Series, codes: np.ndarray, spelt: dict[int, str]) -> pd.Series:
    """``s`` with each row whose code (``codes``: ``s`` factorized) is a key of ``spelt``
    written as its value there."""
    lut = np.empty(len(codes) and int(codes.max()) + 1, dtype=object)
    for i, v in spelt.items():
        lut[i] = v
    rows = np.isin(codes, list(spelt))
    new = s.to_numpy(dtype=object, copy=True)
    new[rows] = lut[codes[rows]]
    return pd.Series(new, index=s.index, name=s.name)


def mixed_forms(df: pd.DataFrame, forms: Mapping[str, pd.Series]) -> list[str]:
    """Of the columns :func:`one_form` respelt (``forms``), those in which ``df`` writes one value
    in more than one way (fewer distinct values once respelt): a column written one way
    throughout (``0x0`` in every row) is only respelt, none of them.

    Examples
    --------
    >>> df = pd.DataFrame({"Keywords": ["0x0", "0x0"], "ProviderGuid": ["{A-1}", "{a-1}"]})
    >>> mixed_forms(df, {"Keywords": pd.Series(["0x0000000000000000"] * 2),
    ...                  "ProviderGuid": pd.Series(["{a-1}", "{a-1}"])})
    ['ProviderGuid']
    """
    return [str(c) for c, s in forms.items()
            if len(factorize_strings(s)[1]) < len(factorize_strings(df[c])[1])]


def one_form(df: pd.DataFrame, roles: Mapping[str, str] | None = None,
             learnt: Mapping[str, Sequence[str]] | None = None) -> dict[str, pd.Series]:
    """Per column of ``df`` whose values Windows exports write in more than one way
    (``Keywords``, ``*Guid``, ``Channel``: see :func:`_same_value`), the column with each such value
    in its one spelling (a ``Keywords`` mask as ``0x`` and 16 hex digits, a GUID in lower case
    within braces, a classic log's channel as Windows names it: ``Security``), as
    :func:`windows_forms` respells it for a model that learnt those spellings; columns already so
    spelt are left out, and so are those ``roles`` (column → role) reads as other than
    categories (``categorical``, ``hash``: a ``Keywords`` read as a number stays one). A model
    trained on it learns one category per value, however the exports of its training file wrote it.
    A value of ``learnt`` (a model's categories per column) is left as written: a model saved
    before a column's values were so spelt (a ``Channel`` of ``security``) learnt it as its
    training file wrote it, and its one spelling would be a value the model never saw.

    Examples
    --------
    >>> df = pd.DataFrame({"Keywords": [-9214364837600034816, "0x8020000000000000", 0],
    ...                    "ProviderGuid": ["5770385F-C22A-43E0-BF4C-06F5698FFBD9", "x", "x"]})
    >>> forms = one_form(df)
    >>> forms["Keywords"].tolist()
    ['0x8020000000000000', '0x8020000000000000', '0x0000000000000000']
    >>> forms["ProviderGuid"].tolist()
    ['{5770385f-c22a-43e0-bf4c-06f5698ffbd9}', 'x', 'x']
    >>> channels = pd.DataFrame({"Channel": ["security", "SYSTEM"]})
    >>> one_form(channels, learnt={"Channel": ["security"]})["Channel"].tolist()
    ['security', 'System']
    """
    out: dict[str, pd.Series] = {}
    for c in df.columns:
        key = _same_value(str(c))
        if key is None or (roles or {}).get(c, "categorical") not in ("categorical", "hash"):
            continue
        codes, uniques = factorize_strings(df[c])
        kept = set((learnt or {}).get(c, ()))
        # (a spelling is its own spelling: a value already so written is left as it is, and so
        # is one the model learnt as written)
        spelt = {i: k for i, u in enumerate(uniques)
                 if (k := key(u)) is not None and k != u and u not in kept}
        if spelt:
            out[c] = _respelt(df[c], codes, spelt)
    return out
