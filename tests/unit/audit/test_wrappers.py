"""Self-extracting wrappers and other code loaders resolved statically, with caps; nothing is executed."""

from __future__ import annotations

import ast
import base64
import lzma
import zlib

import brotli

from pgolf.audit.fixture_scripts import lzma_wrapped
from pgolf.audit.static_eval import Budget
from pgolf.audit.wrappers import MAX_DECODED_BYTES, scan_loaders

SOURCE = "def payload():\n    return 42\n"


def _decode(wrapper: str) -> tuple[list[str], list[str]]:
    scan = scan_loaders(ast.parse(wrapper))
    return [p.text for p in scan.payloads], [why for _, why in scan.failures + scan.unresolved]


def test_raw_lzma2_base85() -> None:
    texts, failures = _decode(lzma_wrapped(SOURCE, raw=True))
    assert texts == [SOURCE] and not failures


def test_xz_base85_and_description() -> None:
    scan = scan_loaders(ast.parse(lzma_wrapped(SOURCE, raw=False)))
    assert scan.payloads[0].text == SOURCE
    assert scan.payloads[0].description == "lzma+base85"
    assert scan.payloads[0].line == 2


def test_zlib_base64_through_a_module_binding() -> None:
    blob = base64.b64encode(zlib.compress(SOURCE.encode())).decode()
    wrapper = f'import zlib, base64\n_c = "{blob}"\nexec(zlib.decompress(base64.b64decode(_c)).decode())\n'
    assert _decode(wrapper)[0] == [SOURCE]


def test_brotli_base85_with_aliases() -> None:
    blob = base64.b85encode(brotli.compress(SOURCE.encode())).decode()
    wrapper = f'import brotli as Z\nfrom base64 import b85decode as D\nexec(Z.decompress(D("{blob}")))\n'
    assert _decode(wrapper)[0] == [SOURCE]


def test_compile_wrapper() -> None:
    blob = base64.b85encode(lzma.compress(SOURCE.encode())).decode()
    wrapper = f'import lzma, base64\nexec(compile(lzma.decompress(base64.b85decode("{blob}")), "x", "exec"))\n'
    assert _decode(wrapper)[0] == [SOURCE]


def test_decompression_bomb_stops_at_the_cap() -> None:
    blob = base64.b85encode(lzma.compress(b"\0" * (MAX_DECODED_BYTES + 1024))).decode()
    texts, failures = _decode(f'import lzma as L, base64 as B\nexec(L.decompress(B.b85decode("{blob}")))\n')
    assert not texts
    assert failures and "cap" in failures[0]


def test_corrupt_payload_is_a_failure() -> None:
    texts, failures = _decode('import lzma as L, base64 as B\nexec(L.decompress(B.b85decode("' + "A" * 300 + '")))\n')
    assert not texts and failures


def test_unknown_codec_is_unresolved() -> None:
    wrapper = 'import zstandard as Z, base64 as B\nexec(Z.decompress(B.b85decode("' + "0" * 400 + '")))\n'
    texts, failures = _decode(wrapper)
    assert not texts and failures == ["exec() of code that pgolf cannot resolve statically"]


def test_file_reads_and_literals_are_loads_not_failures() -> None:
    scan = scan_loaders(ast.parse('exec(open("helper.py").read())\nexec("x = 1")\n'))
    assert scan.file_loads == [("helper.py", 1)]
    assert [p.text for p in scan.payloads] == ["x = 1"] and scan.payloads[0].description == "literal"


def test_the_folder_budget_stops_many_small_wrappers() -> None:
    """400 wrappers of 1 MiB each decode 16 MiB at most per folder (they took 3.3 GB before the budget)."""
    blob = base64.b85encode(zlib.compress(b"#" * (1 << 20))).decode()
    wrapper = "import zlib, base64\n" + f'exec(zlib.decompress(base64.b85decode("{blob}")))\n' * 40
    scan = scan_loaders(ast.parse(wrapper), budget=Budget())
    assert 8 <= len(scan.payloads) < 16  # the base85 layer spends budget too
    assert scan.failures and "budget" in scan.failures[0][1]


def test_wrapper_forms_seen_in_pr_heads_resolve() -> None:
    """Shapes from real PR heads (#1995, #1561, #2125, #1839) fold; none is unauditable."""
    blob = base64.b85encode(lzma.compress(SOURCE.encode(), format=lzma.FORMAT_RAW, filters=[{"id": lzma.FILTER_LZMA2}]))
    preset = (
        "import lzma as L,base64 as B\n"
        f"exec(L.decompress(B.b85decode({blob.decode()!r}),format=L.FORMAT_RAW,"
        "filters=[{'id':L.FILTER_LZMA2,'preset':9|L.PRESET_EXTREME}]))\n"
    )
    assert _decode(preset) == ([SOURCE], [])
    xz = base64.b85encode(lzma.compress(SOURCE.encode())).decode()
    compiled = (
        f"import lzma as L,base64 as B\nS=L.decompress(B.b85decode({xz!r})).decode()\n"
        "F=__file__+'.__decompressed__.py'\nexec(compile(S,F,'exec'))\n"
    )
    assert _decode(compiled) == ([SOURCE], [])
    bundler = (
        "def _install(name, source):\n    exec(compile(source, '<bundled ' + name + '>', 'exec'), {})\n\n"
        "_install('a', 'X = 1\\n')\n_install('b', 'Y = 2\\n')\n"
    )
    assert _decode(bundler) == (["X = 1\n", "Y = 2\n"], [])
    loop = (
        "import importlib\n\ndef load(m):\n    return importlib.import_module(m)\n\n"
        "for m in ('a.b', 'c'):\n    load(m)\n"
    )
    assert sorted(name for name, _ in scan_loaders(ast.parse(loop), loop).module_loads) == ["a.b", "c"]
    runner = (
        "import runpy\nfrom pathlib import Path\nROOT = Path(__file__).resolve().parent\n"
        'runpy.run_path(str(ROOT / "_pipeline.py"), run_name="__main__")\n'
    )
    assert scan_loaders(ast.parse(runner), runner).file_loads == [("_pipeline.py", 4)]
