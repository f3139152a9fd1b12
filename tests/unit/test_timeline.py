"""The ruling timeline: a submission is judged by the rulings in force on its date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pgolf.catalogue import CheckContext
from pgolf.errors import InternalError
from pgolf.findings import Status
from pgolf.folder import load_folder
from pgolf.meta.model import Claimed, SubmissionMeta
from pgolf.ruleset import load_ruleset
from pgolf.timeline import in_force, judged_at, ruling_cap


def _meta(value: str) -> SubmissionMeta:
    return SubmissionMeta(path="submission.json", date=Claimed(value=value, pointer="/date"))


def test_the_date_comes_from_submission_json_then_the_folder_name() -> None:
    assert judged_at("2026-04-01_X", _meta("2026-04-30T00:00:00Z")).day == date(2026, 4, 30)
    at = judged_at("2026-04-01_X", _meta("last week"))
    assert (at.day, at.basis) == (date(2026, 4, 1), "folder name")
    assert judged_at("2026-04-01_X", None).day == date(2026, 4, 1)
    assert judged_at("2026-02-30_X", None).day is None
    assert judged_at("SomeRecord", None).day is None
    assert judged_at("2026-04-01_X", _meta("2026-04-30"), pinned=date(2026, 5, 2)).day == date(2026, 5, 2)


def test_bos_mask_ruling_is_grandfathered_before_its_date_under_both_policies() -> None:
    rs = load_ruleset()
    ruling = rs.ruling("BOS-MASK")
    before, after = judged_at("2026-04-20_A", None), judged_at("2026-05-10_B", None)
    assert not in_force(ruling, before) and in_force(ruling, after)
    for policy in rs.policies.values():
        status, reason = ruling_cap(ruling, before, policy)
        assert status is Status.WARN and reason.startswith("grandfathered")
    assert ruling_cap(ruling, after, rs.policies["leaderboard"])[0] is Status.FAIL
    # The README is silent on the BOS mask: the readme policy never goes past WARN.
    assert ruling_cap(ruling, after, rs.policies["readme"])[0] is Status.WARN


def test_retroactive_rulings_apply_to_earlier_submissions() -> None:
    rs = load_ruleset()
    ruling = rs.ruling("NGRAM-KEY-LEAK")
    early = judged_at("2026-03-01_A", None)
    assert in_force(ruling, early)
    assert ruling_cap(ruling, early, rs.policies["readme"])[0] is Status.FAIL  # the README states C1


def test_context_api_and_unknown_rulings(tmp_path: Path) -> None:
    folder = tmp_path / "2026-04-20_Old"
    folder.mkdir()
    (folder / "train_gpt.py").write_text("print(1)\n")
    rs = load_ruleset()
    ctx = CheckContext(folder=load_folder(folder), ruleset=rs)
    assert ctx.judged_at.basis == "folder name"
    assert not ctx.in_force("BOS-MASK")
    evidence = ctx.grandfathered("BOS-MASK")
    assert evidence is not None and "2026-04-26" in evidence.note and "#1797" in evidence.note
    pinned = CheckContext(folder=load_folder(folder), ruleset=rs, as_of=rs.date)
    assert pinned.in_force("BOS-MASK") and pinned.grandfathered("BOS-MASK") is None
    with pytest.raises(InternalError, match="no ruling"):
        ctx.in_force("NO-SUCH-RULING")


def test_every_ruling_names_a_known_rule_and_a_date_not_after_the_ruleset() -> None:
    from checks import ALL_CHECKS

    rs = load_ruleset()
    rules = {c.rule for c in ALL_CHECKS.values()}
    for ruling in rs.rulings.values():
        assert ruling.rule in rules, ruling.id
        assert ruling.date <= rs.date, ruling.id
        assert ruling.source and ruling.summary


def test_explain_lists_the_rulings_of_a_rule(capsys: pytest.CaptureFixture[str]) -> None:
    from pgolf.cli import main

    assert main(["explain", "DOC-BOUNDARY"]) == 0
    out = capsys.readouterr().out
    assert "## Rulings" in out and "BOS-MASK (2026-04-26)" in out and "grandfathered" in out
