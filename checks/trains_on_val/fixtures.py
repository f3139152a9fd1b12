"""PG412 fixtures: periodic validation inside the training loop passes; training batches drawn from the
validation shards, or validation batches mixed into the training loop, fail."""

from __future__ import annotations

from checks.fixture_kit import Fixture, standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.findings import Status

PERIODIC_VAL = fs.TRAIN.replace(
    "        step += 1\n",
    "        step += 1\n        if step % 1000 == 0:\n"
    "            val_loss = eval_val(h, model, load_tokens(h.val_files))\n"
    '            print(f"step:{step} val_loss:{val_loss:.4f}")\n',
)
VAL_ONLY = fs.TRAIN.replace(
    "loader = TokenLoader(h.train_files, h.seq_len)", "loader = TokenLoader(h.val_files, h.seq_len)"
)
MIXED = fs.TRAIN.replace(
    "    loader = TokenLoader(h.train_files, h.seq_len)\n",
    "    loader = TokenLoader(h.train_files, h.seq_len)\n    val_loader = TokenLoader(h.val_files, h.seq_len)\n",
).replace(
    "        loss = model(x, y)\n",
    "        loss = model(x, y)\n        if step % 4 == 0:\n            vx, vy = val_loader.next_batch()\n"
    "            loss = loss + model(vx, vy)\n",
)

FIXTURES = [
    Fixture("plain-training", Status.PASS, {**standard_files(), "train_gpt.py": fs.script()}, "training shards only"),
    Fixture(
        "periodic-validation-in-loop",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(train=PERIODIC_VAL)},
        "validation is scored under inference_mode inside the loop; no gradient flows from it",
    ),
    Fixture(
        "train-loader-on-val-shards",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(train=VAL_ONLY)},
        "the training loader reads fineweb_val_*.bin (#44)",
    ),
    Fixture(
        "val-batches-mixed-into-training",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(train=MIXED)},
        "every 4th step adds a validation-batch loss to the training loss",
    ),
    Fixture(
        "file-wrapped-plain-training",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.file_wrapped(fs.script())},
        "a wrapper that decodes a legal script to a temporary file and runs it (#1771)",
    ),
    Fixture(
        "file-wrapped-val-training",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.file_wrapped(fs.script(train=VAL_ONLY), beside=True)},
        "the script a wrapper writes beside itself and runs (#1570) trains on the validation shards",
    ),
]
