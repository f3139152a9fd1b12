"""The README's run command, seed loop and data download block, read as text (never executed).

- `find_command`: the first training command, with its `KEY=VALUE` env block (and `export K=V` lines
  seen before it), `--nproc_per_node` and the script (ENVIRONMENT.md §1.6: the reproducer replays
  the command's env, not the script defaults);
- `find_seed_loop`: `for SEED in 314 42 0; do` -> the seeds in the order the README runs them;
- `find_downloads`: `snapshot_download(repo_id=..., allow_patterns=[...])`, `hf download REPO`,
  `cached_challenge_fineweb.py --variant V`: where the README says its data comes from.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


@dataclass
class RunCommand:
    """The env block and launch shape of the README's training command."""

    line: int
    env: dict[str, str] = field(default_factory=dict)
    dynamic: list[str] = field(default_factory=list)  # assignments whose value is a shell expansion
    nproc: int | None = None
    entrypoint: str | None = None


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with backslash continuations joined, numbered by their first physical line."""
    out: list[tuple[int, str]] = []
    pending, start = "", 0
    for n, raw in enumerate(text.splitlines(), 1):
        if not pending:
            start = n
        stripped = raw.rstrip()
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        out.append((start, pending + stripped))
        pending = ""
    return out


def _tokens(line: str) -> list[str]:
    """Shell words; `;`, `&&` and `|` become their own tokens (so `train_gpt.py;` is still the script)."""
    lexer = shlex.shlex(line.strip().strip("`"), posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer)
    except ValueError:  # unbalanced quotes in prose: not a command
        return []


def parse_command(line: str, number: int, exports: dict[str, str]) -> RunCommand | None:
    """`A=1 B=2 torchrun --standalone --nproc_per_node=8 train_gpt.py` -> RunCommand; None if not one."""
    tokens = _tokens(line)
    launch = next((i for i, t in enumerate(tokens) if t.endswith(("torchrun", "python", "python3"))), None)
    if launch is None or not any(t.endswith(".py") or t == "torch.distributed.run" for t in tokens[launch:]):
        return None
    cmd = RunCommand(line=number)
    for token in [*(f"{k}={v}" for k, v in exports.items()), *tokens[:launch]]:
        m = _ASSIGN.match(token)
        if m and "$" in m[2]:
            cmd.dynamic.append(m[1])
        elif m:
            cmd.env[m[1]] = m[2]
    for i, token in enumerate(tokens[launch:], launch):
        if token.startswith("--nproc_per_node"):
            value = token.split("=", 1)[1] if "=" in token else (tokens[i + 1] if i + 1 < len(tokens) else "")
            cmd.nproc = int(value) if value.isdigit() else None
        elif token.endswith(".py") and cmd.entrypoint is None:
            cmd.entrypoint = token
    return cmd


def find_command(readme: str) -> RunCommand | None:
    """The first training command of the README, with `export K=V` lines seen before it."""
    exports: dict[str, str] = {}
    for number, line in _logical_lines(readme):
        tokens = _tokens(line)
        if tokens[:1] == ["export"]:
            for token in tokens[1:]:
                m = _ASSIGN.match(token)
                if m:
                    exports[m[1]] = m[2]
            continue
        cmd = parse_command(line, number, exports)
        if cmd is not None:
            return cmd
    return None


_SEED_LOOP = re.compile(r"\bfor\s+(?:SEED|seed|S|s)\s+in\s+((?:\d+\s+)*\d+)\s*;?\s*(?:do\b|$)", re.MULTILINE)


@dataclass(frozen=True)
class SeedLoop:
    seeds: list[int]
    line: int


def find_seed_loop(readme: str) -> SeedLoop | None:
    """`for SEED in 314 42 0; do` (the first such loop): the seeds, in the README's order."""
    m = _SEED_LOOP.search(readme)
    if m is None:
        return None
    return SeedLoop(seeds=[int(s) for s in m[1].split()], line=readme.count("\n", 0, m.start()) + 1)


_REPO_ID = re.compile(r"""repo_id\s*=\s*["']([\w.-]+/[\w.-]+)["']""")
_HF_CLI = re.compile(r"\b(?:huggingface-cli|hf)\s+download\s+([\w.-]+/[\w.-]+)")
_PATTERNS = re.compile(r"allow_patterns\s*=\s*\[([^\]]*)\]", re.DOTALL)
_QUOTED = re.compile(r"""["']([^"']+)["']""")
_VARIANT_FLAG = re.compile(r"cached_challenge_fineweb\.py[^\n]*?--variant[ =](\S+)")


@dataclass(frozen=True)
class Download:
    """One data download the README shows: a Hub dataset repo (and patterns), or a challenge variant."""

    line: int
    repo_id: str | None = None
    allow_patterns: tuple[str, ...] = ()
    variant: str | None = None  # `cached_challenge_fineweb.py --variant sp8192`


def find_downloads(readme: str) -> list[Download]:
    found: list[Download] = []
    for m in _REPO_ID.finditer(readme):
        tail = readme[m.end() : m.end() + 2000]
        close = tail.find(")")
        patterns = _PATTERNS.search(tail[: close if close >= 0 else None])
        quoted = tuple(_QUOTED.findall(patterns[1])) if patterns else ()
        found.append(Download(line=readme.count("\n", 0, m.start()) + 1, repo_id=m[1], allow_patterns=quoted))
    for m in _HF_CLI.finditer(readme):
        found.append(Download(line=readme.count("\n", 0, m.start()) + 1, repo_id=m[1]))
    for m in _VARIANT_FLAG.finditer(readme):
        found.append(Download(line=readme.count("\n", 0, m.start()) + 1, variant=m[1].strip("'\"")))
    return sorted(found, key=lambda d: d.line)
