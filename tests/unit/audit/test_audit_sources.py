"""Gathering the code a submission runs: wrappers, helper modules, exec(open()) shims, C sources."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from pgolf.audit import fixture_scripts as fs
from pgolf.audit.sources import gather_sources
from pgolf.folder import load_folder

Make = Callable[[Mapping[str, str | bytes]], Path]


def test_wrapped_entry_is_decoded_and_located(make_folder: Make) -> None:
    sources = gather_sources(load_folder(make_folder({"train_gpt.py": fs.lzma_wrapped(fs.script())})))
    assert sources.analysable
    assert sources.entry is not None and sources.entry.decoded_from is not None
    assert sources.entry.decoded_from.startswith("lzma-raw+base85 wrapper at train_gpt.py:2")
    loc = sources.entry.location(1)
    assert loc.path == "train_gpt.py" and loc.decoded_from and loc.excerpt == "import glob, math, os, time"


def test_nested_wrappers_are_followed(make_folder: Make) -> None:
    nested = fs.lzma_wrapped(fs.lzma_wrapped(fs.script(), raw=False))
    sources = gather_sources(load_folder(make_folder({"train_gpt.py": nested})))
    assert sources.entry is not None and sources.entry.decoded_from and "inside" in sources.entry.decoded_from
    assert sources.entry.tree is not None


def test_helpers_shims_and_c_sources_are_gathered(make_folder: Make) -> None:
    entry = 'import helper_a\nfrom pkg import mod_b\nSRC = "kernels/state.c"\nexec(open("shim.py").read())\n'
    folder = make_folder(
        {
            "train_gpt.py": entry,
            "helper_a.py": "X = 1\n",
            "pkg/__init__.py": "",
            "pkg/mod_b.py": "Y = 2\n",
            "kernels/state.c": "int f(void) { return 0; }\n",
            "shim.py": "Z = 3\n",
            "unused.py": "W = 4\n",
        }
    )
    sources = gather_sources(load_folder(folder))
    helpers = {f.path for f in sources.helpers}
    assert helpers == {"helper_a.py", "pkg/__init__.py", "pkg/mod_b.py", "kernels/state.c", "shim.py"}
    assert [f.path for f in sources.c_files] == ["kernels/state.c"]
    assert all(f.loaded_by is not None and f.loaded_by.path == "train_gpt.py" for f in sources.helpers)


def test_entry_that_does_not_parse_blocks_the_audit(make_folder: Make) -> None:
    sources = gather_sources(load_folder(make_folder({"train_gpt.py": "def broken(:\n"})))
    assert not sources.analysable
    assert sources.problems and sources.problems[0].blocking
    assert "does not parse" in sources.problems[0].problem


def test_no_entry_script(make_folder: Make) -> None:
    sources = gather_sources(load_folder(make_folder({"README.md": "# x\n"})))
    assert sources.entry is None and not sources.analysable


def test_symlinked_helper_is_not_followed(make_folder: Make, tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("SECRET = 1\n")
    folder = make_folder({"train_gpt.py": "import linked\n"})
    (folder / "linked.py").symlink_to(outside)
    sources = gather_sources(load_folder(folder))
    assert [f.path for f in sources.files] == ["train_gpt.py"]
