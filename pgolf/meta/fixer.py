"""`pgolf submission init|fix`: a strict_v1 submission.json from what the author wrote and what the logs show.

Pure: the caller reads the folder (the lenient reader for the claims, the log parser for the facts)
and writes the result. What the author wrote is kept: their keys stay in their order with their
values, canonical keys are added after them, and a value is replaced only where strict_v1 cannot
accept it (a string for a number, null for an absent key, a seed_results keyed "seed_42") or where
it contradicts its own per-seed values (a headline that is not their mean). Where a claim and a log
disagree, the claim is kept and the disagreement reported (`prefer_logs` takes the log instead):
`pgolf check` compares the two, and a fixer that quietly rewrote claims would hide that comparison.
Every change is listed with the reason, and the caller shows the diff.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, get_args

from pgolf.logs.model import ParsedLog, SizeKind
from pgolf.meta.constraints import GITHUB_LOGIN, ISO_DATE, SchemaError, TrackV1, is_placeholder_login
from pgolf.meta.model import Claimed, SeedClaim, SubmissionMeta
from pgolf.meta.pointers import join, resolve
from pgolf.meta.semantic import MEAN_TOLERANCE, finite_number
from pgolf.ruleset import Ruleset, TrackLimits
from pgolf.submission_scores import logs_by_seed, pick_log

STRICT_TRACKS: tuple[str, ...] = get_args(TrackV1)
_FOLDER_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")
_OPTIONAL_TYPED = ("bytes_code", "val_bpb_std", "hardware", "pytorch_version")
_SEED_FIELDS = ("val_bpb", "val_loss", "artifact_bytes", "train_time_ms", "eval_time_ms", "steps", "log")
MISSING: Any = object()  # `before` of a key that was not there
RESHAPED: Any = object()  # `after` of a value rebuilt in another shape (its fields are listed one by one)


@dataclass(frozen=True)
class SeedFacts:
    """One seed's results as its chosen log prints them (None where the log does not say)."""

    seed: int
    log: str
    line: int  # the final score line
    val_bpb: float
    val_loss: float
    artifact_bytes: int | None = None
    train_time_ms: float | None = None
    eval_time_ms: float | None = None
    steps: int | None = None

    def get(self, name: str) -> Any:
        return self.log if name == "log" else getattr(self, name)


@dataclass(frozen=True)
class Change:
    pointer: str
    before: Any  # MISSING when the key was added
    after: Any  # MISSING when the key was removed
    why: str


@dataclass
class Fixed:
    doc: dict[str, Any]
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # conflicts kept as written, what the logs could not tell


def _artifact_bytes(log: ParsedLog) -> int | None:
    total = log.size(SizeKind.TOTAL)
    if total is not None:
        return total.bytes
    model, code = log.size(SizeKind.MODEL), log.size(SizeKind.CODE)
    return model.bytes + code.bytes if model is not None and code is not None else None


def _facts(seed: int, log: ParsedLog) -> SeedFacts:
    assert log.final is not None  # logs_by_seed keeps scored logs only
    return SeedFacts(
        seed=seed,
        log=log.path,
        line=log.final.line,
        val_bpb=log.final.val_bpb,
        val_loss=log.final.val_loss,
        artifact_bytes=_artifact_bytes(log),
        train_time_ms=float(log.stop.train_time_ms) if log.stop else None,
        eval_time_ms=log.final.eval_time_ms,
        steps=log.stop.step if log.stop else None,
    )


def log_facts(
    logs: list[ParsedLog], claims: dict[int, SeedClaim], tolerance: float, listed: Iterable[int] = ()
) -> tuple[dict[int, SeedFacts], list[str]]:
    """Each seed's facts from the log that carries its score (the one its claim matches, else the
    training log), as `pgolf check` picks it; plus notes on scored logs with no seed. `listed` are
    the seeds submission.json names without results (a lone unseeded log may be theirs)."""
    grouped = logs_by_seed(logs)
    unseeded = grouped.pop(None, [])
    facts = {
        seed: _facts(seed, pick_log(candidates, claims.get(seed), tolerance))
        for seed, candidates in grouped.items()
        if seed is not None
    }
    notes: list[str] = []
    lonely = [s for s in dict.fromkeys([*listed, *claims]) if s not in facts]
    if len(unseeded) == 1 and len(lonely) == 1:
        facts[lonely[0]] = _facts(lonely[0], unseeded[0])
        notes.append(f"{unseeded[0].path} prints no seed; read as seed {lonely[0]}, the one claim without a log")
    elif unseeded:
        names = ", ".join(g.path for g in unseeded)
        notes.append(f"{names}: a score but no seed (name the log train_seed<N>.log or print `seed: N`); not used")
    return facts, notes


