"""No cloud credential on a node (ANCHORS.md §0 item 8), checked before anything is launched.

By default SkyPilot copies the user's credential files for every cloud onto every node it
provisions (`remote_identity: LOCAL_CREDENTIALS`; sky/backends/backend_utils.py via
sky/check.py:get_cloud_credential_file_mounts), so that nodes can reach buckets and stop themselves.
On RunPod that is ~/.runpod/config.toml, the account's API key, readable by the submission's code:
the #1868 launcher's mistake, made by the tool. `remote_identity: NO_UPLOAD` in SkyPilot's config
(per cloud) keeps them off; the price is that a node cannot tear itself down, which is why the
orchestrator on this side owns every teardown and deadline. The setting is not overridable per task
in SkyPilot 0.14, so pgolf checks the config and refuses to launch until it is set.
"""

from __future__ import annotations

from collections.abc import Sequence

from pgolf.cluster.model import FanoutPlan
from pgolf.cluster.sky import NO_UPLOAD, SkyApi

__all__ = ["NO_UPLOAD", "clouds_in_play", "describe", "exposure", "provider", "remedy"]

# SkyPilot infra prefixes whose config section has another name.
_CONFIG_NAME = {"k8s": "kubernetes"}


def provider(infra: str) -> str:
    head = infra.split("/", maxsplit=1)[0].lower()
    return _CONFIG_NAME.get(head, head)


def clouds_in_play(plan: FanoutPlan, api: SkyApi) -> list[str]:
    """The clouds a node may land on: the one --cloud names, else every cloud SkyPilot has enabled."""
    if plan.options.infra:
        return [provider(plan.options.infra)]
    return sorted({_CONFIG_NAME.get(c, c) for c in api.enabled_clouds()})


def exposure(plan: FanoutPlan, api: SkyApi, clouds: Sequence[str]) -> dict[str, str]:
    """cloud -> its effective remote_identity for this fan-out's clusters, where it is not NO_UPLOAD."""
    found = {}
    for cloud in clouds:
        for task in plan.tasks:
            value = api.remote_identity(cloud, task.cluster)
            if value != NO_UPLOAD:
                found[cloud] = value
                break
    return found


def remedy(exposed: dict[str, str]) -> str:
    where = ", ".join(f"{cloud}.remote_identity: {NO_UPLOAD}" for cloud in sorted(exposed))
    return f"Set {where} in ~/.sky/config.yaml (or the API server's config)"


def describe(exposed: dict[str, str]) -> str:
    return "; ".join(f"{cloud}: remote_identity {value}" for cloud, value in sorted(exposed.items()))
