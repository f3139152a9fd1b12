"""PG414 fixtures: a FORCE_STOP_STEP that is off passes; one on by default or set in the README fails."""

from __future__ import annotations

from checks.fixture_kit import Fixture, standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.findings import Status

STOP_LOOP = fs.TRAIN.replace(
    "        step += 1\n",
    "        step += 1\n        if h.force_stop_step > 0 and step >= h.force_stop_step:\n            break\n",
)


def _override(default: str) -> str:
    return fs.script(hyper=f'force_stop_step = int(os.environ.get("FORCE_STOP_STEP", "{default}"))', train=STOP_LOOP)


README = "# run\n\n```\nFORCE_STOP_STEP=4945 SEED=42 torchrun --standalone --nproc_per_node=8 train_gpt.py\n```\n"

FIXTURES = [
    Fixture("no-override", Status.PASS, {**standard_files(), "train_gpt.py": fs.script()}, "the wall clock stops"),
    Fixture(
        "override-present-but-off",
        Status.PASS,
        {**standard_files(), "train_gpt.py": _override("0")},
        "FORCE_STOP_STEP defaults to 0 and the run does not set it (21/43 frontier scripts carry it)",
    ),
    Fixture(
        "override-on-by-default",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": _override("4945")},
        "the script stops at step 4945 regardless of time",
    ),
    Fixture(
        "override-set-in-readme",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": _override("0"), "README.md": README},
        "the README command sets FORCE_STOP_STEP=4945 (#1908 step-matched its seeds this way)",
    ),
]
