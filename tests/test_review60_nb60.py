"""Review round 60 (nb60): the public Python API as a notebook uses it, with scikit-learn."""

from __future__ import annotations

import numpy as np
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


def test_tabular_preprocessor_is_a_step_of_a_scikit_learn_pipeline() -> None:
    # What was wrong: a scikit-learn pipeline calls each step's fit_transform(X, y), and
    # TabularPreprocessor's took no y: make_pipeline(TabularPreprocessor(), AutoEncoder()).fit(df)
    # raised "fit_transform() takes 2 positional arguments but 3 were given", so a mixed-type
    # DataFrame could not be glued to a detector in scikit-learn (cross_val_score, GridSearchCV)
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline

    from hourglass.detectors import AutoEncoder
    from hourglass.features import TabularPreprocessor

    rng = np.random.default_rng(0)
    n = 80
    df = pd.DataFrame({"proto": rng.choice(["tcp", "udp"], n), "bytes": rng.exponential(100, n)})
    y = np.zeros(n, dtype=int)
    y[::10] = 1
    df.loc[y == 1, "proto"] = "icmp"
    df.loc[y == 1, "bytes"] = 1e5

    def pipe():
        return make_pipeline(TabularPreprocessor(), AutoEncoder(hidden=(4, 2), epochs=2, verbose=0))

    fitted = pipe().fit(df)
    own = AutoEncoder(hidden=(4, 2), epochs=2, verbose=0).fit(TabularPreprocessor().fit_transform(df))
    np.testing.assert_array_equal(fitted.decision_function(df),
                                  own.score(TabularPreprocessor().fit(df).transform(df)))
    auc = cross_val_score(pipe(), df, y, scoring="roc_auc", cv=StratifiedKFold(2))
    assert np.isfinite(auc).all()


def test_date_order_read_the_other_way_in_a_later_data_set_is_said_again(monkeypatch, caplog) -> None:
    # What was wrong: an ambiguous date order ('01/02/2024': no day above 12) was said once per
    # column name and process, so in a notebook a second data set whose 'ts' column read the
    # other way (day first by its span, after a first read month first) was read so without a
    # word, the only warning on screen saying the column reads month first
    import logging

    from hourglass import _times
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    monkeypatch.setattr(_times, "_WARNED", set())  # as in a fresh process
    n = 48

    def frame(start: str, form: str) -> pd.DataFrame:
        ts = pd.date_range(start, periods=n, freq="h").strftime(form)
        return pd.DataFrame({"ts": ts, "cpu": np.sin(np.arange(n) / 3.0)})

    orders = []
    with caplog.at_level(logging.WARNING, logger="hourglass._times"):
        for start, form in [("2024-01-02", "%m/%d/%Y %H:%M"), ("2024-01-02", "%m/%d/%Y %H:%M"),
                            ("2024-02-01", "%d/%m/%Y %H:%M")]:
            orders.append(TimeSeriesPreprocessor("ts").fit(frame(start, form)).dayfirst_)
    said = [r.getMessage() for r in caplog.records if "no day above 12" in r.getMessage()]
    assert orders == [False, False, True]
    assert len(said) == 2, said  # the same reading twice is said once
    assert "read month first" in said[0] and "read day first" in said[1]


def test_pipeline_get_params_set_params_clone_and_check_is_fitted() -> None:
    # What was wrong: Pipeline had no get_params/set_params, so sklearn.base.clone(pipe) raised
    # "Cannot clone object ... does not implement a 'get_params' method", nested settings
    # (detector__epochs, features__scaler, threshold__q) could not be set or listed, and
    # check_is_fitted(pipe) raised an AttributeError about '__sklearn_tags__'
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    from hourglass import AutoEncoder, Pipeline, thresholds
    from hourglass.errors import InputError
    from hourglass.features import TabularPreprocessor

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(60, 3)), columns=list("abc"))
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0), TabularPreprocessor(),
                    thresholds.Percentile(99))
    params = pipe.get_params()
    got = params["detector__epochs"], params["features__scaler"], params["threshold__q"]
    assert got == (1, "minmax", 99)
    with pytest.raises(NotFittedError):
        check_is_fitted(pipe)
    pipe.fit(df)
    check_is_fitted(pipe)
    twin = clone(pipe)
    with pytest.raises(NotFittedError):
        check_is_fitted(twin)
    assert twin.detector is not pipe.detector and twin.detector.get_params() == pipe.detector.get_params()
    np.testing.assert_array_equal(twin.fit(df).score(df), pipe.score(df))  # same seed, same scores
    assert pipe.set_params(detector__epochs=2, features__scaler="robust", threshold__q=98) is pipe
    assert (pipe.detector.epochs, pipe.features.scaler, pipe.threshold.q) == (2, "robust", 98)
    with pytest.raises(InputError, match="Pipeline has no parameter 'epochs'"):
        pipe.set_params(epochs=3)
    with pytest.raises(InputError, match="threshold__q: threshold is None"):
        Pipeline().set_params(threshold__q=99)


