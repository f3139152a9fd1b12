"""PG418 fixtures: one self-contained (or wrapped) train_gpt.py passes, also when the wrapper decodes to
a file and runs it; helper modules and exec(open(...)) shims warn (B.9); code loaded from outside the
record folder fails, and so does a run of a file pgolf cannot see written from a literal."""

from __future__ import annotations

from checks.fixture_kit import Fixture, standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.findings import Status

HELPER = """
def tilt(logits, hint, beta=0.5):
    return logits.scatter_add(-1, hint.unsqueeze(-1), torch.full_like(hint, beta, dtype=logits.dtype).unsqueeze(-1))
"""

FIXTURES = [
    Fixture("single-script", Status.PASS, {**standard_files(), "train_gpt.py": fs.script()}, "everything in one file"),
    Fixture(
        "lzma-wrapped-script",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.lzma_wrapped(fs.script())},
        "a self-extracting wrapper is accepted practice (#1394, #1412)",
    ),
    Fixture(
        "helper-module-imported",
        Status.WARN,
        {
            **standard_files(),
            "train_gpt.py": "from online_ngram_tilt import tilt\n" + fs.script(),
            "online_ngram_tilt.py": "import torch\n" + HELPER,
        },
        "online_ngram_tilt.py is loaded at run time (#1967/#2135); how it counts is open (B.9)",
    ),
    Fixture(
        "exec-open-shim",
        Status.WARN,
        {
            **standard_files(),
            "train_gpt.py": 'exec(open("train_gpt_decode.py").read())\n',
            "train_gpt_decode.py": fs.script(),
        },
        "a 40-byte shim runs the real script from another file (#1412 before repacking)",
    ),
    Fixture(
        "code-from-outside-folder",
        Status.FAIL,
        {
            **standard_files(),
            "train_gpt.py": fs.script(before_eval='exec(open("/workspace/shared/ngram_helpers.py").read())'),
        },
        "the script executes a file that is not in the record folder",
    ),
    Fixture(
        "file-wrapper-tempdir",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.file_wrapped(fs.script())},
        "the wrapper decodes the script to a temporary file and runs it with runpy (#1771): accepted practice",
    ),
    Fixture(
        "file-wrapper-beside-script",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.file_wrapped(fs.script(), beside=True)},
        "the wrapper writes _train.py beside itself and runs it (#1570)",
    ),
    Fixture(
        "bundle-written-to-tempdir",
        Status.PASS,
        {
            **standard_files(),
            "train_gpt.py": fs.bundle_wrapped(
                {"_runner.py": "import train_gpt\ntrain_gpt.main()\n", "train_gpt.py": fs.script()}, "_runner.py"
            ),
        },
        "one blob split into files of a temporary directory; the runner imports the script from there (#1518)",
    ),
    Fixture(
        "file-wrapper-non-literal",
        Status.FAIL,
        {
            **standard_files(),
            "train_gpt.py": "import os,tempfile,runpy\n_d=tempfile.mkdtemp()\n_f=os.path.join(_d,'t.py')\n"
            "open(_f,'w').write(os.environ['PAYLOAD'])\nrunpy.run_path(_f)\n",
        },
        "the file that runs is written from the environment: nothing pgolf can read",
    ),
    Fixture(
        "file-wrapper-overwritten",
        Status.FAIL,
        {
            **standard_files(),
            "train_gpt.py": fs.file_wrapped(fs.script()).replace(
                "runpy.run_path", "import shutil;shutil.copy('notes.txt',_f)\nrunpy.run_path"
            ),
            "notes.txt": "print('other code')\n",
        },
        "the literal it writes is replaced by another file before it runs",
    ),
]
