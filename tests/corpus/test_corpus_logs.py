"""The log parser against every real log in ../shared/corpus (skipped where the corpus is absent).

Figures are printed straight to the terminal (even under capture) so they can be quoted:
    pytest -m corpus tests/corpus/test_corpus_logs.py
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pgolf.folder import load_folder
from pgolf.logs.collect import read_logs
from pgolf.logs.model import LogRole, ParsedLog
from pgolf.logs.parser import parse_log

pytestmark = pytest.mark.corpus

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
CLAIM_TOLERANCE = 6e-5  # ENVIRONMENT.md §3.4 step 5
SCORED_ROLES = (LogRole.TRAIN, LogRole.EVAL_ONLY, LogRole.RERUN)


def _require_corpus() -> Path:
    if not (CORPUS / "main").is_dir():
        pytest.skip(f"no corpus at {CORPUS} (a fresh clone has no ../shared); corpus tests need it")
    return CORPUS


def _log_files(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix in {".log", ".txt"}
        and p.name != "requirements.txt"
        and not p.name.lower().startswith("readme")
    )


def _folders(root: Path) -> list[Path]:
    main = [p for p in (root / "main").glob("*/*") if p.is_dir()]
    prs = [p for p in (root / "prs").glob("*") if p.is_dir()]
    return sorted(main + prs)


def _seed_key(key: object) -> int | None:
    text = str(key).strip().lower().removeprefix("seed").lstrip("_-")
    return int(text) if text.isdigit() else None


def claimed_bpb(folder: Path) -> dict[int, float]:
    """Per-seed val_bpb claims of a folder's submission*.json (object keyed by seed or "seed_42")."""
    claims: dict[int, float] = {}
    for path in sorted(folder.glob("submission*.json")):
        try:
            data = json.loads(path.read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff"))
        except json.JSONDecodeError:
            continue
        results = data.get("seed_results") if isinstance(data, dict) else None
        if isinstance(results, list):  # one PR writes a list of {"seed": N, ...}
            results = {r.get("seed"): r for r in results if isinstance(r, dict)}
        if not isinstance(results, dict):
            continue
        for key, entry in results.items():
            seed = _seed_key(key)
            value = entry.get("val_bpb") if isinstance(entry, dict) else entry
            if seed is not None and isinstance(value, int | float) and not isinstance(value, bool):
                claims[seed] = float(value)
    return claims


@dataclass
class Survey:
    logs: list[tuple[str, ParsedLog]] = field(default_factory=list)  # (folder, log)
    seeds_claimed: int = 0
    seeds_matched: int = 0
    misses: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def survey() -> Survey:
    root = _require_corpus()
    result = Survey()
    for folder in _folders(root):
        logs = read_logs(load_folder(folder, hash_files=False))
        name = folder.relative_to(root).as_posix()
        result.logs.extend((name, log) for log in logs)
        for seed, bpb in claimed_bpb(folder).items():
            mine = [log for log in logs if log.seed is not None and log.seed.value == seed]
            mine = [log for log in mine if log.role in SCORED_ROLES]
            if not mine:
                continue
            result.seeds_claimed += 1
            if any(log.final is not None and abs(log.final.val_bpb - bpb) <= CLAIM_TOLERANCE for log in mine):
                result.seeds_matched += 1
            else:
                result.misses.append(f"{name} seed {seed}: claims {bpb}")
    return result


def test_every_log_parses() -> None:
    root = _require_corpus()
    files = _log_files(root)
    assert len(files) > 200
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        log = parse_log(text, path.name)
        assert log.line_count > 0 or not text.strip(), path


def test_final_score_found(survey: Survey, capsys: pytest.CaptureFixture[str]) -> None:
    total = len(survey.logs)
    found = sum(1 for _, log in survey.logs if log.final is not None)
    rate = found / total
    with capsys.disabled():
        print(f"\ncorpus: {total} logs, final score found in {found} ({rate:.1%})")
    assert total > 200
    assert rate >= 0.85


def test_claimed_per_seed_scores_match(survey: Survey, capsys: pytest.CaptureFixture[str]) -> None:
    rate = survey.seeds_matched / survey.seeds_claimed
    with capsys.disabled():
        print(
            f"\ncorpus: {survey.seeds_claimed} seeds with a claimed val_bpb and a log; "
            f"final score within {CLAIM_TOLERANCE} for {survey.seeds_matched} ({rate:.1%})"
        )
        for miss in survey.misses:
            print(f"  no match: {miss}")
    assert survey.seeds_claimed > 80
    assert rate >= 0.88


def test_roles_found_in_the_corpus(survey: Survey) -> None:
    roles = {(folder, log.path): log.role for folder, log in survey.logs}
    smear = "main/track_10min_16mb/2026-04-29_SmearGateBOSFix_3Seed_1.06141"
    assert roles[(smear, "train_seed314_rerun_gptq8s.log")] is LogRole.RERUN
    assert roles[(smear, "train_seed314_original.log")] is LogRole.TRAIN
    ttt = "main/track_10min_16mb/2026-04-23_SP8192_CaseOps_SparseGate_QuantGate_Loop45_PhasedTTT_PolarNS_MinLR_FusedCE"
    assert roles[(ttt, "ttt_pr1767/seed_0.log")] is LogRole.EVAL_ONLY


# Rows of ENVIRONMENT.md Appendix B: (folder, log, final label, val_bpb, eval_time s, collapsed).
APPENDIX_B = [
    ("2026-03-17_NaiveBaseline", "train.log", "final_int8_zlib_roundtrip_exact", 1.22437, 1.4, False),
    ("2026-03-19_Seq2048_FP16Emb_TunedLR", "train_seed1337.log", "final_sliding_window_exact", 1.16102, 370.4, False),
    (
        "2026-03-25_ValCalib_GPTQ_XSA_BigramHash3072",
        "train_seed314.log",
        "final_int6_sliding_window_exact",
        1.11508,
        105.1,
        True,
    ),
    ("2026-03-23_LeakyReLU_LegalTTT_ParallelMuon", "train_seed1337.log", "legal_ttt_exact", 1.11923, 410.3, False),
    (
        "2026-04-06_SP8192_HessianSDClip_ProgressiveRecurrence",
        "train.log",
        "quantized_sliding_window",
        1.08301,
        82.8,
        False,
    ),
    ("2026-04-10_VarLenAttn", "logs/train0.txt", "quantized_ttt_lora", 1.07258, 338.2, False),
    ("2026-04-13_VarLenAttn_PhasingTTT2000", "logs/train0.txt", "quantized_ttt_phased", 1.07217, 500.1, False),
    (
        "2026-04-04_SP4096_DepthRecurrence_ParallelResid_MuonEqR",
        "train_seed314.log",
        "final_int6_sliding_window",
        1.08983,
        76.6,
        False,
    ),
]


@pytest.mark.parametrize(("folder", "log_path", "label", "bpb", "eval_s", "collapsed"), APPENDIX_B)
def test_appendix_b_rows(folder: str, log_path: str, label: str, bpb: float, eval_s: float, collapsed: bool) -> None:
    root = _require_corpus()
    logs = read_logs(load_folder(root / "main" / "track_10min_16mb" / folder, hash_files=False))
    log = next(item for item in logs if item.path == log_path)
    assert log.final is not None
    assert log.final.label == label
    assert log.final.val_bpb == pytest.approx(bpb, abs=5e-6)
    assert log.final.eval_time_ms is not None and log.final.eval_time_ms / 1000 == pytest.approx(eval_s, abs=0.05)
    assert (log.final.collapsed_from is not None) == collapsed
