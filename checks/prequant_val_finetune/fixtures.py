"""PG406 fixtures: AdamW epochs on validation tokens before GPTQ/serialization fail (#1376 cluster);
score-first TTT after the artifact passes this check."""

from __future__ import annotations

from checks.fixture_kit import Fixture, standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.findings import Status

PREQUANT = "prequant_ttt_adapt_adamw(h, model, load_tokens(h.val_files))"

FIXTURES = [
    Fixture("no-finetune", Status.PASS, {**standard_files(), "train_gpt.py": fs.script()}, "plain record"),
    Fixture(
        "score-first-ttt-after-quant",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(helpers=fs.SCORE_FIRST_TTT, after_eval=fs.RUN_TTT)},
        "adaptation happens after the artifact and only on scored chunks",
    ),
    Fixture(
        "eval-only-branch-adapts",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(helpers=fs.FULL_VAL_ADAPT, main=fs.EVAL_ONLY_MAIN)},
        "an eval-only branch that loads an artifact and returns is not on the path that quantizes",
    ),
    Fixture(
        "adamw-on-val-before-gptq",
        Status.FAIL,
        {
            **standard_files(),
            "train_gpt.py": fs.script(
                helpers=fs.FULL_VAL_ADAPT.replace("def ttt_adapt_adamw", "def prequant_ttt_adapt_adamw"),
                before_quant=PREQUANT,
            ),
        },
        "fine-tunes on val_tokens between training and quantization",
    ),
    Fixture(
        "adamw-on-val-before-gptq-wrapped",
        Status.FAIL,
        {
            **standard_files(),
            "train_gpt.py": fs.lzma_wrapped(
                fs.script(
                    helpers=fs.FULL_VAL_ADAPT.replace("def ttt_adapt_adamw", "def prequant_ttt_adapt_adamw"),
                    before_quant=PREQUANT,
                )
            ),
        },
        "the same, inside a raw-LZMA2 wrapper",
    ),
]
