"""Rulesets: the challenge's limits and policies as versioned data (resources/rulesets/*.toml)."""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pgolf.errors import InternalError, UsageError
from pgolf.findings import PolicyName, Status


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TrackLimits(_Frozen):
    name: str = ""
    title: str
    record: bool
    aliases: tuple[str, ...] = ()
    max_artifact_bytes: int
    max_train_seconds: float
    max_eval_seconds: float
    world_size: int
    gpu_model: str
    # Other GPUs of the record GPU's generation (8xH200 for 8xH100): disclosed, the leaderboard warns.
    gpu_same_generation: tuple[str, ...] = ()
    min_seeds: int


class Policy(_Frozen):
    name: PolicyName = "readme"
    title: str
    train_overshoot_step_avgs: float
    train_overshoot_ms: int
    # GPTQ-CALIB-TIMING. No reserve: training-data Hessians after a stop at the cap are read after the
    # timer (PG204 and PG411). With a reserve: an overshoot up to the tolerance passes, beyond it gets
    # `gptq_overshoot_status`.
    gptq_no_reserve_status: Literal[Status.FAIL, Status.WARN]
    gptq_overshoot_status: Literal[Status.FAIL, Status.WARN]
    gptq_overshoot_tolerance_s: float
    eval_precompute_outside_status: Literal[Status.FAIL, Status.WARN]
    significance_min_nats: float
    significance_alpha: float
    val_tokens_mismatch_status: Literal[Status.FAIL, Status.WARN]
    # Rulings the README's text does not state (organizer decisions on PRs): FAIL or at most WARN.
    rulings_beyond_readme_status: Literal[Status.FAIL, Status.WARN]
    # A non-record folder without logs or without submission.json (records on the record track always fail).
    nonrecord_missing_evidence_status: Literal[Status.FAIL, Status.WARN]
    # Record runs on a disclosed same-generation GPU at the record world size (8xH200).
    same_generation_gpu_status: Literal[Status.FAIL, Status.WARN]


class DataVariant(_Frozen):
    name: str = ""
    dir: str
    vocab_size: int
    val_tokens_raw: int | None = None
    canonical_val_tokens: tuple[int, ...]
    accepted_val_tokens: tuple[int, ...] = ()


class DataRules(_Frozen):
    val_docs: int
    bos_id: int
    leak_train_shards: tuple[int, ...]
    usual_seeds: tuple[int, ...]
    subset_val_tokens: tuple[int, ...]
    claim_tolerance_bpb: float
    headline_tolerance_bpb: float
    rerun_noise_bpb: float  # a named rerun within this of the claim may stand in for the claimed run's timing
    variants: dict[str, DataVariant]

    def variant_for_tokens(self, val_tokens: int) -> DataVariant | None:
        for variant in self.variants.values():
            if val_tokens in variant.canonical_val_tokens or val_tokens in variant.accepted_val_tokens:
                return variant
        return None


class ReproductionRules(_Frozen):
    """How a reproduction's mean is compared with the claimed mean (RULES.md REPRODUCIBILITY)."""

    tolerance_sigmas: float = Field(gt=0)  # |z| of the mean difference allowed
    min_seed_std_bpb: float = Field(gt=0)  # floor on the claimed per-seed spread (and its value with one seed)


class Ruling(_Frozen):
    """An organizer decision with the date it took effect (the timeline of `[rulings.*]`).

    A submission dated before `date` is judged without it: a violation is WARN "grandfathered"
    (with this date and source), unless `retroactive` (organizers applied it to earlier PRs too).
    `in_readme` says whether the README's own text states the rule; the readme policy gives
    violations of rulings it does not state at most its `rulings_beyond_readme_status`.
    """

    id: str = ""
    rule: str  # the rule id in RULES.md it concerns
    date: date
    source: str
    summary: str
    retroactive: bool = False
    in_readme: bool = False


class RulesetInfo(_Frozen):
    id: str
    title: str
    date: date  # the day the ruleset describes; `--ruleset ID` judges every submission as of this day
    default_track: str


class Ruleset(_Frozen):
    ruleset: RulesetInfo
    tracks: dict[str, TrackLimits]
    policies: dict[PolicyName, Policy]
    data: DataRules
    reproduction: ReproductionRules
    rulings: dict[str, Ruling] = Field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.ruleset.id

    @property
    def date(self) -> date:
        return self.ruleset.date

    def ruling(self, ruling_id: str) -> Ruling:
        """A ruling by id; an unknown id is a bug in the check asking for it."""
        found = self.rulings.get(ruling_id)
        if found is None:
            raise InternalError(f"ruleset {self.id} has no ruling {ruling_id!r}; known: {', '.join(self.rulings)}")
        return found

    def track(self, name_or_alias: str | None) -> TrackLimits | None:
        """Resolve a folder name, a track key or any alias participants wrote (case-insensitive)."""
        if name_or_alias is None:
            return None
        wanted = name_or_alias.strip().lower()
        for track in self.tracks.values():
            if wanted == track.name or wanted in (a.lower() for a in track.aliases):
                return track
        if "non" in wanted or "unlimited" in wanted:  # 27 spellings seen in the wild (ENVIRONMENT.md §4.3)
            return next((t for t in self.tracks.values() if not t.record), None)
        return None

    @property
    def default_track(self) -> TrackLimits:
        return self.tracks[self.ruleset.default_track]


class _RulesetFile(BaseModel):
    ruleset: RulesetInfo
    tracks: dict[str, TrackLimits] = Field(min_length=1)
    policies: dict[PolicyName, Policy]
    data: DataRules
    reproduction: ReproductionRules
    rulings: dict[str, Ruling] = Field(default_factory=dict)


def available_rulesets() -> list[str]:
    folder = resources.files("pgolf.resources") / "rulesets"
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


@cache
def load_ruleset(ruleset_id: str | None = None) -> Ruleset:
    """Load a ruleset by id (file stem); the newest when `ruleset_id` is None."""
    known = available_rulesets()
    chosen = ruleset_id or known[-1]
    if chosen not in known:
        raise UsageError(f"unknown ruleset {chosen!r}; known: {', '.join(known)}")
    text = (resources.files("pgolf.resources") / "rulesets" / f"{chosen}.toml").read_text("utf-8")
    try:
        raw = _RulesetFile.model_validate(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise InternalError(f"bundled ruleset {chosen} is invalid: {exc}") from exc
    return Ruleset(
        ruleset=raw.ruleset,
        tracks={k: v.model_copy(update={"name": k}) for k, v in raw.tracks.items()},
        policies={k: v.model_copy(update={"name": k}) for k, v in raw.policies.items()},
        data=raw.data.model_copy(
            update={"variants": {k: v.model_copy(update={"name": k}) for k, v in raw.data.variants.items()}}
        ),
        reproduction=raw.reproduction,
        rulings={k: v.model_copy(update={"id": k}) for k, v in raw.rulings.items()},
    )
