"""`pgolf submission init|fix`: the logs fill what the schema needs, the author's words stay, the diff shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checks.fixture_kit import FileContent, modern_log, old_log, standard_files
from pgolf.cli import main
from pgolf.cli.submission import plan, render_json
from pgolf.meta.strict import validate_file
from pgolf.ruleset import load_ruleset

TRACK = "track_10min_16mb"
NAME = "2026-04-29_My_Best_Run"
SEEDS = {42: 1.06083288, 314: 1.06090748, 1234: 1.06248776}


def _folder(tmp_path: Path, files: dict[str, FileContent]) -> Path:
    folder = tmp_path / "records" / TRACK / NAME
    folder.mkdir(parents=True)
    for rel, content in files.items():
        (folder / rel).write_text(content, encoding="utf-8") if isinstance(content, str) else (
            folder / rel
        ).write_bytes(content)
    return folder


def _logs_only() -> dict[str, FileContent]:
    files = standard_files(SEEDS)
    del files["submission.json"]
    return files


def _doc(folder: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((folder / "submission.json").read_text("utf-8"))
    return loaded


def test_init_writes_what_the_logs_say(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path, _logs_only())

    code = main(["submission", "init", str(folder)])

    captured = capsys.readouterr()
    doc = _doc(folder)
    assert code == 1  # author and github_id are the author's to give
    assert set(doc["seed_results"]) == {"42", "314", "1234"}
    assert doc["seed_results"]["42"] == {
        "val_bpb": 1.06083288,
        "val_loss": 2.32165882,
        "artifact_bytes": 15951777,
        "train_time_ms": 592045.0,
        "eval_time_ms": 429520.0,
        "steps": 4921,
        "log": "train_seed42.log",
    }
    assert doc["val_bpb"] == round(sum(SEEDS.values()) / 3, 8)
    assert doc["bytes_total"] == 15951777
    assert (doc["name"], doc["date"], doc["track"]) == ("My Best Run", "2026-04-29", "10min_16mb")
    assert doc["seeds"] == [42, 314, 1234]
    assert "+++ b/submission.json" in captured.out
    assert "note: author: no name found" in captured.err
    assert "still failing: /author: missing required key" in captured.err
    assert {e.pointer for e in validate_file(folder / "submission.json")} == {"/author", "/github_id"}


def test_init_refuses_an_existing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path, standard_files(SEEDS))

    assert main(["submission", "init", str(folder)]) == 2
    assert "`pgolf submission fix" in capsys.readouterr().err


def test_fix_keeps_the_authors_keys_and_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = _logs_only()
    written = {
        "author": "Ada",
        "github_id": "ada-l",
        "name": "My run",
        "date": "2026-04-29",
        "track": "non-record-16mb",  # misspelt, and the folder says otherwise
        "val_bpb": "1.0614",  # a string
        "blurb": "free text stays",
        "bytes_total": None,
        "seeds": {"42": {"val_bpb": 1.06083288}, "314": {"val_bpb": 1.06090748}, "1234": {"val_bpb": 1.06248776}},
        "compliance": {"three_seeds": True},
    }
    files["submission.json"] = json.dumps(written, indent=2)
    folder = _folder(tmp_path, files)

    code = main(["submission", "fix", str(folder)])

    err = capsys.readouterr().err
    doc = _doc(folder)
    assert code == 0, err
    assert list(doc)[:8] == ["author", "github_id", "name", "date", "track", "val_bpb", "blurb", "bytes_total"]
    assert doc["blurb"] == "free text stays" and doc["compliance"] == {"three_seeds": True}
    assert doc["val_bpb"] == 1.0614  # the author's headline, as a number: within rounding of the mean
    assert doc["track"] == "10min_16mb"
    assert doc["seeds"] == [42, 314, 1234]
    assert doc["bytes_total"] == 15951777
    assert "changed /val_bpb: '1.0614' -> 1.0614" in err
    assert "changed /seed_results/42/val_loss: (absent) -> 2.32165882 (from train_seed42.log:" in err
    assert validate_file(folder / "submission.json") == []


def test_a_claim_the_log_contradicts_is_kept_and_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = standard_files(SEEDS)
    doc = json.loads(str(files["submission.json"]))
    doc["seed_results"]["42"]["val_bpb"] = 1.05  # the log says 1.06083288
    doc["val_bpb"] = round((1.05 + 1.06090748 + 1.06248776) / 3, 8)
    files["submission.json"] = json.dumps(doc)
    folder = _folder(tmp_path, files)

    assert main(["submission", "fix", "--dry-run", str(folder)]) == 0
    err = capsys.readouterr().err
    assert "note: seed 42: val_bpb claimed 1.05, train_seed42.log:" in err
    assert "kept the claim (--prefer-logs takes the log)" in err
    assert _doc(folder)["seed_results"]["42"]["val_bpb"] == 1.05  # --dry-run wrote nothing

    assert main(["submission", "fix", "--prefer-logs", str(folder)]) == 0
    fixed = _doc(folder)
    assert fixed["seed_results"]["42"]["val_bpb"] == 1.06083288
    assert fixed["val_bpb"] == round(sum(SEEDS.values()) / 3, 8)


def test_fix_on_a_valid_file_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = _logs_only()
    folder = _folder(tmp_path, files)
    assert main(["submission", "init", str(folder)]) == 1
    doc = _doc(folder)
    doc.update(author="Ada", github_id="ada-l")
    (folder / "submission.json").write_text(render_json(doc), encoding="utf-8")
    capsys.readouterr()

    assert main(["submission", "fix", str(folder)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "nothing to change" in captured.err


def test_old_era_logs_and_seed_keys(tmp_path: Path) -> None:
    files: dict[str, FileContent] = {
        "README.md": "# r\n",
        "train_gpt.py": "print(1)\n",
        "train_seed1337.log": old_log(1337),
        "train_seed42.log": old_log(42, val_bpb=1.1231, val_loss=1.8961),
        "submission.json": json.dumps(
            {
                "author": "A",
                "github_id": "a",
                "name": "n",
                "date": "2026-03-20T10:00:00Z",
                "val_bpb": 1.1229,
                "seed_results": {"seed_1337": {"val_bpb": 1.12278}, "seed_42": {"val_bpb": 1.1231}},
            }
        ),
    }
    folder = _folder(tmp_path, files)

    planned = plan(folder, load_ruleset(), init=False, prefer_logs=False, today="2026-05-02")

    doc = json.loads(planned.new_text)
    assert list(doc["seed_results"]) == ["1337", "42"]
    assert doc["seed_results"]["1337"]["artifact_bytes"] == 15555017
    assert doc["seeds"] == [1337, 42]
    assert planned.remaining == []


def test_not_json_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = _logs_only()
    files["submission.json"] = 'cat > submission.json <<"EOF"\n{}\nEOF\n'
    folder = _folder(tmp_path, files)

    assert main(["submission", "fix", str(folder)]) == 2
    assert "invalid JSON at line 1" in capsys.readouterr().err


def test_a_log_without_a_seed_pairs_with_the_one_claim(tmp_path: Path) -> None:
    files: dict[str, FileContent] = {
        "train_gpt.py": "print(1)\n",
        "train.log": modern_log(7).replace("  seed: 7\n", ""),
        "submission.json": json.dumps({"author": "A", "github_id": "a", "seeds": [7], "val_bpb": 1.0609}),
    }
    folder = _folder(tmp_path, files)

    planned = plan(folder, load_ruleset(), init=False, prefer_logs=False, today="2026-05-02")

    assert "train.log prints no seed; read as seed 7" in " ".join(planned.fixed.notes)
    assert json.loads(planned.new_text)["seed_results"]["7"]["log"] == "train.log"


def test_render_json_keeps_short_lists_inline() -> None:
    text = render_json({"seeds": [42, 314], "seed_results": {"42": {"val_bpb": 1.0}}, "tags": []})
    assert text == (
        '{\n  "seeds": [42, 314],\n  "seed_results": {\n    "42": {\n      "val_bpb": 1.0\n    }\n  },\n'
        '  "tags": []\n}\n'
    )


def test_author_and_github_id_complete_init_in_one_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No log states who ran it: the participant gives it once and the file passes the strict schema."""
    folder = _folder(tmp_path, _logs_only())

    code = main(["submission", "init", str(folder), "--author", " Ada Lovelace ", "--github-id", "ada-l"])

    err = capsys.readouterr().err
    assert code == 0, err
    doc = _doc(folder)
    assert (doc["author"], doc["github_id"]) == ("Ada Lovelace", "ada-l")
    assert "changed /author: (absent) -> 'Ada Lovelace' (from --author)" in err
    assert validate_file(folder / "submission.json") == []


def test_fix_replaces_the_identity_only_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path, standard_files(SEEDS))
    before = _doc(folder)

    assert main(["submission", "fix", str(folder), "--github-id", "new-login"]) == 0
    after = _doc(folder)
    assert after["github_id"] == "new-login" and after["author"] == before["author"]
    assert f"changed /github_id: {before['github_id']!r} -> 'new-login' (from --github-id)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [("--github-id", "not a login", "--github-id 'not a login': not a GitHub login"), ("--author", "  ", "--author:")],
)
def test_bad_identity_is_a_one_line_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, message: str
) -> None:
    folder = _folder(tmp_path, _logs_only())
    assert main(["submission", "init", str(folder), option, value]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and not (folder / "submission.json").exists()
