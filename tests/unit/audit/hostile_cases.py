"""Submission folders that hide a validation-training violation behind the loaders Python really runs
(issue 13, point 2), the controls and the legal look-alikes. Shared by the hostile-loader tests and the
no-exec proof, which plants a marker in the same payloads."""

from __future__ import annotations

import base64
import codecs
import io
import zipfile
from collections.abc import Callable, Mapping

from checks.fixture_kit import standard_files
from checks.trains_on_val.fixtures import VAL_ONLY
from pgolf.audit import fixture_scripts as fs

Files = dict[str, str | bytes]

# The FAIL fixture of VAL-IN-TRAINING: the training loader reads the validation shards. Run at import
# too, so a module loaded by importlib runs it.
VIOLATION = fs.script(train=VAL_ONLY).replace('if __name__ == "__main__":\n    main()', "main()")
CLEAN = fs.script().replace('if __name__ == "__main__":\n    main()', "main()")


def _with(train_gpt: str, **extra: str | bytes) -> Files:
    return {**standard_files(), "train_gpt.py": train_gpt, **extra}


def _halves(text: str) -> tuple[str, str]:
    cut = len(text) // 2
    return text[:cut], text[cut:]


def _chunks(text: str, n: int = 7) -> list[str]:
    size = -(-len(text) // n)
    return [text[i : i + size] for i in range(0, len(text), size)]


def _zip(name: str, text: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, text)
    return out.getvalue()


def _nested(text: str, levels: int) -> str:
    for _ in range(levels):
        text = fs.lzma_wrapped(text)
    return text


def _deep_helpers(payload: str, depth: int) -> Files:
    files: Files = {f"h{i}.py": f"import h{i + 1}\n" for i in range(1, depth)}
    files[f"h{depth}.py"] = payload
    return files


def _padding(n: int) -> Files:
    return {f"pad_{i:05d}.dat": "x" for i in range(n)}


PYC = b"\xa7\x0d\x0d\x0a" + b"\0" * 12  # a .pyc header; pgolf never reads the body


PYCACHE: Files = {"helper.py": "X = 1\n", "__pycache__/helper.cpython-311.pyc": PYC}


def loaders(payload: str) -> dict[str, Callable[[], Files]]:
    """Each loader of issue 13 point 2, hiding `payload`."""
    a, b = _halves(payload)
    rot = codecs.encode(payload, "rot13")
    return {
        "exec-literal": lambda: _with(f"exec({payload!r})\n"),
        "exec-concatenation": lambda: _with(f"a = {a!r}\nb = {b!r}\nexec(a + b)\n"),
        "exec-join": lambda: _with(f"exec(''.join({_chunks(payload)!r}))\n"),
        "exec-bytes-list": lambda: _with(f"exec(bytes({list(payload.encode())!r}).decode())\n"),
        "exec-alias": lambda: _with(f"E = exec\nE({payload!r})\n"),
        "getattr-builtins": lambda: _with(f"import builtins\ngetattr(builtins, 'ex' + 'ec')({payload!r})\n"),
        "import-module-join": lambda: _with(
            "import importlib\nimportlib.import_module(''.join(['hid', 'den']))\n", **{"hidden.py": payload}
        ),
        "exec-txt-file": lambda: _with('exec(open("notes.txt").read())\n', **{"notes.txt": payload}),
        "exec-log-file": lambda: _with('exec(open("extra_run.log").read())\n', **{"extra_run.log": payload}),
        "exec-readme": lambda: _with(
            "import os\nexec(open(os.path.join(os.path.dirname(__file__), 'README.md')).read())\n",
            **{"README.md": payload},
        ),
        "sourceless-pyc": lambda: _with(CLEAN + "\nimport helper\n", **{"helper.pyc": PYC}),
        "zip-import": lambda: _with(
            "import sys\nsys.path.insert(0, 'lib.zip')\nimport helper\n" + CLEAN,
            **{"lib.zip": _zip("helper.py", payload)},
        ),
        "pycache-helper": lambda: _with(
            CLEAN + "\nimport helper\n",
            **PYCACHE,
        ),
        "helper-below-depth-cap": lambda: _with("import h1\n" + CLEAN, **_deep_helpers(payload, 10)),
        "codecs-rot13": lambda: _with(f"import codecs\nexec(codecs.decode({rot!r}, 'rot13'))\n"),
        "marshal": lambda: _with("import marshal\nexec(marshal.loads(" + repr(b"\xe3" + b"\0" * 16) + "))\n"),
        "nested-wrappers-4": lambda: _with(_nested(payload, 4)),
        "dead-nesting-sum": lambda: _with(payload + "\nif False:\n    _ = " + " + ".join(["a"] * 500) + "\n"),
        "dead-nesting-elif": lambda: _with(
            payload + "\nx = 0\nif x == 0:\n    pass\n" + "".join(f"elif x == {i}:\n    pass\n" for i in range(1, 300))
        ),
        "listing-cap-padding": lambda: _with(
            "import lib.helper\n" + CLEAN, **{"lib/__init__.py": "", "lib/helper.py": payload}, **_padding(5000)
        ),
    }


def controls() -> Mapping[str, Files]:
    """The violation shipped plainly and in a recognized wrapper: FAIL."""
    return {"plain": _with(VIOLATION), "wrapped": _with(fs.lzma_wrapped(VIOLATION))}


def look_alikes() -> Mapping[str, Files]:
    """Legal shapes: a plain script, a recognized wrapper (raw and xz), a wrapper over base64."""
    b64 = base64.b64encode(CLEAN.encode()).decode()
    return {
        "plain-script": _with(CLEAN),
        "lzma-raw-wrapper": _with(fs.lzma_wrapped(CLEAN)),
        "lzma-xz-wrapper": _with(fs.lzma_wrapped(CLEAN, raw=False)),
        "base64-literal-exec": _with(f"import base64\nexec(base64.b64decode({b64!r}).decode())\n"),
    }
