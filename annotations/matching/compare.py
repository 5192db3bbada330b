"""The pure half of claim matching (no Django, no database): read a claim's text into
`Features` — its quantities normalised ("4,000%" = "4000 percent" = "four thousand per cent",
"£350m" = "350 million pounds", "twofold" = "doubled"), its named actors and places, its
negation and its direction (rose/fell, overtook) — and `compare()` two claims: a rapidfuzz score
over a canonical form of their words, and the differences that make them different claims. A
pair that differs in any of these is never the same claim; it may still be related.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from .lexicon import (
    _ALIAS_PHRASES,
    ALIASES,
    COMMON_CAPITALS,
    COMMON_SUFFIXES,
    CURRENCY_SYMBOL,
    CURRENCY_WORD,
    DOWN,
    MULTIPLIERS,
    NEGATION,
    OVERTAKE,
    PERCENT,
    SCALES,
    SMALL,
    STOPWORDS,
    SYNONYMS,
    TOKEN,
    UP,
)

# A pair scoring at least this (0..1) with no difference is the same claim. Tuned on
# tests/data/matching (README "Claim matching"); override with FACTCHECK_MATCH_SAME_THRESHOLD.
SAME_THRESHOLD = 0.55
# Candidates scoring below this are not shown at all (neither same nor related).
RELATED_THRESHOLD = 0.3
SEMANTIC_WEIGHT = 0.35  # share of the score from the optional embedding re-ranker
MAX_QUERY_TERMS = 16


@dataclass(frozen=True)
class Quantity:
    """A number with its kind ("money", "percent", "times", "year", "count") and unit."""

    kind: str
    unit: str
    value: float

    def __str__(self) -> str:
        number = f"{self.value:,.6g}" if abs(self.value) < 1e6 else f"{self.value:,.0f}"
        return {
            "percent": f"{number}%",
            "times": f"×{number}",
            "money": f"{self.unit} {number}",
        }.get(self.kind, number)


@dataclass
class Features:
    """What `compare()` needs of one claim's text."""

    text: str
    canonical: str
    words: frozenset[str]
    quantities: list[Quantity] = field(default_factory=list)
    entities: dict[str, str] = field(default_factory=dict)  # folded key -> as written
    negated: bool = False
    direction: int = 0  # +1 up, -1 down, 0 none or mixed
    overtake: tuple[str, str] | None = None  # (winner, loser) for "A overtook B"


@dataclass
class Difference:
    kind: str  # number | entity | negation | direction
    ours: str
    theirs: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "ours": self.ours, "theirs": self.theirs}


@dataclass
class Comparison:
    score: float
    same: bool
    differences: list[Difference]


def _tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).replace("’", "'")
    text = re.sub(r"(\d)\s*-\s*fold\b", r"\1fold", text)
    text = re.sub(r"\b(\w+)-fold\b", r"\1fold", text)
    text = text.replace("-", " ")
    return TOKEN.findall(text)


def _fold(word: str) -> str:
    word = word.lower()
    if word.endswith("'s"):
        word = word[:-2]
    return ALIASES.get(word, word)


def _number(token: str) -> float | None:
    if not token[0].isdigit():
        return None
    if "," in token and re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", token):
        token = token.replace(",", "")
    token = token.replace(",", ".") if token.count(",") == 1 and "." not in token else token
    try:
        return float(token)
    except ValueError:
        return None


def _word_number(tokens: list[str], i: int) -> tuple[float | None, int]:
    """Read a run of number words at `i` ("four thousand", "twenty five"); return (value, end)."""
    total, current, j, seen = 0.0, 0.0, i, False
    while j < len(tokens):
        w = tokens[j].lower()
        if w in SMALL:
            current += SMALL[w]
        elif w == "a" and j + 1 < len(tokens) and tokens[j + 1].lower() in SCALES and not seen:
            current = 1
        elif w in ("hundred",) and seen:
            current = (current or 1) * 100
        elif w in ("thousand", "million", "billion", "trillion") and seen:
            total += (current or 1) * SCALES[w]
            current = 0
        elif w == "and" and seen and j + 1 < len(tokens) and tokens[j + 1].lower() in SMALL:
            pass
        else:
            break
        seen = seen or w != "a"
        j += 1
    if not seen:
        return None, i
    return total + current, j


