"""The evidence bundle: one archive per reproduction, and `pgolf verify-bundle` that rechecks it.

    <name>-<run_id>/MANIFEST.json   what was reproduced: manifest, source tree id, images and digests,
                                    data lock entries and staged data, verdict, artifact hashes
    <name>-<run_id>/SHA256SUMS      `sha256  path` for every other file, sorted (sha256sum -c reads it)
    <name>-<run_id>/plan.json, index.json, report.{json,md,html}
    <name>-<run_id>/submission/...  the submission folder as run
    <name>-<run_id>/seed-<s>/record.json, output.log, output.jsonl, out/trace/*.jsonl

Model files are not bundled (16 MB each); their sha256 is in each record and in MANIFEST.json.
The archive is deterministic for the same files (sorted members, fixed times and owners, gzip
without a timestamp). Verification refuses unsafe members (absolute paths, `..`, links, devices)
before reading any content, checks every byte against SHA256SUMS, and recomputes the verdict from
the bundled records to compare it with the bundled report.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import re
import stat
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pgolf import __version__
from pgolf.data.lock import VariantLock, load_lock
from pgolf.errors import EXIT_VIOLATIONS, PgolfError
from pgolf.manifest import Manifest
from pgolf.report.merge import MERGED_FROM
from pgolf.report.model import RunReport, SourceTree, VerdictState
from pgolf.report.settings import report_limits
from pgolf.report.snapshot import SNAPSHOT_DIR, git_tree_id
from pgolf.runner.model import Plan, RunRecord
from pgolf.runner.store import INDEX_FILE, PLAN_FILE, load_run

BUNDLE_VERSION = 1
SUFFIX = ".evidence.tar.gz"
SUMS = "SHA256SUMS"
MANIFEST = "MANIFEST.json"
_SUM_LINE = re.compile(r"^([0-9a-f]{64})  (\S(?:.*\S)?)$")
_REPORT_FILES = ("report.json", "report.md", "report.html")
_INPUT_FILES = ("manifest.toml", "inputs.json")  # the manifest as run and how it was inferred (pgolf reproduce)
_SEED_FILES = ("record.json", "output.log", "output.jsonl")


class BundleInvalid(PgolfError):
    """The bundle cannot be trusted: unsafe, corrupt, or its content does not match its own hashes."""

    exit_code = EXIT_VIOLATIONS


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HashedFile(_Frozen):
    path: str
    bytes: int
    sha256: str | None = None  # None: too large to hash here (see the note)


class DataEvidence(_Frozen):
    variant: str
    dataset_dir: str
    lock: VariantLock | None = None  # the committed lock's entry for the variant (pinned or not)
    staged: list[HashedFile] = Field(default_factory=list)  # the files on the machine that ran
    note: str | None = None


class ImageEvidence(_Frozen):
    image: str
    digest: str
    seeds: list[int]


class ArtifactEvidence(_Frozen):
    seed: int
    path: str
    bytes: int
    sha256: str


class VerdictEvidence(_Frozen):
    state: VerdictState
    reason: str
    exit_code: int


class BundleManifest(_Frozen):
    bundle_version: int = BUNDLE_VERSION
    pgolf_version: str
    created: dt.datetime
    name: str
    run_id: str
    pr: int | None
    plan_hash: str
    verdict: VerdictEvidence
    manifest: Manifest
    source: SourceTree
    images: list[ImageEvidence]
    data: DataEvidence
    artifacts: list[ArtifactEvidence]
    files: list[HashedFile]  # every bundled file but SHA256SUMS and this one


class BundleCheck(_Frozen):
    """What `pgolf verify-bundle` established."""

    path: str
    archive_sha256: str
    sums_sha256: str  # sha256 of SHA256SUMS: one value that pins every byte of the content
    name: str
    run_id: str
    files: int
    verdict: VerdictEvidence
    recomputed: VerdictEvidence


def bundle_path(run_dir: Path, report: RunReport) -> Path:
    return run_dir / f"{report.name}-{report.run_id}{SUFFIX}"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------- writing


def _run_files(run_dir: Path, plan: Plan) -> list[str]:
    """Paths, relative to the run folder, of everything the bundle carries."""
    optional = (*_INPUT_FILES, *_REPORT_FILES, MERGED_FROM)
    found = [PLAN_FILE, INDEX_FILE, *(f for f in optional if (run_dir / f).is_file())]
    snapshot = run_dir / SNAPSHOT_DIR
    found += [
        p.relative_to(run_dir).as_posix() for p in sorted(snapshot.rglob("*")) if p.is_file() and not p.is_symlink()
    ]
    seed_dirs = {spec.seed_dir.name for spec in plan.specs}
    for folder in sorted(run_dir.iterdir()):
        if not folder.is_dir() or not (folder.name in seed_dirs or folder.name.split(".interrupted-")[0] in seed_dirs):
            continue
        found += [f"{folder.name}/{name}" for name in _SEED_FILES if (folder / name).is_file()]
        trace = folder / "out" / "trace"
        found += [p.relative_to(run_dir).as_posix() for p in sorted(trace.glob("*.jsonl")) if p.is_file()]
    return [f for f in found if not (run_dir / f).is_symlink()]


def _data_evidence(run: RunRecord) -> DataEvidence:
    location = run.plan.specs[0].data if run.plan.specs else None
    if location is None:
        return DataEvidence(variant=run.plan.manifest.dataset.variant, dataset_dir="", note="no seed was planned")
    try:
        lock = load_lock().variants.get(location.variant)
    except PgolfError:
        lock = None
    files = sorted(p for p in location.dataset_dir.glob("*") if p.is_file()) if location.dataset_dir.is_dir() else []
    if location.tokenizer_path is not None and location.tokenizer_path.is_file():
        files.append(location.tokenizer_path)
    total = sum(p.stat().st_size for p in files)
    hashed = total <= report_limits().bundle.hash_data_up_to_bytes
    staged = [
        HashedFile(path=str(p), bytes=p.stat().st_size, sha256=_file_sha256(p) if hashed else None) for p in files
    ]
    note = None
    if not files:
        note = f"{location.dataset_dir} is not on this machine"
    elif not hashed:
        note = f"{total:,} bytes of data: sizes only here; the lock's sha256 entries identify the files"
    return DataEvidence(
        variant=location.variant, dataset_dir=str(location.dataset_dir), lock=lock, staged=staged, note=note
    )


def _images(run: RunRecord) -> list[ImageEvidence]:
    groups: dict[tuple[str, str], list[int]] = {}
    for record in sorted(run.seeds, key=lambda r: r.seed):
        groups.setdefault((record.fingerprint.image, record.fingerprint.image_digest), []).append(record.seed)
    return [ImageEvidence(image=i, digest=d, seeds=s) for (i, d), s in groups.items()]


def _artifacts(run: RunRecord) -> list[ArtifactEvidence]:
    return [
        ArtifactEvidence(seed=r.seed, path=f"{r.seed}:{f.path}", bytes=f.bytes, sha256=f.sha256)
        for r in sorted(run.seeds, key=lambda r: r.seed)
        for f in r.artifacts.files
        if f.kind == "model"
    ]


def _add(tar: tarfile.TarFile, name: str, data: bytes, mtime: int, executable: bool) -> None:
    info = tarfile.TarInfo(name)
    # The exec bit is part of a git tree id (100755), so the submission's tree can be rechecked.
    info.size, info.mtime, info.mode = len(data), mtime, 0o755 if executable else 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


def write_bundle(run_dir: Path, report: RunReport, run: RunRecord | None = None) -> Path:
    """Write the run's evidence archive beside its report (atomically); returns its path."""
    run = run or load_run(run_dir)
    top = f"{report.name}-{report.run_id}"
    contents = {rel: (run_dir / rel).read_bytes() for rel in _run_files(run_dir, run.plan)}
    executable = {rel for rel in contents if (run_dir / rel).stat().st_mode & stat.S_IXUSR}
    manifest = BundleManifest(
        pgolf_version=__version__,
        created=report.generated,
        name=report.name,
        run_id=report.run_id,
        pr=report.pr,
        plan_hash=run.plan.plan_hash,
        verdict=VerdictEvidence(
            state=report.verdict.state, reason=report.verdict.reason, exit_code=report.verdict.exit_code
        ),
        manifest=run.plan.manifest,
        source=report.source,
        images=_images(run),
        data=_data_evidence(run),
        artifacts=_artifacts(run),
        files=[HashedFile(path=rel, bytes=len(data), sha256=_sha256(data)) for rel, data in sorted(contents.items())],
    )
    contents[MANIFEST] = (manifest.model_dump_json(indent=2) + "\n").encode("utf-8")
    sums = "".join(f"{_sha256(data)}  {rel}\n" for rel, data in sorted(contents.items())).encode("utf-8")
    contents[SUMS] = sums
    mtime = int(report.generated.timestamp())
    target = bundle_path(run_dir, report)
    with tempfile.NamedTemporaryFile(dir=run_dir, prefix=f".{target.name}.", suffix=".tmp", delete=False) as raw:
        tmp = Path(raw.name)
        try:
            with (
                gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as gz,
                tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
            ):
                for rel in sorted(contents):
                    _add(tar, f"{top}/{rel}", contents[rel], mtime, rel in executable)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    tmp.replace(target)
    return target


