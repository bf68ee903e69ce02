"""The Python API against the CLI: the same bad input raises one ``InputError`` whose message is
the line the CLI prints (less its file name and options), and the documented defaults are the
signatures' own."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hourglass
from hourglass import detectors, thresholds
from hourglass.cli import app
from hourglass.cli._skip import SKIP_ADVICE
from hourglass.detectors import AutoEncoder, DeepLog, LSTMAutoEncoder
from hourglass.errors import InputError
from tests._cli import runner, small_labelled_model


@pytest.fixture(scope="module")
def table_model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return small_labelled_model(tmp_path_factory.mktemp("table"))


def _cli_error(args: list[str]) -> str:
    """The one stderr line of ``hourglass ARGS``, which must exit with code 2."""
    res = runner.invoke(app, ["--threads", "1", *args])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    return lines[0]


# -- records and dicts given to a detector --------------------------------------------------------
@pytest.mark.parametrize("given", [[{"a": 1.0, "b": 2.0}], ({"a": 1.0, "b": 2.0},), {"a": [1.0], "b": [2.0]}])
def test_records_or_a_dict_of_columns_say_how_to_make_a_table(given: object) -> None:
    # what was wrong: a list of records (rows from a JSON API) or a dict of columns given to a
    # detector was refused with NumPy's "X: expected an array of numbers (float() argument must be
    # a string or a real number, not 'dict')", which did not say what to do (the Pipeline's own
    # message names pd.DataFrame); a time-series detector said the same of "series"
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(120, 2)), columns=["a", "b"])
    det = AutoEncoder(hidden=(4, 2), epochs=1, verbose=0).fit(frame)
    shape = "a dict of columns" if isinstance(given, dict) else r"a list of records \(dicts\)"
    with pytest.raises(InputError, match=rf"^X: {shape}, not an array; pass pd.DataFrame\(X\), which "
                                         "makes its keys the columns$"):
        det.score(given)
    with pytest.raises(InputError, match=rf"^X: {shape}, not an array"):
        AutoEncoder(hidden=(4, 2), epochs=1, verbose=0).fit(given)
    # the advice works: the frame it makes scores as the frame fitted on
    np.testing.assert_array_equal(det.score(pd.DataFrame(given)),
                                  det.score(pd.DataFrame({"a": [1.0], "b": [2.0]})))
    series = LSTMAutoEncoder(window=4, hidden=4, epochs=1, verbose=0).fit(frame)
    with pytest.raises(InputError, match=rf"^series: {shape}, not an array"):
        series.score(given)


# -- event keys -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("session", "shown"), [([1, 1.5], "1.5"), (["1", "a"], "'1'"),
                                                ([2.0, float("nan")], "nan"), ([True, False], "True")])
def test_a_key_that_is_no_integer_is_shown_as_python_writes_it(session: list[object], shown: str) -> None:
    # what was wrong: DeepLog.score([[1, 1.5]]) said "keys must be integers, found np.float64(1.5)"
    # ("np.str_('a')", "np.True_"): NumPy 2's repr of the array's item, where the service's
    # /score_sessions says "found '1.5'" of the same key
    det = DeepLog(window=2, top_g=2, hidden=4, epochs=1, verbose=0).fit([[1, 2, 3, 1, 2, 3]] * 20)
    with pytest.raises(InputError, match=rf"^session 0: keys must be integers, found {re.escape(shown)}$"):
        det.score([session])
    with pytest.raises(InputError, match=r"found (?!np\.)"):
        DeepLog(window=2, epochs=1, verbose=0).fit([session])


# -- pins: the same bad table through the CLI and through hourglass.load(...).score -------------
def _bad_tables(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    base = frame.drop(columns="label").head(20).reset_index(drop=True)
    text = base.astype({"bytes": object})
    text.loc[3, "bytes"] = "abc"
    return {"missing": base.drop(columns="pkts"), "text": text,
            "case": base.rename(columns={"bytes": "Bytes"}),
            "separators": base.assign(pkts=[f"{v * 1000:,}" for v in base["pkts"]]),
            "bools": base.assign(bytes=True), "letters": base.assign(bytes="a", pkts="b")}


def test_a_bad_table_is_the_same_error_through_the_api_and_the_cli(table_model: dict[str, object],
                                                                   tmp_path: Path) -> None:
    # pins an agreement (held, untested as a whole): each bad table the CLI refuses with
    # "error: FILE: MESSAGE (line N)" raises InputError("MESSAGE (row N-1)") from the loaded
    # Pipeline, for the frame pandas reads from the same file and for the frame itself
    pipe = hourglass.load(table_model["model"])  # type: ignore[arg-type]
    for name, bad in _bad_tables(table_model["frame"]).items():  # type: ignore[arg-type]
        path = tmp_path / f"{name}.csv"
        bad.to_csv(path, index=False)
        line = _cli_error(["score", str(table_model["model"]), str(path), "-o", str(tmp_path / "o.csv")])
        assert line.startswith(f"error: {path}: "), line
        said = line[len(f"error: {path}: "):].removesuffix(SKIP_ADVICE)  # the CLI's own advice
        expected = re.sub(r"\(line (\d+)\)", lambda m: f"(row {int(m.group(1)) - 1})", said)
        for given in (pd.read_csv(path), bad):
            with pytest.raises(InputError) as info:
                pipe.score(given)
            assert str(info.value) == expected, name
    assert not (tmp_path / "o.csv").exists()


def test_reordered_and_extra_columns_score_as_the_cli_does(table_model: dict[str, object],
                                                           tmp_path: Path) -> None:
    # pins an agreement: a Pipeline selects its columns by name (the README), so reordered
    # columns and an extra one give the CLI's scores, row for row, not a silent misreading
    pipe = hourglass.load(table_model["model"])  # type: ignore[arg-type]
    base = table_model["frame"].drop(columns="label").head(30)  # type: ignore[attr-defined]
    moved = base[["proto", "pkts", "bytes"]].assign(extra=1.5)
    path = tmp_path / "moved.csv"
    moved.to_csv(path, index=False)
    res = runner.invoke(app, ["--threads", "1", "score", str(table_model["model"]), str(path),
                              "-o", str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output
    cli = pd.read_csv(tmp_path / "s.csv")["score"].to_numpy()
    np.testing.assert_allclose(pipe.score(moved), cli, rtol=1e-6)
    np.testing.assert_allclose(pipe.score(base), cli, rtol=1e-6)


@pytest.mark.parametrize("spec", ["percentile:150", "fpr:0", "contamination:1", "pot:2", "dspot:1e-4/0",
                                  "budget:10/week", "fixed:nan", "percentile:abc", "bogus"])
def test_a_bad_threshold_rule_is_the_same_error_through_the_api_and_the_cli(
        table_model: dict[str, object], spec: str) -> None:
    # pins an agreement: `hourglass threshold MODEL --threshold SPEC` and
    # Pipeline.with_threshold(SPEC) refuse a bad rule with the same words
    line = _cli_error(["threshold", str(table_model["model"]), "--threshold", spec])
    with pytest.raises(InputError) as info:
        hourglass.load(table_model["model"]).with_threshold(spec)  # type: ignore[arg-type]
    api = re.sub(r"^threshold(='[^']*')?: ", "", str(info.value))
    cli = re.sub(r"^error: --threshold( \S+)?: ", "", line)
    assert api == cli, (api, cli)


# -- help(): the documented parameters are the signature's ---------------------------------------
def _public_classes() -> list[type]:
    found: list[type] = []
    for module in (hourglass, detectors, thresholds):
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) and obj not in found and obj.__init__ is not object.__init__:
                found.append(obj)
    return found


def _documented(cls: type) -> dict[str, str]:
    """Each name of the numpydoc ``Parameters`` section of ``cls`` and its description."""
    doc = inspect.cleandoc(cls.__doc__ or "")
    section = re.search(r"^Parameters\n-+\n(.*?)(?:^\w[\w ]*\n-+\n|\Z)", doc, re.S | re.M)
    assert section, f"{cls.__name__}: no Parameters section"
    entries: dict[str, str] = {}
    names: list[str] = []
    for line in section.group(1).splitlines():
        if line and not line.startswith(" "):
            names = [n.strip() for n in line.split(" : ")[0].split(",")]
            entries.update(dict.fromkeys(names, ""))
        for n in names:
            entries[n] += " " + line.strip()
    return entries


def test_help_names_every_parameter_and_its_stated_defaults_are_the_signatures() -> None:
    # pins an agreement (checked mechanically over every public class): help(cls) documents
    # exactly the constructor's parameters, and each default it states as ``name=value`` (or
    # "(default ``value``)") is the signature's own
    checked = 0
    for cls in _public_classes():
        params = {k: p for k, p in inspect.signature(cls).parameters.items()
                  if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
        if not params:  # BestF1(): nothing to document
            continue
        documented = _documented(cls)
        assert set(documented) == set(params), cls.__name__
        for text in documented.values():
            for key, literal in re.findall(r"``(\w+)=([^`]+)``", text):
                before = text[:text.find(f"``{key}={literal}``")][-120:].lower()
                if key in params and ("default" in before or "as for" in text.lower()):
                    try:
                        value = ast.literal_eval(literal)
                    except (ValueError, SyntaxError):  # an expression (window // 4)
                        continue
                    assert value == params[key].default, (cls.__name__, key, literal)
                    checked += 1
    assert checked >= 20


# -- an event table without a session -------------------------------------------------------------
def test_an_event_table_without_a_session_is_called_a_table_not_a_log() -> None:
    # what was wrong: Pipeline.score(df) of an event-table model (session and key columns) on
    # rows whose keys are all empty said "no sessions found in the log (every line was skipped or
    # had no session id: 40 rows, 40 rows had an empty key or message)", fit and warm_start "in
    # the training log" / "in the new log": a DataFrame has rows, not lines (the CLI's score
    # says "no sessions found (40 rows, ...); the model reads 'table' input")
    from hourglass import Pipeline
    from hourglass.features import EventSessions

    users = [f"u{i % 8}" for i in range(160)]
    df = pd.DataFrame({"user": users, "event": ["login", "read", "write", "logout"] * 40})
    pipe = Pipeline(detector=DeepLog(window=2, top_g=2, hidden=4, epochs=1, verbose=0),
                    features=EventSessions(session_column="user", key_column="event")).fit(df)
    no_keys = df.head(40).assign(event=np.nan)
    counts = "40 rows, 40 rows had an empty key or message"
    with pytest.raises(InputError, match=re.escape(
            f"no sessions found in the table (every row was skipped or had no session id: {counts})")):
        pipe.score(no_keys)
    with pytest.raises(InputError, match=re.escape(f"no sessions found in the training table ({counts})")):
        Pipeline(detector=DeepLog(epochs=1, verbose=0),
                 features=EventSessions(session_column="user", key_column="event")).fit(no_keys)
    with pytest.raises(InputError, match=re.escape(
            f"warm start: no sessions found in the new table (every row was skipped or had no session "
            f"id: {counts})")):
        pipe.warm_start(no_keys)


# -- a model's time, entity, session or key column spelt otherwise ------------------------------
def test_a_model_s_own_column_in_another_case_is_named_as_a_feature_is(tmp_path: Path) -> None:
    # what was wrong: a feature column in another case was named ("the data has Bytes for
    # bytes"), but the time column of a time-series model, the entity or time column of an
    # entity model and the session or key column of an event-table model were not: score said
    # "timestamp column 'ts' not found; columns are TS, cpu" / "no column 'src' in the data: the
    # model's entity column (columns: ts, SRC, bytes)" / "no column 'user'; columns are User,
    # event", through the CLI and the API alike (the README promises the spelling is named)
    from hourglass import Pipeline
    from hourglass.features import EntityWindows, EventSessions
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    near = "(column names match exactly, case, surrounding spaces and Unicode spelling included)"
    rng = np.random.default_rng(0)
    times = pd.date_range("2024-01-01", periods=240, freq="1min")
    series = pd.DataFrame({"ts": times, "cpu": rng.normal(size=240)})
    pipe = Pipeline(LSTMAutoEncoder(window=4, hidden=4, epochs=1, verbose=0),
                    features=TimeSeriesPreprocessor(timestamp_col="ts")).fit(series)
    with pytest.raises(InputError, match=re.escape(f"columns are TS, cpu; the data has TS for ts {near}")):
        pipe.score(series.rename(columns={"ts": "TS"}))

    flows = pd.DataFrame({"ts": times, "src": rng.choice(["a", "b", "c"], 240),
                          "bytes": rng.normal(size=240)})
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0),
                    features=EntityWindows("src", "ts", bucket="5min")).fit(flows)
    for old, new, shown in (("src", "SRC", "SRC"), ("ts", " ts", "' ts'")):
        with pytest.raises(InputError, match=re.escape(f"; the data has {shown} for {old} {near}")):
            pipe.score(flows.rename(columns={old: new}))

    events = pd.DataFrame({"user": [f"u{i % 8}" for i in range(160)],
                           "event": ["in", "read", "out", "x"] * 40})
    pipe = Pipeline(DeepLog(window=2, top_g=2, hidden=4, epochs=1, verbose=0),
                    features=EventSessions(session_column="user", key_column="event")).fit(events)
    for old, new in (("user", "User"), ("event", "EVENT")):
        with pytest.raises(InputError, match=re.escape(f"; the data has {new} for {old} {near}")):
            pipe.score(events.rename(columns={old: new}))
    # and the CLI says the same of the file
    path = tmp_path / "events.csv"
    events.rename(columns={"user": "User"}).to_csv(path, index=False)
    pipe.save(tmp_path / "m")
    line = _cli_error(["score", str(tmp_path / "m"), str(path), "-o", str(tmp_path / "o.csv")])
    assert line.endswith(f"; the data has User for user {near}"), line


def test_train_and_pipeline_fit_make_the_same_model(table_model: dict[str, object], tmp_path: Path) -> None:
    # pins an agreement: `hourglass --threads 1 train flows.csv --label-col label --normal normal
    # --epochs 1 --hidden 4,2` and Pipeline(AutoEncoder(...)).fit on the same normal rows, on one
    # torch thread both, give the same parameters, threshold and scores, bit for bit
    import torch

    res = runner.invoke(app, ["--threads", "1", "train", str(table_model["data"]), "--label-col", "label",
                              "--normal", "normal", "--epochs", "1", "--hidden", "4,2", "-o",
                              str(tmp_path / "m"), "-q"])
    assert res.exit_code == 0, res.output
    cli = hourglass.load(tmp_path / "m")
    frame = table_model["frame"]
    normal = frame[frame["label"] == "normal"].drop(columns="label")  # type: ignore[index]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        api = hourglass.Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0)).fit(normal)
    finally:
        torch.set_num_threads(threads)
    assert api.detector_.get_params() == cli.detector_.get_params() | {"verbose": 0}
    assert api.threshold_.value_ == cli.threshold_.value_
    np.testing.assert_array_equal(api.score(normal), cli.score(normal))


def test_an_unfitted_pipeline_raises_scikit_learns_not_fitted_error(tmp_path: Path) -> None:
    # what was wrong: the README says a Pipeline used before fit raises scikit-learn's
    # NotFittedError too, as a detector does, but Pipeline().score(df) (predict, save, transform,
    # with_threshold, explain_rows ...) raised hourglass.errors.NotFittedError alone: an
    # `except sklearn.exceptions.NotFittedError` written for a detector let it through
    from sklearn.exceptions import NotFittedError as SklearnNotFittedError

    from hourglass.errors import NotFittedError
    from hourglass.explain import explain_rows

    df = pd.DataFrame({"a": [1.0, 2.0]})
    pipe = hourglass.Pipeline()
    for call in (lambda: pipe.score(df), lambda: pipe.predict(df), lambda: pipe.transform(df),
                 lambda: pipe.save(tmp_path / "m"), lambda: pipe.with_threshold("percentile:99"),
                 lambda: explain_rows(pipe, df), lambda: AutoEncoder().score(df)):
        with pytest.raises(SklearnNotFittedError) as info:
            call()
        assert isinstance(info.value, NotFittedError), info.value
    assert not (tmp_path / "m").exists()


def test_a_pipeline_given_records_a_dict_or_an_arrow_table_says_how_to_make_a_frame() -> None:
    # what was wrong: Pipeline.score of records (a list of dicts, a JSON API's rows) advised
    # "wrap it as pd.DataFrame(X, columns=[...]), or give the numeric array to a detector
    # directly" (they hold text; their keys are the names), of a dict of columns or a pyarrow
    # Table (which a detector takes) it said "expected a pandas DataFrame, got dict" / "got
    # Table" alone, and a time-series or entity model said no way for an array or a Series either
    from hourglass import Pipeline
    from hourglass.features import EntityWindows
    from hourglass.features.timeseries import TimeSeriesPreprocessor

    pa = pytest.importorskip("pyarrow")
    rng = np.random.default_rng(0)
    rows = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=120, freq="1min"),
                         "src": ["a", "b", "c"] * 40, "bytes": rng.normal(size=120)})
    small = {"hidden": (4, 2), "epochs": 1, "verbose": 0}
    pipes = [Pipeline(AutoEncoder(**small)).fit(rows[["src", "bytes"]]),  # type: ignore[arg-type]
             Pipeline(LSTMAutoEncoder(window=4, hidden=4, epochs=1, verbose=0),
                      features=TimeSeriesPreprocessor(timestamp_col="ts")).fit(rows[["ts", "bytes"]]),
             Pipeline(AutoEncoder(**small),  # type: ignore[arg-type]
                      features=EntityWindows("src", "ts", bucket="5min")).fit(rows)]
    keys = "which makes its keys the columns"
    for pipe in pipes:
        for given, hint in ((rows.to_dict("records"), keys), (rows.to_dict("list"), keys),
                            (pa.Table.from_pandas(rows), "make it one with X.to_pandas()"),
                            (rows.to_numpy(), "pd.DataFrame(X, columns=[...])"),
                            (rows["bytes"], "series.to_frame()")):
            with pytest.raises(InputError, match=rf"^expected a pandas DataFrame, got \w+; .*"
                                                 rf"{re.escape(hint)}"):
                pipe.score(given)
