"""The label analysis: where data comes from, resolved per call site and per definition."""

from __future__ import annotations

import ast

from pgolf.audit import labels as L
from pgolf.audit.analysis import Analysis
from pgolf.audit.kinds import EventKind
from tests.unit.audit.conftest import Analyse


def _labels(a: Analysis, func: str, name: str, line: int | None = None) -> int:
    fid = next(f.fid for f in a.program.funcs if f.qualname == func)
    found = 0
    for node in a.program.funcs[fid].nodes:
        if isinstance(node, ast.Name) and node.id == name and (line is None or node.lineno == line):
            found |= a.labels_of(fid, node)
    return found


SCRIPT = """
import glob, os
import numpy as np
import torch
import torch.nn.functional as F

class Hyperparameters:
    data_path = os.environ.get("DATA_PATH", "./data")
    train_files = os.path.join(data_path, "fineweb_train_*.bin")
    val_files = os.path.join(data_path, "fineweb_val_*.bin")

class Stream:
    def __init__(self, pattern):
        self.tokens = np.concatenate([np.fromfile(f) for f in sorted(glob.glob(pattern))])

    def take(self, n):
        return self.tokens[:n]

def loss_of(model, tokens):
    x = tokens[:-1]
    y = tokens[1:]
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    torch.optim.SGD([]).step()
    return loss

def main():
    h = Hyperparameters()
    train = Stream(h.train_files)
    val = Stream(h.val_files)
    batch = train.take(100)
    held = val.take(100)
    train_loss = loss_of(None, batch)
    val_loss = loss_of(None, held)
    x = batch
    x = held
    ids = torch.randint(0, 10, (4,))
    return train_loss, val_loss, x, ids

main()
"""


def test_sources_flow_through_attributes_and_instances(analyse: Analyse) -> None:
    a = analyse(SCRIPT)
    assert _labels(a, "main", "batch") & (L.TRAIN | L.VAL) == L.TRAIN
    assert _labels(a, "main", "held") & (L.TRAIN | L.VAL) == L.VAL


def test_cross_entropy_marks_gold_and_targets(analyse: Analyse) -> None:
    a = analyse(SCRIPT)
    assert _labels(a, "loss_of", "y") & L.TARGET
    assert not _labels(a, "loss_of", "x") & L.TARGET
    assert _labels(a, "main", "val_loss") & L.GOLD


def test_trace_resolves_each_call_site(analyse: Analyse) -> None:
    a = analyse(SCRIPT)
    backward = [e.labels & (L.TRAIN | L.VAL) for e in a.trace.of_kind(EventKind.BACKWARD)]
    assert sorted(backward) == [L.VAL, L.TRAIN], "one shared helper, judged per call site"


def test_locals_are_flow_sensitive(analyse: Analyse) -> None:
    a = analyse(SCRIPT)
    last = max(n.lineno for n in ast.walk(a.program.files[0].tree) if isinstance(n, ast.Return))  # type: ignore[arg-type]
    assert _labels(a, "main", "x", line=last) & (L.TRAIN | L.VAL) == L.VAL


def test_random_tokens(analyse: Analyse) -> None:
    assert _labels(analyse(SCRIPT), "main", "ids") & L.RAND


LOOP = """
def f(data):
    total = 0.0
    prev = None
    for item in data:
        if prev is not None:
            total += prev
        prev = item
    return total
"""


def test_loop_back_edge_reaches_earlier_reads(analyse: Analyse) -> None:
    a = analyse(LOOP + '\nf(open("fineweb_val_000.bin").read())\n')
    assert _labels(a, "f", "total") & L.VAL, "prev defined later in the body reaches the read via the back edge"


def test_analysis_budget_handles_recursion(analyse: Analyse) -> None:
    a = analyse("def f(x):\n    return g(x)\n\ndef g(x):\n    return f(x)\n\nf(1)\n")
    assert a.trace is not None


def test_labels_describe_themselves() -> None:
    assert L.LabelSpace.describe(L.VAL | L.TARGET) == ["validation data", "target tokens"]
