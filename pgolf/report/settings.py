"""The report's limits (limits.toml beside this file), loaded once and validated."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SnapshotLimits(_Section):
    max_file_bytes: int = Field(gt=0)
    max_total_bytes: int = Field(gt=0)


class BundleLimits(_Section):
    max_members: int = Field(gt=0)
    max_member_bytes: int = Field(gt=0)
    max_total_bytes: int = Field(gt=0)
    hash_data_up_to_bytes: int = Field(ge=0)


class PlotLimits(_Section):
    max_curve_points: int = Field(ge=2)


class ReportLimits(_Section):
    snapshot: SnapshotLimits
    bundle: BundleLimits
    plots: PlotLimits


@cache
def report_limits() -> ReportLimits:
    text = (resources.files("pgolf.report") / "limits.toml").read_text("utf-8")
    return ReportLimits.model_validate(tomllib.loads(text))
