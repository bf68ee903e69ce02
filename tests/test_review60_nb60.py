"""Review round 60 (nb60): the public Python API as a notebook uses it, with scikit-learn."""

from __future__ import annotations

import pandas as pd
import pytest


def _preprocessors() -> list:
    from hourglass.features import EntityWindows, EventSessions, TabularPreprocessor
    from hourglass.features.timeseries import TimeSeriesPreprocessor
    from hourglass.ingest.logs import LogParser

    return [TabularPreprocessor(), EventSessions(format="hdfs"), EntityWindows("ip", "ts"),
            TimeSeriesPreprocessor("ts"), LogParser()]


def test_preprocessors_take_set_params_and_answer_check_is_fitted() -> None:
    # What was wrong: the preprocessors and the log parser had scikit-learn's get_params and
    # clone but no set_params ("'TabularPreprocessor' object has no attribute 'set_params'",
    # from make_pipeline(...).set_params(tabularpreprocessor__scaler=...) and GridSearchCV too),
    # and no scikit-learn tags, so check_is_fitted, fitted or not, raised an AttributeError
    # about '__sklearn_tags__' instead of answering
    from sklearn.exceptions import NotFittedError
    from sklearn.pipeline import make_pipeline
    from sklearn.utils.validation import check_is_fitted

    from hourglass.detectors import AutoEncoder
    from hourglass.errors import InputError
    from hourglass.features import TabularPreprocessor

    for pre in _preprocessors():
        params = pre.get_params()
        assert pre.set_params(**params) is pre and pre.get_params() == params
        with pytest.raises(NotFittedError):
            check_is_fitted(pre)
    pipe = make_pipeline(TabularPreprocessor(), AutoEncoder(epochs=1, verbose=0))
    pipe.set_params(tabularpreprocessor__scaler="robust", autoencoder__epochs=2)
    assert pipe.get_params()["tabularpreprocessor__scaler"] == "robust"
    with pytest.raises(InputError, match="TabularPreprocessor has no parameter 'scalr'; it takes "
                                         "categorical, log1p, scaler"):
        TabularPreprocessor().set_params(scalr="robust")
    df = pd.DataFrame({"proto": ["tcp", "udp", "tcp", "tcp"], "bytes": [1.0, 5.0, 2.0, 3.0]})
    pre = TabularPreprocessor().fit(df)
    check_is_fitted(pre)
    assert pre.set_params(scaler="standard").fit(df).transform(df).shape == (4, 4)
