"""What strict_v1 requires of single values (formats, tracks, the size cap) and how a failure is reported.

Shared by the pydantic model (`strict`), the cross-field rules (`semantic`), the fix suggestions
(`fixes`) and the file validator (`validate`). Limits come from the ruleset, never from literals here.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

from pgolf.ruleset import load_ruleset

GITHUB_LOGIN = r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$"
ISO_DATE = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?$"
)
NOT_BLANK = r"\S"
SEED_KEY = r"^(?:0|[1-9][0-9]{0,11})$"
DATASET_REPO = r"^[^@\s]+@[^@\s]+$"
# github_id values seen in templates (ENVIRONMENT.md §4.2), compared without case, "-" or "_".
PLACEHOLDER_LOGINS = frozenset(
    {"yourgithubid", "yourgithubusername", "yourusername", "yourname", "yourhandle", "githubid"}
    | {"githubusername", "githubhandle", "username", "user", "todo", "tbd", "none", "null", "unknown"}
    | {"anonymous", "example", "placeholder", "xxx"}
)

TrackV1 = Literal["10min_16mb", "non_record_16mb"]


def artifact_cap() -> int:
    """The schema's size cap: the largest track cap in the newest ruleset (each track's own is in
    `semantic_errors`). Read lazily so that importing this module does no work."""
    return max(track.max_artifact_bytes for track in load_ruleset().tracks.values())


def is_placeholder_login(login: str) -> bool:
    """github_id values copied from a template ("YOUR_GITHUB_ID", "your-username", ...)."""
    folded = re.sub(r"[^a-z0-9]", "", login.lower())
    return folded in PLACEHOLDER_LOGINS or folded.startswith("yourgithub")


class SchemaError(BaseModel):
    """One reason a submission.json fails strict_v1, at an RFC 6901 pointer ("" = the whole file)."""

    model_config = ConfigDict(frozen=True)

    pointer: str
    message: str
