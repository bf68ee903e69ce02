"""ERP and mainframe audit telemetry (SAP, Oracle Database, IBM z/OS RACF): edge cases of valid
input as those products export their audit trails."""

from __future__ import annotations

import pandas as pd

from hourglass.features.roles import infer_role, table_tells


def test_an_oracle_audit_trails_session_counters_are_no_feature() -> None:
    # What was wrong: Oracle's unified audit trail exported to CSV (SESSIONID, ENTRY_ID, SCN ...)
    # had its session id read as a magnitude: it rises with every session, so a later week's every
    # row lay past training (190 of 568 rows flagged, the SYS brute force explained by SESSIONID).
    names = ["EVENT_TIMESTAMP", "DBUSERNAME", "ACTION_NAME", "RETURN_CODE", "SESSIONID",
             "ENTRY_ID", "STATEMENT_ID", "SCN", "OS_PROCESS"]
    tells = table_tells(names)
    rising = pd.Series([3412345678.0 + 7 * i for i in range(50)])
    for col in ("SESSIONID", "ENTRY_ID", "STATEMENT_ID", "SCN"):
        role, why = infer_role(col, rising, max_categories=100, columns=tells)
        assert role == "drop" and "Oracle" in why, (col, role, why)
    # the traditional audit trail (DBA_AUDIT_TRAIL) too
    old = table_tells(["OS_USERNAME", "USERHOST", "ACTION_NAME", "RETURNCODE", "SESSIONID", "ENTRYID"])
    assert infer_role("ENTRYID", rising, max_categories=100, columns=old)[0] == "drop"
    # the return code stays a code, a pid a number; a session id in another table stays a number
    assert infer_role("RETURN_CODE", pd.Series([0.0, 1017.0] * 10), max_categories=100,
                      columns=tells)[0] == "categorical"
    assert infer_role("OS_PROCESS", rising, max_categories=100, columns=tells)[0] == "numeric"
    assert infer_role("SESSIONID", rising, max_categories=100,
                      columns=["SESSIONID", "bytes", "user"])[0] == "numeric"


def test_an_sap_client_is_a_code_not_an_amount() -> None:
    # What was wrong: the Client of an SAP Security Audit Log export (SM20: Date,Time,Client,User,
    # Terminal,Transaction Code,...) was a number: one client in training made it a constant,
    # dropped, so JSMITH's logon to client 000 scored as his logons to 100 (0.0022, no flag).
    sm20 = ["Date", "Time", "Client", "User", "Terminal", "Transaction Code", "Program",
            "Audit Log Msg. Text", "Event"]
    one = pd.Series([100.0] * 40)
    assert infer_role("Client", one, max_categories=100, columns=table_tells(sm20))[0] == "categorical"
    # the change documents' MANDANT (CDHDR, CDPOS) and an SE16 export's MANDT, in any table
    for name in ("MANDANT", "MANDT"):
        assert infer_role(name, pd.Series([100.0, 0.0, 1.0] * 5), max_categories=100)[0] == "categorical"
    # a 'Client' of another table (a count of clients) stays a number
    assert infer_role("Client", pd.Series([3.0, 5.0, 8.0] * 5), max_categories=100,
                      columns=["Client", "bytes", "host"])[0] == "numeric"


def test_an_sap_change_document_number_is_no_feature() -> None:
    # What was wrong: SAP's change documents exported from CDHDR/CDPOS (OBJECTCLAS, OBJECTID,
    # CHANGENR ...) had CHANGENR, numbered as changes are made, and the changed vendor's or order's
    # number read as magnitudes: a later week lay past training (19 of 110 rows flagged, most by CHANGENR).
    names = ["MANDANT", "OBJECTCLAS", "OBJECTID", "CHANGENR", "USERNAME", "UDATE", "UTIME", "TCODE",
             "TABNAME", "TABKEY", "FNAME", "VALUE_NEW", "VALUE_OLD"]
    tells = table_tells(names)
    rising = pd.Series([4000001.0 + 13 * i for i in range(60)])
    role, why = infer_role("CHANGENR", rising, max_categories=100, columns=tells)
    assert role == "drop" and "SAP" in why
    vendors = pd.Series([100038.0, 100030.0, 100003.0] * 20)
    for col in ("OBJECTID", "TABKEY"):
        assert infer_role(col, vendors, max_categories=100, columns=tells)[0] == "categorical"
    # the changed values stay numbers; CHANGENR or OBJECTID in another table are read as before
    assert infer_role("VALUE_NEW", vendors, max_categories=100, columns=tells)[0] == "numeric"
    assert infer_role("CHANGENR", rising, max_categories=100, columns=["CHANGENR", "bytes"])[0] == "numeric"
    assert infer_role("OBJECTID", vendors, max_categories=100, columns=["OBJECTID", "x"])[0] == "numeric"


