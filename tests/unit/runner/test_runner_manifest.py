"""Manifests: validation, name/PR resolution, and the shipped example."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pgolf.errors import InputError, UsageError
from pgolf.manifest import Manifest, load_manifest, manifest_path

from .runner_fakes import make_manifest

REPO = Path(__file__).resolve().parents[3]
DIGEST = "sha256:" + "a" * 64


def test_shipped_example_manifest_is_valid_and_cpu_sized() -> None:
    manifest = load_manifest("example", root=REPO)
    assert manifest.local_folder == "submissions/example"
    assert manifest.dataset.synthetic
    assert manifest.nproc_per_node == 1
    assert manifest.budget.train_seconds is not None and manifest.budget.train_seconds < 600
    assert (REPO / manifest.local_folder / manifest.entrypoint).is_file()


def test_counted_code_defaults_to_the_entrypoint() -> None:
    assert make_manifest().counted_code == ["train_gpt.py"]
    assert make_manifest(code_files=["a.py", "b.py"]).counted_code == ["a.py", "b.py"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"local_folder": None}, "exactly one"),
        ({"source": {"commit": "abcdef1", "records_folder": "records/x"}}, "exactly one"),
        ({"claims": {"7": {"val_bpb": 1.0}}}, "claims for seeds not in"),
        ({"env": {"BAD-KEY": "1"}}, "not environment variable names"),
        ({"seeds": [1, 1]}, "seeds repeat"),
        ({"seeds": []}, "seeds"),
        ({"dataset": {"variant": "synth", "train_shards": 1}}, "vocab_size"),
        ({"image": "pg:latest"}, "image"),
        ({"entrypoint": "../escape.py"}, "relative"),
        ({"artifact_globs": ["/abs/*.ptz"]}, "relative"),
        ({"name": "Has Spaces"}, "name"),
        ({"unknown_key": 1}, "unknown_key"),
        ({"budget": {"train_seconds": 0}}, "budget"),
    ],
)
def test_invalid_manifests_say_what_is_wrong(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        make_manifest(**overrides)


def test_pinned_image_and_pr_source_are_accepted() -> None:
    manifest = make_manifest(
        local_folder=None,
        pr=2135,
        source={"commit": "0123456789abcdef0123456789abcdef01234567", "records_folder": "records/track/x"},
        image=f"ghcr.io/pgolf/pg-cu128-t291@{DIGEST}",
        claims={"1": {"val_bpb": 1.0568, "artifact_bytes": 15_942_822}},
    )
    assert manifest.claims[1].val_bpb == pytest.approx(1.0568)
    assert manifest.folder(REPO) is None


def _write(root: Path, name: str, text: str) -> Path:
    path = root / "submissions" / f"{name}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """
name = "{name}"
{pr}
local_folder = "submissions/x"
track = "10min_16mb"
seeds = [1]
[dataset]
variant = "sp8192"
train_shards = 80
"""


def test_manifest_path_resolves_names_pr_numbers_and_paths(tmp_path: Path) -> None:
    by_name = _write(tmp_path, "example", MINIMAL.format(name="example", pr=""))
    by_pr_file = _write(tmp_path, "pr77", MINIMAL.format(name="pr77", pr="pr = 77"))
    by_pr_field = _write(tmp_path, "fancy-name", MINIMAL.format(name="fancy-name", pr="pr = 2135"))
    assert manifest_path("example", tmp_path) == by_name
    assert manifest_path("77", tmp_path) == by_pr_file
    assert manifest_path("2135", tmp_path) == by_pr_field
    assert manifest_path(str(by_name), tmp_path) == by_name
    assert load_manifest("2135", tmp_path).pr == 2135


def test_missing_manifest_is_a_usage_error_with_a_remedy(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="pgolf manifest infer"):
        load_manifest("nope", tmp_path)


def test_malformed_toml_is_an_input_error(tmp_path: Path) -> None:
    _write(tmp_path, "broken", "name = [unclosed\n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_manifest("broken", tmp_path)


def test_manifest_round_trips_through_json() -> None:
    manifest = make_manifest(claims={"2": {"val_bpb": 1.2}})
    again = Manifest.model_validate_json(manifest.model_dump_json())
    assert again == manifest
