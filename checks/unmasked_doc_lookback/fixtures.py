"""PG416 fixtures: a SmearGate masked at BOS passes; without the mask it fails when documents are
scored independently (#1797) and warns for flat-stream evaluation (B.15)."""

from __future__ import annotations

from checks.fixture_kit import Fixture, standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.findings import Status

MASKED = """
def smear(self, x, input_ids):
    g = torch.sigmoid(self.smear_gate(x[:, 1:]))
    bos_mask = (input_ids[:, 1:] == 1).unsqueeze(-1)
    g = g.masked_fill(bos_mask, 0.0)
    return torch.cat([x[:, :1], x[:, 1:] + g * x[:, :-1]], dim=1)
"""
UNMASKED = """
def smear(self, x, input_ids):
    g = torch.sigmoid(self.smear_gate(x[:, 1:]))
    return torch.cat([x[:, :1], x[:, 1:] + g * x[:, :-1]], dim=1)
"""
PER_DOC = """

def _find_docs(all_tokens):
    starts = (all_tokens == 1).nonzero().flatten().tolist()
    return [(s, e - s) for s, e in zip(starts, starts[1:] + [all_tokens.numel()])]
"""

FIXTURES = [
    Fixture("no-lookback", Status.PASS, {**standard_files(), "train_gpt.py": fs.script()}, "no SmearGate"),
    Fixture(
        "smeargate-with-bos-mask",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(model=MASKED, helpers=PER_DOC)},
        "the gate is zeroed where the current token is BOS (#1851/#1855)",
    ),
    Fixture(
        "smeargate-unmasked-per-doc",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(model=UNMASKED, helpers=PER_DOC)},
        "documents are scored independently but the gate mixes in the previous document's last position "
        "(dated 2026-04-29, after the BOS-mask ruling of 2026-04-26)",
        policy="leaderboard",
    ),
    Fixture(
        "smeargate-unmasked-per-doc-readme",
        Status.WARN,
        {**standard_files(), "train_gpt.py": fs.script(model=UNMASKED, helpers=PER_DOC)},
        "the README is silent on the BOS mask: the readme policy reports the ruling as a warning",
    ),
    Fixture(
        "smeargate-unmasked-per-doc-grandfathered",
        Status.WARN,
        {
            **standard_files(json_overrides={"date": "2026-04-20"}),
            "train_gpt.py": fs.script(model=UNMASKED, helpers=PER_DOC),
        },
        "submitted before the BOS-mask ruling (2026-04-26): grandfathered",
        policy="leaderboard",
    ),
    Fixture(
        "smeargate-unmasked-flat-stream",
        Status.WARN,
        {**standard_files(), "train_gpt.py": fs.script(model=UNMASKED)},
        "flat-stream evaluation: whether cross-document look-back matters there is open (B.15)",
    ),
]