def quantities(tokens: list[str]) -> tuple[list[Quantity], set[int]]:
    """Return the normalised quantities in `tokens`, and the token positions they used."""
    found: list[Quantity] = []
    used: set[int] = set()
    i = 0
    lower = [t.lower() for t in tokens]
    while i < len(tokens):
        word = lower[i]
        if word in MULTIPLIERS:
            found.append(Quantity("times", "x", MULTIPLIERS[word]))
            used.add(i)
            i += 1
            continue
        value = _number(tokens[i])
        end = i + 1
        if value is None:
            value, end = _word_number(tokens, i)
            if value is None:
                i += 1
                continue
            # "one" alone is as often a pronoun as a number.
            if (
                end == i + 1
                and word == "one"
                and not (end < len(tokens) and lower[end] in PERCENT | set(SCALES))
            ):
                i += 1
                continue
        start = i
        currency = ""
        if start > 0 and tokens[start - 1] in CURRENCY_SYMBOL:
            currency = CURRENCY_SYMBOL[tokens[start - 1]]
            used.add(start - 1)
        raw_digits = tokens[i] if tokens[i][0].isdigit() else ""
        scale = lower[end] if end < len(tokens) else ""
        # "100m" is a distance and "5k" a race unless money is meant ("£350m").
        if scale in SCALES and scale != "hundred" and (len(scale) > 1 or currency):
            value *= SCALES[lower[end]]
            end += 1
        kind, unit = "count", ""
        if end < len(tokens) and (
            lower[end] in ("%", "percent", "pc")
            or (lower[end] == "per" and end + 1 < len(tokens) and lower[end + 1] == "cent")
        ):
            kind, unit = "percent", "%"
            end += 2 if lower[end] == "per" else 1
            if end < len(tokens) and lower[end] in ("points", "point"):
                unit = "pt"
                end += 1
        elif end < len(tokens) and lower[end] in ("percentage",):
            kind, unit = "percent", "pt"
            end += 2 if end + 1 < len(tokens) and lower[end + 1].startswith("point") else 1
        elif end < len(tokens) and lower[end] == "times":
            kind, unit = "times", "x"
            end += 1
        elif currency or (end < len(tokens) and lower[end] in CURRENCY_WORD):
            if not currency:
                currency = CURRENCY_WORD[lower[end]]
                end += 1
            kind, unit = "money", currency
        elif (
            raw_digits
            and re.fullmatch(r"(1[89]|20|21)\d\d", raw_digits)
            and not (start > 0 and lower[start - 1] in ("than", "about", "some", "over"))
        ):
            kind, unit = "year", ""
        found.append(Quantity(kind, unit, round(value, 6)))
        used.update(range(start, end))
        i = end
    return found, used


def _is_entity(tokens: list[str], i: int, sentence_start: bool) -> bool:
    word = tokens[i]
    if not word[:1].isupper() or not word[:1].isalpha() or len(word) == 1:
        return False
    low = word.lower().removesuffix("'s")
    if low in COMMON_CAPITALS or low in UP or low in DOWN or low in NEGATION:
        return False
    if low in SMALL or low in SCALES or low in MULTIPLIERS:
        return False
    if not sentence_start:
        return True
    if (word.isupper() and len(word) > 1) or low in ALIASES or low in ALIASES.values():
        return True
    if word.endswith("'s"):
        return True
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    if nxt[:1].isupper() and nxt.lower() not in COMMON_CAPITALS:
        return True
    return not low.endswith(COMMON_SUFFIXES) and not low.endswith("s")


