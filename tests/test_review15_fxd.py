"""Regression tests: the sites federated training takes, and its errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from hourglass.detectors import AutoEncoder
from hourglass.distributed.federated import FederatedServer, Site, _unreadable, run_federated
from hourglass.errors import InputError


def _det() -> AutoEncoder:
    return AutoEncoder(hidden=(2,), epochs=1, verbose=0)


def _frames() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(0)
    return {"east": pd.DataFrame({"a": rng.normal(size=40)}),
            "west": pd.DataFrame({"a": rng.normal(size=30)})}


@pytest.mark.parametrize("shape", ["values", "series", "array", "iterator"])
def test_run_federated_takes_any_iterable_of_sites(shape: str) -> None:
    # dict.values(), a Series or an object array of frames were refused as "expected a list"
    frames = list(_frames().values())
    sites: Any = {"values": _frames().values(), "series": pd.Series(frames),
                  "array": np.array([*frames, None], dtype=object)[:2], "iterator": iter(frames)}[shape]
    assert run_federated(sites, _det(), rounds=1).info["federated"]["rows"] == [40, 30]


@pytest.mark.parametrize("sites", [pd.DataFrame({"a": [1.0]}), {"east": pd.DataFrame()}, "east", 5])
def test_run_federated_still_names_what_is_no_list_of_sites(sites: Any) -> None:
    with pytest.raises(InputError, match=rf"^sites: expected a list .* got a {type(sites).__name__};"):
        run_federated(sites, _det(), rounds=1)


def test_federated_server_run_names_what_is_no_list_of_site_objects() -> None:
    # was AttributeError 'str' (a column name) or 'DataFrame' has no 'fit', TypeError 'Site' not iterable
    df = _frames()["east"]
    sites: Any
    for sites, match in ((df, "got a DataFrame; "), ([df], "got a DataFrame among them; run_federated"),
                         (Site(df, _det()), "got a Site; ")):
        with pytest.raises(InputError, match=rf"^sites: expected a list of Site objects.*{match}"):
            FederatedServer(_det(), rounds=1).run(sites)
    # an iterator is listed once: every round reaches every site
    server = FederatedServer(_det(), rounds=1).run(Site(d, _det()) for d in _frames().values())
    assert server.pipeline().info["federated"]["rows"] == [40, 30]


def test_site_evaluate_names_the_site_as_fit_does() -> None:
    # Site.fit's errors began "site east: ", Site.evaluate's did not; an unnamed site's stay as they are
    df = _frames()["east"]
    with pytest.raises(InputError, match=r"^site east: evaluate: this site has not taken"):
        Site(df, _det(), name="east").evaluate([], {})
    with pytest.raises(InputError, match=r"^evaluate: this site has not taken"):
        Site(df, _det()).evaluate([], {})


def test_a_long_unreadable_message_keeps_its_end() -> None:
    # cut at 80 characters: "... argument after ** must be a mapp)", the type it got lost
    def a_merge_function_with_a_rather_long_qualified_name(**kw: Any) -> None:
        pass

    with pytest.raises(InputError, match=r"^schema round: .*\(TypeError: .{40} \.\.\. .*must be a mapping, "
                                          r"not list\); does every site"):
        with _unreadable("schema round"):
            a_merge_function_with_a_rather_long_qualified_name(**[1])  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"\(KeyError: 'rows'\);"):
        with _unreadable("schema round"):
            dict[str, int]()["rows"]
