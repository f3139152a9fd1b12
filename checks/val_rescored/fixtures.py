"""PG408 fixtures: scoring again after test-time training (#991), and epoch loops that score the same
tokens every epoch (#568/#713), fail; one score-first pass after diagnostic evals passes."""

from __future__ import annotations

from checks.fixture_kit import Fixture, standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.findings import Status

RESCORE = (
    fs.RUN_TTT
    + """
final_loss = eval_val(h, model, val_tokens)
print(f"final_ttt_T0.98_exact val_loss:{final_loss:.4f}")
"""
)

MULTI_EPOCH = fs.SCORE_FIRST_TTT.replace(
    "    loss_sum = 0.0\n    count = 0\n    for ci in range(num_chunks):",
    "    for epoch in range(h.ttt_epochs):\n        loss_sum = 0.0\n        count = 0\n"
    "        for ci in range(num_chunks):",
)
# Re-indent the chunk loop body one level under the epoch loop.
_head, _body = MULTI_EPOCH.split("        for ci in range(num_chunks):\n", 1)
_body, _tail = _body.split("    return loss_sum / count", 1)
MULTI_EPOCH = (
    _head
    + "        for ci in range(num_chunks):\n"
    + "".join("    " + line if line.strip() else line for line in _body.splitlines(keepends=True))
    + "    return loss_sum / count"
    + _tail
)

FIXTURES = [
    Fixture(
        "diagnostic-then-score-first-ttt",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(helpers=fs.SCORE_FIRST_TTT, after_eval=fs.RUN_TTT)},
        "a diagnostic eval before TTT, then one score-first pass that is reported",
    ),
    Fixture(
        "ttt-or-plain-by-flag",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(helpers=fs.SCORE_FIRST_TTT, after_eval=fs.TTT_OR_PLAIN)},
        "an if/elif/else picks the score-first TTT pass or a plain pass: one run takes one branch",
    ),
    Fixture(
        "eval-only-mode-returns-early",
        Status.PASS,
        {
            **standard_files(),
            "train_gpt.py": fs.script(helpers=fs.SCORE_FIRST_TTT, before_eval=fs.EVAL_ONLY_EARLY_RETURN),
        },
        "an eval-only mode adapts and returns before the run's own scoring pass: the passes exclude each other",
    ),
    Fixture(
        "lora-adapters-then-plain-pass",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(helpers=fs.LORA_TTT, after_eval=fs.RUN_LORA_TTT_THEN_PLAIN)},
        "per-document adapters built and dropped inside the TTT pass leave the frozen base model untouched "
        "for the later pass",
    ),
    Fixture(
        "rescore-after-ttt",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(helpers=fs.SCORE_FIRST_TTT, after_eval=RESCORE)},
        "eval_val runs again on the adapted model after TTT and its number is printed (#991)",
    ),
    Fixture(
        "multi-epoch-scoring",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(helpers=MULTI_EPOCH, after_eval=fs.RUN_TTT)},
        "each epoch re-scores every chunk after training on it in the previous epoch (#568)",
    ),
    Fixture(
        "ttt-or-plain-per-call-in-loop",
        Status.FAIL,
        {
            **standard_files(),
            "train_gpt.py": fs.script(helpers=fs.SCORE_FIRST_TTT + fs.PASS_BY_INDEX, after_eval=fs.RUN_PASS_BY_INDEX),
        },
        "an if/else picks the TTT pass or the plain pass per call, but a loop makes both calls: the plain "
        "pass re-scores the adapted model",
    ),
    Fixture(
        "lora-helper-optimizer-adapts-base-then-plain-pass",
        Status.FAIL,
        {
            **standard_files(),
            "train_gpt.py": fs.script(helpers=fs.LORA_TTT_ADAPTS_BASE, after_eval=fs.RUN_LORA_TTT_THEN_PLAIN),
        },
        "the optimizer helper is given the base model's parameters: the later pass scores an adapted model",
    ),
    Fixture(
        "adapt-after-diagnostic-then-rescore",
        Status.FAIL,
        {
            **standard_files(),
            "train_gpt.py": fs.script(
                helpers=fs.FULL_VAL_ADAPT,
                after_eval="ttt_adapt_adamw(h, model, val_tokens)\nval_loss = eval_val(h, model, val_tokens)",
            ),
        },
        "the tokens were scored, then adapted on, then scored again",
    ),
]
