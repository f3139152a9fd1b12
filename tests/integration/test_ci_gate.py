"""`pgolf ci` end to end on real git repositories built in a temporary folder.

Each test makes a records repository (base commits on `main`, the PR on a branch `pr`) and
compares the gate's workflow commands with exact expected lines. The catalogue is replaced by
`no_catalogue` / a fake check wherever exact output matters, so these tests pin the gate's own
findings (PG0xx) and its path mapping, not the verdict of every catalogue check.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import ClassVar

import pytest

import pgolf.engine
from checks.fixture_kit import FileContent, standard_files
from pgolf.catalogue import Check, CheckContext, CheckKind, Lifecycle
from pgolf.cli import main
from pgolf.findings import CheckOutcome, Evidence, Location, Status
from pgolf.meta.strict import validate_file

pytestmark = pytest.mark.integration

TRACK = "records/track_10min_16mb"
EXISTING = f"{TRACK}/2026-03-20_Baseline"
# A space and non-ASCII letters: the gate reads paths NUL-separated, never shell- or C-quoted.
GOOD = f"{TRACK}/2026-04-29_Good Run ü"
SECOND = f"{TRACK}/2026-04-30_Another"
ERR = "::error file={file},title={code} {slug} (REQUIRED-FILES)::{message}"


def _gate_line(code: str, slug: str, file: str, message: str, line: int | None = None) -> str:
    text = ERR.format(file=file, code=code, slug=slug, message=message)
    return text if line is None else text.replace(f"file={file},", f"file={file},line={line},", 1)


class RecordsRepo:
    """A throwaway records repository; git runs with no user or system config."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir()
        self.env = {
            **os.environ,
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Test",
            "GIT_AUTHOR_EMAIL": "test@example.invalid",
            "GIT_COMMITTER_NAME": "Test",
            "GIT_COMMITTER_EMAIL": "test@example.invalid",
        }
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=self.root, env=self.env, capture_output=True, text=True, check=True)
        return proc.stdout.strip()

    def write(self, rel: str, content: FileContent) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    def write_folder(self, folder: str, files: Mapping[str, FileContent]) -> None:
        for rel, content in files.items():
            self.write(f"{folder}/{rel}", content)

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> RecordsRepo:
    """main: README + one existing record; then branch `pr`; then main moves on (three-dot test)."""
    r = RecordsRepo(tmp_path / "records-repo")
    r.write("README.md", "# Parameter Golf records\n")
    r.write_folder(EXISTING, standard_files())
    r.commit("base")
    r.git("branch", "pr")
    r.write("README.md", "# Parameter Golf records\n\nLeaderboard updated.\n")  # after the PR branched
    r.commit("main moves on")
    r.git("checkout", "-q", "pr")
    return r


class _FakeCheck:
    """A catalogue check that always fails with evidence at a folder-relative and an absolute path."""

    code: ClassVar[str] = "PG999"
    slug: ClassVar[str] = "fake-log-finding"
    rule: ClassVar[str] = "SIZE-CAP"
    kind: ClassVar[CheckKind] = "log"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        absolute = str(ctx.folder.root / "train_seed42.log")
        return CheckOutcome(
            status=Status.FAIL,
            message="fake finding",
            evidence=[
                Evidence(location=Location(path="train_seed42.log", line=3), note="relative"),
                Evidence(location=Location(path=absolute, line=7), note="absolute"),
            ],
        )


