"""Check-worthiness: how likely a sentence is a claim a fact-checker would check, and why.

Pure Python with no Django import. Two scorers live here: the rules (`rule_score`, weighted
signals such as "a percentage: 80%" minus penalties for headings, page furniture, questions,
imperatives and opinion) and a trained model applied from stored data (`LinearModel`: TF-IDF of
word and character n-grams plus the signals, weighted by a logistic regression). Training the
model needs scikit-learn and lives in `training`; applying it here needs nothing beyond the
standard library, so scoring at request time never imports scikit-learn. Reading labels and
storing models belongs in services; splitting text into sentences belongs in `text`.

Every function is linear in its input: sentences are tokenised once and signals are found by
walking the tokens or by regular expressions without nested repetition.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "SIGNAL_KINDS",
    "SUGGEST_THRESHOLD",
    "LinearModel",
    "Signal",
    "article_names",
    "char_ngrams",
    "covered_sentences",
    "rule_score",
    "signal_vector",
    "signals",
    "word_ngrams",
]

#: Default score at or above which a sentence is suggested as a claim (a project may change it).
SUGGEST_THRESHOLD = 0.5


@dataclass(frozen=True, slots=True)
class Signal:
    """One thing found in a sentence: its kind (a key of `_WEIGHTS` or a penalty) and phrase."""

    kind: str
    phrase: str

    @property
    def reason(self) -> str:
        """Return the readable reason, e.g. "a percentage: 80%"."""
        label = _LABELS[self.kind]
        return f"{label}: {self.phrase}" if self.phrase else label


# What each positive signal adds to the score. A plain declarative sentence starts at
# `_DECLARATIVE`; a name with it reaches the default threshold, so "Orsted cancelled Hornsea 4."
# is suggested while "The race is far from over." is not.
_WEIGHTS = {
    "percentage": 0.35,
    "money": 0.35,
    "quantity": 0.3,
    "number": 0.25,
    "date": 0.3,
    "change": 0.25,
    "comparison": 0.2,
    "attribution": 0.2,
    "organisation": 0.3,
    "person": 0.3,
    "place": 0.3,
    "name": 0.3,
    "declarative": 0.2,
}
# Penalties: a cap the score cannot exceed, or an amount subtracted.
_CAPS = {"furniture": 0.0, "heading": 0.15, "question": 0.15, "imperative": 0.15, "short": 0.15}
_SUBTRACT = {"opinion": 0.35, "advice": 0.35, "speculation": 0.15}
_LABELS = {
    "percentage": "a percentage",
    "money": "an amount of money",
    "quantity": "a quantity",
    "number": "a number",
    "date": "a date",
    "change": "a change",
    "comparison": "a comparison",
    "attribution": "attribution",
    "organisation": "a named organisation",
    "person": "a named person",
    "place": "a named place",
    "name": "a name",
    "declarative": "a complete statement",
    "furniture": "page furniture",
    "heading": "a heading",
    "question": "a question",
    "imperative": "an imperative",
    "short": "too short to check",
    "opinion": "opinion without a checkable fact",
    "advice": "advice",
    "speculation": "speculation",
}
#: Every signal kind in a fixed order: the trained model's signal features follow it.
SIGNAL_KINDS = tuple(_LABELS)
_HARD_FACTS = frozenset({"percentage", "money", "quantity", "number", "date"})
_NAME_KINDS = frozenset({"organisation", "person", "place", "name"})


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- Word lists -------------------------------------------------------------------------------

_MONTHS = _words(
    "January February March April May June July August September October November December"
)
_WEEKDAYS = _words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
_MONTH_ABBREVIATIONS = _words("Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec")
_RELATIVE_DATES = _words("yesterday today tonight")
_PERIODS = _words("year month week quarter decade century season summer winter spring autumn")
_PERIOD_LEADS = _words("last this next previous past")
_SCALES = _words(
    "hundred hundreds thousand thousands million millions billion billions trillion trillions"
    " dozen dozens bn m k"
)
_NUMBER_WORDS = _words(
    "two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty"
    " fifty sixty seventy eighty ninety hundred hundreds thousand thousands million millions"
    " billion billions trillion dozen dozens half third quarter fifth"
)
_CURRENCY_WORDS = _words(
    "dollars dollar euros euro pounds pound sterling yuan renminbi yen rupees rupee kroner krona"
    " kronor francs franc pesos peso rand roubles rubles won lira reais dirhams"
)
_CURRENCY_SIGNS = "$€£¥₹₩₽"
_PERCENT_WORDS = _words("percent percentage points")
_CHANGE = _words(
    """
    rose rise rises rising risen fell fall falls falling fallen surged surge surges surging
    soared soar soars jumped jump jumps climbed climb climbs dropped drop drops declined decline
    declines decreased decrease increased increase increases grew grow grows growing slumped
    slump plunged plunge slowed slows eased eases doubled tripled halved cut cuts raised raises
    overtook overtake overtakes overtaken blocked blocks banned bans barred halted cancelled
    canceled scrapped launched launches unveiled recovered expanded shrank shrunk narrowed
    widened gained gains lost won beat defeated fined jailed convicted sentenced elected
    resigned closed acquired merged reached hit founded discovered approved rejected passed
    killed died recorded posted reported detected published released delivered carried
    overtaking boosted lifted lowered dipped edged slid tumbled rallied rebounded quit
    restricted imposed suspended
    """
)
_COMPARISON_WORDS = _words(
    """
    more less fewer higher lower larger smaller bigger greater cheaper faster slower worse
    better record double twice triple highest lowest largest smallest biggest greatest worst
    best most least fastest slowest longest shortest oldest youngest newest first only
    """
)
# Words ending in "-est" that are not superlatives.
_NOT_SUPERLATIVES = _words(
    """
    interest west rest test latest guest forest protest nest harvest honest modest request
    suggest contest digest invest arrest manifest earnest chest quest vest pest jest lest crest
    zest priest conquest tempest behest midwest northwest southwest biggest best largest
    bucharest budapest everest
    """
)
_COMPARISON_PHRASES = (
    ("more", "than"), ("less", "than"), ("fewer", "than"), ("compared", "with"),
    ("compared", "to"), ("as", "many"), ("as", "much"), ("at", "least"), ("up", "to"),
    ("the", "most"), ("the", "first"), ("the", "only"), ("the", "last"), ("a", "record"),
)  # fmt: skip
_ATTRIBUTION = _words(
    """
    said says say told stated announced announces claimed claims reportedly reported reports
    estimated estimates estimate confirmed revealed warned insisted argued alleged allegedly
    admitted denied wrote tweeted found showed show shows concluded predicted forecasts
    forecast promised pledged apologised apologized urged called according testified argue argues
    """
)
_ORG_WORDS = _words(
    """
    Inc Ltd Corp Corporation Co Group Bank Ministry Department Agency University College
    Council Commission Party Union Association Institute Society Office Service Company
    Technologies Securities Court Organization Organisation Fund Board Authority Parliament
    Congress Senate House Committee Federation League Club Airlines Airways Energy Research
    Economics Journal Times Post News Network Foundation Trust Alliance Programme Program
    Administration Bureau Police Army Navy Reserve Exchange Motors Holdings Partners Capital
    Labs Systems Pharmaceuticals Health Telescope Project Station Market Markets Centre Center
    Hospital School Schools Lab Laboratory NHS List
    """
)
_TITLES = _words(
    """
    Mr Mrs Ms Mx Dr Prof Professor President Minister Senator Sen Rep Governor Gov Judge
    Justice Speaker Chancellor King Queen Prince Princess Pope Sir Dame Lord Lady General Gen
    Colonel Col Captain Capt Mayor Secretary Chairman Chairwoman Chair Chief Director Leader
    Dean Coach Manager Detective Inspector Officer Sergeant Sgt Bishop Archbishop Rabbi Imam
    Father Sister Brother
    """
)
_PLACE_LEADS = _words("in at from to near across outside inside into throughout off of")
# Words that start sentences (or are capitalised for other reasons) far more often than names.
_NOT_NAMES = _words(
    """
    a after all also an and as at before but by during for from he her his however i if in it
    its many meanwhile most my no one our she since so some still that the their then there
    these they this those to we what when where which while who why yet you your us them him
    each every both either neither not nor only even just now here today tomorrow yesterday
    with without about above below under over between among through again once more less
    other another such much any few several another last next first second third new old
    how is are was were be been has have had do does did will would can could should may
    might must shall let lets please read share follow sign subscribe watch listen get
    click try book check contact speak talk ask make take find see join download imagine
    consider remember visit call send tell keep stop avoid don't doesn't isn't aren't
    mr mrs ms dr prof st monday tuesday wednesday thursday friday saturday sunday ok
    """
)
_COMMON_ACRONYMS = _words("AI CEO CFO COO GDP TV PM AM ET GMT BST UTC OK ID PC FAQ CPI")
_IMPERATIVE_VERBS = _words(
    """
    click sign subscribe share follow read watch listen get try book check contact speak talk
    ask let make take find see join download imagine consider remember visit call send tell
    keep stop avoid don't do please learn discover explore register log enter vote donate
    support buy order save print copy email tap swipe scroll continue go look think
    """
)
_FOLLOWING_VERBS = (
    _words(
        """
    is are was were has have had will would can could said says told announced added reported
    plans planned wants wanted expects expected became becomes remains remained makes made
    employs owns operates runs sells sold bought uses used says
    """
    )
    | _CHANGE
)
_OPINION_WORDS = _words(
    """
    must should ought deserve deserves deserved hope hoping hopeful welcome matters alarming
    exciting heartbreaking beautiful brutal dull dullest incredible incredibly fierce
    frustrating enormous simply amazing wonderful terrible awful disgrace disgraceful shameful
    unacceptable ambitious remarkable stunning extraordinary boring brilliant fantastic
    outrageous ridiculous sad shocking corrodes betrayal fascinating lovely sunny
    """
)
_OPINION_PHRASES = (
    ("i", "think"), ("i", "believe"), ("i", "feel"), ("we", "think"), ("we", "believe"),
    ("in", "my"), ("it", "is", "time"), ("what", "a"), ("remains", "to", "be", "seen"),
    ("no", "one"), ("far", "from"), ("let", "us"),
)  # fmt: skip
_ADVICE_WORDS = _words("you your you're yourself")
_SPECULATION = _words("could might may perhaps possibly maybe")

# Page furniture: lines a web page wraps around the article text.
_FURNITURE = re.compile(
    r"\b\d+\s*(?:-\s*)?min(?:ute)?s?\s+read\b|\bcomments?\b|\bloading\b|\bshare\s+(?:this|on|"
    r"article|story|via)\b|^\s*share\s*$|\bsubscribe\b|\bsign\s+up\b|\bnewsletter\b|"
    r"\bfollow\s+(?:us|all|our)\b|\bread\s+(?:more|next|also)\b|\brelated(?:\s+topics)?\s*:|"
    r"^\s*(?:updated|published|posted|last\s+modified)\b|\breporter\s*:|\bposted\s+by\b|"
    r"\blisten\s+to\s+this\b|\bcopy\s+link\b|^\s*(?:print|save|advertisement|email|tweet)\s*$|"
    r"\b\d+\s+(?:hours?|minutes?|mins?|days?|weeks?)\s+ago\b|\bimage\s+(?:source|caption)\b|"
    r"\bclick\s+here\b|\bcookies?\b|\ball\s+rights\s+reserved\b|\bcontact\s+our\s+newsroom\b|"
    r"\bwe\s+want\s+to\s+hear\s+from\s+you\b|\bcheck\s+back\b|"
    r"^\s*(?:photo|photograph|image|picture|credit|video|source)\s*:|\bgetty\s+images\b",
    re.IGNORECASE,
)
# Every furniture pattern contains one of these words: the pattern runs only when one is there.
_FURNITURE_HINTS = _words(
    """
    read comment comments loading share subscribe sign newsletter follow related updated
    published posted last reporter listen copy print save advertisement email tweet ago image
    click cookie cookies rights contact hear check photo photograph picture credit video
    source getty
    """
)
_BYLINE = re.compile(r"^\s*(?:by|from|words\s+by|written\s+by)\s+\w", re.IGNORECASE)
_TOKEN = re.compile(r"[$€£¥₹₩₽]?\d[\d,.:/-]*\d%?|[$€£¥₹₩₽]?\d%?|\w(?:[\w’'&-]*\w)?|[%,;:()\"“”]")
_YEAR = re.compile(r"(?:1[5-9]|20)\d\ds?")
_NUMERIC_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}")
_FINAL = ".!?…。！？\"”’')»"
_FINAL_TUPLE = tuple(_FINAL)
_FURNITURE_WORDS = 14
_MAX_TOKENS = 400  # a "sentence" longer than this is scored on its first 400 tokens


def _is_capitalised(token: str) -> bool:
    return token[:1].isupper() and len(token) > 1 and not token.isupper()


def _is_acronym(token: str) -> bool:
    return (
        len(token) > 1
        and token[0].isupper()
        and token.isupper()
        and token.replace("&", "").replace("-", "").isalnum()
        and token not in _COMMON_ACRONYMS
    )


def article_names(text: str) -> frozenset[str]:
    """Return the capitalised words that recur in `text` as names (never in lower case).

    A sentence-initial capital says nothing by itself; a word written with a capital at least
    twice and never in lower case ("Cambricon", "Orsted") is a name wherever it stands."""
    capitalised: Counter[str] = Counter()
    lower: set[str] = set()
    for match in re.finditer(r"\w[\w’'-]*", text):
        word = match.group(0)
        if word[:1].isupper():
            capitalised[word] += 1
        else:
            lower.add(word)
    return frozenset(
        word
        for word, count in capitalised.items()
        if count >= 2
        and word.lower() not in lower
        and word.lower() not in _NOT_NAMES
        and not word.isupper()
        and word not in _MONTHS
        and word not in _WEEKDAYS
    )


def signals(sentence: str, names: frozenset[str] = frozenset()) -> list[Signal]:
    """Return the signals found in `sentence`, positive ones first, each kind at most once.

    `names` are the article's recurring names (`article_names`): a sentence-initial word in it
    counts as a name, as does one followed by a verb ("Ryanair said ...")."""
    tokens = [match.group(0) for match in _TOKEN.finditer(sentence, 0, 20_000)][:_MAX_TOKENS]
    lowered = [token.lower() for token in tokens]
    vocabulary = set(lowered)
    found: dict[str, str] = {}

    def add(kind: str, phrase: str) -> None:
        found.setdefault(kind, phrase)

    words = [t for t in tokens if t[:1].isalnum() or t[:1] in _CURRENCY_SIGNS]
    stripped = sentence.strip()
    # --- penalties that describe the whole line
    ends_properly = stripped.endswith(_FINAL_TUPLE)
    # Furniture is a short line; looking only there keeps the costly pattern off prose.
    short_line = len(words) <= _FURNITURE_WORDS or not ends_properly
    maybe_furniture = short_line and not vocabulary.isdisjoint(_FURNITURE_HINTS)
    if (maybe_furniture and _FURNITURE.search(stripped[:300])) or (
        _BYLINE.match(stripped) and len(words) <= 8
    ):
        add("furniture", " ".join(stripped.split())[:60])
    if stripped.rstrip("\"”’')»").endswith(("?", "？", "؟")):
        add("question", "")
    elif not ends_properly and words:
        add("heading", "no final punctuation")
    elif words and len(words) >= 3:
        capitalised = sum(1 for w in words if w[:1].isupper())
        if capitalised * 4 >= len(words) * 3 and len(words) <= 12:
            add("heading", "title case")
    if len(words) < 4:
        add("short", "")
    if words and words[0].lower() in _IMPERATIVE_VERBS:
        second = lowered[1] if len(lowered) > 1 else ""
        if second not in _FOLLOWING_VERBS and second not in {"'s", "’s"}:
            add("imperative", words[0])
    # --- numbers, money, dates
    _numeric_signals(tokens, lowered, add)
    # --- change, comparison, attribution
    for token in lowered:
        if token in _CHANGE:
            add("change", token)
            break
    _comparison_signal(lowered, add)
    for index, word in enumerate(lowered):
        if word in _ATTRIBUTION:
            if word == "according":
                if index + 1 < len(lowered) and lowered[index + 1] == "to":
                    add("attribution", "according to")
                    break
                continue
            add("attribution", word)
            break
    if "people" in vocabulary and "familiar" in vocabulary:
        add("attribution", "people familiar with the matter")
    # --- names
    _name_signal(tokens, lowered, names, add)
    # --- opinion, advice, speculation
    hard_fact = any(kind in found for kind in _HARD_FACTS) or "attribution" in found
    if not hard_fact:
        opinion = next((t for t in lowered if t in _OPINION_WORDS), None)
        if opinion is None:
            opinion = _phrase_in(lowered, _OPINION_STARTS)
        if opinion is not None:
            add("opinion", opinion)
        if (advice := next((t for t in lowered if t in _ADVICE_WORDS), None)) is not None:
            add("advice", advice)
        if (maybe := next((t for t in lowered if t in _SPECULATION), None)) is not None:
            add("speculation", maybe)
    if ends_properly and len(words) >= 5 and "question" not in found:
        add("declarative", "")
    return [Signal(kind, found[kind]) for kind in sorted(found, key=_ORDER.__getitem__)]


def _by_first_word(phrases: Iterable[tuple[str, ...]]) -> dict[str, list[tuple[str, ...]]]:
    starts: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        starts.setdefault(phrase[0], []).append(phrase)
    return starts


def _phrase_in(lowered: Sequence[str], starts: dict[str, list[tuple[str, ...]]]) -> str | None:
    """Return the first phrase of `starts` (`_by_first_word` of word tuples) in `lowered`."""
    for index, token in enumerate(lowered):
        for phrase in starts.get(token, ()):
            if tuple(lowered[index : index + len(phrase)]) == phrase:
                return " ".join(phrase)
    return None


def _numeric_signals(tokens: Sequence[str], lowered: Sequence[str], add) -> None:
    """Add percentage, money, quantity, number and date signals found in the tokens."""
    count = len(tokens)
    for index, token in enumerate(tokens):
        following = lowered[index + 1] if index + 1 < count else ""
        previous = lowered[index - 1] if index else ""
        if token[:1].isdigit() or (token[:1] in _CURRENCY_SIGNS and token[1:2].isdigit()):
            bare = token.lstrip(_CURRENCY_SIGNS)
            after_scale = lowered[index + 2] if index + 2 < count else ""
            if token[:1] in _CURRENCY_SIGNS or following in _CURRENCY_WORDS:
                scale = tokens[index + 1] if following in _SCALES else ""
                add("money", f"{token} {scale}".strip())
            elif following in _SCALES and after_scale in _CURRENCY_WORDS:
                add("money", f"{token} {tokens[index + 1]} {tokens[index + 2]}")
            elif (
                bare.endswith("%")
                or following in _PERCENT_WORDS
                or (following == "per" and index + 2 < count and lowered[index + 2] == "cent")
            ):
                add("percentage", bare if bare.endswith("%") else f"{bare} {following}")
            elif _YEAR.fullmatch(bare) or _NUMERIC_DATE.fullmatch(bare):
                add("date", bare)
            elif previous in _MONTHS_LOWER or following in _MONTHS_LOWER:
                month = tokens[index - 1] if previous in _MONTHS_LOWER else tokens[index + 1]
                add("date", f"{month} {bare}" if previous in _MONTHS_LOWER else f"{bare} {month}")
            elif following in _SCALES or (following.isalpha() and following not in _NOT_UNITS):
                add("quantity", f"{bare} {tokens[index + 1]}")
            else:
                add("number", bare)
        elif token in _MONTHS and (token not in {"May"} or index == 0 or previous in _DATE_LEADS):
            add("date", f"{token} {following}" if following.isdigit() else token)
        elif token in _WEEKDAYS or (token in _MONTH_ABBREVIATIONS and following[:1].isdigit()):
            add("date", token)
        elif lowered[index] in _RELATIVE_DATES:
            add("date", lowered[index])
        elif lowered[index] in _PERIOD_LEADS and following in _PERIODS:
            add("date", f"{lowered[index]} {following}")
        elif lowered[index] in _FRACTIONS and following == "of":
            add("quantity", f"{lowered[index]} of")
        elif (
            lowered[index] in _NUMBER_WORDS
            and following not in _NOT_UNITS
            and not previous[:1].isdigit()
        ):
            if lowered[index] in _SCALES and previous in _NUMBER_WORDS:
                add("quantity", f"{previous} {lowered[index]}")
            elif following.isalpha() or lowered[index] in _SCALES:
                add("quantity", f"{lowered[index]} {following}".strip())


_ORDER = {kind: position for position, kind in enumerate(SIGNAL_KINDS)}
_OPINION_STARTS = _by_first_word(_OPINION_PHRASES)
_COMPARISON_STARTS = _by_first_word(_COMPARISON_PHRASES)
_FRACTIONS = _words("half third quarter fifth tenth")
_MONTHS_LOWER = frozenset(month.lower() for month in _MONTHS)
_DATE_LEADS = _words("in on since until by from last this next early late mid of")
_NOT_UNITS = _words("of and or to the a an in on at by for with as is was")


def _comparison_signal(lowered: Sequence[str], add) -> None:
    """Add a comparison or superlative ("more than", "the highest", "a record")."""
    if (phrase := _phrase_in(lowered, _COMPARISON_STARTS)) is not None:
        add("comparison", phrase)
        return
    for token in lowered:
        if token in _COMPARISON_WORDS and token not in {"more", "less", "first", "only", "most"}:
            add("comparison", token)
            return
        superlative = len(token) > 5 and token.endswith("est") and token.isalpha()
        if superlative and token not in _NOT_SUPERLATIVES:
            add("comparison", token)
            return


def _name_signal(tokens: Sequence[str], lowered: Sequence[str], names, add) -> None:
    """Add the first named organisation, person, place or other name in the tokens."""
    count = len(tokens)
    index = 0
    while index < count:
        token = tokens[index]
        if _is_acronym(token):
            add("organisation", token)
            return
        if not _is_capitalised(token):
            index += 1
            continue
        end = index + 1
        while end < count and (
            _is_capitalised(tokens[end])
            or _is_acronym(tokens[end])
            or (
                lowered[end] in {"of", "for", "the", "and", "de", "van", "von", "al"}
                and end + 1 < count
                and _is_capitalised(tokens[end + 1])
            )
        ):
            end += 1
        run = list(tokens[index:end])
        at_start = index == 0 or tokens[index - 1] in {'"', "“", ":", "("}
        previous = lowered[index - 1] if index else ""
        following = lowered[end] if end < count else ""
        # Drop sentence-initial function words, titles and calendar words from the run.
        title = None
        while run and (run[0].lower() in _NOT_NAMES or run[0] in _TITLES):
            if run[0] in _TITLES:
                title = run[0]
            run = run[1:]
        run = [w for w in run if w not in _MONTHS and w not in _WEEKDAYS]
        possessive = bool(run) and run[-1].endswith(("'s", "’s"))
        if possessive:
            run[-1] = run[-1][:-2]  # "Kenya's parliament": a name, without the "'s"
        if run and at_start and len(run) == 1 and len(tokens[index:end]) == 1 and not possessive:
            # A lone capitalised first word is a name only if the article says so.
            # "Ryanair said" is a name; "Economists are" (a plural noun) is not.
            plural = run[0].endswith("s") and not run[0].endswith("ss")
            if run[0] not in names and (following not in _FOLLOWING_VERBS or plural):
                run = []
        if run:
            name = " ".join(run)
            if title is not None or (previous in _TITLES_LOWER):
                add("person", name)
            elif any(w in _ORG_WORDS for w in run) or following in {"shares", "inc", "ltd"}:
                add("organisation", name)
            elif previous in _PLACE_LEADS and len(run) <= 3:
                add("place", name)
            else:
                add("name", name)
            return
        index = end


_TITLES_LOWER = frozenset(title.lower() for title in _TITLES)


def rule_score(found: Sequence[Signal]) -> float:
    """Return the rules' score in [0, 1] for the signals of one sentence."""
    kinds = {signal.kind for signal in found}
    score = sum(_WEIGHTS[kind] for kind in kinds if kind in _WEIGHTS)
    # A second kind of name in a sentence adds little: one name is what makes it checkable.
    names = kinds & _NAME_KINDS
    score -= _WEIGHTS["name"] * max(0, len(names) - 1)
    score -= sum(_SUBTRACT[kind] for kind in kinds if kind in _SUBTRACT)
    for kind, cap in _CAPS.items():
        if kind in kinds:
            score = min(score, cap)
    return round(min(max(score, 0.0), 1.0), 2)


