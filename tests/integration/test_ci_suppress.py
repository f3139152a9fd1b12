"""Suppressions in the CI gate: from the base commit's config, the command line (the action's
`ignore` input) and inline comments; each shows in the annotations and the step summary as
"suppressed: reason", and a PR can never suppress findings about itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

import pgolf.engine
from checks.fixture_kit import standard_files
from pgolf.catalogue import Check, CheckContext, CheckKind, Lifecycle
from pgolf.cli import main
from pgolf.findings import CheckOutcome, Evidence, Location, Status
from tests.integration.test_ci_gate import EXISTING, TRACK, RecordsRepo

pytestmark = pytest.mark.integration

NEW = f"{TRACK}/2026-04-29_Run"
TITLE = "title=PG402 oracle-gated-score (ORACLE-GATE)"


class _Oracle:
    code: ClassVar[str] = "PG402"
    slug: ClassVar[str] = "oracle-gated-score"
    rule: ClassVar[str] = "ORACLE-GATE"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        ev = Evidence(location=Location(path="train_gpt.py", line=2), note="min() over two losses")
        return CheckOutcome(status=Status.FAIL, message="oracle gate", evidence=[ev])


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordsRepo]:
    def checks() -> list[type[Check]]:
        return [_Oracle]

    monkeypatch.setattr(pgolf.engine, "all_checks", checks)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    r = RecordsRepo(tmp_path / "records-repo")
    r.write("README.md", "# records\n")
    r.write_folder(EXISTING, standard_files())
    yield r


def _pr(repo: RecordsRepo, script: str = "import torch\nbest = min(a, b)\n", **extra: str) -> None:
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "pr")
    repo.write_folder(NEW, {**standard_files(), "train_gpt.py": script})
    for path, text in extra.items():
        repo.write(path, text)
    repo.commit("the PR")


def _gate(repo: RecordsRepo, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, list[str], str]:
    summary = repo.root.parent / "summary.md"
    args = ["ci", "--base", "main", "--head", "pr", "--repo", str(repo.root), "--format", "github"]
    code = main([*args, "--summary", str(summary), *extra])
    lines = [line for line in capsys.readouterr().out.splitlines() if "PG402" in line or "PG001" in line]
    return code, lines, summary.read_text("utf-8")


def test_base_config_suppresses_with_its_reason(repo: RecordsRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(".pgolf.toml", 'ignore = [{ code = "PG402", reason = "accepted by the organizers in #1234" }]\n')
    _pr(repo)

    code, lines, summary = _gate(repo, capsys)

    assert code == 0
    assert lines == [
        f"::notice file={NEW}/train_gpt.py,line=2,{TITLE}::fail, suppressed: accepted by the organizers "
        "in #1234 [.pgolf.toml at base ignore]"
    ]
    assert "| 🔕 | `PG402` oracle-gated-score | ORACLE-GATE | oracle gate (suppressed: accepted by" in summary


def test_a_config_the_pr_adds_is_not_read(repo: RecordsRepo, capsys: pytest.CaptureFixture[str]) -> None:
    _pr(repo, **{".pgolf.toml": 'ignore = ["PG402"]\n'})

    code, lines, _ = _gate(repo, capsys)

    assert code == 1
    assert f"::error file={NEW}/train_gpt.py,line=2,{TITLE}::min() over two losses" in lines
    assert any(line.startswith("::error file=.pgolf.toml,title=PG001 ") for line in lines)


def test_command_line_ignore_with_reason(repo: RecordsRepo, capsys: pytest.CaptureFixture[str]) -> None:
    _pr(repo)

    code, lines, summary = _gate(repo, capsys, "--ignore", "PG402: false positive, see #77")

    assert code == 0
    assert lines == [
        f"::notice file={NEW}/train_gpt.py,line=2,{TITLE}::fail, suppressed: false positive, see #77 [--ignore]"
    ]
    assert "suppressed: false positive, see #77 [--ignore]" in summary


def test_inline_comment_in_the_pr_is_shown_not_applied(repo: RecordsRepo, capsys: pytest.CaptureFixture[str]) -> None:
    _pr(repo, "import torch\nbest = min(a, b)  # pgolf: ignore[PG402] trust me\n")

    code, lines, summary = _gate(repo, capsys)

    assert code == 1
    assert lines == [
        f"::notice file={NEW}/train_gpt.py,line=2,{TITLE}::suppression requested, not applied: trust me "
        "[train_gpt.py:2 (inline)]",
        f"::error file={NEW}/train_gpt.py,line=2,{TITLE}::min() over two losses",
    ]
    assert "suppression requested, not applied: trust me" in summary


def test_inline_comments_apply_where_the_base_config_says_so(
    repo: RecordsRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".pgolf.toml", 'inline-suppressions = "apply"\n')
    _pr(repo, "import torch\n# pgolf: ignore[PG402] both scored first\nbest = min(a, b)\n")
    repo.git("checkout", "-q", "pr")
    repo.write(f"{NEW}/train_gpt.py", "import torch\nbest = min(a, b)  # pgolf: ignore[PG402] both scored first\n")
    repo.commit("comment on the line itself")

    code, lines, _ = _gate(repo, capsys)

    assert code == 0
    assert lines == [
        f"::notice file={NEW}/train_gpt.py,line=2,{TITLE}::fail, suppressed: both scored first "
        "[train_gpt.py:2 (inline)]"
    ]


def test_gate_rules_can_be_suppressed_too(repo: RecordsRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(".pgolf.toml", 'ignore = [{ code = "PG001", reason = "maintainers edit the README" }, "PG402"]\n')
    _pr(repo, **{"README.md": "# records\n\nupdated\n"})

    code, lines, _ = _gate(repo, capsys)

    assert code == 0
    assert lines[0] == (
        "::notice file=README.md,title=PG001 pr-touches-outside-records (REQUIRED-FILES)::fail, suppressed: "
        "maintainers edit the README [.pgolf.toml at base ignore]"
    )


def test_config_file_option_and_no_config(
    repo: RecordsRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo.write(".pgolf.toml", 'ignore = ["PG402"]\n')
    _pr(repo)
    other = tmp_path / "gate.toml"
    other.write_text('policy = "leaderboard"\n', encoding="utf-8")

    assert _gate(repo, capsys, "--no-config")[0] == 1
    assert _gate(repo, capsys, "--config", str(other))[0] == 1
    assert _gate(repo, capsys)[0] == 0


def test_base_config_option_reads_that_file_at_base(repo: RecordsRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """The action's `config` input: a path in the repository, read at base; the PR's edit of it is ignored."""
    repo.write(".github/pgolf.toml", 'ignore = [{ code = "PG402", reason = "from the base" }]\n')
    _pr(repo, **{".github/pgolf.toml": 'ignore = [{ code = "PG402", reason = "from the PR" }]\n'})

    code, lines, _ = _gate(repo, capsys, "--base-config", ".github/pgolf.toml")

    assert any("suppressed: from the base [pgolf.toml at base ignore]" in line for line in lines)
    assert not any("from the PR" in line for line in lines)
    assert code == 1  # the PR's edit of the config is itself a change outside its folder (PG001)
    assert main(["ci", "--base", "main", "--head", "pr", "--repo", str(repo.root), "--base-config", "nope.toml"]) == 2


def test_base_config_baseline_is_read_from_the_base_commit(
    repo: RecordsRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from checks.not_significant.check import NotSignificant

    def checks() -> list[type[Check]]:
        return [NotSignificant]

    monkeypatch.setattr(pgolf.engine, "all_checks", checks)
    repo.write(".pgolf.toml", f'baseline = "{EXISTING}"\n')
    _pr(repo)

    code = main(["ci", "--base", "main", "--head", "pr", "--repo", str(repo.root), "--format", "json"])

    report = json.loads(capsys.readouterr().out)
    (pg501,) = [r for s in report["submissions"] for r in s["results"] if r["code"] == "PG501"]
    assert code in (0, 1)
    assert pg501["status"] != "skip" and "vs baseline" in pg501["message"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--ignore", "PG4O2: typo"), "--ignore: unknown check or rule 'PG4O2'"),
        (("--select", "no-such-slug"), "--select: unknown check or rule 'no-such-slug'"),
        (("--ignore", ": a reason for nothing"), "--ignore ': a reason for nothing' names no check"),
        (("--select", ""), "--select '' names no check"),
    ],
)
def test_unknown_or_empty_selectors_are_a_one_line_error(
    repo: RecordsRepo, capsys: pytest.CaptureFixture[str], extra: tuple[str, ...], message: str
) -> None:
    """A selector that names no check would suppress or select nothing, silently: the gate refuses it."""
    _pr(repo)
    code = main(["ci", "--base", "main", "--head", "pr", "--repo", str(repo.root), *extra])
    err = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("pgolf ci:")]
    assert code == 2 and len(err) == 1 and message in err[0], err
