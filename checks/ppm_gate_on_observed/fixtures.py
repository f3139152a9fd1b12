"""PG403 fixtures: a PPM/NN byte mixture whose weight reads P_PPM(observed byte) fails (#1785); the
context-confidence gate of #1795 passes this check."""

from __future__ import annotations

from checks.fixture_kit import Fixture, standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.findings import Status

FIXTURES = [
    Fixture("plain-record", Status.PASS, {**standard_files(), "train_gpt.py": fs.script()}, "no mixture"),
    Fixture(
        "context-confidence-gate",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script(helpers=fs.PPM_CONTEXT_GATE, after_eval=fs.RUN_PPM)},
        "the weight uses the context's max-count / total, fixed before the byte is seen (#1795)",
    ),
    Fixture(
        "gate-on-observed-byte",
        Status.FAIL,
        {**standard_files(), "train_gpt.py": fs.script(helpers=fs.PPM_OBSERVED_GATE, after_eval=fs.RUN_PPM)},
        "lam is chosen from pf = P_PPM(observed byte) (#1785)",
    ),
    Fixture(
        "gate-on-observed-byte-wrapped",
        Status.FAIL,
        {
            **standard_files(),
            "train_gpt.py": fs.lzma_wrapped(fs.script(helpers=fs.PPM_OBSERVED_GATE, after_eval=fs.RUN_PPM), raw=False),
        },
        "the same gate inside an lzma(xz)+base85 wrapper",
    ),
]
