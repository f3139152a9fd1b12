"""PG415 fixtures: local tools through subprocess pass; a hub download inside evaluation fails; a
download before training warns (setup belongs outside the timed run)."""

from __future__ import annotations

from checks.fixture_kit import Fixture, standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.findings import Status

MINIFY = """

def code_size(code):
    import subprocess
    out = subprocess.run(["pyminify", "--remove-literal-statements", "-"], input=code.encode(), capture_output=True)
    return len(out.stdout)
"""
EVAL_DOWNLOAD = fs.EVAL.replace(
    "    loss_sum = 0.0\n",
    "    from huggingface_hub import hf_hub_download\n"
    '    extra = hf_hub_download(repo_id="someone/ngram-tables", filename="tables.npz")\n    loss_sum = 0.0\n',
)
SETUP_DOWNLOAD = """
from huggingface_hub import snapshot_download
snapshot_download(repo_id="willdepueoai/parameter-golf", local_dir="./data")
"""

FIXTURES = [
    Fixture(
        "local-tools-only",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(helpers=MINIFY, after_eval="print(code_size('x = 1'))")},
        "subprocess runs pyminify, a local tool",
    ),
    Fixture(
        "download-during-eval",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(evaluation=EVAL_DOWNLOAD)},
        "hf_hub_download inside the scoring function",
    ),
    Fixture(
        "download-before-training",
        Status.WARN,
        {
            **standard_files(),
            "train_gpt.py": fs.script(
                main=fs.MAIN.replace(
                    "    h = Hyperparameters()\n",
                    "    h = Hyperparameters()\n"
                    + "".join("    " + line + "\n" for line in SETUP_DOWNLOAD.strip().splitlines()),
                )
            ),
        },
        "the dataset is fetched at the start of the run, before training",
    ),
]