# --------------------------------------------------------------------------- the fixer


def valid_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def valid_login(value: Any) -> bool:
    return isinstance(value, str) and bool(re.fullmatch(GITHUB_LOGIN, value)) and not is_placeholder_login(value)


def _valid_date(value: Any) -> bool:
    if not isinstance(value, str) or not re.fullmatch(ISO_DATE, value):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _valid_number(value: Any) -> bool:
    return finite_number(value) is not None


def _valid_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _shown(value: Any) -> str:
    if value is MISSING:
        return "(absent)"
    if value is RESHAPED:
        return "(rebuilt)"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass
class _Inputs:
    original: dict[str, Any]
    meta: SubmissionMeta | None
    facts: dict[int, SeedFacts]
    folder_name: str
    track: TrackLimits | None
    ruleset: Ruleset
    today: str
    prefer_logs: bool
    author: str | None = None  # given on the command line: identity no log can tell
    github_id: str | None = None


class _Fixer:
    def __init__(self, inputs: _Inputs) -> None:
        self.i = inputs
        # Shallow: the fixer sets top-level keys and builds seed_results anew; nested values are
        # kept as they are (a deep copy of a document nested 900 levels would exhaust the stack).
        self.doc = dict(inputs.original)
        self.out = Fixed(self.doc)

    # ---- recording

    def set(self, key: str, value: Any, why: str) -> None:
        before = self.doc.get(key, MISSING)
        if before is not MISSING and _same(before, value):
            return
        self.doc[key] = value
        self.out.changes.append(Change(join("", key), before, value, why))

    def drop(self, key: str, why: str) -> None:
        if key in self.doc:
            self.out.changes.append(Change(join("", key), self.doc.pop(key), MISSING, why))

    def note(self, text: str) -> None:
        self.out.notes.append(text)

    def _claim(self, name: str) -> Claimed[Any] | None:
        meta = self.i.meta
        return getattr(meta, name) if meta is not None else None

    def _from_claim(self, key: str, valid: Any, what: str) -> bool:
        """Use the lenient reader's value for `key` (an alias, a repaired type) when it is valid."""
        claim = self._claim(key)
        if claim is None or not valid(claim.value):
            return False
        source = "" if claim.pointer == join("", key) else f" from {claim.pointer}"
        self.set(key, claim.value, f"{what}{source}")
        return True

    # ---- identity

    def identity(self) -> None:
        doc = self.doc
        if self.i.author is not None:
            self.set("author", self.i.author, "from --author")
        elif not valid_text(doc.get("author")) and not self._from_claim("author", valid_text, "author"):
            self.note("author: no name found; pass --author 'Your Name' as it should appear on the leaderboard")
        if self.i.github_id is not None:
            self.set("github_id", self.i.github_id, "from --github-id")
        elif not valid_login(doc.get("github_id")) and not self._from_claim("github_id", valid_login, "github_id"):
            self.note("github_id: no GitHub login found; pass --github-id LOGIN (letters, digits and single hyphens)")
        if not valid_text(doc.get("name")) and not self._from_claim("name", valid_text, "name"):
            title = _FOLDER_DATE.sub("", self.i.folder_name).strip("_- ").replace("_", " ")
            if title:
                self.set("name", title, "from the folder name")
        if not _valid_date(doc.get("date")) and not self._from_claim("date", _valid_date, "date"):
            match = _FOLDER_DATE.match(self.i.folder_name)
            if match and _valid_date(match.group(1)):
                self.set("date", match.group(1), "from the folder name")
            else:
                self.set("date", self.i.today, "today (no date in submission.json or the folder name)")

    def track(self) -> None:
        written = self.doc.get("track")
        folder = self.i.track
        resolved = self.i.ruleset.track(written) if isinstance(written, str) else None
        if folder is not None:
            canonical = folder.name.removeprefix("track_")
            if canonical not in STRICT_TRACKS:
                return
            if written is not None and resolved is not None and resolved.name != folder.name:
                self.note(f"track {written!r} names another track than the folder {folder.name}/; the folder decides")
            self.set("track", canonical, "the folder's track, in the schema's spelling")
        elif resolved is not None and resolved.name.removeprefix("track_") in STRICT_TRACKS:
            self.set("track", resolved.name.removeprefix("track_"), "the schema's spelling")

    # ---- per-seed results

    def _author_entry(self, claim: SeedClaim | None) -> dict[str, Any]:
        if claim is None:
            return {}
        try:
            entry = resolve(self.i.original, claim.pointer)
        except (LookupError, ValueError):
            return {}
        return dict(entry) if isinstance(entry, dict) else {}

    def _seed_value(self, seed: int, name: str, claim: SeedClaim | None, fact: SeedFacts | None) -> tuple[Any, str]:
        """(value, where it came from): the claim unless only the log has one (or --prefer-logs)."""
        claimed = getattr(claim, name, None) if claim is not None else None
        logged = fact.get(name) if fact is not None else None
        if claimed is not None and logged is not None and fact is not None:
            self._conflict(seed, name, claimed.value, logged, fact)
        if claimed is not None and not (self.i.prefer_logs and logged is not None):
            return claimed.value, f"claimed at {claimed.pointer}"
        if logged is not None and fact is not None:
            return logged, f"from {fact.log}:{fact.line}" if name in ("val_bpb", "val_loss") else f"from {fact.log}"
        return None, ""

    def _conflict(self, seed: int, name: str, claimed: Any, logged: Any, fact: SeedFacts) -> None:
        tolerance = self.i.ruleset.data.claim_tolerance_bpb if name in ("val_bpb", "val_loss") else 0
        differs = (
            abs(float(claimed) - float(logged)) > tolerance
            if name in ("val_bpb", "val_loss", "artifact_bytes", "steps")
            else False
        )
        if differs:
            kept = (
                "took the log (--prefer-logs)" if self.i.prefer_logs else "kept the claim (--prefer-logs takes the log)"
            )
            self.note(f"seed {seed}: {name} claimed {claimed}, {fact.log}:{fact.line} says {logged}; {kept}")

    def seed_results(self) -> dict[str, dict[str, Any]]:
        claims = self.i.meta.seed_results if self.i.meta is not None else {}
        ordered = [c.value for c in (self.i.meta.seeds if self.i.meta else [])]
        seeds = list(dict.fromkeys([*ordered, *sorted(set(claims) | set(self.i.facts))]))
        for seed in [s for s in seeds if s not in claims and s not in self.i.facts]:
            self.note(f"seed {seed} is listed but has no result in submission.json or any log; left out")
        seeds = [s for s in seeds if s in claims or s in self.i.facts]
        results: dict[str, dict[str, Any]] = {}
        fields: list[Change] = []
        for seed in seeds:
            claim, fact = claims.get(seed), self.i.facts.get(seed)
            entry = self._author_entry(claim)
            for name in _SEED_FIELDS:
                value, source = self._seed_value(seed, name, claim, fact)
                if value is None:
                    continue
                value = int(value) if name in ("artifact_bytes", "steps") else value
                before = entry.get(name, MISSING)
                if before is MISSING or not _same(before, value):
                    entry[name] = value
                    fields.append(Change(join("/seed_results", str(seed), name), before, value, source))
            if "val_bpb" not in entry:
                self.note(f"seed {seed}: no val_bpb in submission.json or any log; add it or remove the seed")
            results[str(seed)] = entry
        if not results:
            self.note("seed_results: no seed has a score in submission.json or a log; run the seeds first")
            return results
        written = self.i.original.get("seed_results", MISSING)
        if not (isinstance(written, dict) and list(written) == list(results)):
            where = claims[next(iter(claims))].pointer.rsplit("/", 1)[0] if claims else "the logs"
            self.out.changes.append(
                Change("/seed_results", written, RESHAPED, f"rebuilt from {where or '/'}, keyed by the decimal seed")
            )
        self.doc["seed_results"] = results
        self.out.changes += fields
        self._seed_list(list(results))
        return results

    def _seed_list(self, keys: list[str]) -> None:
        written = self.doc.get("seeds")
        wanted = [int(k) for k in keys]
        if isinstance(written, list) and all(_valid_count(s) for s in written) and sorted(written) == sorted(wanted):
            return
        self.set("seeds", wanted, "the seeds of seed_results, as integers")

    # ---- headline values

    def headline(self, results: dict[str, dict[str, Any]]) -> None:
        scores = [finite_number(e.get("val_bpb")) for e in results.values()]
        claim = self._claim("val_bpb")
        if results and None not in scores:
            mean = math.fsum(s for s in scores if s is not None) / len(scores)
            if claim is not None and abs(claim.value - mean) <= MEAN_TOLERANCE:
                self.set("val_bpb", claim.value, "the headline as written, as a number")
            else:
                if claim is not None:
                    self.note(f"val_bpb {claim.value} is not the mean of the per-seed scores; replaced by it")
                self.set("val_bpb", round(mean, 8), "the mean of seed_results val_bpb")
        elif claim is not None:
            self.set("val_bpb", claim.value, "the headline as written, as a number")
        losses = [finite_number(e.get("val_loss")) for e in results.values()]
        if _valid_number(self.doc.get("val_loss")):
            return
        loss = self._claim("val_loss")
        if loss is not None and loss.value > 0:
            self.set("val_loss", loss.value, "val_loss as written, as a number")
        elif results and None not in losses:
            self.set("val_loss", round(math.fsum(x for x in losses if x is not None) / len(losses), 8), "mean loss")
        else:
            self.drop("val_loss", "not a usable number; strict_v1 leaves an unknown value out")

    def bytes_total(self, results: dict[str, dict[str, Any]]) -> None:
        sizes = [e.get("artifact_bytes") for e in results.values()]
        written = self.doc.get("bytes_total")
        if results and all(_valid_count(s) for s in sizes):
            largest = max(s for s in sizes if isinstance(s, int))
            if _valid_count(written) and written != largest:
                self.note(f"bytes_total {written} is not the largest per-seed artifact_bytes ({largest}); replaced")
            self.set("bytes_total", largest, "the largest per-seed artifact_bytes")
            return
        if _valid_count(written):
            return
        claim = self._claim("bytes_total")
        if claim is not None:
            self.set("bytes_total", int(claim.value), f"from {claim.pointer} (check it counts code plus model bytes)")
            return
        if "bytes_total" in self.doc:
            self.drop("bytes_total", "not a usable byte count; strict_v1 leaves an unknown value out")
        self.note("bytes_total: no log prints `Total submission size`; add code bytes plus compressed model bytes")

    def optional_types(self) -> None:
        """Optional keys strict_v1 types: a repaired value where the reader could read one, else out."""
        for key in _OPTIONAL_TYPED:
            if key not in self.doc:
                continue
            claim = self._claim(key)
            if claim is not None and claim.pointer == join("", key):
                value = claim.value
                self.set(key, value, f"{key} as a {type(value).__name__}")
            elif self.doc[key] is None:
                self.drop(key, "null; strict_v1 leaves an unknown value out")
        for key in [k for k in ("seeds", "track", "val_loss") if self.doc.get(k, MISSING) is None]:
            self.drop(key, "null; strict_v1 leaves an unknown value out")


def fix_document(
    original: dict[str, Any] | None,
    meta: SubmissionMeta | None,
    facts: dict[int, SeedFacts],
    *,
    folder_name: str,
    track: TrackLimits | None,
    ruleset: Ruleset,
    today: str,
    prefer_logs: bool = False,
    author: str | None = None,
    github_id: str | None = None,
) -> Fixed:
    """The repaired document, what changed and why, and what could not be repaired. `author` and
    `github_id` (checked by the caller) replace what the document says: the person running it says so."""
    inputs = _Inputs(original or {}, meta, facts, folder_name, track, ruleset, today, prefer_logs, author, github_id)
    fixer = _Fixer(inputs)
    fixer.identity()
    fixer.track()
    results = fixer.seed_results()
    fixer.headline(results)
    fixer.bytes_total(results)
    fixer.optional_types()
    return fixer.out


def describe(change: Change) -> str:
    return f"{change.pointer}: {_shown(change.before)} -> {_shown(change.after)} ({change.why})"


def still_failing(errors: list[SchemaError]) -> list[str]:
    return [f"{e.pointer or '/'}: {e.message}" for e in errors]
