"""Serving a saved model: the REST scoring service (``hourglass serve``).

``create_app`` builds the FastAPI app of one model, ``create_models_app`` that of several (the
``serve`` extra: ``pip install 'hourglass[serve]'``);
FastAPI is imported only when it is asked for, so ``import hourglass.serve`` stays light.
The scorers need no web framework: :class:`TableScorer` (JSON rows → scores),
:class:`SeriesScorer` (the rows of one time series → a score per row), :class:`LogScorer` (raw
log lines or key sequences → a score per session), :class:`EntityScorer` (table rows → a score
per entity per time bucket); :func:`load_scorer` picks the one a saved model needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hourglass.serve.entity_scoring import EntityScorer
from hourglass.serve.log_scoring import LogScorer
from hourglass.serve.scoring import TableScorer, load_scorer
from hourglass.serve.security import check_api_key, key_matches, read_api_key
from hourglass.serve.series_scoring import SeriesScorer

if TYPE_CHECKING:
    from hourglass.serve.app import create_app
    from hourglass.serve.multi import create_models_app

__all__ = ["EntityScorer", "LogScorer", "SeriesScorer", "TableScorer", "check_api_key", "create_app",
           "create_models_app", "key_matches", "load_scorer", "read_api_key"]


# for the run time only: a type checker that saw a module __getattr__ would take any name
# (``from hourglass.serve import create_ap``) as Any; it reads the TYPE_CHECKING imports instead
if not TYPE_CHECKING:
    def __getattr__(name: str) -> Any:
        if name == "create_app":
            from hourglass.serve.app import create_app

            return create_app
        if name == "create_models_app":
            from hourglass.serve.multi import create_models_app

            return create_models_app
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
