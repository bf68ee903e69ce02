"""Serving a saved model: the REST scoring service (``hourglass serve``).

``create_app`` builds the FastAPI app (the ``serve`` extra: ``pip install 'hourglass[serve]'``);
FastAPI is imported only when it is asked for, so ``import hourglass.serve`` stays light.
:class:`TableScorer` (JSON rows → scores) and the key helpers need no web framework.
"""

from __future__ import annotations

from typing import Any

from hourglass.serve.scoring import TableScorer
from hourglass.serve.security import check_api_key, key_matches, read_api_key

__all__ = ["TableScorer", "check_api_key", "create_app", "key_matches", "read_api_key"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from hourglass.serve.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
