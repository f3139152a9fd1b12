"""PG405 fixtures: chunked score-first TTT (#549 shape, `is_last_chunk` guard) passes; training on a chunk
before scoring it, or on the whole validation set before the scored pass, fails."""

from __future__ import annotations

from checks.fixture_kit import Fixture, standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.findings import Status

PREVIOUS_CHUNK = (
    fs.TRAIN_THEN_SCORE_TTT.replace(
        "        model.train()\n        for _ep in range(h.ttt_epochs):",
        "        model.train()\n        for _ep in range(h.ttt_epochs if ci > 0 else 0):",
    )
    .replace("            loss = model(x, y)", "            if ci > 0:\n                loss = model(prev_x, prev_y)")
    .replace("            loss.backward()", "                loss.backward()")
    .replace("            opt.step()", "                opt.step()")
    .replace(
        "            opt.zero_grad()\n        with",
        "                opt.zero_grad()\n        prev_x, prev_y = x, y\n        with",
    )
)

FIXTURES = [
    Fixture("no-ttt", Status.PASS, {**standard_files(), "train_gpt.py": fs.script()}, "scoring only"),
    Fixture(
        "score-first-chunk-ttt",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(helpers=fs.SCORE_FIRST_TTT, after_eval=fs.RUN_TTT)},
        "each chunk is scored under inference_mode, then trained on; the last chunk is never trained on",
    ),
    Fixture(
        "score-first-chunk-ttt-wrapped",
        Status.PASS,
        {
            **standard_files(),
            "train_gpt.py": fs.lzma_wrapped(fs.script(helpers=fs.SCORE_FIRST_TTT, after_eval=fs.RUN_TTT)),
        },
        "the same legal TTT shipped in an lzma+base85 wrapper",
    ),
    Fixture(
        "train-then-score-chunk",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(helpers=fs.TRAIN_THEN_SCORE_TTT, after_eval=fs.RUN_TTT)},
        "each chunk is trained on before it is scored",
    ),
    Fixture(
        "adapt-on-all-val-then-score",
        Status.FAIL,
        {
            **standard_files(),
            "train_gpt.py": fs.script(helpers=fs.FULL_VAL_ADAPT, before_eval="ttt_adapt_adamw(h, model, val_tokens)"),
        },
        "N epochs of AdamW on every validation token after quantization, then the single scored pass",
    ),
    Fixture(
        "eval-only-branch-adapts-then-scores",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(helpers=fs.FULL_VAL_ADAPT, main=fs.EVAL_ONLY_MAIN)},
        "an eval-only branch (artifact loaded, then returns) adapts on all validation tokens before scoring "
        "them: an update before the score, not pre-quantization TTT",
    ),
    Fixture(
        "model-params-toggled-then-scored",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(evaluation=fs.PARAMS_TOGGLED)},
        "each window adapts the model (its parameters switched back on) before the window is scored",
    ),
    Fixture(
        "train-on-previous-chunk-first",
        Status.WARN,
        {**standard_files(), "train_gpt.py": fs.script(helpers=PREVIOUS_CHUNK, after_eval=fs.RUN_TTT)},
        "the update precedes the score in the loop body but is guarded by ci > 0 (previous chunk): heuristic",
    ),
]
