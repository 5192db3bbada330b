"""The check-worthiness evaluation set: reading `tests/data/checkworthiness/` and scoring.

Each file is one article: `@key value` lines first (kind, furniture), then one sentence a line
prefixed with "+" (check-worthy: a factual statement about the world that could be true or
false) or "-" (not), blank lines between paragraphs. The article's text is its paragraphs with
the sentences of each joined by a space. Used by the benchmark and the tests; no Django import.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "checkworthiness"
#: Articles written after the rules were and never used to tune them.
HELD_OUT_DIR = DATA_DIR.with_name("checkworthiness-heldout")


@dataclass(frozen=True)
class LabelledArticle:
    """One article of the set: its text and its sentences with their labels, in order."""

    name: str
    kind: str
    text: str
    sentences: tuple[str, ...]
    labels: tuple[bool, ...]


def load_article(path: Path) -> LabelledArticle:
    """Read one labelled article; raise ValueError on a line that is not "+ ", "- " or "@"."""
    meta: dict[str, str] = {}
    paragraphs: list[list[str]] = [[]]
    sentences: list[str] = []
    labels: list[bool] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("@"):
            key, _, value = line[1:].partition(" ")
            meta[key] = value.strip()
        elif not line.strip():
            if paragraphs[-1]:
                paragraphs.append([])
        elif line[:2] in ("+ ", "- "):
            sentence = line[2:].strip()
            paragraphs[-1].append(sentence)
            sentences.append(sentence)
            labels.append(line[0] == "+")
        else:
            raise ValueError(f"{path.name}:{number}: a line must start with '+ ', '- ' or '@'")
    text = "\n\n".join(" ".join(paragraph) for paragraph in paragraphs if paragraph)
    return LabelledArticle(path.stem, meta.get("kind", ""), text, tuple(sentences), tuple(labels))


def load_set(directory: Path = DATA_DIR) -> list[LabelledArticle]:
    """Return every labelled article in `directory`, in file-name order."""
    return [load_article(path) for path in sorted(directory.glob("*.txt"))]


def precision_recall_f1(predicted: list[bool], actual: list[bool]) -> tuple[float, float, float]:
    """Return precision, recall and F1 of `predicted` against `actual` (0.0 where undefined)."""
    true_positive = sum(1 for p, a in zip(predicted, actual, strict=True) if p and a)
    predicted_positive = sum(predicted)
    actual_positive = sum(actual)
    precision = true_positive / predicted_positive if predicted_positive else 0.0
    recall = true_positive / actual_positive if actual_positive else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
