"""Which reproduction image runs a submission (ENVIRONMENT.md §1.7), and what each image is pinned to.

The catalogue (pgolf/resources/images.toml) says what an image is; docker/images.lock says what it
is pinned to. Selection is a pure function of the torch versions a folder states, in the order
of trust of ENVIRONMENT.md §1.2: a `Running PyTorch` log line, then `pytorch_version` in
submission.json, then a `torch==` pin in requirements.txt, then a README mention, else the default.

`python -m pgolf.images build-args NAME` prints the `docker build` arguments for an image and
refuses (exit 2) while any pin is unresolved: docker/Makefile.inc builds only through it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from collections import Counter
from collections.abc import Sequence
from enum import IntEnum
from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pgolf.errors import InputError, InternalError, PgolfError, UsageError
from pgolf.folder import FileRole, SubmissionFolder, load_folder

UNRESOLVED = "UNRESOLVED"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?(?:\+(cu\d+|cpu|rocm[\d.]+))?")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ImageSpec(_Frozen):
    name: str = ""
    tag: str
    dockerfile: str
    torch: str
    torch_index: str
    cuda: str
    python: str
    base: str
    min_driver: int
    fa3_index: str | None = None  # a pip find-links page; pin-images resolves the file URL
    fa3_version: str | None = None
    fa3_url: str | None = None  # a direct wheel URL, when the catalogue knows it
    covers: str
    minor_default: bool = False  # the image for a bare "major.minor" of a version with several images


class ImageCatalogue(_Frozen):
    default: str
    images: dict[str, ImageSpec] = Field(min_length=1)

    def get(self, name: str) -> ImageSpec:
        if name not in self.images:
            raise UsageError(f"unknown image {name!r}; known: {', '.join(sorted(self.images))}")
        return self.images[name]


class ImagePins(_Frozen):
    """One image's entry in docker/images.lock."""

    base_digest: str = UNRESOLVED
    fa3_url: str = UNRESOLVED
    fa3_sha256: str = UNRESOLVED
    image_id: str = UNRESOLVED  # the built image's id (sha256:...), recorded in every run report
    resolved_at: str = ""

    def unresolved(self) -> list[str]:
        """Names of the build pins that are still placeholders or malformed."""
        bad = []
        if not _DIGEST.fullmatch(self.base_digest):
            bad.append("base_digest")
        if not self.fa3_url.startswith("https://"):
            bad.append("fa3_url")
        if not _SHA256.fullmatch(self.fa3_sha256):
            bad.append("fa3_sha256")
        return bad


class Source(IntEnum):
    """Where a torch version was read, most trusted first (ENVIRONMENT.md §1.2)."""

    LOG = 1
    SUBMISSION_JSON = 2
    REQUIREMENTS = 3
    README = 4


