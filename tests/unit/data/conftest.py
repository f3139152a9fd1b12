"""Shared fixtures: small synthetic datasets built once per session (about a second each), and
private copies for tests that corrupt them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pgolf.data.synth import SynthDataset, synth_dataset


def _small(out: Path, *, byte_sidecar: bool = False) -> SynthDataset:
    """3 train shards of 4,096 tokens (the last one short), 24 val docs, vocabulary 320."""
    return synth_dataset(
        out, vocab_size=320, train_shards=3, tokens_per_train_shard=4096, val_docs=24, byte_sidecar=byte_sidecar
    )


def _copy(ds: SynthDataset, dest: Path) -> SynthDataset:
    shutil.copytree(ds.root, dest)
    return ds.model_copy(
        update={
            "root": dest,
            "manifest_path": dest / ds.manifest_path.relative_to(ds.root),
            "dataset_dir": dest / ds.dataset_dir.relative_to(ds.root),
            "tokenizer_path": dest / ds.tokenizer_path.relative_to(ds.root),
        }
    )


@pytest.fixture(scope="session")
def synth_small(tmp_path_factory: pytest.TempPathFactory) -> SynthDataset:
    """Shared and read-only: never modify its files."""
    return _small(tmp_path_factory.mktemp("synth") / "data")


@pytest.fixture(scope="session")
def synth_sidecar(tmp_path_factory: pytest.TempPathFactory) -> SynthDataset:
    """Shared and read-only, with the CaseOps val byte sidecar."""
    return _small(tmp_path_factory.mktemp("synth_sidecar") / "data", byte_sidecar=True)


@pytest.fixture
def small_copy(synth_small: SynthDataset, tmp_path: Path) -> SynthDataset:
    """A private copy of synth_small that the test may corrupt."""
    return _copy(synth_small, tmp_path / "data")


@pytest.fixture
def sidecar_copy(synth_sidecar: SynthDataset, tmp_path: Path) -> SynthDataset:
    """A private copy of synth_sidecar that the test may corrupt."""
    return _copy(synth_sidecar, tmp_path / "data")
