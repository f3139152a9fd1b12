"""A deterministic English-like document generator (no downloads, no corpora).

Documents are built from sentence templates over small word classes, with a per-document topic
(a favoured subset of nouns and verbs) so that the text has the repeated structure a language
model can learn within a few dozen CPU steps. A few numbers and non-ASCII words are mixed in so
that tokenizers exercise digit splitting and byte fallback, as FineWeb text does.
"""

from __future__ import annotations

import random
from collections.abc import Iterator


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


NOUNS = _words(
    "house river mountain city garden window teacher student doctor farmer village market road bridge "
    "forest ocean island kitchen table chair letter story song picture machine engine computer phone "
    "library school museum station train ship boat horse bird fish tree flower stone castle king queen "
    "child family friend neighbor company office worker manager report project problem answer question "
    "idea plan system network server database language model budget price cost value season winter "
    "summer morning evening night weather storm rain cloud sky planet moon star light shadow door wall "
    "floor roof street corner park lake valley desert field harvest bread cheese coffee water fire "
    "history science music film book paper journal article chapter lesson method result"
)
VERBS = _words(
    "builds opens closes finds keeps sells buys reads writes paints carries follows watches visits "
    "repairs changes moves shows teaches learns remembers forgets explains describes measures counts "
    "collects shares protects crosses enters leaves reaches holds brings sends receives designs tests "
    "improves studies discovers publishes cleans cooks grows plants"
)
ADJECTIVES = _words(
    "old new small large quiet busy bright dark green blue red golden ancient modern simple careful "
    "strange famous gentle heavy light early late warm cold clever honest narrow wide deep high low "
    "useful empty crowded distant local public private"
)
ADVERBS = _words("quickly slowly carefully quietly often rarely always never suddenly gently finally again")
PREPOSITIONS = _words("near behind under over beside across through along inside outside around beyond")
NAMES = _words(
    "Alice Bob Clara David Elena Frank Grace Henry Irene James Karen Louis Maria Nora Oscar Paula "
    "Quentin Rosa Samuel Tina"
)
PLACES = _words("London Paris Berlin Madrid Rome Vienna Oslo Lisbon Dublin Prague")
RARE = ("café", "naïve", "résumé", "Zürich", "São Paulo", "Ångström", "façade", "jalapeño")
CONNECTIVES = ("Then", "Later", "Meanwhile", "However", "In the end", "After that", "Still")


class TextGenerator:
    """One seeded stream of documents; the same seed always yields the same documents."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def documents(self) -> Iterator[str]:
        while True:
            yield self.document()

    def document(self) -> str:
        rng = self._rng
        topic_nouns = rng.sample(NOUNS, 8)
        topic_verbs = rng.sample(VERBS, 5)
        sentences = []
        for index in range(rng.randint(2, 9)):
            sentence = self._sentence(topic_nouns, topic_verbs)
            if index and rng.random() < 0.25:
                sentence = f"{rng.choice(CONNECTIVES)}, {sentence[0].lower()}{sentence[1:]}"
            sentences.append(sentence)
        return " ".join(sentences)

    def _noun(self, topic: list[str]) -> str:
        rng = self._rng
        noun = rng.choice(topic) if rng.random() < 0.7 else rng.choice(NOUNS)
        if rng.random() < 0.4:
            noun = f"{rng.choice(ADJECTIVES)} {noun}"
        return f"{rng.choice(('the', 'the', 'a', 'every', 'one'))} {noun}"

    def _subject(self, topic: list[str]) -> str:
        return self._rng.choice(NAMES) if self._rng.random() < 0.3 else self._noun(topic)

    def _sentence(self, nouns: list[str], verbs: list[str]) -> str:
        rng = self._rng
        verb = rng.choice(verbs) if rng.random() < 0.6 else rng.choice(VERBS)
        words = [self._subject(nouns)]
        if rng.random() < 0.2:
            words.append(rng.choice(ADVERBS))
        words += [verb, self._noun(nouns)]
        roll = rng.random()
        if roll < 0.35:
            words += [rng.choice(PREPOSITIONS), self._noun(nouns)]
        elif roll < 0.5:
            words += ["in", rng.choice(PLACES)]
        elif roll < 0.6:
            words += ["in", str(rng.randint(1800, 2030))]
        elif roll < 0.65:
            words += ["for", f"{rng.randint(2, 999)} days"]
        if rng.random() < 0.02:
            words += ["at the", rng.choice(RARE)]
        text = " ".join(words)
        end = "?" if rng.random() < 0.08 else "."
        return f"{text[0].upper()}{text[1:]}{end}"