def test_an_oracle_or_racf_user_entity_is_the_alerts_user() -> None:
    # What was wrong: an entity model keyed on Oracle's audit trail's DBUSERNAME (or RACF's
    # EVT_USER_ID) gave ECS alerts with no user.name and no related.user, the account only in the
    # message ('anomalous DBUSERNAME SYS'); both are the alert's user.name now, kept fields too.
    from hourglass.serve.ecs import _entity_fields, ecs_target

    for name, user in (("DBUSERNAME", "SYS"), ("EVT_USER_ID", "IBMUSER")):
        assert ecs_target(name) == "user.name"
        doc: dict = {}
        _entity_fields(doc, name, user)
        assert doc["user"] == {"name": user}


def test_day_month_dates_under_any_name_are_no_category() -> None:
    # What was wrong: SAP's Security Audit Log exported in a German locale names its date 'Datum'
    # (01.03.2024); read as a category, every later day was a value never seen: the night logon
    # from a new terminal and its SU01/SE16 rows went unflagged (0 of 9; 9 of 9 with 'Date').
    for name, values in (("Datum", ["01.03.2024", "02.03.2024"]),
                         ("Day", ["03/01/2024 8:00 AM", "3/2/2024 10:15 PM"]),
                         ("Fecha", ["1-3-2024 08:00:00", "2-3-2024 09:30:00.25"])):
        assert infer_role(name, pd.Series(values * 10), max_categories=100) == ("drop", "date/time values")
    # a version, or a date beside other text, stays text
    assert infer_role("ver", pd.Series(["1.2.3", "7.17.22"] * 10), max_categories=100)[0] == "categorical"
    assert infer_role("x", pd.Series(["1.2.2024", "a"] * 10), max_categories=100)[0] == "categorical"


def test_an_ibm_i_audit_journals_sequence_number_is_no_feature() -> None:
    # What was wrong: IBM i's audit journal (QAUDJRN) written by DSPJRN OUTPUT(*OUTFILE) had its
    # JOSEQN (rising with every journal entry) and JONBR (jobs numbered as they start) read as
    # magnitudes, so every later entry lay past training.
    tells = table_tells(["JOENTL", "JOSEQN", "JOCODE", "JOENTT", "JOTSTP", "JOJOB", "JOUSER", "JONBR",
                         "JOPGM", "JOUSPF", "JOSYNM", "JOESD"])
    rising = pd.Series([1000.0 + 3 * i for i in range(60)])
    for col in ("JOSEQN", "JONBR"):
        role, why = infer_role(col, rising, max_categories=100, columns=tells)
        assert role == "drop" and "IBM i" in why, (col, role, why)
    # the entry's length stays a number
    assert infer_role("JOENTL", rising, max_categories=100, columns=tells)[0] == "numeric"


def test_a_db2_timestamp_reads_as_its_time() -> None:
    # What was wrong: IBM i's audit journal (QAUDJRN, DSPJRN OUTPUT(*OUTFILE)) writes JOTSTP as
    # Db2 does, '2024-03-01-08.00.00.123456'; an entity model with --timestamp-col JOTSTP stopped
    # with 'line 2 is not a timestamp ... no row of the 500 is'; it reads as that time.
    from hourglass._times import parse_timestamps

    ts = parse_timestamps(pd.Series(["2024-03-01-08.00.00.123456", "2024-03-01-14.10.00.000000",
                                     "2024-03-02-23.59.59"]), "JOTSTP")
    assert list(ts) == [pd.Timestamp("2024-03-01 08:00:00.123456"), pd.Timestamp("2024-03-01 14:10:00"),
                        pd.Timestamp("2024-03-02 23:59:59")]