#: Share of a sentence that claims must cover for it to count as marked: the suggestion leaves
#: the list and the sentence is a positive training label. Less than half, because reviewers
#: often mark the checkable clause of a sentence and leave its attribution out.
COVERED_SHARE = 0.4


def covered_sentences(
    sentences: Sequence[tuple[int, int]], claims: Iterable[tuple[int, int]]
) -> set[int]:
    """Return the positions in `sentences` (ordered, non-overlapping (start, end) spans) that
    claims cover by at least `COVERED_SHARE` of their length. Claims may overlap each other;
    time is O(s + c log c)."""
    merged: list[list[int]] = []
    for start, end in sorted(claims):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    covered: set[int] = set()
    first = 0
    for position, (start, end) in enumerate(sentences):
        while first < len(merged) and merged[first][1] <= start:
            first += 1
        overlap = 0
        index = first
        while index < len(merged) and merged[index][0] < end:
            overlap += min(end, merged[index][1]) - max(start, merged[index][0])
            index += 1
        if end > start and overlap >= COVERED_SHARE * (end - start):
            covered.add(position)
    return covered


def signal_vector(found: Sequence[Signal]) -> list[float]:
    """Return the signals as features for the trained model: one 0/1 per `SIGNAL_KINDS`."""
    kinds = {signal.kind for signal in found}
    return [1.0 if kind in kinds else 0.0 for kind in SIGNAL_KINDS]


