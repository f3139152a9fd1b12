"""The smoke profile: what it changes in a record's run, only where the script reads the knob, and says so."""

from __future__ import annotations

from pgolf.runner.profiles import SMOKE_BUDGET, apply_profile

from .runner_fakes import make_manifest

SCRIPT = """
max_wallclock_seconds = float(os.environ.get("MAX_WALLCLOCK_SECONDS", 6e2))
model_dim = int(os.environ.get("MODEL_DIM", 512))
val_batch_tokens = int(os.environ.get("VAL_BATCH_TOKENS", 524288))
"""


def test_official_changes_nothing() -> None:
    manifest = make_manifest(env={"EVAL_SEQ_LEN": "2560"})
    profiled = apply_profile(manifest, "official", SCRIPT)
    assert profiled.manifest == manifest and profiled.deviations == [] and not profiled.shared_compile_cache


def test_smoke_sets_the_knobs_the_script_reads_and_lists_every_deviation() -> None:
    manifest = make_manifest(env={"EVAL_SEQ_LEN": "2560", "MODEL_DIM": "512"}, nproc_per_node=8)
    profiled = apply_profile(manifest, "smoke", SCRIPT)
    env = profiled.manifest.env
    assert env["TORCHDYNAMO_DISABLE"] == "1"  # read by torch itself, always set
    assert env["MAX_WALLCLOCK_SECONDS"] == "40" and env["MODEL_DIM"] == "256"
    assert env["VAL_BATCH_TOKENS"] == str(8 * 2560)  # one eval sequence per micro-batch
    assert "TTT_BATCH_SIZE" not in env  # this script has no such knob
    assert any(d.startswith("TTT_BATCH_SIZE: not read by") for d in profiled.deviations)
    assert any(d.startswith("MODEL_DIM=256 (was 512)") for d in profiled.deviations)
    assert profiled.manifest.nproc_per_node == 1 and profiled.manifest.budget == SMOKE_BUDGET
    assert profiled.shared_compile_cache
    assert any("not FineWeb" in d for d in profiled.deviations)
