"""pgolf.sources against a real git repository built in tmp (refs/pull/7/head, a main branch, moves)."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from pgolf.errors import EnvironmentMissing
from pgolf.manifest import DatasetSpec, Manifest, SourceRef
from pgolf.sources import SourceError, redact, remote_url, remove_export, resolve_pr

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]

FOLDER = "records/track_10min_16mb/2026-05-01_Fixture"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def commit_files(repo: Path, files: dict[str, str], message: str) -> str:
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def upstream(tmp_path: Path) -> dict[str, str | Path]:
    """main: c_main (the folder merged); PR 7: c_pr (a later version of the folder), not on main."""
    repo = tmp_path / "upstream"
    repo.mkdir()
    git(repo, "init", "--quiet", "-b", "main")
    c_main = commit_files(repo, {f"{FOLDER}/train_gpt.py": "print('v1')\n", "README.md": "root\n"}, "main")
    git(repo, "checkout", "--quiet", "-b", "pr7")
    c_pr = commit_files(repo, {f"{FOLDER}/train_gpt.py": "print('v2')\n", f"{FOLDER}/sub/log.txt": "x\n"}, "pr")
    git(repo, "update-ref", "refs/pull/7/head", c_pr)
    git(repo, "checkout", "--quiet", "main")
    return {"repo": repo, "main": c_main, "pr": c_pr}


def manifest(commit: str, folder: str = FOLDER, pr: int = 7) -> Manifest:
    return Manifest(
        name=f"pr{pr}",
        pr=pr,
        track="track_10min_16mb",
        seeds=[42],
        source=SourceRef(repo="openai/parameter-golf", commit=commit, records_folder=folder),
        dataset=DatasetSpec(variant="sp1024", train_shards=1),
    )


def test_pr_head_is_verified_and_exported_read_only(upstream: dict[str, str | Path], tmp_path: Path) -> None:
    out = resolve_pr(7, manifest(str(upstream["pr"])), str(upstream["repo"]), root=tmp_path / "cache")
    assert out.verified == "pr_head" and out.commit == upstream["pr"] == out.head and not out.warnings
    assert out.path == tmp_path / "cache" / "sources" / str(upstream["pr"]) / FOLDER
    assert (out.path / "train_gpt.py").read_text() == "print('v2')\n"
    assert (out.path / "sub" / "log.txt").is_file()
    assert not (out.path.parents[2] / "README.md").exists()  # only the records folder is exported
    assert out.tree == git(Path(upstream["repo"]), "rev-parse", f"{upstream['pr']}:{FOLDER}")
    for path in [out.path, out.path / "sub", out.path / "train_gpt.py", out.path / "sub" / "log.txt"]:
        assert stat.S_IMODE(path.stat().st_mode) & 0o222 == 0, path
    again = resolve_pr(7, manifest(str(upstream["pr"])), str(upstream["repo"]), root=tmp_path / "cache")
    assert again.path == out.path
    remove_export(out.path)
    assert not out.path.exists()


def test_abbreviated_commit_expands(upstream: dict[str, str | Path], tmp_path: Path) -> None:
    out = resolve_pr(7, manifest(str(upstream["pr"])[:9]), str(upstream["repo"]), root=tmp_path / "c")
    assert out.commit == upstream["pr"] and out.verified == "pr_head"


def test_moved_pr_is_an_error_unless_allowed(upstream: dict[str, str | Path], tmp_path: Path) -> None:
    repo = Path(upstream["repo"])
    git(repo, "checkout", "--quiet", "pr7")
    later = commit_files(repo, {f"{FOLDER}/train_gpt.py": "print('v3, after review')\n"}, "moved")
    git(repo, "update-ref", "refs/pull/7/head", later)
    with pytest.raises(SourceError, match="--allow-moved"):
        resolve_pr(7, manifest(str(upstream["pr"])), str(repo), root=tmp_path / "c")
    out = resolve_pr(7, manifest(str(upstream["pr"])), str(repo), root=tmp_path / "c", allow_moved=True)
    assert out.verified == "moved" and out.head == later and out.commit == upstream["pr"]
    assert "--allow-moved" in out.warnings[0]
    assert (out.path / "train_gpt.py").read_text() == "print('v2')\n"  # the pinned commit, not the head


def test_merged_record_pinned_at_a_main_commit(upstream: dict[str, str | Path], tmp_path: Path) -> None:
    out = resolve_pr(7, manifest(str(upstream["main"])), str(upstream["repo"]), root=tmp_path / "c")
    assert out.verified == "default_branch" and out.commit == upstream["main"]
    assert "refs/heads/main" in out.warnings[0]
    assert (out.path / "train_gpt.py").read_text() == "print('v1')\n"


def test_unknown_commit_is_refused(upstream: dict[str, str | Path], tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not guess"):
        resolve_pr(7, manifest("0123456789abcdef0123456789abcdef01234567"), str(upstream["repo"]), root=tmp_path)


def test_missing_folder_and_wrong_pr_are_refused(upstream: dict[str, str | Path], tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not a folder"):
        resolve_pr(7, manifest(str(upstream["pr"]), "records/nope"), str(upstream["repo"]), root=tmp_path)
    with pytest.raises(SourceError, match="not #8"):
        resolve_pr(8, manifest(str(upstream["pr"])), str(upstream["repo"]), root=tmp_path)


def test_missing_pr_ref_is_an_environment_error(upstream: dict[str, str | Path], tmp_path: Path) -> None:
    m = manifest(str(upstream["pr"]), pr=99)
    with pytest.raises(EnvironmentMissing, match="refs/pull/99/head"):
        resolve_pr(99, m, str(upstream["repo"]), root=tmp_path)


def test_local_manifest_has_no_pr_source(tmp_path: Path) -> None:
    local = Manifest(
        name="example",
        track="track_10min_16mb",
        seeds=[1],
        local_folder="submissions/example",
        dataset=DatasetSpec(variant="synth", train_shards=1, vocab_size=64),
    )
    with pytest.raises(SourceError, match="no \\[source\\]"):
        resolve_pr(1, local, str(tmp_path), root=tmp_path)


def test_remote_precedence_and_redaction(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    src = SourceRef(commit="abcdef0", records_folder=FOLDER)
    monkeypatch.delenv("PGOLF_REPO", raising=False)
    assert remote_url(src) == "https://github.com/openai/parameter-golf.git"
    monkeypatch.setenv("PGOLF_REPO", str(tmp_path))
    assert remote_url(src) == str(tmp_path.resolve())
    assert remote_url(src, "https://mirror.example/pg.git") == "https://mirror.example/pg.git"
    monkeypatch.setenv("PGOLF_REPO", str(tmp_path / "absent"))
    with pytest.raises(Exception, match="no such local mirror"):
        remote_url(src)
    assert redact("https://user:tok@github.com/o/r.git") == "https://github.com/o/r.git"
    assert redact("/srv/mirror") == "/srv/mirror"


def test_unknown_facts_refuse_before_any_fetch(tmp_path: Path) -> None:
    m = manifest("abcdef0").model_copy(update={"unknown": ["the run command's env block."]})
    with pytest.raises(SourceError, match="unknown: the run command's env block"):
        resolve_pr(7, m, str(tmp_path / "nowhere"), root=tmp_path)
