"""The environment fingerprint: GPU model and count, driver, CUDA, torch, Python, image digest.

Taken once per reproduction in the backend's preflight, with the interpreter (or image) the run
uses, not pgolf's own: pgolf itself may have no torch at all.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Mapping

from pgolf.runner.model import EnvFingerprint

PROBE_MARK = "PGOLF_PROBE "
# Runs in the target interpreter; stdlib + torch only, one line of JSON out.
PROBE = """
import json, platform
info = {"python": platform.python_version()}
try:
    import torch
    info["torch"] = torch.__version__
    info["cuda"] = torch.version.cuda
    info["distributed"] = bool(torch.distributed.is_available())
    if torch.cuda.is_available():
        info["gpu_count"] = torch.cuda.device_count()
        info["gpu_model"] = torch.cuda.get_device_name(0)
except Exception as exc:
    info["torch_error"] = f"{type(exc).__name__}: {exc}"
try:  # FA3: its distribution's version, else where flash_attn_interface would load from (not imported)
    import importlib.metadata, importlib.util
    for dist in ("flash_attn_3", "flash-attn-3", "flash_attn"):
        try:
            info["fa3"] = dist + " " + importlib.metadata.version(dist)
            break
        except importlib.metadata.PackageNotFoundError:
            pass
    else:
        spec = importlib.util.find_spec("flash_attn_interface")
        if spec is not None:
            info["fa3"] = "flash_attn_interface at " + str(spec.origin)
except Exception:
    pass
print("PGOLF_PROBE " + json.dumps(info))
"""
NVIDIA_SMI_QUERY = ["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"]


def parse_probe(output: str) -> dict[str, object]:
    for line in reversed(output.splitlines()):
        if line.startswith(PROBE_MARK):
            loaded = json.loads(line[len(PROBE_MARK) :])
            if isinstance(loaded, dict):
                return loaded
    return {}


def parse_nvidia_smi(output: str) -> tuple[list[str], str | None]:
    """`name, driver` per GPU -> (names, driver)."""
    names: list[str] = []
    driver = None
    for line in output.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) >= 2 and parts[0]:
            names.append(parts[0])
            driver = parts[1]
    return names, driver


def build(probe: Mapping[str, object], smi: str | None, image: str, digest: str, notes: list[str]) -> EnvFingerprint:
    names, driver = parse_nvidia_smi(smi) if smi else ([], None)
    gpu_count = probe.get("gpu_count")
    gpu_model = probe.get("gpu_model")
    return EnvFingerprint(
        gpu_model=str(gpu_model) if gpu_model else (names[0] if names else None),
        gpu_count=int(gpu_count) if isinstance(gpu_count, int) else len(names),
        driver=driver,
        cuda=str(probe["cuda"]) if probe.get("cuda") else None,
        torch=str(probe["torch"]) if probe.get("torch") else None,
        python=str(probe["python"]) if probe.get("python") else None,
        fa3=str(probe["fa3"]) if probe.get("fa3") else None,
        image=image,
        image_digest=digest,
        host=platform.node() or None,
        notes=notes,
    )
