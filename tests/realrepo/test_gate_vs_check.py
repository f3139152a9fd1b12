"""The CI gate on real PRs agrees with `pgolf check` once submission.json is fixed (issue 10).

The full figure is `make gate-vs-check` (40 PRs); this tier runs the three most recent record-track
PR heads, each as a temporary repository with base = main and head = main + the PR's folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pgolf.realrepo.gate import compare, recent_record_prs

pytestmark = pytest.mark.realrepo


@pytest.mark.timeout(900)
def test_gate_verdict_equals_check_verdict(snapshot_repo: Path) -> None:
    targets = recent_record_prs(snapshot_repo, 3)
    assert len(targets) == 3

    rows = [compare(snapshot_repo, pr, folder, "readme") for pr, folder in targets]

    assert [r.crash for r in rows] == [None, None, None]
    assert [(r.pr, r.gate_exit) for r in rows] == [(r.pr, r.check_exit) for r in rows]
    for r in rows:
        # whatever the gate fails on beyond check's findings is its own rule, about this PR's folder
        extra = [f for f in r.gate_failures if f not in r.check_failures]
        assert all(f.startswith(("PG00",)) for f in extra), extra
