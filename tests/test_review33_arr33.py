"""The same numbers in another memory layout (big-endian, Fortran order, views, read-only,
memmap, masked, nullable and Arrow frames, torch tensors) must give the reference's features,
scores and explanations, or one clear InputError; the caller's array is never changed."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import torch

from hourglass import Pipeline
from hourglass.detectors import AutoEncoder, DeepLog
from hourglass.errors import InputError
from hourglass.explain import explain_rows
from hourglass.features.sessions import EventSessions
from hourglass.features.tabular import TabularPreprocessor
from hourglass.features.validation import check_array, check_labels

torch.set_num_threads(1)

_RNG = np.random.default_rng(33)
_X = _RNG.normal(size=(40, 4)) * 3 + 0.123456789
_XI = _RNG.integers(0, 100, size=(40, 4)).astype(np.float64)


def _readonly(a: np.ndarray) -> np.ndarray:
    a = a.copy()
    a.setflags(write=False)
    return a


def _memmap(a: np.ndarray, folder: Path) -> np.memmap:
    m = np.memmap(folder / "x.dat", dtype=a.dtype, mode="w+", shape=a.shape)
    m[:] = a
    m.flush()
    return np.memmap(folder / "x.dat", dtype=a.dtype, mode="r", shape=a.shape)


def _flags(a: np.ndarray) -> tuple[bool, ...]:
    return (a.flags.c_contiguous, a.flags.f_contiguous, a.flags.writeable, a.flags.owndata)


def _layouts(folder: Path) -> list[tuple[str, object, np.ndarray]]:
    wide = _RNG.normal(size=(40, 8))
    out: list[tuple[str, object, np.ndarray]] = [
        ("float32", _X.astype(np.float32), _X), (">f8", _X.astype(">f8"), _X),
        (">f4", _X.astype(">f4"), _X), ("fortran", np.asfortranarray(_X.astype(">f8")), _X),
        ("columns view", wide[:, ::2], np.ascontiguousarray(wide[:, ::2])),
        ("reversed view", _X[::-1], _X[::-1].copy()), ("transposed", np.ascontiguousarray(_X.T).T, _X),
        ("read-only", _readonly(_X), _X), ("memmap", _memmap(_X, folder), _X),
        ("masked, nothing masked", np.ma.masked_array(_X, mask=np.zeros(_X.shape, bool)), _X),
        ("frame", pd.DataFrame(_X), _X),
        ("multiindex frame", pd.DataFrame(_X, columns=pd.MultiIndex.from_product([["g"], list("abcd")])), _X),
        ("Float64 frame", pd.DataFrame(_X).astype("Float64"), _X),
        ("Int64 frame", pd.DataFrame(_XI).astype("Int64"), _XI),
        ("arrow table", pa.table({f"c{i}": _X[:, i] for i in range(4)}), _X),
        ("list", _X.tolist(), _X), ("torch", torch.from_numpy(_X.copy()), _X),
        ("bool", _XI > 50, (_XI > 50).astype(np.float64)),
    ]
    for dt in ("i1", ">i2", "i4", ">i8", "u1", ">u2", "u4", "u8", ">u8"):
        out.append((dt, _XI.astype(dt), _XI))
    return out


def test_check_array_reads_every_layout_of_the_same_numbers_alike(tmp_path: Path) -> None:
    # what was wrong: nothing; a pin that 27 layouts of the same numbers (dtypes, byte orders,
    # orders, views, read-only, memmap, masked, nullable and Arrow frames, a list, a tensor)
    # give check_array's float32 matrix bit for bit, and leave the caller's array as it was
    for name, obj, values in _layouts(tmp_path):
        before = np.array(obj, copy=True) if isinstance(obj, np.ndarray) else None
        flags = _flags(obj) if isinstance(obj, np.ndarray) else None
        got = check_array(obj)
        assert got.flags.c_contiguous and got.dtype == np.float32, name
        assert np.array_equal(got, values.astype(np.float32)), name
        if isinstance(obj, np.ndarray):
            assert np.array_equal(obj, before) and _flags(obj) == flags and obj.dtype == before.dtype, name


@pytest.mark.parametrize("make", [lambda t: t.requires_grad_(True), lambda t: t.bfloat16(),
                                  lambda t: t.to(torch.float8_e4m3fn)],
                         ids=["requires_grad", "bfloat16", "float8"])
def test_a_tensor_that_requires_grad_or_is_bfloat16_is_read_as_its_numbers(make: object) -> None:
    # what was wrong: det.score(x) with a torch tensor that requires grad (the output of a
    # network) failed with torch's "RuntimeError: Can't call numpy() on Tensor that requires
    # grad", and a bfloat16 (or float8) one was refused ("expected an array of numbers (Got
    # unsupported ScalarType BFloat16)") though float32 holds each of its values; labels alike
    X = _X.astype(np.float32)
    tensor = make(torch.from_numpy(X.copy()))  # type: ignore[operator]
    want = tensor.detach().float().numpy()
    assert np.array_equal(check_array(tensor), want)
    det = AutoEncoder(hidden=(3,), epochs=1, verbose=0, device="cpu").fit(want)
    assert np.array_equal(det.score(tensor), det.score(want))
    y = make(torch.tensor([0.0, 1.0, 1.0]))  # type: ignore[operator]
    assert check_labels(y, 3).tolist() == [0, 1, 1]


def test_a_masked_label_is_a_missing_label() -> None:
    # what was wrong: check_labels (fit(X, y), evaluate) read a masked array as its data, so a
    # masked (missing) label was taken as the 0 or 1 under the mask without a word, where a
    # masked X is refused and a NaN label is "a missing label (row 3)"
    y = np.ma.masked_array([0, 1, 0, 1], mask=[False, False, True, False])
    with pytest.raises(InputError, match=r"found a missing label \(row 3, masked\)"):
        check_labels(y, 4)
    assert check_labels(np.ma.masked_array([0, 1, 0, 1]), 4).tolist() == [0, 1, 0, 1]


_SESSIONS = [np.array([1, 2, 3, 4, 1, 2, 3, 4]), np.array([2, 3, 4, 1, 2, 3]),
             np.array([1, 2, 3, 4, 1, 2])] * 6


@pytest.fixture(scope="module")
def deeplog() -> DeepLog:
    return DeepLog(window=2, top_g=2, hidden=4, epochs=1, verbose=0, device="cpu").fit(_SESSIONS)


def test_a_masked_key_is_refused_not_read_as_the_value_under_the_mask(deeplog: DeepLog) -> None:
    # what was wrong: det.score([np.ma.masked_array(keys, mask=...)]) scored the masked keys as
    # the values under the mask, without a word
    sessions = [np.ma.masked_array(s) for s in _SESSIONS]
    assert np.array_equal(deeplog.score(sessions), deeplog.score(_SESSIONS))  # nothing masked
    sessions[1] = np.ma.masked_array(_SESSIONS[1], mask=[False, True, False, False, False, False])
    with pytest.raises(InputError, match=r"^session 1: masked keys are not supported"):
        deeplog.score(sessions)


@pytest.mark.parametrize("make", [lambda s: torch.from_numpy(s.astype(np.float32)).requires_grad_(True),
                                  lambda s: torch.from_numpy(s.astype(np.float32)).bfloat16()],
                         ids=["requires_grad", "bfloat16"])
def test_key_tensors_that_require_grad_or_are_bfloat16_are_read_as_keys(deeplog: DeepLog,
                                                                        make: object) -> None:
    # what was wrong: a session given as such a tensor failed with torch's RuntimeError ("Can't
    # call numpy() on Tensor that requires grad") or TypeError ("Got unsupported ScalarType
    # BFloat16"), not read as the whole-number keys it holds
    sessions = [make(s) for s in _SESSIONS]  # type: ignore[operator]
    assert np.array_equal(deeplog.score(sessions), deeplog.score(_SESSIONS))


def test_a_2d_array_of_sessions_is_told_to_be_given_as_rows(deeplog: DeepLog) -> None:
    # what was wrong: a 2-D array (sessions of one length, one a row) or a 2-D tensor was told
    # "wrap a single session as [keys]" (or nothing, for the tensor), which gives a 3-D list;
    # an Arrow list column was refused with no way to give it
    rows = np.stack([s[:6] for s in _SESSIONS])
    for given in (rows, torch.from_numpy(rows)):
        with pytest.raises(InputError, match=r"got a 2-D array; give one session per row as list\(X\)$"):
            deeplog.score(given)
    assert np.array_equal(deeplog.score(list(rows)), deeplog.score([r.tolist() for r in rows]))
    with pytest.raises(InputError, match=r"got ListArray; an Arrow list column is given as X.to_pylist\(\)"):
        deeplog.score(pa.array([s.tolist() for s in _SESSIONS]))
    with pytest.raises(InputError, match=r"got a 1-D array; wrap a single session as \[keys\]$"):
        deeplog.score(_SESSIONS[0])


def _frame(values: np.ndarray) -> pd.DataFrame:
    df = pd.DataFrame(values, columns=["bytes", "rate", "pkts", "dur"])
    df["proto"] = np.array(["tcp", "udp", "icmp", "tcp"])[np.arange(len(df)) % 4]
    return df


@pytest.mark.parametrize("dtype", [">f8", ">f4", ">i8", ">u4"])
def test_a_big_endian_table_trains_and_explains_as_its_native_twin(dtype: str) -> None:
    # what was wrong: Pipeline(...).fit(df) of a table with a big-endian column (np.frombuffer
    # of network-order bytes, X.astype('>f8')) failed with pandas' "ValueError: Big-endian
    # buffer not supported on little-endian compiler" (its distinct values), and so did
    # explain_rows of such rows, though scoring them worked
    native = _frame(np.abs(_XI if dtype[1] in "iu" else _X)).astype({"bytes": dtype.replace(">", "<")})
    swapped = native.astype({"bytes": dtype})
    kept = swapped.to_numpy(dtype=object)  # (DataFrame.copy() makes the columns native)

    def make() -> Pipeline:
        return Pipeline(detector=AutoEncoder(hidden=(3,), epochs=1, verbose=0, device="cpu"),
                        features=TabularPreprocessor())

    ref = make().fit(native)
    got = make().fit(swapped)
    assert np.array_equal(got.score(native), ref.score(native))
    assert np.array_equal(ref.score(swapped), ref.score(native))
    pd.testing.assert_frame_equal(explain_rows(ref, swapped, top=2), explain_rows(ref, native, top=2))
    assert (swapped.to_numpy(dtype=object) == kept).all()  # the caller's table is left as it was,
    assert not swapped["bytes"].dtype.isnative  # big-endian


def test_a_big_endian_event_table_groups_as_its_native_twin() -> None:
    # what was wrong: EventSessions(session_column=..., key_column=...) on a table whose id or
    # key column was big-endian failed at fit ("ValueError: Big-endian buffer not supported on
    # little-endian compiler") and at scoring (pyarrow's "Byte-swapped arrays not supported")
    rng = np.random.default_rng(0)
    native = pd.DataFrame({"sess": rng.integers(0, 12, 300), "key": rng.integers(0, 6, 300)})
    swapped = native.astype({"sess": ">i8", "key": ">u4"})

    def make() -> Pipeline:
        return Pipeline(detector=DeepLog(window=2, top_g=2, hidden=4, epochs=1, verbose=0, device="cpu"),
                        features=EventSessions(session_column="sess", key_column="key"))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few sessions for the threshold: not the point here
        ref = make().fit(native)
        assert np.array_equal(ref.score(swapped), ref.score(native))
        assert np.array_equal(make().fit(swapped).score(native), ref.score(native))
    assert not swapped["sess"].dtype.isnative


def test_threshold_scores_and_labels_as_a_grad_tensor_or_masked() -> None:
    # what was wrong: Percentile(90).fit(scores) of a torch tensor that requires grad (a user's
    # own network's scores) failed with torch's "RuntimeError: Can't call numpy() on Tensor that
    # requires grad", as did its labels in BestF1().fit(scores, y); masked scores or labels
    # were read as the values under the mask, without a word
    from hourglass.evaluate.metrics import binary_metrics
    from hourglass.thresholds import BestF1, Percentile

    s = np.random.default_rng(0).normal(size=50)
    y = (s > 1).astype(np.int64)
    grad = torch.from_numpy(s.copy()).requires_grad_(True)
    assert Percentile(90).fit(grad).value_ == Percentile(90).fit(s).value_
    assert np.array_equal(Percentile(90).fit(s).predict(grad), Percentile(90).fit(s).predict(s))
    assert BestF1().fit(s, torch.from_numpy(y.astype(np.float32)).requires_grad_(True)).value_ == \
        BestF1().fit(s, y).value_
    p = (s > 0.5).astype(np.int64)
    assert binary_metrics(y, grad, p) == binary_metrics(y, s, p)
    masked = np.ma.masked_array(s, mask=np.arange(50) == 3)
    with pytest.raises(InputError, match=r"^Percentile: scores must be numbers, found masked values"):
        Percentile(90).fit(masked)
    with pytest.raises(InputError, match=r"found a missing label \(row 4, masked\)"):
        BestF1().fit(s, np.ma.masked_array(y, mask=np.arange(50) == 3))
    assert Percentile(90).fit(np.ma.masked_array(s)).value_ == Percentile(90).fit(s).value_


def test_labels_as_a_grad_tensor_wherever_labels_are_taken() -> None:
    # what was wrong: the sites that count the labels before checking them
    # (np.asarray(y).size) failed with torch's "RuntimeError: Can't call numpy() on Tensor that
    # requires grad": Pipeline.fit(df, y), det.set_threshold(rule, scores, y) and
    # hourglass.evaluate.timeseries' events, point_adjust and time_to_detect
    from hourglass.evaluate.timeseries import events, point_adjust, time_to_detect
    from hourglass.thresholds import BestF1

    def grad(values: list[int]) -> torch.Tensor:
        return torch.tensor(values, dtype=torch.float32).requires_grad_(True)

    assert events(grad([0, 1, 1, 0, 0, 1])) == [(1, 3), (5, 6)]
    assert point_adjust(grad([0, 1, 1, 1, 0]), grad([0, 0, 1, 0, 1])).tolist() == [0, 1, 1, 1, 1]
    assert time_to_detect(grad([0, 1, 1, 1, 0, 1, 1]), [0, 0, 0, 1, 0, 0, 0]) == [2, None]
    y = (_X[:, 0] > 3).astype(np.int64)
    df = pd.DataFrame(_X, columns=list("abcd"))

    def make() -> Pipeline:
        return Pipeline(detector=AutoEncoder(hidden=(3,), epochs=1, verbose=0, device="cpu"))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few held-out rows: not the point here
        pipe = make().fit(df, y=grad(y.tolist()))
        assert np.array_equal(pipe.score(df), make().fit(df, y=y).score(df))
        det = pipe.detector_
        s = det.score(_X.astype(np.float32))
        want = det.set_threshold(BestF1(), scores=s, y=y).threshold_.value_
        got = det.set_threshold(BestF1(), scores=torch.from_numpy(s).requires_grad_(True), y=grad(y.tolist()))
        assert got.threshold_.value_ == want


def test_a_record_array_is_told_to_be_given_as_a_frame() -> None:
    # what was wrong: a structured array (np.fromfile of a binary record format, its fields
    # big-endian) given to a detector was refused in numpy's words, "expected an array of
    # numbers (Cannot cast array data from dtype([('bytes', '>f8'), ...]) to dtype('float32')
    # according to the rule 'unsafe')", and a Pipeline was told to give "the numeric array to a
    # detector directly", which fails so; pd.DataFrame(X) reads it, fields as columns
    rec = np.zeros(len(_X), dtype=[("bytes", ">f8"), ("rate", ">f4"), ("pkts", ">i4"), ("dur", "<f8")])
    for i, name in enumerate(rec.dtype.names):
        rec[name] = np.abs(_XI[:, i]) if name == "pkts" else _X[:, i]
    with pytest.raises(InputError, match=r"^X: a structured array \(fields 'bytes', 'rate', 'pkts', "
                                         r"'dur'\); pass pd.DataFrame\(X\), which makes its fields"):
        check_array(rec)
    with pytest.raises(InputError, match=r"got ndarray; wrap it as pd.DataFrame\(X\), which makes its"):
        TabularPreprocessor().fit(rec)
    frame = pd.DataFrame(rec)
    native = pd.DataFrame({n: rec[n].astype(rec.dtype[n].newbyteorder("=")) for n in rec.dtype.names})
    assert np.array_equal(check_array(frame), check_array(native))
    pipe = Pipeline(detector=AutoEncoder(hidden=(3,), epochs=1, verbose=0, device="cpu")).fit(frame)
    ref = Pipeline(detector=AutoEncoder(hidden=(3,), epochs=1, verbose=0, device="cpu")).fit(native)
    assert np.array_equal(pipe.score(native), ref.score(native))


def test_a_big_endian_category_or_entity_column_reads_as_its_native_twin() -> None:
    # what was wrong: a big-endian column the preprocessing counts as categories (an integer
    # protocol number, TabularPreprocessor(categorical=[...])) failed at fit, scoring and
    # explain_rows, and an EntityWindows entity column at fit and scoring, with pandas'
    # "ValueError: Big-endian buffer not supported on little-endian compiler"
    from hourglass.features.entity import EntityWindows

    rng = np.random.default_rng(1)
    tab = pd.DataFrame({"proto": rng.integers(0, 3, 200), "b": rng.normal(size=200)})
    tab_be = tab.astype({"proto": ">i8", "b": ">f8"})

    def tabular() -> Pipeline:
        return Pipeline(detector=AutoEncoder(hidden=(3,), epochs=1, verbose=0, device="cpu"),
                        features=TabularPreprocessor(categorical=["proto"]))

    ref = tabular().fit(tab)
    assert np.array_equal(tabular().fit(tab_be).score(tab), ref.score(tab))
    assert np.array_equal(ref.score(tab_be), ref.score(tab))
    pd.testing.assert_frame_equal(explain_rows(ref, tab_be, top=1), explain_rows(ref, tab, top=1))
    ent = pd.DataFrame({"host": rng.integers(0, 3, 400), "bytes": rng.integers(0, 1000, 400),
                        "ts": np.arange(400, dtype=np.int64) * 37 + 1_700_000_000})
    ent_be = ent.astype({"host": ">i8", "bytes": ">i4", "ts": ">i8"})

    def entity() -> Pipeline:
        return Pipeline(detector=AutoEncoder(hidden=(3,), epochs=1, verbose=0, device="cpu"),
                        features=EntityWindows(entity_col="host", timestamp_col="ts"))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few (entity, bucket) rows: not the point here
        ref = entity().fit(ent)
        assert np.array_equal(entity().fit(ent_be).score(ent), ref.score(ent))
        assert np.array_equal(ref.score(ent_be), ref.score(ent))
    assert not ent_be["host"].dtype.isnative and not tab_be["proto"].dtype.isnative


def test_a_big_endian_site_table_gives_its_native_twins_statistics() -> None:
    # what was wrong: a federated site's first pass, site_schema(params, df), on a table with a
    # big-endian category column failed with pandas' "ValueError: Big-endian buffer not
    # supported on little-endian compiler"
    from hourglass.features.statistics import site_schema

    rng = np.random.default_rng(2)
    df = pd.DataFrame({"proto": rng.integers(0, 3, 100), "b": rng.normal(size=100)})
    params = TabularPreprocessor(categorical=["proto"]).get_params()
    assert site_schema(params, df.astype({"proto": ">i8", "b": ">f8"})) == site_schema(params, df)