# --------------------------------------------------------------------------------------------- verifying


def _safe_name(name: str) -> str | None:
    """Why a member name is unsafe, or None."""
    if not name or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "an absolute path"
    parts = PurePosixPath(name).parts
    if ".." in parts or "\\" in name:
        return "a path leaving the bundle"
    if any(ord(c) < 32 for c in name):
        return "a control character in its name"
    return None


def _members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    limits = report_limits().bundle
    total = 0
    for count, member in enumerate(tar, start=1):
        total += member.size
        if count > limits.max_members:
            raise BundleInvalid(f"more than {limits.max_members:,} members")
        if member.size > limits.max_member_bytes or total > limits.max_total_bytes:
            raise BundleInvalid(f"{member.name!r}: the bundle unpacks to more than the limits allow")
        yield member


def _check_stream(path: Path) -> None:
    """Read the whole gzip stream: its CRC and length trailer are checked only at the end, which a tar
    reader (it stops at the archive's end marker) never reaches."""
    limit = report_limits().bundle.max_total_bytes + (1 << 20)  # content plus tar headers
    total = 0
    try:
        with gzip.open(path, "rb") as stream:
            while chunk := stream.read(1 << 20):
                total += len(chunk)
                if total > limit:
                    raise BundleInvalid("the bundle unpacks to more than the limits allow")
    except (OSError, EOFError, zlib.error) as exc:
        raise BundleInvalid(f"not a readable bundle: {type(exc).__name__}: {exc}") from exc