def _stem(word: str) -> str:
    if len(word) > 5 and word.endswith("ies"):
        return word[:-3] + "y"
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=4096)
def features(text: str) -> Features:
    """Read the claim `text` into the features `compare()` needs. Pure and cached."""
    text = text[:2000]  # a claim is a sentence or two; cap the work on pasted essays
    joined = " " + unicodedata.normalize("NFKC", text).lower().replace("’", "'") + " "
    for phrase in _ALIAS_PHRASES:
        joined = joined.replace(f" {phrase} ", f" {ALIASES[phrase].replace(' ', '_')} ")
    tokens = _tokens(text)
    lower = [t.lower() for t in tokens]
    found, used = quantities(tokens)
    entities: dict[str, str] = {}
    run: list[str] = []  # consecutive capitalised words are one name ("Boris Johnson")
    sentence_start = True
    for i, token in enumerate([*tokens, "."]):
        name_word = i < len(tokens) and i not in used and _is_entity(tokens, i, sentence_start)
        joins = (  # "Bank of England" is one name
            run
            and token.lower() == "of"
            and i + 1 < len(tokens)
            and _is_entity(tokens, i + 1, False)
        )
        if name_word or joins:
            run.append(token)
        elif run:
            key = " ".join(SYNONYMS.get(w, w) or w for w in map(_fold, run))
            entities.setdefault(key, " ".join(run))
            run = []
        sentence_start = token in (".", "!", "?", ":")
    # Multi-word aliases ("United States") fold to one key and drop their parts.
    for phrase in _ALIAS_PHRASES:
        if f" {ALIASES[phrase]} " in joined and phrase in entities:
            entities[ALIASES[phrase]] = entities.pop(phrase)
    negations = sum(1 for w in lower if w in NEGATION or w.endswith("n't"))
    ups = 0
    downs = 0
    for i, w in enumerate(lower):
        following = lower[i + 1] if i + 1 < len(lower) else ""
        if w in ("more", "less", "fewer", "up", "down", "over") and following in ("than", "to"):
            continue  # "more than 100", "up to 50": bounds, not movements
        if w == "went" and following not in ("up", "down"):
            continue
        if w in UP:
            ups += 1
        elif w in DOWN:
            downs += 1
    for q in found:
        if q.kind == "times":
            ups, downs = (ups + 1, downs) if q.value > 1 else (ups, downs + 1)
    direction = (ups > downs) - (downs > ups)
    if negations % 2:
        direction = -direction
    overtake = _overtake(tokens, lower, entities)
    words = []
    for i, w in enumerate(lower):
        if i in used or w in STOPWORDS or w in NEGATION:
            continue
        if w in UP or w in DOWN:
            continue  # direction is compared on its own; do not let rose/fell look alike
        w = SYNONYMS.get(w, _fold(w))
        if w:
            words.append(_stem(w))
    canonical_parts = sorted(words) + [f"q{q.kind}{q.unit}{q.value:g}" for q in found]
    if direction:
        canonical_parts.append("dirup" if direction > 0 else "dirdown")
    return Features(
        text=text,
        canonical=" ".join(canonical_parts),
        words=frozenset(words),
        quantities=found,
        entities=entities,
        negated=bool(negations % 2),
        direction=direction,
        overtake=overtake,
    )


def _overtake(tokens: list[str], lower: list[str], entities: dict[str, str]):
    """Return (winner, loser) of "A overtook B" / "B was overtaken by A", else None."""
    for i, w in enumerate(lower):
        if w not in OVERTAKE:
            continue
        parts = {part for key in entities for part in key.split()}
        before = [_fold(t) for t in tokens[:i] if _fold(t) in parts]
        after = [_fold(t) for t in tokens[i + 1 :] if _fold(t) in parts]
        if not before or not after:
            return None
        passive = (i + 1 < len(lower) and lower[i + 1] == "by") or w == "overtaken"
        first, second = before[-1], after[0]
        return (second, first) if passive else (first, second)
    return None


def _entity_in(key: str, other: Features) -> bool:
    """Return whether the name `key` (folded words) is mentioned in `other`: all its words, or
    a shorter form of it ("Johnson" for "Boris Johnson"). "Greater London" is not "Greater
    Manchester", and "European Central Bank" is not "Bank of England"."""
    if key in other.entities:
        return True
    words = [w for w in key.split() if w != "of"]
    parts = {part for name in other.entities for part in name.split()} | other.words
    if all(w in parts or _stem(w) in parts for w in words):
        return True
    # "Johnson" for "Boris Johnson": the other names a shorter form ending in the same word.
    return any(
        name.split()[-1] == words[-1] and set(name.split()) <= set(words) for name in other.entities
    )


def differences(ours: Features, theirs: Features) -> list[Difference]:
    """Name what makes two claims different claims: numbers, entities, negation, direction.

    A quantity counts when both claims state a quantity of that kind (money, percent, times,
    year, count) and the values differ: leaving a year out is a rewording, changing it is not.
    Named actors and places count when each claim names one the other does not mention.
    """
    found: list[Difference] = []
    for kind in ("money", "percent", "times", "year", "count"):
        a = [q for q in ours.quantities if q.kind == kind]
        b = [q for q in theirs.quantities if q.kind == kind]
        if not a or not b:
            continue
        a_keys = {(q.unit, q.value) for q in a}
        b_keys = {(q.unit, q.value) for q in b}
        if a_keys != b_keys and not (kind == "count" and (a_keys <= b_keys or b_keys <= a_keys)):
            only_a = [q for q in a if (q.unit, q.value) not in b_keys] or a
            only_b = [q for q in b if (q.unit, q.value) not in a_keys] or b
            found.append(
                Difference("number", ", ".join(map(str, only_a)), ", ".join(map(str, only_b)))
            )
    missing_a = [text for key, text in ours.entities.items() if not _entity_in(key, theirs)]
    missing_b = [text for key, text in theirs.entities.items() if not _entity_in(key, ours)]
    # A name on one side only is a detail one wording gives and the other leaves out ("the
    # US dollar", "Facebook's owner Meta"); a name in place of another is a different claim.
    if missing_a and missing_b:
        found.append(Difference("entity", ", ".join(missing_a), ", ".join(missing_b)))
    if ours.negated != theirs.negated:
        found.append(
            Difference(
                "negation",
                "negated" if ours.negated else "affirmed",
                "negated" if theirs.negated else "affirmed",
            )
        )
    if ours.direction and theirs.direction and ours.direction != theirs.direction:
        name = {1: "up", -1: "down"}
        found.append(Difference("direction", name[ours.direction], name[theirs.direction]))
    elif ours.overtake and theirs.overtake and ours.overtake != theirs.overtake:
        found.append(
            Difference(
                "direction",
                f"{ours.overtake[0]} ahead of {ours.overtake[1]}",
                f"{theirs.overtake[0]} ahead of {theirs.overtake[1]}",
            )
        )
    return found