@pytest.fixture
def no_catalogue(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run the gate with an empty catalogue, so its output is exactly the gate's own findings."""
    monkeypatch.setattr(pgolf.engine, "all_checks", list)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    yield


def _run(
    repo: RecordsRepo, capsys: pytest.CaptureFixture[str], *extra: str, base: str = "main"
) -> tuple[int, list[str]]:
    summary = repo.root.parent / "summary.md"
    args = ["ci", "--base", base, "--head", "pr", "--repo", str(repo.root), "--summary", str(summary)]
    code = main([*args, "--format", "github", *extra])
    return code, capsys.readouterr().out.splitlines()


def _summary(repo: RecordsRepo) -> str:
    return (repo.root.parent / "summary.md").read_text("utf-8")


@pytest.mark.usefixtures("no_catalogue")
def test_good_pr_passes_with_no_annotations(repo: RecordsRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write_folder(GOOD, standard_files())
    repo.commit("add a record")

    code, lines = _run(repo, capsys)

    assert (code, lines) == (0, [])
    summary = _summary(repo)
    assert summary.startswith("# pgolf CI gate: ✅ pass\n")
    assert "| ✅ | `PG001` pr-touches-outside-records | every changed path is inside" in summary
    assert f"| ✅ | `PG006` pr-adds-no-submission | new submission folder(s): {GOOD} |" in summary
    # the base README change made on main after the branch point is not the PR's (three-dot diff)
    assert "6 changed path(s)" in summary
    assert f"## `{GOOD}`: ✅ pass" in summary


def test_good_pr_under_the_real_catalogue_has_no_gate_findings(
    repo: RecordsRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    repo.write_folder(GOOD, standard_files())
    repo.commit("add a record")

    code, lines = _run(repo, capsys)

    assert not [line for line in lines if "title=PG00" in line]
    # whatever the catalogue says, every annotation it makes lands on the PR's own folder
    for line in lines:
        assert line.startswith(("::error ", "::warning ")), line
        if "file=" in line:
            assert line.split("file=", 1)[1].startswith(GOOD + "/"), line
    assert code == (1 if any(line.startswith("::error ") for line in lines) else 0)


@pytest.mark.usefixtures("no_catalogue")
def test_pr_touching_files_outside_records(repo: RecordsRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write_folder(GOOD, standard_files())
    repo.write("README.md", "# Parameter Golf records\n\nMy record is the best.\n")
    repo.write(".github/workflows/steal.yml", "on: pull_request_target\n")
    repo.write(f"{TRACK}/notes.md", "loose file in the track folder\n")
    repo.commit("record plus extras")

    code, lines = _run(repo, capsys)

    message = "{} outside any records/<track>/<folder>/"
    assert code == 1
    assert lines == [
        _gate_line("PG001", "pr-touches-outside-records", ".github/workflows/steal.yml", message.format("added")),
        _gate_line("PG001", "pr-touches-outside-records", "README.md", message.format("modified")),
        _gate_line("PG001", "pr-touches-outside-records", f"{TRACK}/notes.md", message.format("added")),
    ]
    assert _summary(repo).startswith("# pgolf CI gate: ❌ fail\n")


@pytest.mark.usefixtures("no_catalogue")
def test_pr_adding_two_folders(repo: RecordsRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write_folder(GOOD, standard_files())
    repo.write_folder(SECOND, standard_files())
    repo.commit("two records")

    code, lines = _run(repo, capsys)

    message = "new submission folder"
    assert code == 1
    assert lines == [
        _gate_line("PG002", "pr-adds-several-folders", GOOD, message),
        _gate_line("PG002", "pr-adds-several-folders", SECOND, message),
    ]
    # both folders are still checked, so the author sees every problem in one run
    summary = _summary(repo)
    assert f"## `{GOOD}`: ✅ pass" in summary
    assert f"## `{SECOND}`: ✅ pass" in summary


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.usefixtures("no_catalogue")
def test_pr_with_invalid_submission_json(repo: RecordsRepo, capsys: pytest.CaptureFixture[str]) -> None:
    files = standard_files()
    doc = json.loads(files["submission.json"])
    del doc["author"]
    doc["val_bpb"] = "1.0614"
    text = json.dumps(doc, indent=2)
    files["submission.json"] = text
    repo.write_folder(GOOD, files)
    repo.commit("record with a broken submission.json")

    code, lines = _run(repo, capsys)

    errors = {e.pointer: e.message for e in validate_file(repo.root / GOOD / "submission.json")}
    assert set(errors) == {"/author", "/val_bpb"}
    file = f"{GOOD}/submission.json"
    hint = f"; `pgolf submission fix '{GOOD}'` repairs what the logs can tell"
    identity = f"; no log states it: `pgolf submission fix '{GOOD}' --author 'Your Name'`"
    assert code == 1
    assert lines == [
        # a missing key has no line of its own: the annotation points at the object that lacks it
        _gate_line("PG003", "submission-json-schema", file, f"at /author: {errors['/author']}{identity}", 1),
        _gate_line(
            "PG003",
            "submission-json-schema",
            file,
            f"at /val_bpb: {errors['/val_bpb']}{hint}",
            _line_of(text, '  "val_bpb": "1.0614"'),
        ),
    ]
    assert _line_of(text, '  "val_bpb"') > 1
    assert "expected number" in errors["/val_bpb"]


@pytest.mark.usefixtures("no_catalogue")
def test_pr_modifying_an_existing_record(repo: RecordsRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(f"{EXISTING}/README.md", "# Baseline, improved after the fact\n")
    repo.git("rm", "-q", f"{EXISTING}/train_seed314.log")
    repo.git("mv", f"{EXISTING}/train_seed1234.log", f"{EXISTING}/train_seed1234_old.log")
    repo.commit("rewrite history")

    code, lines = _run(repo, capsys)

    head = ""
    within = f"in existing record {EXISTING}/"
    assert code == 1
    assert lines == [
        _gate_line("PG005", "pr-changes-existing-record", f"{EXISTING}/README.md", f"{head}modified {within}"),
        _gate_line(
            "PG005",
            "pr-changes-existing-record",
            f"{EXISTING}/train_seed1234.log",
            f"{head}renamed to {EXISTING}/train_seed1234_old.log {within}",
        ),
        _gate_line(
            "PG005",
            "pr-changes-existing-record",
            f"{EXISTING}/train_seed1234_old.log",
            f"{head}renamed from {EXISTING}/train_seed1234.log {within}",
        ),
        _gate_line("PG005", "pr-changes-existing-record", f"{EXISTING}/train_seed314.log", f"{head}deleted {within}"),
        "::error title=PG006 pr-adds-no-submission (REQUIRED-FILES)::the PR adds no new folder under "
        "records/track_10min_16mb/, records/track_non_record_16mb/",
    ]


@pytest.mark.usefixtures("no_catalogue")
def test_pr_under_an_unknown_track(repo: RecordsRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write_folder("records/track_1min_1mb/2026-04-29_Tiny", {"README.md": "# tiny\n"})
    repo.commit("new track")

    code, lines = _run(repo, capsys)

    assert code == 1
    assert lines[0] == _gate_line(
        "PG004",
        "pr-uses-unknown-track",
        "records/track_1min_1mb/2026-04-29_Tiny/README.md",
        "added under unknown track records/track_1min_1mb/",
    )
    assert lines[1].startswith("::error title=PG006 pr-adds-no-submission (REQUIRED-FILES)::")


@pytest.mark.usefixtures("no_catalogue")
def test_hostile_file_name_cannot_inject_workflow_commands(
    repo: RecordsRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write_folder(GOOD, standard_files())
    repo.write("notes\n::add-mask::x, y.md", "hello\n")
    repo.commit("a newline in a file name")

    code, lines = _run(repo, capsys)

    assert code == 1
    assert lines == [
        "::error file=notes%0A%3A%3Aadd-mask%3A%3Ax%2C y.md,title=PG001 pr-touches-outside-records "
        "(REQUIRED-FILES)::added outside any records/<track>/<folder>/"
    ]


@pytest.mark.usefixtures("no_catalogue")
def test_folder_without_submission_files(repo: RecordsRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write_folder(GOOD, {"README.md": "# nothing else\n"})
    (repo.root / GOOD / "link").symlink_to("../../../README.md")
    repo.commit("a folder with a README and a symlink")

    code, lines = _run(repo, capsys)

    assert code == 1
    assert lines == [
        "::error title=PG003 submission-json-schema (REQUIRED-FILES)::the folder has no submission.json "
        f"(REQUIRED-FILES asks for one); `pgolf submission init '{GOOD}'` writes one from the logs",
        "::error title=PG007 submission-folder-unreadable (REQUIRED-FILES)::"
        f"pgolf check cannot read the folder: {GOOD}: not a submission folder "
        "(no submission*.json, code file or log in it)",
    ]
    assert "link: is a symlink in the PR; not followed, not copied" in _summary(repo)


def test_catalogue_evidence_lands_on_the_prs_files(
    repo: RecordsRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def fake_catalogue() -> list[type[Check]]:
        return [_FakeCheck]

    monkeypatch.setattr(pgolf.engine, "all_checks", fake_catalogue)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    repo.write_folder(GOOD, standard_files())
    repo.commit("add a record")

    code, lines = _run(repo, capsys)

    title = "title=PG999 fake-log-finding (SIZE-CAP)"
    assert code == 1
    assert lines == [
        f"::error file={GOOD}/train_seed42.log,line=3,{title}::relative",
        f"::error file={GOOD}/train_seed42.log,line=7,{title}::absolute",
    ]


@pytest.mark.usefixtures("no_catalogue")
def test_summary_goes_to_github_step_summary(
    repo: RecordsRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    step_summary = tmp_path / "step_summary.md"
    step_summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    repo.write_folder(GOOD, standard_files())
    repo.commit("add a record")

    code = main(["ci", "--base", "main", "--head", "pr", "--repo", str(repo.root), "--format", "github"])

    assert code == 0
    assert capsys.readouterr().out == ""
    text = step_summary.read_text("utf-8")
    assert text.startswith("earlier step\n# pgolf CI gate: ✅ pass\n")


@pytest.mark.usefixtures("no_catalogue")
def test_summary_on_stdout_after_annotations_without_a_destination(
    repo: RecordsRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write_folder(GOOD, standard_files())
    repo.write("README.md", "changed\n")
    repo.commit("record plus README")

    code = main(["ci", "--base", "main", "--head", "pr", "--repo", str(repo.root), "--format", "github"])

    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out[0].startswith("::error file=README.md,title=PG001 ")
    assert out[1] == "# pgolf CI gate: ❌ fail"


@pytest.mark.usefixtures("no_catalogue")
@pytest.mark.parametrize(
    ("base", "why"),
    [
        ("no-such-branch", "'no-such-branch' does not name a commit"),
        ("--output=/tmp/x", "does not name a commit"),
    ],
)
def test_bad_refs_are_usage_errors(repo: RecordsRepo, capsys: pytest.CaptureFixture[str], base: str, why: str) -> None:
    code = main(["ci", f"--base={base}", "--head", "pr", "--repo", str(repo.root)])

    assert code == 2
    assert why in capsys.readouterr().err


def test_not_a_git_repository_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "plain").mkdir()

    code = main(["ci", "--base", "a", "--head", "b", "--repo", str(tmp_path / "plain")])

    assert code == 2
    assert "rev-parse --git-dir failed" in capsys.readouterr().err


@pytest.mark.usefixtures("no_catalogue")
def test_unrelated_histories_have_no_merge_base(repo: RecordsRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.git("checkout", "-q", "--orphan", "other")
    repo.write("x.md", "x\n")
    repo.commit("unrelated")

    code = main(["ci", "--base", "main", "--head", "other", "--repo", str(repo.root)])

    assert code == 2
    assert "share no history (no merge base)" in capsys.readouterr().err


@pytest.mark.usefixtures("no_catalogue")
def test_the_working_tree_is_left_alone(repo: RecordsRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write_folder(GOOD, standard_files())
    repo.commit("add a record")
    repo.git("checkout", "-q", "main")  # the runner sits at base; the PR's files are only in git objects
    before = repo.git("status", "--porcelain", "--ignored")

    code, _ = _run(repo, capsys)

    assert code == 0
    assert not (repo.root / GOOD).exists()
    assert repo.git("status", "--porcelain", "--ignored") == before
    assert repo.git("rev-parse", "--abbrev-ref", "HEAD") == "main"
