"""`pgolf manifest infer`: README run command, submission.json claims and log facts into a draft manifest."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from checks.fixture_kit import DEFAULT_SEEDS, standard_files
from pgolf.cli import cli
from pgolf.cli.manifest import draft_manifest, find_command, parse_command
from pgolf.manifest import parse_manifest

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "main" / "track_10min_16mb"
README = """# Fixture

Setup:

```bash
export NCCL_NET=Socket
pip install -r requirements.txt
SEED=42 CASEOPS_ENABLED=1 COMPRESSOR=pergroup GPTQ_RESERVE_SECONDS=0.5 \\
  torchrun --standalone --nproc_per_node=8 train_gpt.py
```
"""
LOOP = "for SEED in 42 314; do SEED=$SEED RUN_ID=s$SEED torchrun --nproc_per_node 8 train_gpt.py; done"


def write_folder(tmp_path: Path, readme: str | None = README) -> Path:
    folder = tmp_path / "records" / "track_10min_16mb" / "2026-05-01_Fixture"
    folder.mkdir(parents=True)
    extra = {"compressor": "brotli", "caseops_enabled": True}
    for rel, content in standard_files(log_kwargs={"extra_hparams": extra}).items():
        (folder / rel).write_text(str(content), encoding="utf-8")
    if readme is None:
        (folder / "README.md").unlink()
    else:
        (folder / "README.md").write_text(readme, encoding="utf-8")
    return folder


def test_command_env_block_and_launch_shape() -> None:
    cmd = find_command(README)
    assert cmd is not None and cmd.line == 8
    expected = {"SEED": "42", "CASEOPS_ENABLED": "1", "COMPRESSOR": "pergroup", "GPTQ_RESERVE_SECONDS": "0.5"}
    assert cmd.env == {"NCCL_NET": "Socket", **expected}
    assert (cmd.nproc, cmd.entrypoint) == (8, "train_gpt.py")


@pytest.mark.parametrize(
    ("line", "env", "dynamic", "nproc"),
    [
        (LOOP, {}, ["SEED", "RUN_ID"], 8),
        ("QK_GAIN=5.0 python3 -m torch.distributed.run --nproc_per_node=4 train.py", {"QK_GAIN": "5.0"}, [], 4),
        ("`VOCAB_SIZE=1024 torchrun --standalone --nproc_per_node=8 train_gpt.py`", {"VOCAB_SIZE": "1024"}, [], 8),
    ],
)
def test_parse_command_variants(line: str, env: dict[str, str], dynamic: list[str], nproc: int) -> None:
    cmd = parse_command(line, 1, {})
    assert cmd is not None and cmd.env == env and cmd.dynamic == dynamic and cmd.nproc == nproc


def test_prose_is_not_a_command() -> None:
    assert parse_command("We use torchrun because it's simple.", 1, {}) is None
    assert find_command("no command here\n") is None


def test_draft_loads_as_a_manifest(tmp_path: Path) -> None:
    folder = write_folder(tmp_path)
    rel = "records/track_10min_16mb/2026-05-01_Fixture"
    text = draft_manifest(folder, pr=7, commit="abcdef0", records_folder=rel)
    m = parse_manifest(tomllib.loads(text))
    assert (m.name, m.pr, m.track, m.nproc_per_node, m.entrypoint) == ("pr7", 7, "10min_16mb", 8, "train_gpt.py")
    assert m.source is not None and m.source.commit == "abcdef0" and m.source.records_folder == rel
    assert m.env["COMPRESSOR"] == "pergroup" and m.env["NCCL_NET"] == "Socket"
    assert sorted(m.seeds) == sorted(DEFAULT_SEEDS)
    assert {s: c.val_bpb for s, c in m.claims.items()} == DEFAULT_SEEDS
    assert (m.dataset.variant, m.dataset.train_shards) == ("sp8192_caseops", 80)
    # The logs' Hyperparameters dump disagrees with the README on COMPRESSOR only (1 == True; SEED is the runner's).
    assert "# conflict: env COMPRESSOR: pergroup (README.md:8); brotli (train_seed" in text
    assert "env CASEOPS_ENABLED" not in text and "env SEED" not in text
    assert 'image_name = "cu128-t291"' in text


def test_without_a_pinned_commit_the_draft_is_local(tmp_path: Path) -> None:
    folder = write_folder(tmp_path, readme=None)
    result = CliRunner().invoke(cli, ["manifest", "infer", str(folder)])
    assert result.exit_code == 0, result.output
    m = parse_manifest(tomllib.loads(result.output))
    assert m.source is None and m.local_folder == str(folder) and m.env == {}
    assert "# warning: no training command in the README" in result.output


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent (a fresh clone has no shared/)")
def test_real_record_folder() -> None:
    folder = CORPUS / "2026-04-27_SP8192_LQER_SparseGate_BOSSmearFix_9HpStack_1.0611"
    m = parse_manifest(tomllib.loads(draft_manifest(folder, pr=1855, commit="4908dc46f", records_folder="x")))
    assert m.seeds == [42, 0, 1234] and m.dataset.variant == "sp8192_caseops" and m.dataset.train_shards == 80
    assert m.claims[42].val_bpb == 1.05989454 and m.claims[42].artifact_bytes == 15897259


# --- the shipped PR manifests ------------------------------------------------------------------------

SHIPPED = Path(__file__).resolve().parents[2] / "submissions"
MAIN_FOLDERS = {
    1855: "2026-04-27_SP8192_LQER_SparseGate_BOSSmearFix_9HpStack_1.0611",
    1851: "2026-04-27_SmearGateBOSFix_PR1787Base_LQERAsym_PhasedTTT",
    1868: "2026-04-29_SmearGateBOSFix_3Seed_1.06141",
}


@pytest.mark.parametrize("pr", sorted(MAIN_FOLDERS))
def test_leaderboard_overrides_pin_a_main_commit(pr: int) -> None:
    """The merged PRs have no head in the snapshot: their overrides pin the main commit holding the folder."""
    from pgolf.manifest import load_manifest
    from pgolf.sources import manifest_source

    m = load_manifest(str(pr), root=SHIPPED.parent)
    assert m.pr == pr and m.source is not None and not m.unknown
    assert m.source.records_folder == f"records/track_10min_16mb/{MAIN_FOLDERS[pr]}"
    assert manifest_source(m).commit == "4908dc46f"


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent (a fresh clone has no shared/)")
@pytest.mark.parametrize("pr", sorted(MAIN_FOLDERS))
def test_leaderboard_claims_match_the_corpus(pr: int) -> None:
    import json

    from pgolf.manifest import load_manifest

    m = load_manifest(str(pr), root=SHIPPED.parent)
    doc = json.loads((CORPUS / MAIN_FOLDERS[pr] / "submission.json").read_text("utf-8"))
    results = doc.get("compliance_rerun", doc)["seed_results"] if pr == 1868 else doc["seed_results"]
    assert {s: c.val_bpb for s, c in m.claims.items()} == {int(s): r["val_bpb"] for s, r in results.items()}
    assert {s: c.artifact_bytes for s, c in m.claims.items()} == {
        int(s): r["artifact_bytes"] for s, r in results.items()
    }


def test_no_hand_written_manifest_for_pr2135() -> None:
    assert not (SHIPPED / "pr2135.toml").exists()  # everything comes from the PR's own folder
