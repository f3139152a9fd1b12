"""Suppressions, never silent: every path (config ignore, per-path ignore, select, inline comment,
CLI --ignore) keeps the finding in every renderer's output, marked with its reason, and the exit
code counts it as suppressed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

import pgolf.engine
from checks.fixture_kit import standard_files
from pgolf.catalogue import Check, CheckContext, CheckKind, Lifecycle
from pgolf.cli import main
from pgolf.config import Config, discover, parse_config, path_matches
from pgolf.errors import UsageError
from pgolf.findings import CheckOutcome, CheckResult, Evidence, Location, Status, Suppression, verdict
from pgolf.render import RENDERERS

FOLDER = "records/track_10min_16mb/2026-04-29_Run"
LINE = 3  # the line of train_gpt.py the fake finding points at


class _OracleFinding:
    """Stands in for PG402 (a real code and slug, so config names validate) with fixed evidence."""

    code: ClassVar[str] = "PG402"
    slug: ClassVar[str] = "oracle-gated-score"
    rule: ClassVar[str] = "ORACLE-GATE"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        return CheckOutcome(
            status=Status.FAIL,
            message="the score picks the better of two predictions after seeing the target",
            evidence=[Evidence(location=Location(path="train_gpt.py", line=LINE), note="min() over two losses")],
        )


class _SizeWarning:
    code: ClassVar[str] = "PG202"
    slug: ClassVar[str] = "artifact-size-unverified"
    rule: ClassVar[str] = "SIZE-CAP"
    kind: ClassVar[CheckKind] = "log"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        return CheckOutcome(status=Status.WARN, message="no size line", evidence=[])


@pytest.fixture
def fake_catalogue(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def checks() -> list[type[Check]]:
        return [_OracleFinding, _SizeWarning]

    monkeypatch.setattr(pgolf.engine, "all_checks", checks)
    yield


def _repo(tmp_path: Path, script_lines: list[str] | None = None) -> Path:
    root = tmp_path / "repo"
    folder = root / FOLDER
    folder.mkdir(parents=True)
    for name, content in standard_files().items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8") if isinstance(content, str) else path.write_bytes(content)
    if script_lines is not None:
        (folder / "train_gpt.py").write_text("\n".join(script_lines) + "\n", encoding="utf-8")
    return root


def _check(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["check", str(root / FOLDER), *args])
    return code, capsys.readouterr().out


# --------------------------------------------------------------------------- config files


def test_pgolf_toml_ignore_marks_the_finding_and_passes(
    fake_catalogue: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(tmp_path)
    (root / ".pgolf.toml").write_text('ignore = [{ code = "PG402", reason = "accepted in #1234" }]\n', encoding="utf-8")
    monkeypatch.chdir(root)

    code, out = _check(root, capsys)

    assert code == 0
    assert "PG402 oracle-gated-score (ORACLE-GATE) " + "." * 21 + " FAIL (suppressed)" in out
    assert "    suppressed: accepted in #1234 [.pgolf.toml ignore]" in out
    assert "    - train_gpt.py:3: min() over two losses" in out  # the evidence is still shown
    assert "=> WARN (1 warn, 1 fail, 1 suppressed)" in out


def test_pyproject_tool_pgolf_per_path_ignore(
    fake_catalogue: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(tmp_path)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "records"\n\n[tool.pgolf.per-path-ignores]\n'
        '"records/track_10min_16mb/2026-04-*" = { ignore = ["oracle-gated-score", "PG202"], reason = "merged" }\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(root)

    code, out = _check(root, capsys, "--format", "json")

    assert code == 0
    results = {r["code"]: r for r in json.loads(out)["submissions"][0]["results"]}
    where = "pyproject.toml [tool.pgolf] per-path-ignores 'records/track_10min_16mb/2026-04-*'"
    assert results["PG402"]["status"] == "fail"
    assert results["PG402"]["suppressed"] == {"reason": "merged", "source": where, "applied": True}
    assert results["PG202"]["suppressed"]["reason"] == "merged"
    assert json.loads(out)["submissions"][0]["status"] == "pass"


def test_per_path_ignore_elsewhere_does_not_apply(
    fake_catalogue: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(tmp_path)
    (root / ".pgolf.toml").write_text('[per-path-ignores]\n"records/track_non_record_16mb/**" = ["PG402"]\n')
    monkeypatch.chdir(root)

    code, out = _check(root, capsys)

    assert code == 1
    assert "suppressed" not in out


def test_select_reports_the_others_as_suppressed(
    fake_catalogue: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(tmp_path)
    (root / ".pgolf.toml").write_text('select = ["log"]\n', encoding="utf-8")
    monkeypatch.chdir(root)

    code, out = _check(root, capsys, "--format", "markdown")

    assert code == 0
    assert "| 🔕 | `PG402` oracle-gated-score | ORACLE-GATE |" in out
    assert "suppressed: not among select = ['log'] [.pgolf.toml select]" in out
    assert "| ⚠️ | `PG202` artifact-size-unverified |" in out  # selected: still counts


def test_config_inside_the_checked_folder_is_never_read(
    fake_catalogue: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(tmp_path)
    (root / FOLDER / ".pgolf.toml").write_text('ignore = ["PG402"]\n', encoding="utf-8")
    monkeypatch.chdir(root / FOLDER)

    code, out = _check(root, capsys)

    assert code == 1
    assert "suppressed" not in out


def test_no_config_flag(
    fake_catalogue: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(tmp_path)
    (root / ".pgolf.toml").write_text('ignore = ["PG402"]\n', encoding="utf-8")
    monkeypatch.chdir(root)

    assert _check(root, capsys, "--no-config")[0] == 1
    code, out = _check(root, capsys)
    assert code == 0
    assert "suppressed: listed under ignore in .pgolf.toml (no reason given) [.pgolf.toml ignore]" in out


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("ignroe = []\n", "ignroe"),
        ('ignore = ["PG999"]\n', "unknown check or rule 'PG999'"),
        ('policy = "lenient"\n', "policy"),
        ("ignore = [\n", "not valid TOML"),
    ],
)
def test_config_mistakes_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, text: str, why: str
) -> None:
    root = _repo(tmp_path)
    (root / ".pgolf.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(root)

    code = main(["check", str(root / FOLDER)])

    assert code == 2
    assert why in capsys.readouterr().err


# --------------------------------------------------------------------------- inline comments


def test_inline_comment_on_the_line(
    fake_catalogue: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = ["import torch", "", "best = min(a, b)  # pgolf: ignore[PG402] both are scored before the update"]
    root = _repo(tmp_path, lines)
    monkeypatch.chdir(tmp_path)

    code, out = _check(root, capsys, "--format", "github")

    assert code == 0
    assert out.splitlines() == [
        f"::notice file={root / FOLDER}/train_gpt.py,line=3,title=PG402 oracle-gated-score (ORACLE-GATE)::"
        "fail, suppressed: both are scored before the update [train_gpt.py:3 (inline)]",
        "::warning title=PG202 artifact-size-unverified (SIZE-CAP)::no size line",
    ]


def test_inline_comment_alone_on_the_line_above(
    fake_catalogue: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = ["import torch", "# pgolf: ignore[oracle-gated-score] reviewed with the organizers", "best = min(a, b)"]
    root = _repo(tmp_path, lines)
    monkeypatch.chdir(tmp_path)

    code, out = _check(root, capsys)

    assert code == 0
    assert "FAIL (suppressed)" in out
    assert "suppressed: reviewed with the organizers [train_gpt.py:2 (inline)]" in out


def test_inline_comment_for_another_check_does_nothing(
    fake_catalogue: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = ["import torch", "", "best = min(a, b)  # pgolf: ignore[PG401] not this one"]
    root = _repo(tmp_path, lines)
    monkeypatch.chdir(tmp_path)

    code, out = _check(root, capsys)

    assert code == 1
    assert "suppressed" not in out


def test_inline_report_mode_shows_but_does_not_apply(
    fake_catalogue: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = ["import torch", "", "best = min(a, b)  # pgolf: ignore[PG402] trust me"]
    root = _repo(tmp_path, lines)
    (root / ".pgolf.toml").write_text('inline-suppressions = "report"\n', encoding="utf-8")
    monkeypatch.chdir(root)

    code, out = _check(root, capsys)

    assert code == 1
    assert "PG402 oracle-gated-score (ORACLE-GATE) " + "." * 34 + " FAIL\n" in out
    assert "suppression requested, not applied: trust me [train_gpt.py:3 (inline)]" in out


# --------------------------------------------------------------------------- the model and renderers


def _result(status: Status, mark: Suppression | None) -> CheckResult:
    ev = Evidence(location=Location(path="train_gpt.py", line=3), note="n")
    return CheckResult(code="PG402", slug="s", rule="R", status=status, message="m", evidence=[ev], suppressed=mark)


def test_counted_status_and_verdict() -> None:
    applied = Suppression(reason="r", source="s")
    shown = Suppression(reason="r", source="s", applied=False)

    assert _result(Status.FAIL, applied).counted_status is Status.PASS
    assert _result(Status.ERROR, applied).counted_status is Status.PASS
    assert _result(Status.FAIL, shown).counted_status is Status.FAIL
    assert _result(Status.SKIP, applied).counted_status is Status.SKIP
    assert verdict([_result(Status.FAIL, applied), _result(Status.WARN, None)]) is Status.WARN


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_every_renderer_shows_the_reason(fmt: str) -> None:
    from pgolf.findings import Report, SubmissionReport

    result = _result(Status.FAIL, Suppression(reason="accepted in #77", source=".pgolf.toml ignore"))
    sub = SubmissionReport(path=FOLDER, track=None, status=verdict([result]), results=[result])
    out = RENDERERS[fmt](Report(pgolf_version="0", ruleset="r", policy="readme", submissions=[sub]))

    assert "accepted in #77" in out


# --------------------------------------------------------------------------- parsing


def test_parse_config_both_forms(tmp_path: Path) -> None:
    text = (
        'policy = "leaderboard"\nselect = ["code"]\nignore = ["PG101", { code = "PG402", reason = "ok" }]\n'
        'baseline = "records/x"\n[per-path-ignores]\n"records/a/**" = ["PG201"]\n'
    )
    config = parse_config(text, tmp_path / ".pgolf.toml")

    assert config is not None
    assert (config.policy, config.select, config.baseline, config.root) == (
        "leaderboard",
        ("code",),
        "records/x",
        tmp_path,
    )
    assert [(r.names, r.reason, r.paths) for r in config.ignores] == [
        (("PG101",), "listed under ignore in .pgolf.toml (no reason given)", ()),
        (("PG402",), "ok", ()),
        (
            ("PG201",),
            "listed under per-path-ignores 'records/a/**' in .pgolf.toml (no reason given)",
            ("records/a/**",),
        ),
    ]
    assert parse_config('[project]\nname = "x"\n', tmp_path / "pyproject.toml") is None


def test_discover_walks_up_and_skips_pyproject_without_a_table(tmp_path: Path) -> None:
    (tmp_path / ".pgolf.toml").write_text('policy = "leaderboard"\n', encoding="utf-8")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")

    assert discover(tmp_path / "a").policy == "leaderboard"
    assert discover(tmp_path / "a", exclude=[tmp_path]) == Config()


@pytest.mark.parametrize(
    ("pattern", "folder", "matches"),
    [
        ("records/track_10min_16mb/2026-03-*", "records/track_10min_16mb/2026-03-20_Base", True),
        ("records/track_10min_16mb/**", "records/track_10min_16mb/x", True),
        ("records/track_10min_16mb/", "records/track_10min_16mb/x", True),
        ("./records/track_10min_16mb/x", "records/track_10min_16mb/x", True),
        ("records/track_non_record_16mb/**", "records/track_10min_16mb/x", False),
    ],
)
def test_path_matches(pattern: str, folder: str, matches: bool) -> None:
    assert path_matches(pattern, folder) is matches


def test_unknown_names_raise() -> None:
    from pgolf.suppress import validate_names

    with pytest.raises(UsageError, match="PG999"):
        validate_names(Config(select=("PG999",)))
    validate_names(Config(select=("PG003", "code", "SIZE-CAP", "submission-json-schema")))


def test_config_baseline_folder_feeds_significance(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(tmp_path)
    base = root / "records" / "track_10min_16mb" / "2026-04-01_Base"
    base.mkdir(parents=True)
    for name, content in standard_files({42: 1.0800, 314: 1.0805, 1234: 1.0810}).items():
        (base / name).write_text(content, encoding="utf-8") if isinstance(content, str) else None
    (root / ".pgolf.toml").write_text('baseline = "records/track_10min_16mb/2026-04-01_Base"\n', encoding="utf-8")
    monkeypatch.chdir(root)

    main(["check", "--format", "json", "--select", "PG501", str(root / FOLDER)])

    (result,) = json.loads(capsys.readouterr().out)["submissions"][0]["results"]
    assert result["status"] != "skip"
    assert "vs baseline 1.08050" in result["message"]
    assert any(str(base) in (ev["location"]["path"] or "") for ev in result["evidence"])
