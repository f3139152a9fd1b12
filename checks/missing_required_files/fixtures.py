from checks.fixture_kit import CLEAN_SCRIPT, Fixture, standard_files
from pgolf.findings import Status

_full = standard_files()


def _renamed(old: str, new: str) -> dict[str, str | bytes]:
    return {(new if k == old else k): v for k, v in _full.items()}


FIXTURES = [
    Fixture("2026-04-29_complete", Status.PASS, _full, "all required files present"),
    Fixture(
        "2026-04-29_no_script",
        Status.FAIL,
        {k: v for k, v in _full.items() if k != "train_gpt.py"},
        "#1416 pattern: no training script at all",
    ),
    Fixture(
        "2026-04-29_helpers_only",
        Status.FAIL,
        {**{k: v for k, v in _full.items() if k != "train_gpt.py"}, "train_eval_only.py": "import torch\n"},
        "only a train*.py helper without a training loop: code not shipped",
    ),
    Fixture(
        "2026-04-29_no_logs",
        Status.FAIL,
        {k: v for k, v in _full.items() if not k.endswith(".log")},
        "#1278 pattern: no train logs",
    ),
    Fixture(
        "2026-03-21_nonrecord_no_logs",
        Status.WARN,
        {k: v for k, v in _full.items() if not k.endswith(".log")},
        "non-record folders without logs were merged (2026-03-21_DepthRecurrence)",
        policy="leaderboard",
        track="track_non_record_16mb",
    ),
    Fixture(
        "2026-03-21_nonrecord_no_logs_readme",
        Status.FAIL,
        {k: v for k, v in _full.items() if not k.endswith(".log")},
        "the README asks every submission for its logs",
        track="track_non_record_16mb",
    ),
    Fixture(
        "2026-04-29_ternary_json",
        Status.WARN,
        _renamed("submission.json", "submission_ternary.json"),
        "metadata under a non-standard name",
    ),
    Fixture(
        "2026-03-29_variant_names",
        Status.WARN,
        {
            **{k: v for k, v in _renamed("README.md", "NOTES_README.md").items() if k != "train_gpt.py"},
            "train_mdlm.py": CLEAN_SCRIPT,
        },
        "README and training script under other names (2026-03-29_LLaDA pattern)",
    ),
]