def test_pipeline_is_rated_by_its_scores_in_cross_val_score() -> None:
    # What was wrong: scoring="roc_auc" on a Pipeline (cloneable since get_params) took the two
    # columns of predict_proba, there being no decision_function, and each fold's score was NaN
    # ("y should be a 1d array, got an array of shape (n, 2)"), with scikit-learn's warnings
    # only, so GridSearchCV picked a "best" setting from NaNs; and the default scorer's
    # score(X, y) was Python's "takes 2 positional arguments but 3 were given"
    import warnings

    from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score

    from hourglass import AutoEncoder, Pipeline

    rng = np.random.default_rng(0)
    n = 80
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    y = np.zeros(n, dtype=int)
    y[::8] = 1
    df.loc[y == 1, ["a", "b"]] = 8.0
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=2, verbose=0))
    cv = StratifiedKFold(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # scikit-learn's "Scoring failed"
        auc = cross_val_score(pipe, df, y, scoring="roc_auc", cv=cv)
        search = GridSearchCV(pipe, {"detector__epochs": [1, 2]}, scoring="roc_auc", cv=cv).fit(df, y)
    assert np.isfinite(auc).all() and np.isfinite(search.cv_results_["mean_test_score"]).all()
    fitted = pipe.fit(df)
    np.testing.assert_array_equal(fitted.decision_function(df), fitted.score(df))
    with pytest.raises(TypeError, match=r"Pipeline.score\(df\) gives one anomaly score per row and "
                                        r"takes no labels y"):
        fitted.score(df, y)


def test_registry_name_of_a_detector_instance() -> None:
    # What was wrong: hourglass.detectors.name_of(det), given the detector a notebook holds
    # rather than its class, raised "AttributeError: 'AutoEncoder' object has no attribute
    # '__name__'" from inside, and any other object an AttributeError too, not the InputError
    # its docstring promises for what is not a registered detector
    from hourglass.detectors import AutoEncoder, name_of
    from hourglass.errors import InputError

    assert name_of(AutoEncoder(epochs=3)) == name_of(AutoEncoder) == "autoencoder"
    with pytest.raises(InputError, match="str is not a registered detector"):
        name_of("autoencoder")


def test_a_frame_of_integer_column_labels_is_not_scored_by_position_once_reordered() -> None:
    # What was wrong: a detector keeps feature_names_in_ only for string column names (as
    # scikit-learn does), so one fitted on pd.DataFrame(X), columns 0, 1, 2, scored
    # df[[2, 1, 0]] silently by position, each column read as another feature, where the README
    # says a detector fitted on a DataFrame refuses a frame whose columns moved or differ
    from hourglass.detectors import AutoEncoder, LSTMAutoEncoder
    from hourglass.errors import InputError

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(60, 3)) * [1.0, 10.0, 100.0])
    det = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0).fit(df)
    assert not hasattr(det, "feature_names_in_")  # scikit-learn's rule kept
    scores = det.score(df)
    np.testing.assert_array_equal(det.score(pd.DataFrame(df.to_numpy())), scores)  # same labels
    np.testing.assert_array_equal(det.score(df.to_numpy()), scores)  # an array: by position
    with pytest.raises(InputError, match=r"X: the columns are in another order than at fit \(0, 1, 2\)"):
        det.score(df[[2, 1, 0]])
    with pytest.raises(InputError, match=r"X: the columns differ from those at fit \(missing 2; "
                                         r"not seen at fit 3\)"):
        det.score(df.rename(columns={2: 3}))
    with pytest.raises(InputError, match="another order than at fit"):
        det.warm_start(df[[2, 1, 0]], epochs=1)
    warm = det.warm_start(pd.DataFrame(df.to_numpy() + 0.1), epochs=1)
    with pytest.raises(InputError, match="another order than at fit"):
        warm.score(df[[1, 0, 2]])
    mixed = df.set_axis(["a", 1, "c"], axis=1)
    det.fit(mixed)
    with pytest.raises(InputError, match="another order than at fit"):
        det.score(mixed[["c", 1, "a"]])
    series = LSTMAutoEncoder(window=8, epochs=1, verbose=0).fit(df)
    with pytest.raises(InputError, match="series: the columns are in another order"):
        series.score(df[[1, 0, 2]])


