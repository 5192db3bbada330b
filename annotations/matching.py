"""Claim matching: what makes two claims the same claim, and finding earlier checked claims.

Two halves. The pure half (no Django) reads a claim's text into `Features` — its quantities
normalised ("4,000%" = "4000 percent" = "four thousand per cent", "£350m" = "350 million
pounds", "twofold" = "doubled"), its named actors and places, its negation and its direction
(rose/fell, overtook) — and `compare()` scores two claims with rapidfuzz over a canonical form
of their words and names the differences. A pair that differs in any of these is never the
same claim; it may still be related. The database half (`search`) takes candidates from the
database's own full-text index (SQLite FTS5 with bm25, PostgreSQL `tsvector` + GIN, both created
by migration 0004), restricted to claims with an approved verdict in the given projects, and
re-ranks them with `compare()`. Who may search which projects is the caller's business
(`selectors`); nothing here writes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

# A pair scoring at least this (0..1) with no difference is the same claim. Tuned on
# tests/data/matching (README "Claim matching"); override with FACTCHECK_MATCH_SAME_THRESHOLD.
SAME_THRESHOLD = 0.55
# Candidates scoring below this are not shown at all (neither same nor related).
RELATED_THRESHOLD = 0.3
SEMANTIC_WEIGHT = 0.35  # share of the score from the optional embedding re-ranker
CANDIDATE_POOL = 25  # rows read from the full-text index before re-ranking
MAX_QUERY_TERMS = 16
MIN_TERMS = 3  # rank by at least this many of the query's rarest words...
POSTINGS_BUDGET = 3000  # ...and by more only while their index postings stay within this

TOKEN = re.compile(
    r"[£$€]|[^\W\d_]+\d[^\W_]*|\d+(?:[.,]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)?|%|[.!?:]",
    re.UNICODE,
)

SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12,
}  # fmt: skip
SCALES = {
    "hundred": 100, "thousand": 1e3, "k": 1e3, "million": 1e6, "millions": 1e6, "m": 1e6,
    "mn": 1e6, "mln": 1e6, "billion": 1e9, "billions": 1e9, "bn": 1e9, "b": 1e9,
    "trillion": 1e12, "tn": 1e12, "trn": 1e12,
}  # fmt: skip
MULTIPLIERS = {
    "double": 2, "doubled": 2, "doubles": 2, "doubling": 2, "twofold": 2, "twice": 2,
    "triple": 3, "tripled": 3, "triples": 3, "tripling": 3, "threefold": 3, "trebled": 3,
    "treble": 3, "quadrupled": 4, "fourfold": 4, "quadruple": 4, "fivefold": 5,
    "tenfold": 10, "halved": 0.5, "halving": 0.5, "halves": 0.5,
}  # fmt: skip
PERCENT = {"%", "percent", "pc", "per"}  # "per" only before "cent"
CURRENCY_SYMBOL = {"£": "GBP", "$": "USD", "€": "EUR"}
CURRENCY_WORD = {
    "pound": "GBP", "pounds": "GBP", "sterling": "GBP", "dollar": "USD", "dollars": "USD",
    "euro": "EUR", "euros": "EUR",
}  # fmt: skip

UP = {
    "rise", "rises", "rose", "risen", "rising", "increase", "increased", "increases",
    "increasing", "grew", "grow", "grows", "grown", "growing", "climb", "climbed", "climbs",
    "jump", "jumped", "jumps", "soar", "soared", "soars", "surge", "surged", "surges", "gain",
    "gained", "higher", "up", "boost", "boosted", "spike", "spiked", "rocketed", "skyrocketed",
    "more", "expanded", "expand", "raise", "raised", "raises", "hike", "hiked", "went", "tops",
    "topped", "exceeded", "exceeds", "high", "highest",
}  # fmt: skip
DOWN = {
    "fall", "falls", "fell", "fallen", "falling", "drop", "dropped", "drops", "dropping",
    "decline", "declined", "declines", "declining", "decrease", "decreased", "decreases",
    "decreasing", "down", "cut", "cuts", "reduce", "reduced", "reduces", "shrank", "shrink",
    "shrunk", "shrinks", "plunge", "plunged", "plunges", "slump", "slumped", "lower", "fewer",
    "less", "lost", "slashed", "tumbled", "tumble", "dipped", "dip", "sank", "sunk", "slid",
    "eased", "lowered", "contracted", "contract", "low", "lowest",
}  # fmt: skip
NEGATION = {
    "not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot",
    "isn't", "aren't", "wasn't", "weren't", "doesn't", "don't", "didn't", "won't", "hasn't",
    "haven't", "hadn't", "can't", "couldn't", "shouldn't", "wouldn't", "denied", "denies",
    "deny", "false", "failed", "fails", "refused", "refuses",
}  # fmt: skip
OVERTAKE = {"overtook", "overtaken", "overtakes", "overtake", "surpassed", "surpasses",
            "outstripped", "outpaced", "beat", "beaten", "overtaking"}  # fmt: skip
# Names that mean the same country or body, folded to one key.
ALIASES = {
    "britain": "uk", "british": "uk", "u.k.": "uk", "united kingdom": "uk", "great britain": "uk",
    "america": "us", "american": "us", "americans": "us", "usa": "us", "u.s.": "us",
    "united states": "us", "european union": "eu", "national health service": "nhs",
    "united nations": "un", "french": "france", "german": "germany", "chinese": "china",
    "japanese": "japan", "indian": "india", "russian": "russia", "spanish": "spain",
    "italian": "italy", "scottish": "scotland", "welsh": "wales", "irish": "ireland",
    "canadian": "canada", "australian": "australia", "brazilian": "brazil",
    "mexican": "mexico", "english": "england", "ukrainian": "ukraine", "dutch": "netherlands",
    "polish": "poland", "swedish": "sweden", "greek": "greece", "turkish": "turkey",
    "nigerian": "nigeria", "kenyan": "kenya", "egyptian": "egypt", "israeli": "israel",
    "iranian": "iran", "korean": "korea", "londoners": "london", "tory": "conservative",
    "tories": "conservative", "conservatives": "conservative", "european": "europe",
    "europeans": "europe", "african": "africa", "asian": "asia", "finnish": "finland",
    "swiss": "switzerland", "norwegian": "norway", "danish": "denmark", "belgian": "belgium",
    "austrian": "austria", "portuguese": "portugal", "scots": "scotland", "britons": "uk",
    "brits": "uk", "pakistani": "pakistan", "palestinian": "palestine", "argentine": "argentina",
    "argentinian": "argentina", "chilean": "chile", "colombian": "colombia",
    "venezuelan": "venezuela", "vietnamese": "vietnam", "thai": "thailand",
    "indonesian": "indonesia", "filipino": "philippines", "saudi": "saudi arabia",
    "prime minister": "pm", "greens": "green party", "olympics": "olympic games",
    "londoner": "london", "parisian": "paris", "new yorkers": "new york",
}  # fmt: skip
_ALIAS_PHRASES = sorted((k for k in ALIASES if " " in k), key=len, reverse=True)
# Rewordings swap these freely; folding them lets the fuzzy score see the same claim.
SYNONYMS = {
    "jobless": "unemployment", "unemployed": "unemployment", "workless": "unemployment",
    "people": "person", "persons": "person", "individuals": "person", "residents": "person",
    "cost": "price", "costs": "price", "prices": "price", "pay": "wage", "wages": "wage",
    "salaries": "wage", "salary": "wage", "earnings": "wage", "kids": "child",
    "children": "child", "pupils": "child", "youngsters": "child", "car": "vehicle",
    "cars": "vehicle", "vehicles": "vehicle", "homes": "house", "houses": "house",
    "home": "house", "housing": "house", "doctors": "doctor", "gps": "doctor",
    "physicians": "doctor", "jobs": "job", "posts": "job", "roles": "job", "year": "year",
    "years": "year", "annual": "year", "annually": "year", "yearly": "year", "firms": "company",
    "companies": "company", "businesses": "company", "firm": "company", "business": "company",
    "government": "government", "ministers": "government", "state": "government",
    "deaths": "death", "died": "death", "dead": "death", "killed": "death", "fatalities": "death",
    "approximately": "about", "around": "about", "roughly": "about", "nearly": "about",
    "almost": "about", "some": "about", "over": "above", "than": "", "spending": "spend",
    "spent": "spend", "spends": "spend", "expenditure": "spend", "budget": "spend",
    "funding": "spend", "percentage": "percent",
}  # fmt: skip
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "by",
        "from",
        "with",
        "and",
        "or",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "that",
        "this",
        "these",
        "those",
        "it",
        "its",
        "their",
        "they",
        "there",
        "than",
        "then",
        "which",
        "who",
        "whom",
        "whose",
        "what",
        "when",
        "where",
        "while",
        "into",
        "onto",
        "about",
        "since",
        "last",
        "this",
        "next",
        "said",
        "says",
        "say",
        "according",
        "figures",
        "show",
        "shows",
        "showed",
        "data",
        "new",
        "report",
        "reports",
        "reported",
        "official",
        "officially",
        "now",
        "just",
        "only",
        "also",
        "will",
        "would",
        "could",
        "should",
        "may",
        "might",
        "can",
        "our",
        "we",
        "you",
        "he",
        "she",
        "his",
        "her",
        "them",
        "per",
        "cent",
    ]
)
# Capitalised words that begin sentences but name nobody.
COMMON_CAPITALS = frozenset(
    [
        "the",
        "a",
        "an",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "since",
        "after",
        "before",
        "during",
        "over",
        "under",
        "almost",
        "nearly",
        "about",
        "around",
        "only",
        "every",
        "each",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "there",
        "it",
        "this",
        "that",
        "these",
        "those",
        "last",
        "more",
        "most",
        "less",
        "fewer",
        "half",
        "some",
        "many",
        "few",
        "no",
        "not",
        "all",
        "just",
        "average",
        "new",
        "official",
        "officials",
        "figures",
        "data",
        "research",
        "researchers",
        "studies",
        "study",
        "report",
        "government",
        "ministers",
        "police",
        "crime",
        "prices",
        "inflation",
        "unemployment",
        "sales",
        "average",
        "record",
        "if",
        "while",
        "when",
        "although",
        "despite",
        "according",
        "according's",
        "i",
        "mr",
        "mrs",
        "ms",
        "dr",
        "sir",
    ]
)
COMMON_SUFFIXES = (
    "tion", "ment", "ness", "ity", "ing", "ers", "ies", "ance", "ence", "ism", "hood", "ship",
)  # fmt: skip


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


# --- The database half ------------------------------------------------------------------------


@dataclass
class Match:
    """An earlier claim with its approved verdict, scored against the text searched for."""

    claim: object  # models.Claim, with .article
    verdict: object  # models.Verdict, with .rating
    score: float
    same: bool
    differences: list[Difference]


def _selective_terms(cursor, vendor: str, terms: list[str]) -> list[str]:
    """Return the terms worth ranking by: the rarest ones, within a budget of index postings.

    Ranking cost grows with the rows that match any term, so words most claims contain ("year",
    "20") would make every lookup slow while adding little: keep terms rarest first until
    their postings pass POSTINGS_BUDGET, and at least MIN_TERMS of them. One query for all
    document frequencies.
    """
    if vendor == "sqlite":
        one = "(SELECT count(*) FROM claim_fts WHERE claim_fts MATCH %s)"
        params = [f'"{t}"' for t in terms]
    else:
        one = "(SELECT count(*) FROM annotations_claim WHERE search_vector @@ plainto_tsquery('english', %s))"
        params = list(terms)
    cursor.execute("SELECT " + ", ".join([one] * len(terms)), params)
    frequency = dict(zip(terms, cursor.fetchone(), strict=True))
    chosen, postings = [], 0
    for term in sorted((t for t in terms if frequency[t]), key=frequency.__getitem__):
        if len(chosen) >= MIN_TERMS and postings + frequency[term] > POSTINGS_BUDGET:
            break
        chosen.append(term)
        postings += frequency[term]
    return chosen


def _candidates(
    text: str, *, project_ids: list[int], exclude: set[int], pool: int
) -> list[tuple[int, str, str]]:
    """Return up to `pool` (id, quote, statement) of claims with an approved verdict in
    `project_ids` that the full-text index finds for `text`, best first (two queries, three
    if the scope is narrow)."""
    from django.db import connection

    from .workflow import Status

    terms = query_terms(text)
    if not terms or not project_ids:
        return []
    if connection.vendor not in ("sqlite", "postgresql"):
        return _scan(terms, project_ids=project_ids, exclude=exclude, pool=pool)
    # Only integers are formatted into the SQL (int() below); text goes in as a parameter.
    scope = ",".join(str(int(p)) for p in project_ids)
    excluded = ",".join(str(int(c)) for c in exclude) or "0"
    where = (
        f"a.project_id IN ({scope}) AND c.id NOT IN ({excluded}) AND EXISTS (SELECT 1 FROM "  # noqa: S608
        "annotations_verdict v WHERE v.claim_id = c.id AND v.status = %s)"
    )
    with connection.cursor() as cursor:
        terms = _selective_terms(cursor, connection.vendor, terms)
        if not terms:
            return []
        if connection.vendor == "sqlite":
            match = " OR ".join(f'"{t}"' for t in terms)
            ranked = "SELECT rowid AS id, rank AS score FROM claim_fts WHERE claim_fts MATCH %s"
            order = "f.score"
        else:
            match = " | ".join(terms)
            ranked = (
                "SELECT id, -ts_rank_cd(search_vector, q) AS score FROM annotations_claim, "
                "to_tsquery('english', %s) q WHERE search_vector @@ q"
            )
            order = "f.score, f.id"
        # Rank in the index alone first (cheap), then keep what the caller may see. Should the
        # scope filter leave too few, rank again with the filter inside (exact, slower).
        head = pool * 5
        sql = (
            f"SELECT c.id, c.quote, c.statement FROM ({ranked} ORDER BY score LIMIT {int(head)}) f "  # noqa: S608
            "JOIN annotations_claim c ON c.id = f.id "
            f"JOIN annotations_article a ON a.id = c.article_id WHERE {where} "
            f"ORDER BY {order} LIMIT {int(pool)}"
        )
        cursor.execute(sql, [match, Status.APPROVED])
        rows = cursor.fetchall()
        if len(rows) < pool:
            cursor.execute(f"SELECT count(*) FROM ({ranked} LIMIT {int(head)}) f", [match])  # noqa: S608
            if cursor.fetchone()[0] >= head:
                cursor.execute(
                    sql.replace(f" LIMIT {int(head)}) f", ") f"), [match, Status.APPROVED]
                )
                rows = cursor.fetchall()
        return rows


def _scan(
    terms: list[str], *, project_ids: list[int], exclude: set[int], pool: int
) -> list[tuple[int, str, str]]:
    """Without an index (databases other than SQLite and PostgreSQL): scan for the longest
    words. Slow, but correct."""
    from django.db.models import Q

    from .models import Verdict

    condition = Q()
    for term in terms[:3]:
        condition |= Q(claim__quote__icontains=term) | Q(claim__statement__icontains=term)
    rows = (
        Verdict.objects.approved()
        .filter(condition, claim__article__project_id__in=project_ids)
        .exclude(claim_id__in=exclude)
        .values_list("claim_id", "claim__quote", "claim__statement")[:pool]
    )
    return list(rows)


def search(
    text: str,
    *,
    project_ids: list[int],
    exclude: set[int] | frozenset[int] = frozenset(),
    limit: int = 5,
    threshold: float | None = None,
    pool: int | None = None,
) -> list[Match]:
    """Return up to `limit` earlier claims with an approved verdict that match `text`, best
    first: candidates from the full-text index, re-ranked by `compare()`.

    Three queries whatever the result (four when a narrow scope needs an exact re-rank): the
    words' frequencies, the index lookup with the candidates' texts, then the approved
    verdicts, ratings and claims of the best `limit` only. `project_ids` must already be the
    projects the caller may read; `exclude` holds claim ids never to return (the claim
    itself, dismissed pairs).
    """
    from .models import Verdict
    from .workflow import Status

    threshold = same_threshold() if threshold is None else threshold
    pool = pool or CANDIDATE_POOL
    rows = _candidates(text, project_ids=project_ids, exclude=set(exclude), pool=pool)
    scored = []
    semantic = semantic_similarities(text, [statement or quote for _, quote, statement in rows])
    for rank, (claim_id, quote, statement) in enumerate(rows):
        result = compare(text, statement or quote, threshold=threshold, semantic=semantic[rank])
        if statement and not result.same:
            # The statement is the normalised claim; the quote may still be the closer wording.
            by_quote = compare(text, quote, threshold=threshold, semantic=semantic[rank])
            if by_quote.same or by_quote.score > result.score + 0.1:
                result = by_quote
        if result.score >= RELATED_THRESHOLD:
            scored.append((not result.same, -result.score, rank, claim_id, result))
    best = sorted(scored)[:limit]
    verdicts = {
        v.claim_id: v
        for v in Verdict.objects.filter(
            claim_id__in=[row[3] for row in best], status=Status.APPROVED
        )
        .select_related("rating", "claim")
        .defer("claim__prefix", "claim__suffix", "explanation")
        .order_by()  # the default ordering would join articles for nothing
    }
    matches = []
    for *_, claim_id, result in best:
        verdict = verdicts.get(claim_id)
        if verdict is None:  # its verdict was superseded or withdrawn a moment ago
            continue
        matches.append(Match(verdict.claim, verdict, result.score, result.same, result.differences))
    return matches[:limit]


def scope_for(user, project) -> list[int]:
    """Return the ids of the projects whose claims `user` may be shown for `project`: the
    project itself, plus every other project they are a member of if its setting says so."""
    from .models import Project

    if not project.match_across_projects:
        return [project.pk]
    others = Project.objects.visible_to(user).values_list("pk", flat=True)
    return sorted({project.pk, *others})


def decided_pairs(claim_id: int) -> dict[int, str]:
    """Return {other claim id: decision} of the pairs decided for `claim_id`, either way round."""
    from django.db.models import Q

    from .models import ClaimMatch

    rows = ClaimMatch.objects.filter(Q(claim_id=claim_id) | Q(matched_id=claim_id)).values_list(
        "claim_id", "matched_id", "decision"
    )
    return {(b if a == claim_id else a): decision for a, b, decision in rows}


def matches_for_claim(claim, *, user, limit: int = 5) -> tuple[list[Match], dict[int, str]]:
    """Return the earlier checked claims for a marked `claim` (never itself, never a dismissed
    pair) and the decisions taken so far. `claim.article.project` must be readable by `user`."""
    decided = decided_pairs(claim.pk)
    dismissed = {other for other, decision in decided.items() if decision == "dismissed"}
    found = search(
        claim.statement or claim.quote,
        project_ids=scope_for(user, claim.article.project),
        exclude={claim.pk, *dismissed},
        limit=limit,
    )
    return found, decided
