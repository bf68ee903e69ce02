"""Entity-bucket features, explanations and commands: regression tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hourglass import Pipeline
from hourglass.detectors import AutoEncoder
from hourglass.features.entity import EntityWindows


def _events(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"host": rng.choice(["a", "b", "c"], n),
                         "ts": np.sort(rng.integers(1_700_000_000, 1_700_000_000 + 4 * 3600, n)),
                         "bytes": rng.integers(1, 1000, n).astype(float),
                         "proto": rng.choice(["tcp", "udp", "icmp"], n),
                         "dst_port": rng.choice([22, 80, 443, 8080], n),
                         "user": rng.choice(["x", "y"], n)})


@pytest.fixture(scope="module")
def shares_pipe() -> Pipeline:
    ew = EntityWindows("host", "ts", bucket="10min", numeric=("bytes",),
                       categorical=("proto", "dst_port", "user"))
    return Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0),
                    features=ew).fit(_events())


def test_bucket_reasons_read_the_rows_times_once(shares_pipe: Pipeline,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # each top-value share among the reasons read every row's entity and time again (and matched
    # every row to its bucket again): 'explain' of a large file took seconds per share shown
    from hourglass.explain import bucket_reasons
    from hourglass.explain.entity import top_values

    df = _events(seed=1)
    f = shares_pipe.features_
    agg = f.aggregate(df)
    X = f.encode(agg)
    calls = []
    read = EntityWindows.row_keys

    def spy(self: EntityWindows, rows: pd.DataFrame) -> tuple[np.ndarray, pd.DatetimeIndex]:
        calls.append(len(rows))
        return read(self, rows)

    monkeypatch.setattr(EntityWindows, "row_keys", spy)
    why = bucket_reasons(shares_pipe, agg, X, rows=df, top=len(f.feature_names_))
    assert calls == [len(df)]
    # the values named are top_values' own, bucket by bucket
    monkeypatch.setattr(EntityWindows, "row_keys", read)
    for column in ("proto", "dst_port", "user"):
        for i, value in enumerate(top_values(f, df, agg, column)):
            assert f"top {column}={value} share=" in why["why"].iloc[i]
    # a part of the buckets: the values of those buckets only
    part = agg.iloc[[1, 4]]
    some = bucket_reasons(shares_pipe, part, X[[1, 4]], rows=df, top=len(f.feature_names_))
    assert some["why"].tolist() == why["why"].iloc[[1, 4]].tolist()


@pytest.mark.parametrize(("kw", "said"), [
    ({"drop": ("host",)}, "drop: 'host' is the entity column"),
    ({"drop": ["bytes", "ts"]}, "drop: 'ts' is the timestamp column"),
    ({"roles": {"ts": "numeric"}}, "roles: 'ts' is the timestamp column"),
    ({"roles": {"host": "drop"}}, "roles: 'host' is the entity column"),
])
def test_a_key_column_dropped_or_given_a_role_is_refused(kw: dict, said: str) -> None:
    # EntityWindows('host', 'ts', roles={'ts': 'numeric'}) fitted without a word and never summed
    # the times; drop=('host',) still grouped per host (the CLI refuses both)
    from hourglass.errors import InputError

    ew = EntityWindows("host", "ts", bucket="10min", **kw)
    with pytest.raises(InputError, match=said):
        ew.fit(_events(60))
    assert not hasattr(ew, "feature_names_")


def test_a_saved_model_whose_drop_names_a_key_column_still_loads_and_scores(tmp_path) -> None:
    # models saved before the refusal (the CLI let '--drop host' through) keep working
    from hourglass import load

    ew = EntityWindows("host", "ts", bucket="10min", numeric=("bytes",), categorical=())
    pipe = Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0), features=ew)
    pipe.fit(_events(200))
    pipe.features_.drop = ("host",)  # as such a model saved it
    pipe.save(tmp_path / "M")
    df = _events(80, seed=2)
    np.testing.assert_array_equal(load(tmp_path / "M").score(df), pipe.score(df))


def test_inspect_previews_the_buckets_train_builds_from_labelled_rows(tmp_path) -> None:
    # inspect --label-col kept the normal rows of attack buckets (thinned buckets), where train
    # leaves out every bucket holding an attack row: it previewed more rows and buckets, and other
    # scaling, than the model train then built
    import json

    from hourglass import load
    from hourglass.cli import app
    from tests._cli import runner

    df = _events(600)
    df["label"] = "normal"
    df.loc[df.index % 37 == 5, "label"] = "scan"
    df.to_csv(tmp_path / "d.csv", index=False)
    common = [str(tmp_path / "d.csv"), "--entity-col", "host", "--timestamp-col", "ts", "--bucket",
              "10min", "--label-col", "label", "--normal", "normal"]
    res = runner.invoke(app, ["inspect", *common, "--json", str(tmp_path / "i.json")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["train", *common, "-o", str(tmp_path / "M"), "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    seen, info = json.loads((tmp_path / "i.json").read_text()), load(tmp_path / "M").info["entity"]
    assert info["rows_left_out_with_attacks"] > (df["label"] == "scan").sum()  # thinned buckets
    assert (seen["rows"], seen["buckets"]) == (info["rows_trained"], info["buckets"])
    assert seen["fitted_on_normal_rows"] == info["rows_trained"]


def test_explain_and_inspect_say_how_many_rows_have_no_entity(tmp_path) -> None:
    # 'score' warns that rows without an entity value are grouped as one entity '<missing>';
    # 'explain' listed such buckets among the flagged ones and 'inspect' counted them, silently
    from hourglass.cli import app
    from tests._cli import runner

    df = _events(300)
    df.loc[df.index % 10 == 0, "host"] = None
    df.to_csv(tmp_path / "d.csv", index=False)
    ew = EntityWindows("host", "ts", bucket="10min", numeric=("bytes",), categorical=("proto",))
    Pipeline(AutoEncoder(hidden=(4, 2), epochs=1, verbose=0, random_state=0),
             features=ew).fit(_events(300)).save(tmp_path / "M")
    said = "30 of 300 rows (10.0%) have no 'host' value; they are grouped as the one entity '<missing>'"
    for args in (["score", str(tmp_path / "M"), str(tmp_path / "d.csv"), "-o", str(tmp_path / "s.csv")],
                 ["explain", str(tmp_path / "M"), str(tmp_path / "d.csv")],
                 ["inspect", str(tmp_path / "d.csv"), "--entity-col", "host", "--timestamp-col", "ts"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
        assert res.stderr.count(said) == 1, (args[0], res.stderr)


def test_inspect_reads_the_normal_rows_dates_in_the_whole_files_order(tmp_path) -> None:
    # only the attack rows (13/02) tell that the dates are day first; train reads the normal rows
    # so, where inspect read them month first (01/02 and 01/03 as 2 and 3 January): one bucket of
    # 7 days per host and a warning that the bucket is longer than the data's span
    import json

    from hourglass import load
    from hourglass.cli import app
    from tests._cli import runner

    rows = [{"host": "ab"[k % 2], "ts": f"{d:02d}/{m:02d}/2026 {k % 10:02d}:{k % 60:02d}",
             "bytes": k, "label": "scan" if d == 13 else "normal"}
            for d, m in ((1, 2), (1, 3), (13, 2)) for k in range(40)]
    pd.DataFrame(rows).to_csv(tmp_path / "d.csv", index=False)
    common = [str(tmp_path / "d.csv"), "--entity-col", "host", "--timestamp-col", "ts", "--bucket",
              "7D", "--label-col", "label", "--normal", "normal"]
    res = runner.invoke(app, ["inspect", *common, "--json", str(tmp_path / "i.json")])
    assert res.exit_code == 0, res.output
    assert "longer than the data's time span" not in res.stderr and "month first" not in res.stderr
    res = runner.invoke(app, ["train", *common, "-o", str(tmp_path / "M"), "--epochs", "1", "-q"])
    assert res.exit_code == 0, res.output
    info = load(tmp_path / "M").info["entity"]
    assert json.loads((tmp_path / "i.json").read_text())["buckets"] == info["buckets"] == 4