def _read_members(path: Path) -> tuple[str, dict[str, bytes], set[str]]:
    """Every regular file's bytes by name below the single top folder, and which are executable;
    refuses unsafe members before reading any content."""
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            infos = list(_members(tar))
            top: set[str] = set()
            for info in infos:
                problem = _safe_name(info.name)
                if problem is None and not (info.isfile() or info.isdir()):
                    problem = "a link or special file" if (info.issym() or info.islnk()) else "not a regular file"
                if problem is not None:
                    raise BundleInvalid(f"unsafe member {info.name!r}: {problem}")
                top.add(PurePosixPath(info.name).parts[0])
            if len(top) != 1:
                raise BundleInvalid(f"expected one top folder, found {len(top)}")
            files: dict[str, bytes] = {}
            executable: set[str] = set()
            for info in infos:
                if not info.isfile():
                    continue
                rel = PurePosixPath(info.name).relative_to(next(iter(top))).as_posix()
                if rel in files:
                    raise BundleInvalid(f"{rel} appears twice")
                handle = tar.extractfile(info)
                assert handle is not None  # a regular file always has content
                files[rel] = handle.read()
                if info.mode & stat.S_IXUSR:
                    executable.add(rel)
    except (tarfile.TarError, OSError, EOFError, gzip.BadGzipFile, ValueError) as exc:
        raise BundleInvalid(f"not a readable bundle: {type(exc).__name__}: {exc}") from exc
    return next(iter(top)), files, executable


def _parse_sums(text: bytes) -> dict[str, str]:
    try:
        lines = text.decode("utf-8").split("\n")
    except UnicodeDecodeError as exc:
        raise BundleInvalid(f"{SUMS} is not UTF-8") from exc
    if lines[-1] != "":
        raise BundleInvalid(f"{SUMS} does not end with a newline")
    sums: dict[str, str] = {}
    for number, line in enumerate(lines[:-1], start=1):
        found = _SUM_LINE.match(line)
        if found is None:
            raise BundleInvalid(f"{SUMS}:{number}: not `sha256  path`")
        if found[2] in sums:
            raise BundleInvalid(f"{SUMS}:{number}: {found[2]} listed twice")
        sums[found[2]] = found[1]
    if list(sums) != sorted(sums):
        raise BundleInvalid(f"{SUMS} is not sorted")
    return sums