class TorchEvidence(_Frozen):
    source: Source
    version: str
    path: str
    line: int | None = None

    def render(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        if self.source is Source.SUBMISSION_JSON:
            where += "#/pytorch_version"
        return f"{where} says torch {self.version}"


class ImageChoice(_Frozen):
    image: str
    tag: str
    torch: str
    exact: bool  # the stated version (with its CUDA tag, when given) is the image's own
    reason: str
    evidence: TorchEvidence | None = None


@cache
def load_catalogue() -> ImageCatalogue:
    text = (resources.files("pgolf.resources") / "images.toml").read_text("utf-8")
    try:
        raw = ImageCatalogue.model_validate(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise InternalError(f"bundled images.toml is invalid: {exc}") from exc
    if raw.default not in raw.images:
        raise InternalError(f"images.toml: default image {raw.default!r} is not listed")
    return raw.model_copy(update={"images": {k: v.model_copy(update={"name": k}) for k, v in raw.images.items()}})


def parse_version(text: str) -> tuple[int, int, int | None, str | None] | None:
    """'2.9.1+cu128' -> (2, 9, 1, 'cu128'); '2.9+' -> (2, 9, None, None); junk -> None."""
    m = _VERSION.search(text)
    if m is None:
        return None
    return int(m[1]), int(m[2]), int(m[3]) if m[3] else None, m[4]


def _match_score(stated: tuple[int, int, int | None, str | None], spec: ImageSpec) -> tuple[int, ...] | None:
    own = parse_version(spec.torch)
    if own is None or own[:2] != stated[:2]:
        return None
    same_cuda = stated[3] is not None and stated[3] == own[3]
    return (int(same_cuda), int(stated[3] is None and spec.minor_default), int(stated[2] == own[2]))


def _choice(spec: ImageSpec, *, exact: bool, reason: str, evidence: TorchEvidence | None = None) -> ImageChoice:
    return ImageChoice(image=spec.name, tag=spec.tag, torch=spec.torch, exact=exact, reason=reason, evidence=evidence)


def select_image(evidence: Sequence[TorchEvidence], catalogue: ImageCatalogue | None = None) -> ImageChoice:
    """Apply the §1.7 rule: the best source's most common version picks an image; else the default."""
    cat = catalogue or load_catalogue()
    default = cat.images[cat.default]
    parsed = [(e, v) for e in evidence if (v := parse_version(e.version)) is not None]
    if not parsed:
        why = "no torch version stated in logs, submission.json, requirements or README"
        return _choice(default, exact=False, reason=f"{why}: default image {default.name}")
    best = min(e.source for e, _ in parsed)
    tier = [(e, v) for e, v in parsed if e.source == best]
    counts = Counter(e.version for e, _ in tier)
    chosen, stated = next((e, v) for e, v in tier if e.version == counts.most_common(1)[0][0])
    others = sorted(set(counts) - {chosen.version})
    said = chosen.render() + (f" (also seen there: {', '.join(others)})" if others else "")
    scored = [(s, spec) for spec in cat.images.values() if (s := _match_score(stated, spec)) is not None]
    if not scored:
        why = f"{said}; no image has torch {stated[0]}.{stated[1]}"
        fallback = f"default image {default.name} (torch {default.torch}), a version mismatch"
        return _choice(default, exact=False, evidence=chosen, reason=f"{why}: {fallback}")
    score, spec = max(scored, key=lambda pair: pair[0])
    exact = score[2] == 1 and (stated[3] is None or score[0] == 1)
    closeness = "" if exact else ", the nearest build (not the stated version)"
    return _choice(
        spec,
        exact=exact,
        evidence=chosen,
        reason=f"{said}: image {spec.name} (torch {spec.torch}){closeness}",
    )


# --- reading the evidence out of a folder -------------------------------------------------------

_RUNNING = re.compile(r"Running PyTorch\s+(\d+\.\d+\S*)")  # not the f-string in a source dump
_REQ_PIN = re.compile(r"^\s*torch\s*===?\s*([0-9][^\s;#,]*)", re.MULTILINE)
_README = re.compile(r"torch(?:_version)?[\s=:>]*v?(\d+\.\d+(?:\.\d+)?(?:\+cu\d+)?)", re.IGNORECASE)
_README_CAP = 256 * 1024


def _lines(folder: SubmissionFolder, role: FileRole, pattern: re.Pattern[str], source: Source) -> list[TorchEvidence]:
    found = []
    for entry in folder.by_role(role):
        try:
            text = folder.read_text(entry)
        except InputError:
            continue  # binary junk or a file that turned into a link: other sources still count
        if role is FileRole.README:
            text = text[:_README_CAP]
        for m in pattern.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            found.append(TorchEvidence(source=source, version=m[1], path=entry.path, line=line))
    return found


def _submission_versions(folder: SubmissionFolder) -> list[TorchEvidence]:
    found = []
    for entry in folder.by_role(FileRole.SUBMISSION_JSON):
        try:
            doc = json.loads(folder.read_text(entry))
        except (InputError, json.JSONDecodeError):
            continue  # unreadable JSON is SUBMISSION_JSON_UNREADABLE's business, not image selection's
        value = doc.get("pytorch_version") if isinstance(doc, dict) else None
        if isinstance(value, str | int | float):
            found.append(TorchEvidence(source=Source.SUBMISSION_JSON, version=str(value), path=entry.path))
    return found


def torch_evidence(folder: SubmissionFolder) -> list[TorchEvidence]:
    """Every torch version the folder states, each with the file (and line) it came from."""
    return [
        *_lines(folder, FileRole.LOG, _RUNNING, Source.LOG),
        *_submission_versions(folder),
        *_lines(folder, FileRole.REQUIREMENTS, _REQ_PIN, Source.REQUIREMENTS),
        *_lines(folder, FileRole.README, _README, Source.README),
    ]


def choose_image(path: str | Path, override: str | None = None) -> ImageChoice:
    """The image for a records folder; `override` (a manifest's explicit image) wins, with that reason."""
    cat = load_catalogue()
    if override is not None:
        spec = cat.get(override)
        return _choice(spec, exact=True, reason=f"image {spec.name} named explicitly (manifest or --image)")
    return select_image(torch_evidence(load_folder(path, hash_files=False)), cat)


# --- docker/images.lock ---------------------------------------------------------------------------

DEFAULT_LOCK = Path(__file__).resolve().parents[1] / "docker" / "images.lock"


def read_lock(path: Path = DEFAULT_LOCK) -> dict[str, ImagePins]:
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
        return {name: ImagePins.model_validate(table) for name, table in raw.items()}
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: no image lock file (it ships in docker/ of a pgolf checkout)") from exc
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise InputError(f"{path}: not a valid image lock: {exc}") from exc


def write_lock(pins: dict[str, ImagePins], path: Path = DEFAULT_LOCK) -> None:
    """Rewrite the lock; JSON string quoting is valid TOML basic-string quoting for these values."""
    head = [
        "# Pins of the images in pgolf/resources/images.toml. Written by `make pin-images` (base_digest,",
        "# fa3_url, fa3_sha256, resolved_at) and `make image` (image_id); do not edit by hand.",
        f"# {UNRESOLVED} marks a pin nobody has resolved yet: `make image` refuses to build with it.",
    ]
    body = []
    for name in sorted(pins):
        body += ["", f"[{name}]"]
        body += [f"{key} = {json.dumps(value)}" for key, value in pins[name].model_dump().items()]
    path.write_text("\n".join(head + body) + "\n", encoding="utf-8")


def build_args(name: str, lock: Path = DEFAULT_LOCK) -> list[str]:
    """`docker build` arguments for an image; refuses while a pin is a placeholder."""
    spec = load_catalogue().get(name)
    pins = read_lock(lock).get(name)
    if pins is None:
        raise UsageError(f"{lock}: no entry for image {name!r}; run `make pin-images`")
    missing = pins.unresolved()
    if missing:
        raise UsageError(
            f"image {name}: unresolved pin(s) {', '.join(missing)} in {lock}; run `make pin-images` "
            "on a machine with Docker and network (pgolf never builds from a guessed digest or hash)"
        )
    values = {
        "BASE_IMAGE": f"{spec.base}@{pins.base_digest}",
        "TORCH_VERSION": spec.torch,
        "TORCH_INDEX_URL": spec.torch_index,
        "FA3_WHEEL_URL": pins.fa3_url,
        "FA3_WHEEL_SHA256": pins.fa3_sha256,
    }
    return [part for key, value in values.items() for part in ("--build-arg", f"{key}={value}")]


def record_image_id(name: str, image_id: str, lock: Path = DEFAULT_LOCK) -> None:
    if not _DIGEST.fullmatch(image_id):
        raise UsageError(f"image {name}: {image_id!r} is not an image id of the form sha256:<64 hex>")
    pins = read_lock(lock)
    pins[name] = pins.get(name, ImagePins()).model_copy(update={"image_id": image_id})
    write_lock(pins, lock)


def user_lock_path() -> Path:
    """Image ids trusted on first use on this machine (never committed): `<cache>/images.user-lock.json`."""
    from pgolf.sources import cache_root

    return cache_root() / "images.user-lock.json"


def _user_images() -> dict[str, str]:
    path = user_lock_path()
    try:
        loaded = json.loads(path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}


def record_user_image(ref: str, image_id: str) -> Path:
    """Remember the id a tag named when first used (atomically); returns the user lock's path."""
    from pgolf.data.lock import atomic_write_text

    pins = {**_user_images(), ref: image_id}
    atomic_write_text(user_lock_path(), json.dumps(pins, indent=2, sort_keys=True) + "\n")
    return user_lock_path()


def image_reference(name: str, lock: Path = DEFAULT_LOCK) -> str:
    """What to run for a catalogue image: the id `make image` recorded in the lock, else the id first
    trusted on this machine (user lock), else the tag itself (trusted and recorded at the preflight)."""
    spec = load_catalogue().get(name)
    pins = read_lock(lock).get(name) if lock.is_file() else None
    if pins is not None and _DIGEST.fullmatch(pins.image_id):
        return pins.image_id
    return _user_images().get(spec.tag, spec.tag)


def build_lock_path() -> Path:
    """Build pins resolved on first use on this machine (`make image` with unresolved committed pins)."""
    from pgolf.sources import cache_root

    return cache_root() / "images.build-lock.toml"


def lock_for_build(name: str, lock: Path = DEFAULT_LOCK) -> Path:
    """The committed lock when it pins `name`; else the user build lock, resolved on first use by
    docker/pin_images.py (Docker and network needed), with a warning: never a guessed pin."""
    pins = read_lock(lock).get(name)
    if pins is not None and not pins.unresolved():
        return lock
    user = build_lock_path()
    found = read_lock(user).get(name) if user.is_file() else None
    if found is None or found.unresolved():
        script = Path(__file__).resolve().parents[1] / "docker" / "pin_images.py"
        print(f"warning: image {name} is not pinned in {lock}: resolving its pins now into {user}", file=sys.stderr)
        user.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([sys.executable, str(script), "--lock", str(user), name], check=False)
        if done.returncode != 0:
            raise UsageError(f"image {name}: its pins could not be resolved (pin_images.py exited {done.returncode})")
        found = read_lock(user).get(name)
    if found is None or found.unresolved():
        raise UsageError(f"image {name}: {user} still has unresolved pins")
    print(f"warning: building {name} from pins trusted on first use ({user}, {found.resolved_at})", file=sys.stderr)
    return user


def _main(argv: Sequence[str]) -> int:
    usage = (
        "usage: python -m pgolf.images {build-args NAME | build-lock NAME | record-id NAME IMAGE_ID [LOCK] "
        "| choose FOLDER}"
    )
    try:
        match list(argv):
            case ["build-args", name]:
                print(" ".join(build_args(name)))
            case ["build-args", name, "--lock", path]:
                print(" ".join(build_args(name, Path(path))))
            case ["build-lock", name]:
                print(lock_for_build(name))
            case ["record-id", name, image_id]:
                record_image_id(name, image_id)
            case ["record-id", name, image_id, path]:
                record_image_id(name, image_id, Path(path))
            case ["choose", folder]:
                print(choose_image(folder).model_dump_json(indent=2))
            case _:
                print(usage, file=sys.stderr)
                return 2
    except PgolfError as exc:
        print(f"pgolf.images: error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