def similarity(ours: Features, theirs: Features) -> float:
    """Return a 0..1 similarity of two claims' canonical forms (rapidfuzz)."""
    if not ours.canonical or not theirs.canonical:
        return 0.0
    sort = fuzz.token_sort_ratio(ours.canonical, theirs.canonical)
    tset = fuzz.token_set_ratio(ours.canonical, theirs.canonical)
    shared = len(ours.words & theirs.words)
    union = len(ours.words | theirs.words) or 1
    return round((0.35 * sort + 0.35 * tset) / 100 + 0.3 * shared / union, 4)


def compare(
    ours: str, theirs: str, *, threshold: float = SAME_THRESHOLD, semantic: float | None = None
) -> Comparison:
    """Compare two claim texts: their similarity, whether they are the same claim, and why not.

    `semantic` is the cosine similarity of the two texts' embeddings when the optional
    re-ranker is installed; it is blended into the score, never into the differences.
    """
    a, b = features(ours), features(theirs)
    found = differences(a, b)
    score = similarity(a, b)
    if semantic is not None:
        score = round((1 - SEMANTIC_WEIGHT) * score + SEMANTIC_WEIGHT * max(semantic, 0.0), 4)
    return Comparison(score=score, same=score >= threshold and not found, differences=found)


@lru_cache(maxsize=1)
def _load_embedder():
    """Load wordllama's static embeddings from the weights inside its wheel (no download)."""
    try:
        import wordllama
        from wordllama import WordLlama
    except ImportError:
        return None
    from pathlib import Path

    folder = Path(wordllama.__file__).parent
    try:
        return WordLlama.load(
            config="l2_supercat", dim=256, disable_download=True, cache_dir=folder
        )
    except (FileNotFoundError, OSError, ValueError) as exc:  # a wheel without its weights
        import logging

        logging.getLogger(__name__).warning("Semantic re-ranker not loaded: %s", exc)
        return None


def embedder():
    """Return the optional semantic re-ranker (`pip install -e '.[semantic]'`), or None when it
    is not installed or FACTCHECK_MATCH_SEMANTIC is False."""
    from django.conf import settings

    if not getattr(settings, "FACTCHECK_MATCH_SEMANTIC", True):
        return None
    return _load_embedder()


def semantic_similarities(text: str, others: list[str]) -> list[float | None]:
    """Return the cosine similarity of `text` to each of `others` (None without the extra)."""
    model = embedder()
    if model is None or not others:
        return [None] * len(others)
    vectors = model.embed([text, *others], norm=True)
    return [float(v) for v in vectors[1:] @ vectors[0]]


def query_terms(text: str) -> list[str]:
    """Return the words to look up in the full-text index for `text`, rarest-looking first.

    Stopwords go; each word brings its folded synonym so a rewording finds its original.
    Terms are plain letters and digits (no index query syntax can be smuggled in).
    """
    terms: dict[str, None] = {}
    for token in _tokens(text[:2000]):
        low = token.lower().removesuffix("'s")
        if low in STOPWORDS or low in UP or low in DOWN or not re.fullmatch(r"[^\W_]+", low):
            continue  # direction words match half of all claims and are compared separately
        if low.isdigit() and len(low) < 2:
            continue
        terms[low] = None
        folded = SYNONYMS.get(low) or ALIASES.get(low)
        if folded and re.fullmatch(r"[^\W_]+", folded):
            terms[folded] = None
    ordered = sorted(terms, key=lambda t: -len(t) if not t.isdigit() else -20)
    return ordered[:MAX_QUERY_TERMS]


def same_threshold() -> float:
    from django.conf import settings

    return float(getattr(settings, "FACTCHECK_MATCH_SAME_THRESHOLD", SAME_THRESHOLD))
