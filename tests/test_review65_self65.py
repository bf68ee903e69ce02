"""Regression tests: defects found in the round's own changes (sizes read as bytes, API pages)."""

from __future__ import annotations


def test_a_netbios_domain_3b_is_no_size_in_bytes() -> None:
    # What was wrong: a domain controller's Security log whose NetBIOS domain is '3B' throughout
    # (EVTX-ATTACK-SAMPLES' Kerberos spray) had SubjectDomainName read as a size, 3 bytes ('numbers
    # stored as text (sizes such as '3B' read as bytes)'), so a later event of 'NT AUTHORITY' was
    # no number; one value throughout is no size, a category as before sizes were read.
    import pandas as pd

    from hourglass.features import TabularPreprocessor
    from hourglass.features.roles import infer_role

    train = pd.DataFrame({"SubjectDomainName": ["3B", "-", "3B", "3B"] * 10,
                          "Status": ["0x0", "0x18", "0x0", "0x0"] * 10})
    assert infer_role("SubjectDomainName", train["SubjectDomainName"], max_categories=50) == (
        "categorical", "text values")
    prep = TabularPreprocessor().fit(train)
    assert prep.roles_["SubjectDomainName"] == "categorical"
    later = pd.DataFrame({"SubjectDomainName": ["NT AUTHORITY", "3B"], "Status": ["0x0", "0x0"]})
    assert prep.transform(later).shape[0] == 2
    # sizes that vary are still read as bytes (a print log's)
    sizes = pd.Series(["330 kb", "48.2 MB", "12 kb", "1 MB"] * 10)
    role, why = infer_role("Size", sizes, max_categories=50)
    assert role == "numeric" and "read as bytes" in why
