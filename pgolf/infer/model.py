"""What inference concluded about a records folder, and why: the manifest plus its evidence."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from pgolf.images import ImageChoice
from pgolf.manifest import Manifest


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Fact(_Frozen):
    """One inferred manifest value and where it was read (`file:line`, or what decided it)."""

    key: str  # dotted manifest key: seeds, dataset.variant, env.COMPRESSOR, image, ...
    value: str
    source: str


class Conflict(_Frozen):
    """Sources that disagree, the value taken, and the rule that took it."""

    what: str
    seen: list[str]  # "<value> (<source>)"
    chosen: str
    why: str


class DataFetch(_Frozen):
    """How the run's dataset is obtained: the variant, its Hub repo and what is downloaded."""

    variant: str
    repo_id: str | None = None
    revision: str | None = None  # the lock's pinned commit; None: resolved at fetch time (TOFU)
    allow_patterns: list[str] = Field(default_factory=list)
    train_shards: int | None = None
    command: str  # the pgolf command that fetches it
    note: str = ""


class Inference(_Frozen):
    manifest: Manifest
    facts: list[Fact] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    image: ImageChoice
    data: DataFetch | None = None
    overrides: list[str] = Field(default_factory=list)  # manifest keys an override file replaced
    override_file: str | None = None

    def fact(self, key: str) -> Fact | None:
        return next((f for f in self.facts if f.key == key), None)