def test_a_table_written_again_between_reads_is_warned_of_again(tmp_path, caplog, monkeypatch) -> None:
    # What was wrong: the ',,,' rows of a spreadsheet's export were said once per path and
    # process, so in a notebook a sheet exported again (more rows of no value) and read again
    # gave three rows of missing values without a word; a header's repeated names and a sniffed
    # delimiter likewise. Each is now said once per file and finding: the same read twice is
    # said once, a file written again with other findings is said again
    import logging

    from hourglass.ingest import tables
    from hourglass.ingest.readers import read_table

    for name in ("_SAID_EMPTY", "_SAID_REPEATS", "_SAID_DELIMITER"):  # as in a fresh process
        monkeypatch.setattr(tables, name, set())
    path = tmp_path / "sheet.csv"

    def said(text: str) -> list[str]:
        with caplog.at_level(logging.INFO, logger="hourglass"):
            caplog.clear()
            path.write_text(text)
            read_table(path)
        return [r.getMessage() for r in caplog.records if str(path) in r.getMessage()]

    first = said("a,b\n1,2\n3,4\n,\n")
    assert len(first) == 1 and "1 row(s) with no value" in first[0]
    assert said("a,b\n1,2\n3,4\n,\n") == []  # the same file read again: said once
    again = said("a,b\n1,2\n3,4\n5,6\n,\n,\n,\n")
    assert len(again) == 1 and "3 row(s) with no value" in again[0] and "first: line 5" in again[0]
    assert said("x,x\n1,2\n") and said("y,y\n1,2\n")  # other repeated names
    assert said("a;b\n1;2\n") and said("a|b\n1|2\n")  # another delimiter


def test_preprocessors_and_pipeline_show_their_settings_in_a_notebook() -> None:
    # What was wrong: a notebook cell (and a scikit-learn pipeline's repr and HTML diagram) showed
    # a preprocessor, the log parser or a Pipeline as '<hourglass.features.tabular.
    # TabularPreprocessor object at 0x7f...>', no setting, where every detector shows the
    # arguments given (scikit-learn's repr)
    from sklearn.pipeline import make_pipeline

    from hourglass import AutoEncoder, Pipeline, thresholds
    from hourglass.features import EntityWindows, TabularPreprocessor
    from hourglass.ingest.logs import LogParser

    assert repr(TabularPreprocessor()) == "TabularPreprocessor()"
    shown = repr(TabularPreprocessor(scaler="robust", drop=("id",)))
    assert shown == "TabularPreprocessor(scaler='robust', drop=['id'])"
    assert repr(EntityWindows("ip", "ts")) == "EntityWindows(entity_col='ip', timestamp_col='ts')"
    assert repr(LogParser("hdfs")) == "LogParser(format='hdfs')"
    assert repr(Pipeline()) == "Pipeline()"
    pipe = Pipeline(AutoEncoder(epochs=3), TabularPreprocessor(max_corr=None), thresholds.Percentile(99))
    assert repr(pipe) == ("Pipeline(detector=AutoEncoder(epochs=3), features=TabularPreprocessor("
                          "max_corr=None), threshold=percentile 99 of held-out normal scores)")
    assert "('tabularpreprocessor', TabularPreprocessor(max_corr=None))" in repr(
        make_pipeline(TabularPreprocessor(max_corr=None), AutoEncoder()))


def test_epoch_units_mixed_another_way_in_a_later_data_set_are_said_again(monkeypatch, caplog) -> None:
    # What was wrong: a column mixing epoch units was said once per column name and process, so
    # in a notebook a second data set whose 'ts' mixed seconds with microseconds (after a first
    # of seconds and milliseconds) was read value by value without a word
    import logging

    from hourglass import _times
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    monkeypatch.setattr(_times, "_WARNED", set())  # as in a fresh process
    base = 1.7e9 + np.arange(40) * 60.0

    def frame(scale: float) -> pd.DataFrame:
        return pd.DataFrame({"ts": np.r_[base[:20], base[20:] * scale], "cpu": np.sin(np.arange(40.0))})

    with caplog.at_level(logging.WARNING, logger="hourglass._times"):
        for scale in (1e3, 1e3, 1e6):
            TimeSeriesPreprocessor("ts").fit(frame(scale))
    said = [r.getMessage() for r in caplog.records if "mixes epoch units" in r.getMessage()]
    assert len(said) == 2, said  # the same mix twice is said once
    assert "row 21 in milliseconds" in said[0] and "row 21 in microseconds" in said[1]


