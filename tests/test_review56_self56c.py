"""Review round 56 (self56c): the log changes of this round (rules 3 masks, runs, BOMs, windows)."""
from __future__ import annotations

from hourglass.ingest.logs import LogParser


def test_rules3_id_or_uuid_inside_a_path_stays_part_of_the_path() -> None:
    # What was wrong: the rules-3 <ID> and <UUID> masks ran before <PATH> and matched inside a
    # path, splitting it: '/tmp/hadoop/attempt_..._0/file.out' became '<PATH><ID>/file.out' (the
    # file name left in the template, a template per file; the path's value cut in two), where
    # rules 2 gave one '<PATH>'. They now run after <PATH>, as the path is one value.
    p = LogParser("raw")
    assert p.mask("Copying /tmp/hadoop/attempt_1445144423722_0020_m_000000_0/file.out to disk") \
        == "Copying <PATH> to disk"
    assert p.mask("Opened /var/lib/nova/instances/123e4567-e89b-12d3-a456-426614174000/disk ok") \
        == "Opened <PATH> ok"
    # outside a path they are masked as before
    assert p.mask("Launching attempt_1445144423722_0020_m_000000_0 on host") == "Launching <ID> on host"
    assert p.mask("instance 123e4567-e89b-12d3-a456-426614174000 spawned") == "instance <UUID> spawned"
    lines = [f"Reading /user/root/.staging/job_1445144423722_00{i:02d}/job{i}.xml now" for i in range(6)]
    parsed = p.fit(lines).parse(lines)
    assert parsed["key"].nunique() == 1
    assert LogParser.parameters(parsed["template"].iloc[0], lines[3]) \
        == ["/user/root/.staging/job_1445144423722_0003/job3.xml"]
