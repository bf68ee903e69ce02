"""Building access (badge) and print logs: Lenel, Genetec, PaperCut, Windows PrintService, CUPS."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from hourglass.cli import app
from hourglass.ingest.readers import read_table

runner = CliRunner()

_LENEL_HEAD = ("Lenel OnGuard - Cardholder Access Report\r\nGenerated: 3/15/2024 9:12:44 AM\r\n\r\n"
               "Date/Time,Cardholder,Badge ID,Reader,Door,Event,Panel\r\n")


def _lenel(rows: int, day: int = 1) -> str:
    return _LENEL_HEAD + "".join(
        f'3/{day}/2024 8:{i % 60:02d}:15 AM,"Doe, Jane",{i % 5:06d},HQ-Lobby-In,Main Lobby,'
        f"Access Granted,Panel {1 + i % 2}\r\n" for i in range(rows))


def test_an_access_or_print_reports_title_lines_are_passed_over(tmp_path: Path) -> None:
    # What was wrong: a Lenel OnGuard report's title and 'Generated:' lines were read as a header
    # of one column ('line 4: expected 1 fields, found 7'), and a PaperCut print log's title line
    # was taken for the header (its columns 'Unnamed: 1' ..., its real header a row of data).
    lenel = tmp_path / "access.csv"
    lenel.write_text(_lenel(6), newline="")
    df = read_table(lenel)
    assert list(df.columns) == ["Date/Time", "Cardholder", "Badge ID", "Reader", "Door", "Event", "Panel"]
    assert len(df) == 6
    papercut = tmp_path / "papercut-print-log-2024-03-01.csv"
    papercut.write_text(
        "PaperCut Print Logger : http://www.papercut.com/,,,\r\nTime,User,Pages,Copies\r\n"
        "2024-03-01 09:32:36,jdoe,8,1\r\n2024-03-01 11:05:17,mlee,2,1\r\n", newline="")
    df = read_table(papercut)
    assert list(df.columns) == ["Time", "User", "Pages", "Copies"]
    assert df["Pages"].tolist() == [8, 2]
    folder = tmp_path / "reports"  # a folder of such reports: each file's lines passed over
    folder.mkdir()
    (folder / "a.csv").write_text(_lenel(4), newline="")
    (folder / "b.csv").write_text(_lenel(3, day=2), newline="")
    result = runner.invoke(app, ["inspect", str(folder)])
    assert result.exit_code == 0, result.output
    assert "7 rows inspected, 7 columns" in result.output
    # a two-column table is its own header, never a report's title
    plain = tmp_path / "plain.csv"
    plain.write_text("user,pages\na,1\nb,2\nx,y,z\n")
    assert report_lines(plain) == 0


def report_lines(path: Path) -> int:
    from hourglass.ingest.tables import lines_before_header

    return lines_before_header(path)[0]


def test_a_badge_or_card_number_is_an_identity_not_an_amount() -> None:
    # What was wrong: a Lenel or Genetec report's 'Badge ID' (000456, read as the number 456),
    # 'Card Number' and HID's 'card_number' were min-max scaled as amounts ('numeric values'), so
    # a badge never seen scored by how far its digits lay from the known ones.
    from hourglass.features.roles import infer_role

    badges = pd.Series([456, 123, 1789, 42, 10101, 777] * 30)
    for name in ("Badge ID", "Card Number", "card_number", "Credential", "credential.card_number"):
        role, why = infer_role(name, badges, max_categories=50)
        assert role == "categorical", (name, role, why)
        assert "badge or card number" in why
    role, _ = infer_role("Badge ID", badges.astype(str).str.zfill(6), max_categories=50)  # JSON's text
    assert role == "categorical"
    assert infer_role("Pages", pd.Series([1, 3, 8, 480] * 30), max_categories=50)[0] == "numeric"


def test_a_print_services_job_id_is_no_feature() -> None:
    # What was wrong: a Windows PrintService event 307's Param1, the spooler's job id, was min-max
    # scaled as numbers stored as text, so a later week's jobs (1201 on, trained 101-260) lay past
    # the training range: every one of 33 normal prints was flagged (7 without it).
    from hourglass.features.roles import infer_role

    jobs = pd.Series([str(n) for n in range(101, 261)])
    for prefix in ("", "winlog.user_data."):
        names = [f"{prefix}Param{n}" for n in range(1, 9)]
        role, why = infer_role(f"{prefix}Param1", jobs, max_categories=50, columns=names)
        assert (role, "print job id" in why) == ("drop", True), (prefix, role, why)
        assert infer_role(f"{prefix}Param8", pd.Series(["3", "12", "1"] * 9), max_categories=50,
                          columns=names)[0] == "numeric"  # its pages
    # a Param1 of another table (no 307's eight parameters) is read as before
    assert infer_role("Param1", jobs, max_categories=50, columns=["Param1", "Param2"])[0] == "numeric"


def test_zero_padded_digits_as_text_are_an_id_not_an_amount() -> None:
    # What was wrong: a badge's number as an access-control webhook writes it ('000456' in a Brivo
    # or Kisi event's credential.referenceId) was min-max scaled as 'numbers stored as text': a
    # badge never seen, '000500', scored 0.003 (low) beside a known one's 0.002.
    from hourglass.features.roles import infer_role

    badges = pd.Series(["000456", "000123", "001789", "000042", "010101", "000777"] * 30)
    role, why = infer_role("credential.referenceId", badges, max_categories=50)
    assert (role, "zero-padded" in why) == ("categorical", True), (role, why)
    # numbers of varying width, or none with a leading zero, are amounts as before
    for amounts in (["456", "123", "1789"], ["120034", "450012", "999999"], ["0.50", "1.25", "0.75"]):
        assert infer_role("referenceId", pd.Series(amounts * 30), max_categories=50)[0] == "numeric"


def test_a_cardholder_is_the_ecs_alerts_user_full_name() -> None:
    # What was wrong: an ECS alert of a badge model named no person: an entity model by a Lenel
    # or Genetec report's 'Cardholder' put 'Doe, Jane' only under hourglass.entity, and a table
    # alert's kept Cardholder under hourglass.fields, where no SIEM rule on user fields looks.
    from hourglass.serve.ecs import AlertRule, to_ecs

    bucket = {"entity": "Doe, Jane", "bucket_start": "2024-03-12T02:00:00",
              "bucket_end": "2024-03-12T03:00:00", "rows": 8, "score": 6.9, "severity": "critical"}
    doc = to_ecs(bucket, AlertRule("autoencoder", "ab", input="entity", entity_field="Cardholder"))
    assert doc["user"] == {"full_name": "Doe, Jane"}
    doc = to_ecs({"row": 18, "score": 0.52, "severity": "critical"}, AlertRule("autoencoder", "ab"),
                 fields={"Cardholder": "Doe, Jane", "Door": "Server Room"})
    assert doc["user"] == {"full_name": "Doe, Jane"}
    assert doc["hourglass"]["fields"] == {"Door": "Server Room"}


def test_a_badge_number_reads_alike_from_a_csv_and_from_json() -> None:
    # What was wrong: a badge's number is a code now, but a model trained on a Lenel CSV (the
    # reader's 456.0) read the same badge sent by stream or JSON lines ("000456") as a value never
    # seen: all 45 rows of a day streamed were flagged, 8 when scored from the CSV. A badge's
    # digits are now read without their leading zeros, in training and scoring alike.
    from hourglass.features.tabular import TabularPreprocessor

    pages = [1.0, 3.0, 8.0, 2.0] * 15
    csv = pd.DataFrame({"Badge ID": [456.0, 123.0, 1789.0] * 20, "Pages": pages})
    sent = pd.DataFrame({"Badge ID": ["000456", "000123", "001789"], "Pages": [1.0, 3.0, 8.0]})
    pre = TabularPreprocessor().fit(csv)
    again = TabularPreprocessor.from_dict(pre.to_dict())
    for model in (pre, again):
        assert (model.transform(sent) == model.transform(csv.head(3))).all()
    webhook = pd.DataFrame({"credential.referenceId": ["000456", "000123", "001789"] * 20, "Pages": pages})
    pre = TabularPreprocessor().fit(webhook)  # trained on JSON's text, scored from a CSV's numbers
    exported = pd.DataFrame({"credential.referenceId": [456.0, 123.0, 1789.0], "Pages": [1.0, 3.0, 8.0]})
    assert (pre.transform(exported) == pre.transform(webhook.head(3))).all()
    state = pre.to_dict()  # a state saved before: its categories read as written
    state.pop("unpadded")
    old = TabularPreprocessor.from_dict(state)
    assert not (old.transform(exported) == old.transform(webhook.head(3))).all()


def test_a_print_logs_sizes_are_read_as_bytes() -> None:
    # What was wrong: a PaperCut print log's 'Size' ('330 kb', '48.2 MB') was text: a table model
    # dropped it as near-unique text (128 distinct of 160) and an entity model counted its
    # distinct values, so a 48.2 MB print job weighed no more than a 40 kb one; sizes in bytes
    # are now numbers of bytes, in the roles, the table features and the entity sums alike.
    from hourglass.features.entity import EntityWindows
    from hourglass.features.roles import infer_role
    from hourglass.features.tabular import TabularPreprocessor

    sizes = pd.Series([f"{40 * k + 5} kb" for k in range(1, 61)] + ["1.2 MB", "2 MB"])
    role, why = infer_role("Size", sizes, max_categories=50)
    assert role == "numeric" and "read as bytes" in why, (role, why)
    pre = TabularPreprocessor().fit(pd.DataFrame({"Size": sizes, "Pages": range(62)}))
    big = pre.transform(pd.DataFrame({"Size": ["48.2 MB"], "Pages": [3]}))
    small = pre.transform(pd.DataFrame({"Size": ["45 kb"], "Pages": [3]}))
    assert big[0, 0] > 10 * max(1.0, small[0, 0])  # far past the scale, not a category
    rows = pd.DataFrame({"User": ["mlee", "jdoe"] * 31, "Size": sizes,
                         "Time": pd.date_range("2024-03-01", periods=62, freq="h")})
    ent = EntityWindows("User", "Time", bucket="1D")
    assert ent.summed_columns(rows) == ["Size"]
    # a unit of another kind ('11 in') is no size: text, as before
    assert infer_role("Height", pd.Series(["11 in", "14 in"] * 30), max_categories=50)[0] == "categorical"


def test_a_kisi_events_actor_and_lock_ids_are_codes() -> None:
    # What was wrong: a Kisi access event's actor_id (the user), object_id (the lock) and place_id
    # were min-max scaled as amounts, so a user never seen, 797, between known users 791 and 805,
    # scored 0.020 beside a known user's 0.003 (0.20 as a category never seen).
    from hourglass.features.roles import infer_role

    names = ["id", "action", "actor_type", "actor_id", "actor_name", "object_type", "object_id",
             "object_name", "success", "place_id", "created_at"]
    ids = pd.Series([789, 790, 791, 805] * 30)
    for name in ("actor_id", "object_id", "place_id"):
        role, why = infer_role(name, ids, max_categories=50, columns=names)
        assert (role, "actor's or object's id" in why) == ("categorical", True), (name, role, why)
    assert infer_role("actor_id", ids, max_categories=50, columns=["actor_id", "bytes"])[0] == "numeric"


def test_an_access_control_api_page_is_refused_with_its_recipe(tmp_path: Path) -> None:
    # What was wrong: a Brivo API page ({"offset", "pageSize", "data": [...], "count"}) or a Verkada
    # access events page ({"events": [...], "next_page_token"}) saved whole read as one row of its
    # envelope, the badge events one text value ('1 row inspected, 4 columns', after a Sentinel
    # recipe), and pretty-printed was told 'jq -c .', which writes that one row again.
    import json

    event = {"occurred": "2024-03-01T08:02:15Z", "eventType": "Access Granted",
             "actor": {"name": "Jane Doe"}, "credential": {"referenceId": "000456"}}
    for page, jq in (({"offset": 0, "pageSize": 2, "data": [event, event], "count": 2}, ".data[]"),
                     ({"events": [event, event], "next_page_token": "a1"}, ".events[]")):
        for indent in (None, 2):
            p = tmp_path / "page.json"
            p.write_text(json.dumps(page, indent=indent))
            result = runner.invoke(app, ["inspect", str(p)])
            assert result.exit_code == 2, result.output
            assert f"jq -c '{jq}'" in result.output, result.output
    rows = tmp_path / "rows.jsonl"  # a row that holds a 'data' object among its fields: a row
    rows.write_text("\n".join(json.dumps({"data": {"n": i}, "count": i, "user": "a"}) for i in range(3)))
    assert runner.invoke(app, ["inspect", str(rows)]).exit_code == 0
