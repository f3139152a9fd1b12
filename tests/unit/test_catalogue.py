"""Catalogue invariants: registry == folders, unique ids, naming, docs sections, pass+fail fixtures."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from checks import ALL_CHECKS
from pgolf.catalogue import CODE_PATTERN, DOC_SECTIONS, SLUG_PATTERN, Check, load_doc
from pgolf.findings import Status

CHECKS_DIR = Path(__file__).resolve().parents[2] / "checks"
CHECK_FOLDERS = sorted(p.name for p in CHECKS_DIR.iterdir() if (p / "check.py").exists())
RULES_MD = Path(__file__).resolve().parents[3] / "shared" / "RULES.md"


def _fixtures(check: type[Check]) -> list[object]:
    module = importlib.import_module(check.__module__.rsplit(".", 1)[0] + ".fixtures")
    return list(module.FIXTURES)


def test_registry_matches_folders() -> None:
    registered = sorted(c.__module__.split(".")[1] for c in ALL_CHECKS.values())
    assert registered == CHECK_FOLDERS


def test_registry_keys_are_codes_and_sorted() -> None:
    assert list(ALL_CHECKS) == sorted(ALL_CHECKS)
    for code, check in ALL_CHECKS.items():
        assert check.code == code
        assert CODE_PATTERN.match(code), code


def test_slugs_unique_and_named_after_the_violation() -> None:
    slugs = [c.slug for c in ALL_CHECKS.values()]
    assert len(slugs) == len(set(slugs))
    for check in ALL_CHECKS.values():
        assert SLUG_PATTERN.match(check.slug), check.slug
        assert check.__module__.split(".")[1] == check.slug.replace("-", "_"), "folder name follows the slug"


@pytest.mark.parametrize("code", list(ALL_CHECKS))
def test_doc_has_required_sections(code: str) -> None:
    check = ALL_CHECKS[code]
    doc = load_doc(check)
    assert doc.startswith(f"# {code} {check.slug}\n"), "doc title is '# CODE slug'"
    missing = [s for s in DOC_SECTIONS if s not in doc]
    assert not missing, f"{code} README.md lacks {missing}"
    assert check.rule in doc, "the doc names the rule id it enforces"


@pytest.mark.parametrize("code", list(ALL_CHECKS))
def test_every_check_can_pass_and_fail(code: str) -> None:
    fixtures = _fixtures(ALL_CHECKS[code])
    expectations = {getattr(f, "expect") for f in fixtures}  # noqa: B009 - Fixture typed as object here
    assert Status.PASS in expectations, f"{code} has no passing fixture"
    assert Status.FAIL in expectations, f"{code} has no failing fixture"


def test_fixture_names_unique_per_check() -> None:
    for code, check in ALL_CHECKS.items():
        names = [getattr(f, "name") for f in _fixtures(check)]  # noqa: B009
        assert len(names) == len(set(names)), code


@pytest.mark.skipif(not RULES_MD.exists(), reason="../shared/RULES.md is not beside this checkout")
def test_rule_ids_exist_in_rules_md() -> None:
    text = RULES_MD.read_text("utf-8")
    for check in ALL_CHECKS.values():
        assert f"| {check.rule}" in text or f"**{check.rule}" in text, f"{check.rule} is not a RULES.md id"
