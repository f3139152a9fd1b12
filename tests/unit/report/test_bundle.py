"""The evidence bundle: what it holds, that it verifies, and that any changed byte or unsafe member fails."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest

from pgolf.cli import main
from pgolf.report.bundle import MANIFEST, SUMS, BundleInvalid, BundleManifest, verify_bundle, write_bundle
from pgolf.report.write import publish

from .report_kit import make_run

SCORES: dict[int, float | None] = {42: 1.0612, 314: 1.0609, 1234: 1.0631}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = make_run(tmp_path_factory.mktemp("bundle"), dict(SCORES), claimed_logs=True)
    _, paths = publish(run_dir)
    return paths["bundle"]


def _members(path: Path) -> dict[str, tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: (m, tar.extractfile(m).read() if m.isfile() else b"") for m in tar}  # type: ignore[union-attr]


def _repack(
    source: Path, target: Path, change: dict[str, bytes] | None = None, extra: list[tarfile.TarInfo] | None = None
) -> Path:
    with gzip.open(target, "wb") as gz, tarfile.open(fileobj=gz, mode="w") as tar:
        for name, (info, original) in _members(source).items():
            data = (change or {}).get(name, original)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra or []:
            tar.addfile(info, io.BytesIO(b"x" * info.size) if info.isfile() else None)
    return target


def test_the_bundle_holds_the_evidence_and_verifies(bundle: Path) -> None:
    names = {n.split("/", 1)[1] for n in _members(bundle)}
    assert {MANIFEST, SUMS, "plan.json", "index.json", "report.json", "report.md", "report.html"} <= names
    assert {"seed-42/record.json", "seed-42/output.log", "submission/submission.json"} <= names
    assert "submission/train_seed42.log" in names  # the submission's own logs, as run
    top = next(iter(_members(bundle))).split("/")[0]
    manifest = BundleManifest.model_validate_json(_members(bundle)[f"{top}/{MANIFEST}"][1])
    assert manifest.source.tree_id is not None and manifest.verdict.state == "reproduced"
    assert manifest.images[0].digest == "sha256:" + "c" * 64 and manifest.images[0].seeds == [42, 314, 1234]
    assert manifest.data.variant == "sp8192_caseops" and manifest.data.lock is not None
    check = verify_bundle(bundle)
    assert check.recomputed.state == "reproduced" and check.files == len(names)


def test_the_archive_is_deterministic(bundle: Path, tmp_path: Path) -> None:
    run_dir = bundle.parent
    report_json = json.loads((run_dir / "report.json").read_text("utf-8"))
    from pgolf.report.model import RunReport

    again = write_bundle(run_dir, RunReport.model_validate(report_json))
    assert again.read_bytes() == bundle.read_bytes()


def test_a_changed_byte_in_any_bundled_file_is_detected(bundle: Path, tmp_path: Path) -> None:
    members = {n: d for n, (i, d) in _members(bundle).items() if i.isfile()}
    assert len(members) > 10
    for number, (name, data) in enumerate(sorted(members.items())):
        position = len(data) // 2
        changed = data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]
        tampered = _repack(bundle, tmp_path / f"t{number}.tar.gz", {name: changed})
        with pytest.raises(BundleInvalid):
            verify_bundle(tampered)


def test_a_changed_byte_in_the_archive_itself_is_detected(bundle: Path, tmp_path: Path) -> None:
    raw = bytearray(bundle.read_bytes())
    for position in (10, len(raw) // 3, len(raw) // 2, len(raw) - 5):
        copy = bytearray(raw)
        copy[position] ^= 0x40
        path = tmp_path / f"flip{position}.tar.gz"
        path.write_bytes(bytes(copy))
        with pytest.raises(BundleInvalid):
            verify_bundle(path)


def _info(name: str, kind: bytes = tarfile.REGTYPE, size: int = 1, target: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.size, info.linkname = kind, size if kind == tarfile.REGTYPE else 0, target
    return info


@pytest.mark.parametrize(
    ("member", "why"),
    [
        (_info("/etc/evil"), "an absolute path"),
        (_info("top/../../evil"), "a path leaving the bundle"),
        (_info("top/link", tarfile.SYMTYPE, target="/etc/passwd"), "a link"),
        (_info("top/hard", tarfile.LNKTYPE, target="top/plan.json"), "a link"),
        (_info("top/dev", tarfile.CHRTYPE), "not a regular file"),
    ],
)
def test_unsafe_members_are_refused(bundle: Path, tmp_path: Path, member: tarfile.TarInfo, why: str) -> None:
    top = next(iter(_members(bundle))).split("/")[0]
    member.name = member.name.replace("top/", f"{top}/")
    path = _repack(bundle, tmp_path / "unsafe.tar.gz", extra=[member])
    with pytest.raises(BundleInvalid, match=why):
        verify_bundle(path)


def test_verify_bundle_cli(bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify-bundle", str(bundle)]) == 0
    assert "verified" in capsys.readouterr().out
    top = next(iter(_members(bundle))).split("/")[0]
    record = f"{top}/seed-42/record.json"
    data = _members(bundle)[record][1]
    tampered = _repack(
        bundle, tmp_path / "t.tar.gz", {record: data.replace(b'"score_bpb": 1.0612', b'"score_bpb": 1.0611')}
    )
    assert main(["verify-bundle", str(tampered)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "seed-42/record.json: sha256 differs" in err
    (tmp_path / "junk.tar.gz").write_bytes(b"not an archive")
    assert main(["verify-bundle", str(tmp_path / "junk.tar.gz")]) == 1
    assert main(["verify-bundle", str(tmp_path / "missing.tar.gz")]) == 2


def test_a_consistent_but_false_report_is_caught(bundle: Path, tmp_path: Path) -> None:
    """Rewriting the report's verdict and every hash still fails: the records decide again."""
    members = _members(bundle)
    top = next(iter(members)).split("/")[0]
    report = json.loads(members[f"{top}/report.json"][1])
    report["verdict"]["state"], report["verdict"]["headline"] = "not_reproduced", "NOT REPRODUCED"
    changed = {f"{top}/report.json": json.dumps(report).encode()}
    files = {n.split("/", 1)[1]: changed.get(n, d) for n, (i, d) in members.items() if i.isfile()}
    import hashlib

    manifest = BundleManifest.model_validate_json(files[MANIFEST])
    listed = [f.model_copy(update={"sha256": hashlib.sha256(files[f.path]).hexdigest(), "bytes": len(files[f.path])})
              for f in manifest.files]  # fmt: skip
    files[MANIFEST] = manifest.model_copy(update={"files": listed}).model_dump_json().encode()
    sums = "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in sorted(files.items()) if n != SUMS)
    changed[f"{top}/{MANIFEST}"] = files[MANIFEST]
    changed[f"{top}/{SUMS}"] = sums.encode()
    forged = _repack(bundle, tmp_path / "forged.tar.gz", changed)
    with pytest.raises(BundleInvalid, match="its records say reproduced"):
        verify_bundle(forged)


def test_a_source_folder_edited_after_the_run_does_not_change_what_the_report_identifies(tmp_path: Path) -> None:
    """The copy taken at the first report is what ran: a rebuild after the local folder changed (the
    example's train_gpt.py, edited by a later commit) keeps its tree, says so, and its bundle verifies."""
    run_dir = make_run(tmp_path, dict(SCORES), claimed_logs=True)
    first, _ = publish(run_dir, bundle=False)
    assert first.source.note is None
    (tmp_path / "src" / "train_gpt.py").write_text("print('edited after the run')\n", encoding="utf-8")
    again, paths = publish(run_dir)
    assert again.source.tree_id == first.source.tree_id and again.source.files == first.source.files
    assert again.source.note is not None and "has changed since" in again.source.note
    assert verify_bundle(paths["bundle"]).recomputed.state == "reproduced"
    (tmp_path / "src" / "train_gpt.py").write_text("print('fixture')\n", encoding="utf-8")  # back as it ran
    assert publish(run_dir, bundle=False)[0].source.note is None
