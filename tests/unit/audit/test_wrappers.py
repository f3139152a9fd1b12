"""Self-extracting wrappers decoded statically, with caps; nothing is executed."""

from __future__ import annotations

import ast
import base64
import lzma
import zlib

import brotli

from pgolf.audit.fixture_scripts import lzma_wrapped
from pgolf.audit.wrappers import MAX_DECODED_BYTES, scan_wrappers

SOURCE = "def payload():\n    return 42\n"


def _decode(wrapper: str) -> tuple[list[str], list[str]]:
    scan = scan_wrappers(ast.parse(wrapper))
    return [p.text for p in scan.payloads], [why for _, why in scan.failures]


def test_raw_lzma2_base85() -> None:
    texts, failures = _decode(lzma_wrapped(SOURCE, raw=True))
    assert texts == [SOURCE] and not failures


def test_xz_base85_and_description() -> None:
    scan = scan_wrappers(ast.parse(lzma_wrapped(SOURCE, raw=False)))
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


def test_unknown_codec_with_a_long_literal_is_flagged() -> None:
    wrapper = 'import zstandard as Z, base64 as B\nexec(Z.decompress(B.b85decode("' + "0" * 400 + '")))\n'
    texts, failures = _decode(wrapper)
    assert not texts and failures == ["the exec() argument is not a literal decoding chain"]


def test_ordinary_exec_is_not_a_wrapper() -> None:
    assert _decode('exec(open("helper.py").read())\nexec("x = 1")\n') == ([], [])
