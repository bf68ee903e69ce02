"""The error a preprocessor (:class:`~hourglass.features.TabularPreprocessor`,
``TimeSeriesPreprocessor``, ``EntityWindows``, ``EventSessions``) raises when used before
``fit``: the project's :class:`~hourglass.errors.NotFittedError` that is scikit-learn's
``NotFittedError`` too, as a detector's and a ``Pipeline``'s are, so that ``except
sklearn.exceptions.NotFittedError`` around a scikit-learn pipeline's step catches it.
scikit-learn is imported when one is raised, not with the features (seconds for every CLI
start)."""

from __future__ import annotations

import functools

from hourglass.errors import NotFittedError

__all__ = ["not_fitted"]


def not_fitted(message: str) -> NotFittedError:
    """The error to raise for a preprocessor used before ``fit``, saying ``message``.

    Examples
    --------
    >>> from sklearn.exceptions import NotFittedError as SkNotFitted
    >>> exc = not_fitted("TabularPreprocessor is not fitted; call fit(df) first")
    >>> isinstance(exc, NotFittedError), isinstance(exc, SkNotFitted), type(exc).__name__
    (True, True, 'PreprocessorNotFittedError')
    """
    return _error_class()(message)


@functools.cache
def _error_class() -> type[NotFittedError]:
    """The class of :func:`not_fitted`'s errors (one class, made once)."""
    from sklearn.exceptions import NotFittedError as SklearnNotFittedError

    class PreprocessorNotFittedError(NotFittedError, SklearnNotFittedError):
        """A preprocessor used before ``fit``: hourglass's and scikit-learn's
        ``NotFittedError``."""

    PreprocessorNotFittedError.__module__ = __name__
    return PreprocessorNotFittedError
