"""Regression tests: alert records, sinks, suppression rules, grouping and metrics."""

from __future__ import annotations

import pandas as pd
import pytest

from hourglass.errors import InputError
from hourglass.serve.suppress import Suppressions


@pytest.mark.parametrize("value", ['""', '"  "', '["ftp", ""]'])
def test_suppress_rule_with_an_empty_value_is_refused(value: str) -> None:
    # an empty cell is a missing one and matches no rule: the rule would never fire, unsaid
    text = f'[[rule]]\nname = "a"\nmatch = {{ service = {value} }}\n'
    with pytest.raises(InputError, match="column 'service': an empty value matches nothing"):
        Suppressions.parse(text, "r.toml")


def test_suppress_rule_written_as_a_single_table_is_named() -> None:
    # [rule] (one bracket) was "no rules", though the file has one
    with pytest.raises(InputError, match=r"single table \(\[rule\]\).*\[\[rule\]\]"):
        Suppressions.parse('[rule]\nname = "a"\nmatch = { x = 1 }\n', "r.toml")
    with pytest.raises(InputError, match="'rule' must be an array of tables"):
        Suppressions.parse('rule = "x"\n', "r.toml")
    ok = Suppressions.parse('[[rule]]\nname = "a"\nmatch = { x = 1 }\n', "r.toml")
    assert ok.names(pd.DataFrame({"x": [1, 2]})).tolist() == ["a", ""]
