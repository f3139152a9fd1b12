"""The check catalogue: one folder per check (check.py, README.md, fixtures.py), listed here.

A literal registry, sorted by code: no import-time scanning. tests/unit/test_catalogue.py keeps
this dict and the folders in step.
"""

from __future__ import annotations

from checks.artifact_size_unverified.check import ArtifactSizeUnverified
from checks.artifact_too_large.check import ArtifactTooLarge
from checks.byte_accounting_unsound.check import ByteAccountingUnsound
from checks.claim_not_in_logs.check import ClaimNotInLogs
from checks.eval_precompute_outside_timer.check import EvalPrecomputeOutsideTimer
from checks.eval_time_exceeded.check import EvalTimeExceeded
from checks.gptq_calibration_over_budget.check import GptqCalibrationOverBudget
from checks.gptq_reserve_missing.check import GptqReserveMissing
from checks.leaked_train_shards.check import LeakedTrainShards
from checks.missing_required_files.check import MissingRequiredFiles
from checks.network_call.check import NetworkCall
from checks.ngram_target_in_key.check import NgramTargetInKey
from checks.ngram_tilt_gates_active.check import NgramTiltGatesActive
from checks.not_significant.check import NotSignificant
from checks.oracle_gated_score.check import OracleGatedScore
from checks.partial_val_coverage.check import PartialValCoverage
from checks.ppm_gate_on_observed.check import PpmGateOnObserved
from checks.prequant_val_finetune.check import PrequantValFinetune
from checks.reads_train_at_eval.check import ReadsTrainAtEval
from checks.slot_on_scored_window.check import SlotOnScoredWindow
from checks.stop_step_override.check import StopStepOverride
from checks.submission_json_unreadable.check import SubmissionJsonUnreadable
from checks.too_few_seeds.check import TooFewSeeds
from checks.train_time_exceeded.check import TrainTimeExceeded
from checks.trains_on_val.check import TrainsOnVal
from checks.ttt_before_score.check import TttBeforeScore
from checks.uncounted_code.check import UncountedCode
from checks.unmasked_doc_lookback.check import UnmaskedDocLookback
from checks.unnormalized_token_probability.check import UnnormalizedTokenProbability
from checks.unreadable_files.check import UnreadableFiles
from checks.val_calibrated_gptq.check import ValCalibratedGptq
from checks.val_rescored.check import ValRescored
from checks.warmup_adapts_on_val.check import WarmupAdaptsOnVal
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
    "PG401": NgramTargetInKey,
    "PG402": OracleGatedScore,
    "PG403": PpmGateOnObserved,
    "PG404": UnnormalizedTokenProbability,
    "PG405": TttBeforeScore,
    "PG406": PrequantValFinetune,
    "PG407": SlotOnScoredWindow,
    "PG408": ValRescored,
    "PG409": WarmupAdaptsOnVal,
    "PG410": ValCalibratedGptq,
    "PG411": GptqReserveMissing,
    "PG412": TrainsOnVal,
    "PG413": ReadsTrainAtEval,
    "PG414": StopStepOverride,
    "PG415": NetworkCall,
    "PG416": UnmaskedDocLookback,
    "PG417": ByteAccountingUnsound,
    "PG418": UncountedCode,
    "PG501": NotSignificant,
}
