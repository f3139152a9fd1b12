"""The check catalogue: one folder per check (check.py, README.md, fixtures.py), listed here.

A literal registry, sorted by code: no import-time scanning. tests/unit/test_catalogue.py keeps
this dict and the folders in step.
"""

from __future__ import annotations

from pgolf.catalogue import Check

ALL_CHECKS: dict[str, type[Check]] = {}
