"""The check catalogue: one folder per check (check.py, README.md, fixtures.py), listed here.

A literal registry, sorted by code: no import-time scanning. tests/unit/test_catalogue.py keeps
this dict and the folders in step.
"""

from __future__ import annotations

from checks.artifact_size_unverified.check import ArtifactSizeUnverified
from checks.artifact_too_large.check import ArtifactTooLarge
from checks.claim_not_in_logs.check import ClaimNotInLogs
from checks.eval_precompute_outside_timer.check import EvalPrecomputeOutsideTimer
from checks.eval_time_exceeded.check import EvalTimeExceeded
from checks.gptq_calibration_over_budget.check import GptqCalibrationOverBudget
from checks.leaked_train_shards.check import LeakedTrainShards
from checks.missing_required_files.check import MissingRequiredFiles
from checks.ngram_tilt_gates_active.check import NgramTiltGatesActive
from checks.not_significant.check import NotSignificant
from checks.partial_val_coverage.check import PartialValCoverage
from checks.submission_json_unreadable.check import SubmissionJsonUnreadable
from checks.too_few_seeds.check import TooFewSeeds
from checks.train_time_exceeded.check import TrainTimeExceeded
from checks.unreadable_files.check import UnreadableFiles
from checks.wrong_hardware.check import WrongHardware
from pgolf.catalogue import Check

ALL_CHECKS: dict[str, type[Check]] = {
    "PG101": MissingRequiredFiles,
    "PG102": SubmissionJsonUnreadable,
    "PG103": ClaimNotInLogs,
    "PG104": UnreadableFiles,
    "PG201": ArtifactTooLarge,
    "PG202": ArtifactSizeUnverified,
    "PG203": TrainTimeExceeded,
    "PG204": GptqCalibrationOverBudget,
    "PG205": EvalTimeExceeded,
    "PG206": EvalPrecomputeOutsideTimer,
    "PG207": WrongHardware,
    "PG208": TooFewSeeds,
    "PG301": LeakedTrainShards,
    "PG302": PartialValCoverage,
    "PG303": NgramTiltGatesActive,
    "PG501": NotSignificant,
}
