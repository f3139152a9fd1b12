"""`make pin-images`: resolve the pins of docker/images.lock on a machine with Docker and network.

For each image of pgolf/resources/images.toml (or the names given):
- base_digest: `docker pull --platform linux/amd64 <base>`, then the repo digest Docker recorded;
- fa3_url: the catalogue's direct URL, or the one wheel on its find-links page matching
  `fa3_version` (Python 3.12 / abi3, x86_64): several matches with no version pinned is an error;
- fa3_sha256: the sha256 of the downloaded wheel.

This is trust on first use: the hash binds every later build to the bytes seen now, it does not
prove those bytes are the ones submitters used. Review the diff of docker/images.lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html.parser
import posixpath
import sys
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from pgolf.errors import PgolfError, UsageError
from pgolf.images import DEFAULT_LOCK, ImagePins, ImageSpec, load_catalogue, read_lock, write_lock
from pgolf.runner import proc

_WHEEL_TAGS = ("cp312-cp312", "cp39-abi3", "cp310-abi3", "cp311-abi3", "cp312-abi3")


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def base_digest(spec: ImageSpec) -> str:
    docker = proc.which("docker", "install Docker to resolve base image digests")
    proc.run([docker, "pull", "--platform", "linux/amd64", spec.base], timeout_s=3600)
    out = proc.run([docker, "image", "inspect", "--format", "{{range .RepoDigests}}{{println .}}{{end}}", spec.base])
    repo = spec.base.rsplit(":", 1)[0]
    digests = [line.split("@", 1)[1] for line in out.output.splitlines() if line.startswith(f"{repo}@")]
    if len(digests) != 1:
        raise UsageError(f"{spec.base}: expected one repo digest after pull, got {digests or 'none'}")
    return digests[0]


def _fetch(url: str) -> bytes:
    if not url.startswith("https://"):
        raise UsageError(f"refusing a non-https URL: {url}")
    with urllib.request.urlopen(url, timeout=600) as resp:  # https only, checked above
        data: bytes = resp.read()
    return data


def wheel_url(spec: ImageSpec) -> str:
    if spec.fa3_url:
        return spec.fa3_url
    if not spec.fa3_index:
        raise UsageError(f"image {spec.name}: images.toml names neither fa3_url nor fa3_index")
    parser = _Links()
    parser.feed(_fetch(spec.fa3_index).decode("utf-8", "replace"))
    found = []
    for href in parser.hrefs:
        url = urllib.parse.urljoin(spec.fa3_index, href.split("#", 1)[0])
        name = urllib.parse.unquote(posixpath.basename(urllib.parse.urlsplit(url).path))
        if not name.startswith("flash_attn_3-") or "x86_64" not in name:
            continue
        if any(tag in name for tag in _WHEEL_TAGS) and (not spec.fa3_version or f"-{spec.fa3_version}-" in name):
            found.append(url)
    if len(found) != 1:
        raise UsageError(
            f"image {spec.name}: {len(found)} matching FA3 wheels on {spec.fa3_index} "
            f"(fa3_version={spec.fa3_version!r}): {found[:5]}; pin fa3_version or fa3_url in images.toml"
        )
    return found[0]


def pin(spec: ImageSpec, old: ImagePins) -> ImagePins:
    url = wheel_url(spec)
    print(f"{spec.name}: downloading {url}", file=sys.stderr)
    sha = hashlib.sha256(_fetch(url)).hexdigest()
    digest = base_digest(spec)
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    changed = (old.base_digest, old.fa3_url, old.fa3_sha256) != (digest, url, sha)
    image_id = old.image_id if not changed else "UNRESOLVED"  # a new pin invalidates the built image
    return ImagePins(base_digest=digest, fa3_url=url, fa3_sha256=sha, image_id=image_id, resolved_at=stamp)


def main(argv: Sequence[str]) -> int:
    """`pin_images.py [--lock PATH] [NAME...]`: PATH (a user-side lock, trust on first use) instead of
    docker/images.lock; it starts from the committed lock's entries when it does not exist yet."""
    args = list(argv)
    target = DEFAULT_LOCK
    if args[:1] == ["--lock"] and len(args) >= 2:
        target, args = Path(args[1]), args[2:]
    catalogue = load_catalogue()
    names = args or sorted(catalogue.images)
    try:
        lock = read_lock(target) if target.is_file() else read_lock()
        for name in names:
            lock[name] = pin(catalogue.get(name), lock.get(name, ImagePins()))
            print(f"{name}: {lock[name].base_digest} fa3 {lock[name].fa3_sha256}", file=sys.stderr)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_lock(lock, target)
    except (PgolfError, proc.CommandFailed, OSError) as exc:
        print(f"pin-images: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
