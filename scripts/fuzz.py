"""`make fuzz`: hostile inputs through `pgolf check`, `validate`, `submission fix` and `ci`, in-process.

Hypothesis generates three kinds of case: folder shapes (odd names, non-UTF-8 bytes, deep trees,
symlinks in and out, FIFOs, binary junk, half-valid logs), JSON nesting (submission.json nested up
to thousands of levels, wide objects, every JSON type where a number belongs) and git trees (a
records repository whose PR commit holds crafted trees: `.`, `..`, a name twice, a file and a
folder of one name, submodules, symlinks, many files). Each case runs in a forked child that calls
pgolf's CLI entry point (`pgolf.cli.main`), so one case's memory is its own: `os.wait4` gives the
child's peak RSS. An exception escaping pgolf, or exit code 4 (pgolf's internal error), is an
uncaught exception; there must be none. Prints: cases, uncaught, max wall and peak RSS per case.

    python scripts/fuzz.py [--cases 2000] [--seed N] [--max-wall 60] [--max-rss-mb 2048]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from checks.fixture_kit import modern_log, old_log, submission_json

TRACK = "records/track_10min_16mb"
FOLDER = f"{TRACK}/2026-04-29_Fuzz"
EXIT_INTERNAL = 4
_GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "f",
    "GIT_AUTHOR_EMAIL": "f@example.invalid",
    "GIT_COMMITTER_NAME": "f",
    "GIT_COMMITTER_EMAIL": "f@example.invalid",
}

# --------------------------------------------------------------------------- strategies

_NAME_PARTS = [
    "submission.json",
    "README.md",
    "train_gpt.py",
    "train_seed42.log",
    "train.log",
    "x.py",
    "a.txt",
    "submission_v2.json",
    "requirements.txt",
    "model.ptz",
    ".pgolf.toml",
    "__init__.py",
    "sitecustomize.py",
]
names = st.one_of(
    st.sampled_from(_NAME_PARTS),
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="/\0"), min_size=1, max_size=20).filter(
        lambda n: n not in (".", "..")
    ),
    st.binary(min_size=1, max_size=12)
    .filter(lambda b: b"/" not in b and b"\0" not in b and b not in (b".", b".."))
    .map(os.fsdecode),
)
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(allow_nan=False), st.text(max_size=30)
)
json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=12), inner, max_size=6)),
    max_leaves=30,
)


@st.composite
def submission_docs(draw: st.DrawFn) -> bytes:
    """A submission.json: a real one with mutated values, deep nesting, or random JSON/bytes."""
    kind = draw(st.sampled_from(["mutated", "deep", "wide", "random", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    if kind == "random":
        return json.dumps(draw(json_values)).encode()
    doc = json.loads(submission_json())
    if kind == "mutated":
        for key in draw(st.lists(st.sampled_from([*doc, "seed_results", "seeds", "val_bpb"]), max_size=4)):
            doc[key] = draw(json_values)
        return json.dumps(doc).encode()
    if kind == "wide":
        width = draw(st.integers(100, 20_000))
        doc.update({f"k{i}": i for i in range(width)})
        return json.dumps(doc).encode()
    depth = draw(st.integers(50, 5_000))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
    where = draw(st.sampled_from(["extra", "seed_results", "val_bpb"]))
    text = json.dumps(doc)[:-1] + f', "{where}": ' + opener * depth + "1" + closer * depth + "}"
    return text.encode()


logs = st.one_of(
    st.builds(modern_log, st.integers(0, 2**31), val_bpb=st.floats(0.5, 3.0)).map(str.encode),
    st.builds(old_log, st.integers(0, 2**31)).map(str.encode),
    st.binary(max_size=2_000),
    st.text(max_size=2_000).map(lambda t: t.encode("utf-8", "surrogateescape")),
    st.just(b"x" * 200_000),  # one long line
)
contents = st.one_of(st.binary(max_size=200), st.text(max_size=200).map(lambda t: t.encode("utf-8", "replace")))


@dataclass
class FolderSpec:
    files: dict[str, bytes] = field(default_factory=dict)
    symlinks: dict[str, str] = field(default_factory=dict)
    fifos: list[str] = field(default_factory=list)
    depth: int = 0


@st.composite
def folder_specs(draw: st.DrawFn) -> FolderSpec:
    spec = FolderSpec()
    if draw(st.booleans()):
        spec.files["submission.json"] = draw(submission_docs())
    if draw(st.booleans()):
        spec.files["train_gpt.py"] = draw(st.sampled_from([b"print(1)\n", b"exec('x')\n", b"\xff\xfe", b"def f(:\n"]))
    for i in range(draw(st.integers(0, 3))):
        spec.files[f"train_seed{i}.log"] = draw(logs)
    for name in draw(st.lists(names, max_size=6)):
        subdir = "/".join(draw(st.lists(names, max_size=3)))
        spec.files[f"{subdir}/{name}" if subdir else name] = draw(contents)
    for name in draw(st.lists(names, max_size=2)):
        spec.symlinks[name] = draw(st.sampled_from(["/etc/hostname", "..", "../../..", "train_gpt.py", "nowhere"]))
    spec.fifos = draw(st.lists(st.sampled_from(["fifo.log", "submission.json", "train_gpt.py"]), max_size=1))
    spec.depth = draw(st.integers(0, 12))
    return spec


def write_folder(root: Path, spec: FolderSpec) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for rel, data in spec.files.items():
        target = root / rel
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except OSError:
            continue  # a name clash the file system refuses: the case is just smaller
    deep = root.joinpath(*["d"] * spec.depth)
    try:
        deep.mkdir(parents=True, exist_ok=True)
        (deep / "deep.py").write_bytes(b"import os\n")
    except OSError:
        pass  # a file named "d" is in the way: no deep folder in this case
    for rel, link_target in spec.symlinks.items():
        try:
            (root / rel).symlink_to(link_target)
        except OSError:
            continue
    for rel in spec.fifos:
        try:
            os.mkfifo(root / rel)
        except OSError:
            continue  # the name is taken (a file, a link): the case has no FIFO


@dataclass
class TreeSpec:
    entries: list[tuple[str, str, bytes]]  # (kind, name, data): blob, tree marker, link, submodule


@st.composite
def tree_specs(draw: st.DrawFn) -> TreeSpec:
    base = [("blob", "README.md", b"# r\n"), ("blob", "submission.json", draw(submission_docs()))]
    base.append(("blob", "train_seed42.log", draw(logs)))
    odd = draw(
        st.lists(
            st.one_of(
                st.tuples(st.just("blob"), st.sampled_from([".", "..", "README.md", "a", "x y", "\u00fc"]), contents),
                st.tuples(st.just("dir"), st.sampled_from(["..", ".", "a", "logs", "README.md"]), contents),
                st.tuples(st.just("link"), names, st.sampled_from([b"/etc/passwd", b"../..", b"README.md"])),
                st.tuples(st.just("submodule"), names, st.just(b"")),
            ),
            max_size=5,
        )
    )
    many = draw(st.integers(0, 60))
    return TreeSpec(base + odd + [("blob", f"pad{i:04d}.txt", b"") for i in range(many)])


# --------------------------------------------------------------------------- running one case


def _git(repo: Path, *args: str, data: bytes | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, input=data, capture_output=True, check=True, env={**os.environ, **_GIT_ENV}
    )
    return done.stdout.decode().strip()


def _mktree(repo: Path, lines: list[str]) -> str:
    data = "".join(f"{line}\0" for line in lines).encode("utf-8", "surrogateescape")
    return _git(repo, "mktree", "--missing", "-z", data=data)


def _crafted_commit(repo: Path, spec: TreeSpec) -> str:
    lines = []
    for kind, name, data in spec.entries:
        if kind == "blob":
            lines.append(f"100644 blob {_git(repo, 'hash-object', '-w', '--stdin', data=data)}\t{name}")
        elif kind == "link":
            lines.append(f"120000 blob {_git(repo, 'hash-object', '-w', '--stdin', data=data)}\t{name}")
        elif kind == "submodule":
            lines.append(f"160000 commit {'1' * 40}\t{name}")
        else:
            inner = _mktree(repo, [f"100644 blob {_git(repo, 'hash-object', '-w', '--stdin', data=data)}\tf.py"])
            lines.append(f"040000 tree {inner}\t{name}")
    folder = _mktree(repo, lines)
    track = _mktree(repo, [f"040000 tree {folder}\t{FOLDER.rsplit('/', 1)[1]}"])
    records = _mktree(repo, [f"040000 tree {track}\t{TRACK.split('/')[1]}"])
    readme = _git(repo, "rev-parse", "main:README.md")
    root = _mktree(repo, [f"100644 blob {readme}\tREADME.md", f"040000 tree {records}\trecords"])
    return _git(repo, "commit-tree", root, "-p", "main", "-m", "crafted")


def _cli(*args: str) -> int:
    from pgolf.cli import main

    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        return main(list(args))


class SetupError(Exception):
    """The fuzzer could not build the case (its own bug, counted apart from pgolf's)."""


def _setup(kind: str, payload: Any, work: Path) -> list[list[str]]:
    """Build the case on disk; return the pgolf command lines to run on it."""
    root = work / FOLDER
    if kind == "folder":
        write_folder(root, payload)
        commands = [["check", "--format", "json", str(root)], ["check", "--format", "text", str(root)]]
        if (root / "submission.json").is_file():
            commands.append(["validate", str(root / "submission.json")])
        return [*commands, ["submission", "fix", "--dry-run", str(root)]]
    if kind == "json":
        root.mkdir(parents=True)
        (root / "submission.json").write_bytes(payload)
        (root / "train_seed42.log").write_text(modern_log(42), encoding="utf-8")
        return [["validate", str(root / "submission.json")], ["submission", "fix", "--dry-run", str(root)]]
    repo = work / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("# r\n", encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    head = _crafted_commit(repo, payload)
    return [["ci", "--base", "main", "--head", head, "--repo", str(repo), "--format", "json"]]


def run_case(kind: str, payload: Any, work: Path) -> list[int]:
    """The case's exit codes; an exception escaping pgolf propagates (the child reports it)."""
    try:
        commands = _setup(kind, payload, work)
    except Exception as exc:
        raise SetupError(f"{type(exc).__name__}: {exc}") from exc
    return [_cli(*command) for command in commands]


@dataclass
class Stats:
    cases: Counter[str] = field(default_factory=Counter)
    exit_codes: Counter[int] = field(default_factory=Counter)
    uncaught: list[str] = field(default_factory=list)
    setup_failures: list[str] = field(default_factory=list)  # cases the fuzzer could not build
    max_wall: float = 0.0
    max_rss_kb: int = 0
    worst_wall: str = ""
    worst_rss: str = ""


def fork_case(kind: str, payload: Any, stats: Stats) -> None:
    """Run one case in a child: its wall time, its own peak RSS, its exit codes or its traceback."""
    work = Path(tempfile.mkdtemp(prefix="pgolf-fuzz-"))
    read_fd, write_fd = os.pipe()
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_fd)
        try:
            message = json.dumps({"codes": run_case(kind, payload, work)})
        except SetupError as exc:
            message = json.dumps({"setup": str(exc)[:500]})
        except BaseException as exc:  # everything escaping pgolf is what this fuzzer looks for
            message = json.dumps({"uncaught": "".join(traceback.format_exception(exc))[-1500:]})
        with os.fdopen(write_fd, "w") as out:
            out.write(message)
        os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        text = pipe.read()
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    shutil.rmtree(work, ignore_errors=True)
    stats.cases[kind] += 1
    label = f"{kind} case {sum(stats.cases.values())}"
    if wall > stats.max_wall:
        stats.max_wall, stats.worst_wall = wall, label
    if usage.ru_maxrss > stats.max_rss_kb:
        stats.max_rss_kb, stats.worst_rss = usage.ru_maxrss, label
    if not text or os.WEXITSTATUS(status) != 0:
        stats.uncaught.append(f"{label}: the child died (status {status})")
        return
    result = json.loads(text)
    if "setup" in result:
        stats.setup_failures.append(f"{label}: {result['setup']}")
        return
    if "uncaught" in result:
        stats.uncaught.append(f"{label}: {result['uncaught']}")
        return
    stats.exit_codes.update(result["codes"])
    if EXIT_INTERNAL in result["codes"]:
        stats.uncaught.append(f"{label}: pgolf exited 4 (internal error) on {kind} input")


def fuzz(cases: int, random_seed: int, on_case: Callable[[Stats], None] = lambda _s: None) -> Stats:
    stats = Stats()
    strategy = st.one_of(
        st.tuples(st.just("folder"), folder_specs()),
        st.tuples(st.just("json"), submission_docs()),
        st.tuples(st.just("tree"), tree_specs()),
    )

    @seed(random_seed)
    @settings(
        max_examples=cases,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def one(case: tuple[str, Any]) -> None:
        fork_case(case[0], case[1], stats)
        on_case(stats)

    one()
    return stats


def report(stats: Stats, seconds: float, baseline_rss_kb: int) -> str:
    lines = [
        f"cases: {sum(stats.cases.values())} ({', '.join(f'{k} {n}' for k, n in sorted(stats.cases.items()))})",
        f"uncaught exceptions: {len(stats.uncaught)}",
        f"cases the fuzzer could not build: {len(stats.setup_failures)}",
        f"exit codes: {dict(sorted(stats.exit_codes.items()))}",
        f"max wall per case: {stats.max_wall:.2f} s ({stats.worst_wall})",
        f"peak RSS per case: {stats.max_rss_kb / 1024:.0f} MiB ({stats.worst_rss}; "
        f"the forked parent alone: {baseline_rss_kb / 1024:.0f} MiB)",
        f"total: {seconds:.0f} s",
    ]
    lines += [f"  {u}" for u in [*stats.uncaught[:10], *stats.setup_failures[:5]]]
    return "\n".join(lines) + "\n"


def warm_up() -> None:
    """Import pgolf and the catalogue before forking, so every child starts warm and its RSS is its own work."""
    import checks
    import pgolf.cli
    import pgolf.cli.check
    import pgolf.cli.ci
    import pgolf.engine

    assert checks.ALL_CHECKS and pgolf.cli.LAZY_COMMANDS and pgolf.engine.all_checks()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20260502)
    parser.add_argument("--max-wall", type=float, default=60.0, help="seconds one case may take")
    parser.add_argument("--max-rss-mb", type=int, default=2048, help="peak RSS one case may reach")
    args = parser.parse_args(argv)
    warm_up()

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()

    def progress(stats: Stats) -> None:
        done = sum(stats.cases.values())
        if done % 100 == 0:
            print(
                f"{done} cases, {len(stats.uncaught)} uncaught, {time.perf_counter() - started:.0f} s", file=sys.stderr
            )

    stats = fuzz(args.cases, args.seed, progress)
    sys.stdout.write(report(stats, time.perf_counter() - started, baseline))
    bounded = stats.max_wall <= args.max_wall and stats.max_rss_kb <= args.max_rss_mb * 1024
    if not bounded:
        sys.stdout.write(f"over the bounds: --max-wall {args.max_wall} s, --max-rss-mb {args.max_rss_mb}\n")
    return 0 if not stats.uncaught and bounded else 1


if __name__ == "__main__":
    sys.exit(main())
