"""`pgolf ci` never crashes on what a PR can push (issue 13, point 3) and never lets padding hide
the required files (point 4): crafted trees git itself would refuse to check out, JSON nested
far deeper than Python recurses, an unwritable summary, thousands of files in one folder."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import pgolf.engine
from checks.fixture_kit import standard_files
from pgolf.ci.diff import GitRepo
from pgolf.ci.gate import materialize
from pgolf.cli import main
from pgolf.errors import EXIT_INTERNAL
from tests.integration.test_ci_gate import EXISTING, TRACK, RecordsRepo

pytestmark = pytest.mark.integration

NEW = "2026-04-29_Run"
Tree = dict[str, "bytes | Tree"]


def _mktree(repo: RecordsRepo, entries: list[tuple[str, bytes | Tree]]) -> str:
    """A tree object with exactly these entries, in this order: `.`, `..` and repeated names included
    (git mktree stores what it is given; git's checkout and fsck are what refuse such trees)."""
    lines = []
    for name, content in entries:
        if isinstance(content, bytes):
            sha = (
                subprocess.run(
                    ["git", "hash-object", "-w", "--stdin"],
                    cwd=repo.root,
                    env=repo.env,
                    input=content,
                    capture_output=True,
                    check=True,
                )
                .stdout.decode()
                .strip()
            )
            lines.append(f"100644 blob {sha}\t{name}")
        else:
            lines.append(f"040000 tree {_mktree(repo, list(content.items()))}\t{name}")
    out = subprocess.run(
        ["git", "mktree", "--missing"],
        cwd=repo.root,
        env=repo.env,
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def _folder_files() -> list[tuple[str, bytes | Tree]]:
    return [(k, v.encode() if isinstance(v, str) else v) for k, v in standard_files().items() if "/" not in k]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordsRepo]:
    monkeypatch.setattr(pgolf.engine, "all_checks", list)  # the gate's own handling is under test
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    r = RecordsRepo(tmp_path / "records-repo")
    r.write("README.md", "# records\n")
    r.write_folder(EXISTING, standard_files())
    r.commit("base")
    yield r


def _head_with(repo: RecordsRepo, folder_entries: list[tuple[str, bytes | Tree]]) -> str:
    """A commit on top of main whose track folder also holds NEW with these entries."""
    existing = repo.git("rev-parse", f"main:{EXISTING}")
    track_lines = f"040000 tree {existing}\t{EXISTING.rsplit('/', 1)[1]}\n"
    new = _mktree(repo, folder_entries)
    track_lines += f"040000 tree {new}\t{NEW}\n"
    track = subprocess.run(
        ["git", "mktree"], cwd=repo.root, env=repo.env, input=track_lines, capture_output=True, text=True, check=True
    ).stdout.strip()
    records = _mktree_raw(repo, f"040000 tree {track}\t{TRACK.split('/')[1]}\n")
    readme = repo.git("rev-parse", "main:README.md")
    root = _mktree_raw(repo, f"100644 blob {readme}\tREADME.md\n040000 tree {records}\trecords\n")
    return repo.git("commit-tree", root, "-p", "main", "-m", "crafted")


def _mktree_raw(repo: RecordsRepo, text: str) -> str:
    return subprocess.run(
        ["git", "mktree"], cwd=repo.root, env=repo.env, input=text, capture_output=True, text=True, check=True
    ).stdout.strip()


def _gate(repo: RecordsRepo, head: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    code = main(["ci", "--base", "main", "--head", head, "--repo", str(repo.root), "--format", "text", *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("crafted", "note"),
    [
        ([("README.md", b"again\n")], "README.md: appears twice in the tree; the first one was copied"),
        ([(".", b"dot\n")], ".: has an empty, '.' or '..' path component; not copied"),
        ([("..", {"evil.py": b"x = 1\n"})], "../evil.py: has an empty, '.' or '..' path component; not copied"),
        ([("logs", b"file\n"), ("logs", {"train.log": b"x\n"})], "logs/train.log: lies under logs"),
    ],
    ids=["duplicate-name", "dot-entry", "dotdot-folder", "file-and-folder"],
)
def test_crafted_trees_are_reported_not_crashed_on(
    repo: RecordsRepo, capsys: pytest.CaptureFixture[str], crafted: list[tuple[str, bytes | Tree]], note: str
) -> None:
    head = _head_with(repo, [*_folder_files(), *crafted])

    code, out, err = _gate(repo, head, capsys)

    assert code in (0, 1), err
    assert "Traceback" not in err
    assert f"note: {note}" in out


def _materialized_notes(repo: RecordsRepo, head: str) -> str:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        _, notes = materialize(GitRepo(repo.root), head, f"{TRACK}/{NEW}", Path(tmp))
    return "\n".join(notes)


def test_duplicate_blob_name_as_non_root(repo: RecordsRepo, capsys: pytest.CaptureFixture[str]) -> None:
    """The copy is made read-only; writing the same name twice failed with EACCES for non-root users."""
    head = _head_with(repo, [*_folder_files(), ("train_seed42.log", b"second\n")])

    notes = _materialized_notes(repo, head)

    assert "train_seed42.log: appears twice in the tree; the first one was copied" in notes
    assert _gate(repo, head, capsys)[0] in (0, 1)


def test_deeply_nested_submission_json(repo: RecordsRepo, capsys: pytest.CaptureFixture[str]) -> None:
    files = dict(_folder_files())
    doc = json.loads(files["submission.json"])  # type: ignore[arg-type]
    deep = '{"x": ' * 600 + "1" + "}" * 600
    text = json.dumps(doc)[:-1] + ', "nested": ' + deep + "}"
    files["submission.json"] = text.encode()
    head = _head_with(repo, list(files.items()))

    code, out, err = _gate(repo, head, capsys)

    assert code != EXIT_INTERNAL, err
    assert "Traceback" not in err
    assert "PG003 submission-json-schema" in out


def test_unwritable_summary_keeps_the_verdict(
    repo: RecordsRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    head = _head_with(repo, _folder_files())
    blocked = tmp_path / "no-such-dir" / "summary.md"

    code, _, err = _gate(repo, head, capsys, "--summary", str(blocked))

    assert code in (0, 1)
    assert f"pgolf ci: cannot write the summary to {blocked}: No such file or directory; printed instead" in err


def test_many_padding_files_never_hide_the_required_ones(repo: RecordsRepo, capsys: pytest.CaptureFixture[str]) -> None:
    from pgolf.ci import gate

    padding: list[tuple[str, bytes | Tree]] = [(f"a{i:05d}.dat", b"") for i in range(60)]
    head = _head_with(repo, [*padding, *_folder_files()])
    old = gate.MAX_COPIED_FILES
    gate.MAX_COPIED_FILES = 10
    try:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            root, notes = materialize(GitRepo(repo.root), head, f"{TRACK}/{NEW}", Path(tmp))
            copied = sorted(p.name for p in root.iterdir())
    finally:
        gate.MAX_COPIED_FILES = old
    assert {"submission.json", "README.md", "train_gpt.py"} <= set(copied)
    assert any(name.endswith(".log") for name in copied)
    assert any("not copied: over the gate's cap of 10 files" in n for n in notes)


def test_blobs_come_through_one_cat_file_process(
    repo: RecordsRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import subprocess as real

    head = _head_with(repo, [*_folder_files(), *[(f"extra{i}.txt", b"x\n") for i in range(30)]])
    calls: list[list[str]] = []
    real_run, real_popen = real.run, real.Popen

    def run(args: list[str], **kw: object) -> object:
        calls.append(list(args))
        return real_run(args, **kw)  # type: ignore[call-overload]

    def popen(args: list[str], **kw: object) -> object:
        calls.append(list(args))
        return real_popen(args, **kw)  # type: ignore[call-overload]

    monkeypatch.setattr(real, "run", run)
    monkeypatch.setattr(real, "Popen", popen)
    root, _ = materialize(GitRepo(repo.root), head, f"{TRACK}/{NEW}", tmp_path / "copy")

    cat_files = [c for c in calls if "cat-file" in c]
    assert len(cat_files) == 1 and "--batch" in cat_files[0]
    assert len(list(root.iterdir())) == len(_folder_files()) + 30


@pytest.mark.skipif(os.name != "posix", reason="byte file names")
def test_check_json_with_non_utf8_file_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "records" / "track_10min_16mb" / "x"
    folder.mkdir(parents=True)
    for name, content in standard_files().items():
        if "/" not in name:
            (folder / name).write_text(content, encoding="utf-8") if isinstance(content, str) else None
    (folder / os.fsdecode(b"train_\xff.log")).write_bytes(b"hello\n")
    (folder / os.fsdecode(b"link_\xfe")).symlink_to("/etc/hostname")  # reported in the notes, by name

    code = main(["check", "--format", "json", str(folder)])

    out = capsys.readouterr().out
    assert code in (0, 1)
    notes = json.loads(out)["submissions"][0]["notes"]
    assert any(n.startswith(os.fsdecode(b"link_\xfe") + ": symlink") for n in notes)
    out.encode("utf-8")  # strict: the text itself is valid UTF-8


def test_a_backdated_pr_is_not_grandfathered(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A PR writes its own date: dated before the BOS-mask ruling, an unmasked SmearGate still fails
    the gate (the pre-commit hook, judging a folder by its date, would grandfather it)."""
    import json as json_

    from checks.unmasked_doc_lookback.fixtures import PER_DOC, UNMASKED
    from pgolf.audit import fixture_scripts as fs

    r = RecordsRepo(tmp_path / "records-repo")
    r.write("README.md", "# records\n")
    r.commit("base")
    r.git("checkout", "-q", "-b", "pr")
    files = {
        **standard_files(json_overrides={"date": "2026-04-20"}),
        "train_gpt.py": fs.script(model=UNMASKED, helpers=PER_DOC),
    }
    r.write_folder(f"{TRACK}/2026-04-20_Backdated", files)
    r.commit("a PR dated before the ruling")

    code = main(
        ["ci", "--base", "main", "--head", "pr", "--repo", str(r.root), "--format", "json", "--policy", "leaderboard"]
    )

    results = {x["code"]: x for s in json_.loads(capsys.readouterr().out)["submissions"] for x in s["results"]}
    assert code == 1
    assert results["PG416"]["status"] == "fail"
    assert not any("grandfathered" in ev["note"] for ev in results["PG416"]["evidence"])
