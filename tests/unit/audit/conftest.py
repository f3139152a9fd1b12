"""Builders shared by the code-audit unit tests: analyse a script given as text, or a folder."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from pgolf.audit.analysis import Analysis, analyze
from pgolf.audit.config import RunConfig
from pgolf.audit.kinds import SourceKind
from pgolf.audit.pyparse import parse_python
from pgolf.audit.sources import SourceFile, SourceSet

Analyse = Callable[..., Analysis]


def _analyse(text: str, config: RunConfig | None = None) -> Analysis:
    src = SourceFile("train_gpt.py", SourceKind.PYTHON, text, len(text), parse=parse_python(text, "train_gpt.py"))
    assert src.tree is not None, src.parse
    analysis = analyze(SourceSet(entry=src, files=[src]), config)
    assert analysis is not None
    return analysis


@pytest.fixture
def analyse() -> Analyse:
    return _analyse


@pytest.fixture
def make_folder(tmp_path: Path) -> Callable[[Mapping[str, str | bytes]], Path]:
    def build(files: Mapping[str, str | bytes]) -> Path:
        root = tmp_path / "records" / "track_10min_16mb" / "2026-05-01_test"
        for rel, content in files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        return root

    return build
