"""Registry of preprocessing classes that an artefact may name (name → class).

Artefacts name their preprocessing by class name; only the classes listed here can be rebuilt,
so loading never imports arbitrary code. A preprocessing class provides ``fit(data)``,
``transform(data)``, ``to_dict()``, ``from_dict(d)``, ``extra_columns(data)``, the fitted
``columns_`` and ``feature_names_``, and a class attribute ``output`` naming the detector input
kind it produces (``"tabular"``, ``"timeseries"``, ``"events"``).
"""

from __future__ import annotations

import importlib
from typing import Any

from hourglass.errors import InputError

__all__ = ["features_class", "features_from_dict"]

_ENTRIES: dict[str, str] = {
    "TabularPreprocessor": "hourglass.features.tabular:TabularPreprocessor",
    "TimeSeriesPreprocessor": "hourglass.features.timeseries:TimeSeriesPreprocessor",
    "EventSessions": "hourglass.features.sessions:EventSessions",
    "EntityWindows": "hourglass.features.entity:EntityWindows",
}


def features_class(name: str) -> type:
    """The preprocessing class registered as ``name``.

    Examples
    --------
    >>> features_class("TabularPreprocessor").__name__
    'TabularPreprocessor'
    """
    if name not in _ENTRIES:
        raise InputError(f"unknown preprocessing class {name!r}; known: {', '.join(_ENTRIES)}")
    module, _, cls = _ENTRIES[name].partition(":")
    return getattr(importlib.import_module(module), cls)


def features_from_dict(d: dict[str, Any]) -> Any:
    """Rebuild fitted preprocessing from its ``to_dict()`` output.

    Examples
    --------
    >>> import pandas as pd
    >>> from hourglass.features import TabularPreprocessor
    >>> pre = TabularPreprocessor().fit(pd.DataFrame({"a": [1.0, 2.0, 3.0]}))
    >>> type(features_from_dict(pre.to_dict())).__name__
    'TabularPreprocessor'
    >>> features_from_dict({"class": "Nope"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hourglass.errors.InputError: unknown preprocessing class 'Nope'; known: TabularPreprocessor, ...
    """
    if not isinstance(d, dict):
        raise InputError(f"preprocessing state is malformed (expected a mapping, got {type(d).__name__})")
    return features_class(str(d.get("class")))(**{}).from_dict(d)
