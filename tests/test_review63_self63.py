"""Review round 63 (self63): regressions of the round's own changes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hourglass.features.tabular import TabularPreprocessor


def test_a_document_table_with_an_action_is_no_github_audit_log() -> None:
    # What was wrong: any table with a 'document_id' (or 'DocumentId') column beside 'action' was
    # told a GitHub audit log, whose tell is '_document_id': a document store's audit table had its
    # user_id and document_id one-hot as "GitHub audit log's id (an account, repository ...)".
    rng = np.random.default_rng(0)
    n = 300
    docs = pd.DataFrame({"document_id": rng.integers(1, 40, n),
                         "action": rng.choice(["view", "edit", "share"], n),
                         "user_id": rng.integers(1000, 1040, n),
                         "bytes": rng.integers(100, 10_000, n)})
    pre = TabularPreprocessor().fit(docs)
    for c in ("document_id", "user_id"):
        assert "GitHub" not in pre.reasons_[c], (c, pre.reasons_[c])
        assert pre.roles_[c] == "numeric", (c, pre.roles_[c], pre.reasons_[c])
    # GitHub's own records, '_document_id' beside 'action', keep their ids as names
    github = docs.assign(_document_id=[f"xJJFlFOhQ6b-{i}" for i in range(n)])
    assert TabularPreprocessor().fit(github).roles_["user_id"] == "categorical"

