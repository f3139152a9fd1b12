"""The pure planner: manifest + options -> run specs (no processes, no Docker, no files written)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgolf.errors import UsageError
from pgolf.ruleset import load_ruleset
from pgolf.runner.defaults import runner_defaults
from pgolf.runner.plan import default_run_id, plan, plan_hash

from .runner_fakes import make_manifest, make_options

DIGEST = "sha256:" + "b" * 64


def test_one_spec_per_seed_with_deadline_from_budget_and_grace_from_defaults(tmp_path: Path) -> None:
    result = plan(make_manifest(), make_options(tmp_path))
    assert [s.seed for s in result.specs] == [1, 2]
    spec = result.specs[0]
    assert spec.budget.deadline_s == 10 + 10 + 5
    assert spec.budget.term_grace_s == runner_defaults().deadline.term_grace_seconds
    assert spec.seed_dir == tmp_path / "reports" / "toy" / result.run_id / "seed-1"
    assert spec.command == [
        "/usr/bin/python3", "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=1", "train_gpt.py"
    ]  # fmt: skip
    assert spec.container is None


def test_limits_come_from_the_ruleset_track(tmp_path: Path) -> None:
    manifest = make_manifest(budget={})
    track = load_ruleset().track("10min_16mb")
    assert track is not None
    spec = plan(manifest, make_options(tmp_path)).specs[0]
    assert spec.budget.train_s == track.max_train_seconds
    assert spec.budget.eval_s == track.max_eval_seconds
    assert spec.budget.slack_s == runner_defaults().deadline.slack_seconds
    assert spec.max_artifact_bytes == track.max_artifact_bytes
    assert spec.track == track.name


def test_a_manifest_cannot_raise_the_track_budget(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="exceeds the track"):
        plan(make_manifest(budget={"train_seconds": 10_000}), make_options(tmp_path))


def test_unknown_track_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown track"):
        plan(make_manifest(track="marathon"), make_options(tmp_path))


def test_no_data_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no dataset"):
        plan(make_manifest(), make_options(tmp_path, data=None))


def test_child_env_is_an_allow_list_plus_manifest_plus_runner_keys(tmp_path: Path) -> None:
    manifest = make_manifest(env={"ITERATIONS": "5", "DATA_PATH": "./data/theirs", "SEED": "9"})
    spec = plan(manifest, make_options(tmp_path)).specs[1]
    env = spec.env
    assert "AWS_SECRET_ACCESS_KEY" not in env  # credentials never reach the submission
    assert env["PATH"] == "/usr/bin"
    assert env["ITERATIONS"] == "5"
    assert env["SEED"] == "2"
    assert env["DATA_PATH"] == str(spec.data.dataset_dir)
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["ARTIFACT_DIR"] == str(spec.artifact_dir)
    assert env["TORCHINDUCTOR_CACHE_DIR"] == str(spec.cache_dir / "inductor")
    assert env["TRITON_CACHE_DIR"] == str(spec.cache_dir / "triton")
    assert env["PGOLF_TRACE_DIR"] == str(spec.trace_dir)
    assert env["PYTHONPATH"].split(":")[0].endswith("pgolf/runner/hook")
    assert env["VOCAB_SIZE"] == "512"
    assert spec.overridden_env == ["DATA_PATH", "SEED"]


def test_manifest_vocab_size_wins_over_the_data(tmp_path: Path) -> None:
    spec = plan(make_manifest(env={"VOCAB_SIZE": "1024"}), make_options(tmp_path)).specs[0]
    assert spec.env["VOCAB_SIZE"] == "1024"


def test_options_override_seeds_nproc_and_slack(tmp_path: Path) -> None:
    options = make_options(tmp_path, seeds=[7], nproc_per_node=8, slack_s=0, term_grace_s=1)
    spec = plan(make_manifest(), options).specs[0]
    assert spec.seed == 7
    assert "--nproc_per_node=8" in spec.command
    assert spec.budget.slack_s == 0
    assert spec.budget.term_grace_s == 1


def test_claims_follow_their_seed(tmp_path: Path) -> None:
    specs = plan(make_manifest(claims={"2": {"val_bpb": 1.1}}), make_options(tmp_path)).specs
    assert specs[0].claim is None
    assert specs[1].claim is not None and specs[1].claim.val_bpb == 1.1


def test_run_id_is_stable_for_the_same_plan_and_changes_with_it(tmp_path: Path) -> None:
    manifest, options = make_manifest(), make_options(tmp_path)
    assert default_run_id(manifest, options) == default_run_id(manifest, options)
    assert default_run_id(manifest, options).startswith("local-")
    assert plan_hash(manifest, options) != plan_hash(manifest, options.model_copy(update={"seeds": [1]}))
    assert plan_hash(manifest, options) != plan_hash(make_manifest(env={"ITERATIONS": "6"}), options)
    # where a synthesized dataset lives does not change the plan: it lives inside the run folder
    moved = options.model_copy(update={"data": None})
    assert plan_hash(manifest, options) == plan_hash(manifest, moved)


def test_planning_writes_nothing(tmp_path: Path) -> None:
    options = make_options(tmp_path)
    before = sorted(p for p in tmp_path.rglob("*"))
    plan(make_manifest(), options)
    assert sorted(p for p in tmp_path.rglob("*")) == before


def test_docker_plan_mounts_read_only_except_one_output_folder(tmp_path: Path) -> None:
    manifest = make_manifest(image=f"pg@{DIGEST}")
    options = make_options(tmp_path, backend="docker", user="1000:1000", keep_container=True)
    result = plan(manifest, options)
    spec = result.specs[0]
    container = spec.container
    assert container is not None
    assert container.image == f"pg@{DIGEST}"
    assert container.name == f"pgolf-{result.run_id}-1"
    assert container.labels == {"pgolf.run_id": result.run_id, "pgolf.seed": "1", "pgolf.name": "toy"}
    writable = [m for m in container.mounts if not m.read_only]
    assert [(m.source, m.target) for m in writable] == [(spec.out_dir, "/out")]
    targets = {m.target: m for m in container.mounts}
    assert targets["/submission"].source == options.source_dir
    assert targets["/data/dataset"].read_only and targets["/data/tokenizer"].read_only
    assert container.network_none and container.keep and container.user == "1000:1000"
    assert container.shm_size == runner_defaults().docker.shm_size
    assert spec.command[0] == "torchrun"
    # paths as the container sees them; no host variables leak into the container
    assert spec.env["DATA_PATH"] == "/data/dataset"
    assert spec.env["TOKENIZER_PATH"] == "/data/tokenizer/fineweb_512_bpe.model"
    assert spec.env["HOME"] == "/out/home"
    assert "PATH" not in spec.env
    assert spec.workdir == "/out/work"


def test_docker_needs_an_image(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no image"):
        plan(make_manifest(), make_options(tmp_path, backend="docker"))


def test_image_option_overrides_the_manifest(tmp_path: Path) -> None:
    options = make_options(tmp_path, backend="docker", image=f"other@{DIGEST}")
    container = plan(make_manifest(image=f"pg@{DIGEST}"), options).specs[0].container
    assert container is not None and container.image == f"other@{DIGEST}"


def test_extra_pip_lands_in_the_runs_site_folder_on_the_childs_path(tmp_path: Path) -> None:
    spec = plan(make_manifest(extra_pip=["zstandard>=0.22"]), make_options(tmp_path)).specs[0]
    assert spec.site_dir == spec.seed_dir.parent / "site" and spec.extra_pip == ["zstandard>=0.22"]
    assert str(spec.site_dir) in spec.env["PYTHONPATH"].split(":")
    assert spec.preflight is not None and spec.preflight.dists == ["zstandard"]
    bare = plan(make_manifest(), make_options(tmp_path)).specs[0]
    assert bare.site_dir is None and "site" not in bare.env["PYTHONPATH"]