def _check_hashes(files: dict[str, bytes]) -> dict[str, str]:
    if SUMS not in files:
        raise BundleInvalid(f"no {SUMS}")
    sums = _parse_sums(files[SUMS])
    content = {rel for rel in files if rel != SUMS}
    missing, unlisted = sorted(set(sums) - content), sorted(content - set(sums))
    if missing:
        raise BundleInvalid(f"{missing[0]} is listed in {SUMS} but not in the bundle")
    if unlisted:
        raise BundleInvalid(f"{unlisted[0]} is in the bundle but not in {SUMS}")
    for rel, expected in sums.items():
        if _sha256(files[rel]) != expected:
            raise BundleInvalid(f"{rel}: sha256 differs from {SUMS} (changed after the bundle was made)")
    return sums


def _recompute(top: str, files: dict[str, bytes], executable: set[str]) -> tuple[RunReport, VerdictEvidence]:
    """Unpack the checked files and decide again from the bundled plan, records and submission."""
    from pgolf.report.build import report_for

    with tempfile.TemporaryDirectory(prefix="pgolf-bundle-") as tmp:
        root = Path(tmp) / top
        for rel, data in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
            (root / rel).chmod(0o755 if rel in executable else 0o644)
        try:
            bundled = RunReport.model_validate_json(files["report.json"])
            plan = Plan.model_validate_json(files[PLAN_FILE])
        except (KeyError, ValidationError) as exc:
            raise BundleInvalid(f"the bundled report or plan is unreadable: {exc}") from exc
        # Everything is read from the bundle: the run folder is `root`, the submission its snapshot
        # (never a folder of the same name that happens to exist on this machine).
        specs = [
            spec.model_copy(update={"seed_dir": root / spec.seed_dir.name, "source_dir": root / SNAPSHOT_DIR})
            for spec in plan.specs
        ]
        relocated = plan.model_copy(update={"run_dir": root, "specs": specs})
        (root / PLAN_FILE).write_text(relocated.model_dump_json(), encoding="utf-8")
        try:
            again = report_for(load_run(root), root, merged_from=bundled.merged_from)
        except PgolfError as exc:
            raise BundleInvalid(f"the bundled records cannot be read back: {exc}") from exc
        if bundled.source.tree_id and not bundled.source.not_copied:
            tree = git_tree_id(root / SNAPSHOT_DIR)
            if tree != bundled.source.tree_id:
                raise BundleInvalid(
                    f"the bundled submission's tree id {tree} is not the report's {bundled.source.tree_id}"
                )
    v = again.verdict
    return bundled, VerdictEvidence(state=v.state, reason=v.reason, exit_code=v.exit_code)


def verify_bundle(path: Path) -> BundleCheck:
    """Recheck a bundle; raises BundleInvalid with a one-line reason at the first problem."""
    _check_stream(path)
    top, files, executable = _read_members(path)
    _check_hashes(files)
    try:
        manifest = BundleManifest.model_validate_json(files[MANIFEST])
    except (KeyError, ValidationError) as exc:
        raise BundleInvalid(f"{MANIFEST} is missing or invalid: {str(exc).splitlines()[0]}") from exc
    listed = {f.path: f.sha256 for f in manifest.files}
    actual = {rel: _sha256(data) for rel, data in files.items() if rel not in (SUMS, MANIFEST)}
    if listed != actual:
        raise BundleInvalid(f"{MANIFEST} lists other files or hashes than the bundle holds")
    bundled, recomputed = _recompute(top, files, executable)
    if (bundled.verdict.state, bundled.verdict.reason) != (recomputed.state, recomputed.reason):
        raise BundleInvalid(
            f"the report says {bundled.verdict.headline} ({bundled.verdict.reason}); its records say "
            f"{recomputed.state} ({recomputed.reason})"
        )
    if manifest.verdict.state != recomputed.state:
        raise BundleInvalid(f"{MANIFEST} says {manifest.verdict.state}; the records say {recomputed.state}")
    return BundleCheck(
        path=str(path),
        archive_sha256=_file_sha256(path),
        sums_sha256=_sha256(files[SUMS]),
        name=manifest.name,
        run_id=manifest.run_id,
        files=len(files),
        verdict=manifest.verdict,
        recomputed=recomputed,
    )


def describe(check: BundleCheck) -> str:
    return json.dumps(check.model_dump(mode="json"), indent=2)