def test_a_log_or_table_text_given_for_its_path_is_said_so() -> None:
    # What was wrong: a notebook's EventSessions(...).fit(open(f).read()) (or read_table of a
    # CSV's text) took the text for a file's path: "OSError: [Errno 36] File name too long"
    # from inside pathlib, or, for a short text, an InputError naming the whole text as a file
    # that does not exist. Such a text is now said to be text, and a name the system cannot
    # look up is an InputError naming it, cut short
    from hourglass.errors import InputError
    from hourglass.features import EventSessions
    from hourglass.ingest.readers import read_table

    lines = [f"user{i % 5} login took {i}ms" for i in range(100)]
    sessions = EventSessions(format="raw", session_regex=r"user\d+")
    with pytest.raises(InputError, match=r"\(2,189 characters\): no such file; this is text of 100 "
                                         r"line\(s\), not a file's path"):
        sessions.fit("\n".join(lines))
    with pytest.raises(InputError, match=r"^'user1 login took 5ms\\nuser2 login took 6ms': no such file; "
                                         r"this is text of 2 line\(s\)"):
        sessions.fit("user1 login took 5ms\nuser2 login took 6ms")
    with pytest.raises(InputError, match=r"\(300 characters\): not a file's path \(File name too long\)"):
        read_table("x" * 300)
    with pytest.raises(InputError, match=r"^flows\.csv: no such file$"):
        read_table("flows.csv")
    assert [len(s) for s in sessions.fit(lines).transform(lines)] == [20] * 5


def test_one_normal_class_name_given_as_a_str_is_that_name() -> None:
    # What was wrong: per_class_detection, evaluate_scores and render_report take the normal
    # class names as a tuple; normal="normal", as a notebook writes one name (the CLI's
    # --normal normal), was tested with 'in' on the str, so a class whose name is part of it
    # ('mal') counted as normal, kept its own name instead of its category and was listed with
    # the normal rows, and render_report's tuple(normal) made the letters the normal classes
    from hourglass.evaluate import evaluate_scores, per_class_detection
    from hourglass.evaluate.report import render_report

    classes = ["normal", "mal", "mal", "dos"]
    flags = [0, 1, 0, 1]
    categories = {"mal": "Malware", "dos": "DoS"}
    as_tuple = per_class_detection(classes, flags, categories, normal=("normal",))
    assert per_class_detection(classes, flags, categories, normal="normal") == as_tuple
    assert list(as_tuple) == ["DoS", "Malware", "normal"]
    got = evaluate_scores([0, 1, 1, 1], [0.1, 0.9, 0.3, 0.8], flags, classes=classes,
                          categories=categories, normal="normal")
    assert got["per_category"] == as_tuple
    _, shown = render_report(y_true=[0, 1, 1, 1], scores=[0.1, 0.9, 0.3, 0.8], y_pred=flags,
                             threshold=0.5, threshold_rule="demo", classes=classes,
                             categories=categories, normal="normal")
    assert list(shown["per_category"]) == ["DoS", "Malware", "normal"]


def test_one_normal_label_given_alone_names_the_normal_rows() -> None:
    # What was wrong: hourglass.ingest.normal_labels("normal", ...) (and column_normal, and the
    # benchmark's split through it) read one label given as a str letter by letter, ['n', 'o',
    # 'r', 'm', 'a', 'l'], so no row was normal: split_labelled(df, "y", "normal") counted every
    # row an anomaly; a number given alone (normal=0) was "'int' object is not iterable"
    from hourglass.ingest import column_normal, normal_labels
    from hourglass.pipeline.benchmark import _is_anomaly

    assert normal_labels("normal", False) == normal_labels(["normal"], False) == ["normal"]
    assert column_normal(0, pd.Series([0, 1])) == column_normal(["0"], pd.Series([0, 1]))
    df = pd.DataFrame({"x": range(6), "y": ["normal"] * 4 + ["mal", "bad"]})
    assert _is_anomaly(df, "y", "normal", "DATA")[1].tolist() == [0, 0, 0, 0, 1, 1]
