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
