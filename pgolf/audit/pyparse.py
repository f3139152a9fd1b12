"""Parse submission Python with the standard `ast` module, tolerating Python 3.12 f-strings on 3.11.

Frontier scripts use PEP 701 f-strings (a replacement field that reuses the enclosing quote, holds a
backslash or spans lines), which Python 3.11's parser rejects. When a parse fails on an older
interpreter, the f-strings that need 3.12 are rewritten into plain string literals that keep their
literal text (a `fineweb_val_*.bin` pattern inside an f-string still counts as a source) and their line
count, so every line number after them stays exact. Nothing is ever compiled or executed.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass

_PREFIX_CHARS = frozenset("rRbBuUfF")
_QUOTES = ("'''", '"""', "'", '"')


@dataclass(frozen=True)
class ParseResult:
    tree: ast.Module | None
    error: str | None = None
    error_line: int | None = None
    repaired: bool = False  # PEP 701 f-strings were rewritten to parse on this interpreter
    capped: bool = False  # not parsed (or too deep to parse): a size or nesting cap, not a syntax error


def parse_python(text: str, filename: str) -> ParseResult:
    """Parse `text`; a syntax error is returned, never raised (submissions are untrusted input)."""
    try:
        return ParseResult(tree=ast.parse(text, filename=filename))
    except SyntaxError as exc:
        first: SyntaxError = exc
    except ValueError as exc:  # NUL bytes
        return ParseResult(tree=None, error=f"{type(exc).__name__}: {exc}")
    except (RecursionError, MemoryError) as exc:  # absurd nesting: a cap, reported as such
        return ParseResult(tree=None, error=f"nested too deeply to parse ({type(exc).__name__})", capped=True)
    if sys.version_info < (3, 12):
        try:
            rewritten = rewrite_pep701_fstrings(text)
        except _ScanError:
            rewritten = None
        if rewritten is not None and rewritten != text:
            try:
                return ParseResult(tree=ast.parse(rewritten, filename=filename), repaired=True)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                pass
    return ParseResult(tree=None, error=f"SyntaxError: {first.msg}", error_line=first.lineno)


class _ScanError(Exception):
    """The text is not lexically valid Python even under PEP 701."""


def rewrite_pep701_fstrings(text: str) -> str:
    """Replace every f-string that needs Python 3.12 by a plain literal with the same line count."""
    return _Scanner(text).code(0, stop="")[1]


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)

    def code(self, pos: int, stop: str) -> tuple[int, str]:
        """Copy code from `pos` until an unbalanced character in `stop` at bracket depth 0."""
        out: list[str] = []
        depth = 0
        text = self.text
        i = pos
        while i < self.n:
            c = text[i]
            if depth == 0 and stop and c in stop and not self._is_operator_here(i, c):
                return i, "".join(out)
            if c == "#":
                end = text.find("\n", i)
                end = self.n if end < 0 else end
                out.append(text[i:end])
                i = end
            elif c in "([{":
                depth += 1
                out.append(c)
                i += 1
            elif c in ")]}":
                depth -= 1
                out.append(c)
                i += 1
            elif c in "'\"":
                i = self._string(i, "", out)
            elif c.isalpha() or c == "_" or ord(c) > 127:
                j = i
                while j < self.n and (text[j].isalnum() or text[j] == "_" or ord(text[j]) > 127):
                    j += 1
                word = text[i:j]
                if j < self.n and text[j] in "'\"" and len(word) <= 2 and set(word) <= _PREFIX_CHARS:
                    i = self._string(j, word, out)
                else:
                    out.append(word)
                    i = j
            else:
                out.append(c)
                i += 1
        if stop:
            raise _ScanError("unterminated replacement field")
        return i, "".join(out)

    def _is_operator_here(self, i: int, c: str) -> bool:
        """`!=`, `==`, `<=`, `>=` and `:=` are operators, not the end of a replacement field."""
        nxt = self.text[i + 1] if i + 1 < self.n else ""
        prev = self.text[i - 1] if i > 0 else ""
        if c == "!":
            return nxt == "="
        if c == "=":
            return nxt == "=" or prev in "=!<>"
        if c == ":":
            return nxt == "="
        return False

    def _string(self, quote_pos: int, prefix: str, out: list[str]) -> int:
        quote = next(q for q in _QUOTES if self.text.startswith(q, quote_pos))
        raw = "r" in prefix.lower()
        if "f" not in prefix.lower():
            end = self._plain_end(quote_pos + len(quote), quote, raw)
            out.append(prefix + self.text[quote_pos:end])
            return end
        start = quote_pos - len(prefix)
        end, literal, needs_312 = self._fstring(quote_pos + len(quote), quote, raw)
        original = self.text[start:end]
        if not needs_312:
            out.append(original)
            return end
        # A plain literal with the f-string's literal text; backslash-newlines keep the line count.
        out.append(repr(literal.replace("\n", " ")) + " \\\n''" * original.count("\n"))
        return end

    def _plain_end(self, i: int, quote: str, raw: bool) -> int:
        del raw  # a backslash escapes the quote for termination in raw strings too
        text = self.text
        while i < self.n:
            if text.startswith(quote, i):
                return i + len(quote)
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == "\n" and len(quote) == 1:
                raise _ScanError("unterminated string literal")
            i += 1
        raise _ScanError("unterminated string literal")

    def _fstring(self, i: int, quote: str, raw: bool) -> tuple[int, str, bool]:
        """Scan an f-string body: (end, literal text, whether it needs Python 3.12)."""
        text = self.text
        literal: list[str] = []
        needs_312 = False
        while i < self.n:
            if text.startswith(quote, i):
                return i + len(quote), "".join(literal), needs_312
            c = text[i]
            if c == "\\" and not raw:
                if text.startswith("\\N{", i):
                    close = text.find("}", i)
                    if close < 0:
                        raise _ScanError("unterminated \\N escape")
                    literal.append(text[i : close + 1])
                    i = close + 1
                    continue
                literal.append(text[i : i + 2])
                i += 2
                continue
            if text.startswith("{{", i) or text.startswith("}}", i):
                literal.append(c)
                i += 2
                continue
            if c == "{":
                i, field_needs = self._field(i + 1, quote, raw)
                needs_312 = needs_312 or field_needs
                continue
            literal.append(c)
            i += 1
        raise _ScanError("unterminated f-string")

    def _field(self, i: int, quote: str, raw: bool) -> tuple[int, bool]:
        """One `{expr[=][!c][:spec]}` replacement field; returns the position after `}`."""
        end, expr = self.code(i, stop="}!:=")
        needs = quote in expr or "\\" in expr or "#" in expr or ("\n" in expr and len(quote) == 1)
        text = self.text
        if end < self.n and text[end] == "=":
            end += 1
        if end < self.n and text[end] == "!":
            end += 2
        if end < self.n and text[end] == ":":
            end, spec_needs = self._spec(end + 1, quote, raw)
            needs = needs or spec_needs
        if end >= self.n or text[end] != "}":
            raise _ScanError("unterminated replacement field")
        return end + 1, needs

    def _spec(self, i: int, quote: str, raw: bool) -> tuple[int, bool]:
        needs = False
        text = self.text
        while i < self.n and text[i] != "}":
            if text[i] == "{":
                i, inner = self._field(i + 1, quote, raw)
                needs = needs or inner
            elif text.startswith(quote, i):
                raise _ScanError("unterminated format spec")
            else:
                i += 1
        return i, needs
