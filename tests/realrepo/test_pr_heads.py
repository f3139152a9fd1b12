"""The records folder(s) each PR head of the snapshot adds: checked, no crash, no `error` result.

About 1,700 folders; checked in parallel processes (one per CPU). Time per folder is a figure
printed here and by `make realrepo`, never asserted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pgolf.realrepo.scan import check_targets, pr_target, summarize
from pgolf.realrepo.snapshot import pr_added_folders, pr_numbers

pytestmark = pytest.mark.realrepo

# PRs whose added folders are known (seed PRs of issue 8): a regression in the listing shows here.
KNOWN = {
    2135: ["records/track_10min_16mb/2026-05-01_SP8192_PR2130Base_Calib32"],
    1123: ["records/track_non_record_16mb/2026-03-30_HybridQuantGPT_v61_rANS_SWA_10K"],
}


def test_added_folders_of_known_prs(snapshot_repo: Path, main_folders: list[str]) -> None:
    for number, folders in KNOWN.items():
        assert pr_added_folders(snapshot_repo, number, set(main_folders)) == folders
    # #1019's folder was merged as is: its head adds nothing that main lacks.
    assert pr_added_folders(snapshot_repo, 1019, set(main_folders)) == []


@pytest.mark.timeout(5400)
def test_every_pr_head_folder_is_checked_without_crash_or_error(
    snapshot_repo: Path, main_folders: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    numbers = pr_numbers(snapshot_repo)
    assert len(numbers) >= 1800
    on_main = set(main_folders)
    targets = [pr_target(n, f) for n in numbers for f in pr_added_folders(snapshot_repo, n, on_main)]
    outcomes = check_targets(snapshot_repo, targets, once=True)  # leaderboard read from the verdicts
    summary = summarize(f"{len(numbers)} PR heads' added record folders", outcomes)
    with capsys.disabled():
        print("\n" + "\n".join(summary.lines()))
    assert [o.target.label for o in summary.crashes] == []
    assert [o.target.label for o in summary.errors] == []
    # Refusals are one-line errors for folders that hold no submission file at all (README only).
    assert all("not a submission folder" in (o.refused or "") for o in summary.refused), [
        (o.target.label, o.refused) for o in summary.refused if "not a submission folder" not in (o.refused or "")
    ]


def test_a_pr_without_a_head_is_a_one_line_error(snapshot_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pgolf.realrepo.__main__ import main

    assert main(["prs", "--pr", "9999999"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no refs/pull/9999999/head in the snapshot (it holds ") and "\n" not in err
