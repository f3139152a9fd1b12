"""Preflight, run inside the reproduction image before training starts (ENVIRONMENT.md §1.7).

Each probe answers in seconds what would otherwise surface after ten minutes of training:
`pyminify` missing crashes `serialize()`; `lrzip` missing silently inflates the artifact by about
280 KB; no FA3 fails at import on 42/43 frontier scripts; a wrong GPU count or architecture
produces timings that mean nothing.

Prints one JSON object on stdout: {"ok", "official", "reason", "checks": [{name, ok, detail}]}.
Exit 0 when every check passes, 1 otherwise with a one-line reason on stderr.
Standard library only at import time: torch and friends are imported inside the probes.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def run_tool(argv: Sequence[str]) -> tuple[int, str]:
    """The one place that runs a program: (exit code, first output line); 127 when not on PATH."""
    exe = shutil.which(argv[0])
    if exe is None:
        return 127, f"{argv[0]}: not found on PATH"
    proc = subprocess.run([exe, *argv[1:]], capture_output=True, text=True, timeout=60, check=False)
    text = (proc.stdout or proc.stderr).strip()
    return proc.returncode, text.splitlines()[0] if text else ""


def check_tool(name: str, argv: Sequence[str], runner: Callable[[Sequence[str]], tuple[int, str]]) -> Check:
    code, first = runner(argv)
    return Check(name, code == 0, first if code == 0 else f"`{' '.join(argv)}` exited {code}: {first}")


DEFAULT_MODULES = ("torch", "brotli", "sentencepiece", "numpy", "zstandard")
DEFAULT_TOOLS = ("pyminify", "lrzip", "gcc")
_TOOL_PROBES = {"pyminify": ["pyminify", "--help"], "lrzip": ["lrzip", "-V"], "gcc": ["gcc", "--version"]}


def check_imports(modules: Sequence[str] = DEFAULT_MODULES) -> Check:
    missing = []
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            missing.append(f"{module} ({exc})")
    return Check("imports", not missing, "missing: " + ", ".join(missing) if missing else "all importable")


def check_flash_attention(allow_shim: bool) -> tuple[Check, bool]:
    """(the check, whether the run stays official); the SDPA shim is fine only when opted into."""
    try:
        module = importlib.import_module("flash_attn_interface")
        module.flash_attn_func  # noqa: B018 - the attribute scripts import, not just the module
    except (ImportError, AttributeError) as exc:
        return Check("flash_attn_interface", False, f"FA3 not importable: {exc}"), True
    if getattr(module, "PGOLF_SHIM", False):
        detail = "the pgolf SDPA shim (not FA3): this run is non-official"
        return Check("flash_attn_interface", allow_shim, detail if allow_shim else detail + "; not allowed"), False
    return Check("flash_attn_interface", True, f"FA3 from {getattr(module, '__file__', '?')}"), True


def check_torch(expect_version: str | None) -> Check:
    import torch

    version = str(torch.__version__)
    ok = expect_version is None or version == expect_version
    return Check("torch_version", ok, version if ok else f"torch {version}, expected {expect_version}")


def check_gpus(expect_count: int, expect_capability: tuple[int, int] | None) -> Check:
    import torch

    if expect_count < 0:
        return Check("gpus", True, "not checked (a CPU run)")
    if not torch.cuda.is_available():
        return Check("gpus", expect_count == 0, "CUDA not available")
    count = torch.cuda.device_count()
    caps = [tuple(torch.cuda.get_device_capability(i)) for i in range(count)]
    names = sorted({torch.cuda.get_device_name(i) for i in range(count)})
    problems = []
    if count != expect_count:
        problems.append(f"{count} GPU(s), expected {expect_count}")
    if expect_capability is not None and any(c != expect_capability for c in caps):
        problems.append(f"compute capability {sorted(set(caps))}, expected {expect_capability}")
    detail = f"{count} x {', '.join(names)} capability {sorted(set(caps))}"
    return Check("gpus", not problems, "; ".join(problems) + f" ({detail})" if problems else detail)


def _capability(text: str) -> tuple[int, int] | None:
    if text == "any":
        return None
    major, _, minor = text.partition(".")
    return int(major), int(minor or 0)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--gpus", type=int, default=int(os.environ.get("PGOLF_EXPECT_GPUS", "8")), help="-1: not checked")
    p.add_argument("--capability", type=_capability, default=(9, 0), help="MAJOR.MINOR or 'any' (default 9.0)")
    p.add_argument("--torch", dest="torch_version", default=None, help="the exact torch.__version__ expected")
    p.add_argument("--allow-shim", action="store_true", help="accept the SDPA flash_attn_interface shim")
    p.add_argument("--modules", type=_names, default=DEFAULT_MODULES, help="comma-separated modules that must import")
    p.add_argument("--tools", type=_names, default=DEFAULT_TOOLS, help="comma-separated programs (pyminify,lrzip,gcc)")
    p.add_argument("--no-flash-attn", dest="flash_attn", action="store_false", help="the run imports no FA3")
    p.add_argument("--dists", type=_names, default=(), help="comma-separated pip distributions that must be installed")
    return p.parse_args(list(argv))


def _names(text: str) -> tuple[str, ...]:
    return tuple(part for part in text.split(",") if part)


def check_dists(dists: Sequence[str]) -> Check:
    from importlib import metadata

    missing = []
    for name in dists:
        try:
            metadata.version(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
    return Check("extra_pip", not missing, "missing: " + ", ".join(missing) if missing else ", ".join(dists))


def run_checks(
    args: argparse.Namespace, runner: Callable[[Sequence[str]], tuple[int, str]] = run_tool
) -> dict[str, object]:
    checks = [check_imports(args.modules)]
    official = True
    if args.flash_attn:
        fa3, official = check_flash_attention(args.allow_shim)
        checks.append(fa3)
    for tool in args.tools:
        checks.append(check_tool(tool, _TOOL_PROBES.get(tool, [tool, "--version"]), runner))
    if args.dists:
        checks.append(check_dists(args.dists))
    if importlib.util.find_spec("torch") is not None:  # its probes run even when another import failed
        checks += [check_torch(args.torch_version), check_gpus(args.gpus, args.capability)]
    failed = [c for c in checks if not c.ok]
    reason = "; ".join(f"{c.name}: {c.detail}" for c in failed)
    return {"ok": not failed, "official": official, "reason": reason, "checks": [asdict(c) for c in checks]}


def main(argv: Sequence[str] | None = None) -> int:
    result = run_checks(parse_args(sys.argv[1:] if argv is None else argv))
    print(json.dumps(result, indent=2))
    if not result["ok"]:
        print(f"preflight failed: {result['reason']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
