"""The sitecustomize audit hook's filtering and output, called directly.

Loading the module with PGOLF_TRACE_DIR unset installs nothing (an audit hook cannot be removed
from the test process once added); the tests then drive `_hook` with module globals patched.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from pgolf.runner.hook import HOOK_DIR


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[ModuleType]:
    monkeypatch.delenv("PGOLF_TRACE_DIR", raising=False)
    monkeypatch.setattr(sys, "path", [str(HOOK_DIR)])  # nothing to chain to
    spec = importlib.util.spec_from_file_location("pgolf_hook_under_test", HOOK_DIR / "sitecustomize.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "_DIR", str(tmp_path / "trace"))
    monkeypatch.setattr(module, "_PREFIXES", ("/data/ds",))
    (tmp_path / "trace").mkdir()
    yield module
    if module._WRITER.handle is not None:  # a real process leaves it to exit; a test closes it
        module._WRITER.handle.close()


def _events(tmp_path: Path) -> list[dict[str, object]]:
    files = list((tmp_path / "trace").glob("trace-*.jsonl"))
    return [json.loads(line) for f in files for line in f.read_text("utf-8").splitlines()]


def test_only_dataset_opens_and_sockets_are_recorded(hook: ModuleType, tmp_path: Path) -> None:
    hook._hook("open", ("/usr/lib/python3/os.py", "r", 0))
    hook._hook("open", ("/data/ds/fineweb_train_000000.bin", "rb", 0))
    hook._hook("open", (b"/data/ds/fineweb_val_000000.bin", "rb", 0))
    hook._hook("open", (Path("/data/ds/x.bin"), None, 0))
    hook._hook("open", (7, "rb", 0))  # a file descriptor
    hook._hook("exec", (None,))
    hook._hook("socket.connect", (object(), ("10.0.0.1", 443)))
    hook._hook("socket.getaddrinfo", ("example.com", 443, 0, 0, 0, 0))
    hook._WRITER.handle.flush()
    events = _events(tmp_path)
    assert [e["event"] for e in events] == ["open", "open", "open", "socket.connect", "socket.getaddrinfo"]
    assert events[1]["path"] == "/data/ds/fineweb_val_000000.bin"
    assert events[3]["address"] == "('10.0.0.1', 443)"
    assert events[4]["address"] == "'example.com'"
    assert all({"t_ns", "wall", "pid", "rank"} <= e.keys() for e in events)


def test_the_hook_does_not_recurse_on_its_own_writes(hook: ModuleType, tmp_path: Path) -> None:
    hook._WRITER.busy = True
    hook._hook("open", ("/data/ds/a.bin", "rb", 0))
    hook._WRITER.busy = False
    assert _events(tmp_path) == []


def test_an_unwritable_trace_dir_never_breaks_the_run(hook: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hook, "_DIR", "/nonexistent/pgolf-trace")
    hook._hook("open", ("/data/ds/a.bin", "rb", 0))  # swallowed OSError


def test_a_shadowed_sitecustomize_still_runs(hook: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "site"
    other.mkdir()
    (other / "sitecustomize.py").write_text("import os\nos.environ['PGOLF_TEST_CHAINED'] = '1'\n", "utf-8")
    monkeypatch.delenv("PGOLF_TEST_CHAINED", raising=False)
    monkeypatch.setattr(sys, "path", [str(HOOK_DIR), str(other)])
    hook._chain_shadowed_sitecustomize()
    import os

    assert os.environ.get("PGOLF_TEST_CHAINED") == "1"