# --- Features for the trained model -------------------------------------------------------------

_WORD_NGRAM = re.compile(r"\w\w+")
_DIGITS = re.compile(r"\d")


def word_ngrams(sentence: str) -> list[str]:
    """Return the word unigrams and bigrams of `sentence` (lower case, digits as 0)."""
    words = _WORD_NGRAM.findall(_DIGITS.sub("0", sentence.lower()[:5_000]))
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def char_ngrams(sentence: str) -> list[str]:
    """Return the character 3- to 5-grams of each word of `sentence`, padded with spaces."""
    grams: list[str] = []
    for word in _DIGITS.sub("0", sentence.lower()[:5_000]).split():
        padded = f" {word[:30]} "
        for size in (3, 4, 5):
            grams.extend(padded[i : i + size] for i in range(max(1, len(padded) - size + 1)))
    return grams


@dataclass(frozen=True)
class LinearModel:
    """A trained check-worthiness model as plain data: apply it with `probability`.

    `word` and `char` map each n-gram to (column, idf); their TF-IDF vectors (sublinear term
    frequency, L2-normalised, as scikit-learn's TfidfVectorizer computes them) are followed by
    the signal features, then weighted by `coefficients` plus `intercept` (a logistic
    regression). Built from `as_data()` output by `from_data`, so it is stored as JSON.
    """

    word: Mapping[str, tuple[int, float]]
    char: Mapping[str, tuple[int, float]]
    coefficients: Sequence[float]
    intercept: float

    @classmethod
    def from_data(cls, data: Mapping) -> LinearModel:
        """Build a model from its stored JSON form; raise ValueError if it is malformed."""
        try:
            word = {term: (int(col), float(idf)) for term, (col, idf) in data["word"].items()}
            char = {term: (int(col), float(idf)) for term, (col, idf) in data["char"].items()}
            coefficients = [float(value) for value in data["coefficients"]]
            intercept = float(data["intercept"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"stored check-worthiness model is malformed: {exc}") from None
        if len(coefficients) != len(word) + len(char) + len(SIGNAL_KINDS):
            raise ValueError("stored check-worthiness model has the wrong number of weights")
        return cls(word, char, coefficients, intercept)

    def as_data(self) -> dict:
        """Return the model as JSON-ready data."""
        return {
            "word": {term: list(value) for term, value in self.word.items()},
            "char": {term: list(value) for term, value in self.char.items()},
            "coefficients": list(self.coefficients),
            "intercept": self.intercept,
        }

    def probability(self, sentence: str, found: Sequence[Signal]) -> float:
        """Return the model's probability that `sentence` is check-worthy."""
        total = self.intercept
        for vocabulary, grams in (
            (self.word, word_ngrams(sentence)),
            (self.char, char_ngrams(sentence)),
        ):
            weights: dict[int, float] = {}
            for gram, count in Counter(grams).items():
                if (entry := vocabulary.get(gram)) is not None:
                    column, idf = entry
                    weights[column] = (1.0 + math.log(count)) * idf
            norm = math.sqrt(sum(value * value for value in weights.values()))
            if norm:
                total += (
                    sum(self.coefficients[col] * value for col, value in weights.items()) / norm
                )
        offset = len(self.word) + len(self.char)
        for position, value in enumerate(signal_vector(found)):
            total += self.coefficients[offset + position] * value
        if total < -500:
            return 0.0
        return 1.0 / (1.0 + math.exp(-total))
