"""Training the check-worthiness model with scikit-learn; the result is plain data.

`fit` turns labelled sentences into a `checkworthiness.LinearModel` (TF-IDF of word and
character n-grams plus the rule signals, weighted by a logistic regression) and
`cross_validate` measures how well that recipe does on the labels. scikit-learn is imported
only here and only when training runs: pages and the API apply the stored model with
`LinearModel.probability`, which needs nothing beyond the standard library. Reading labels
from the database and storing the model belong in `services.checkworthiness`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import checkworthiness as cw

#: Labels a project needs before its trained model replaces the rules, and of each class: with
#: fewer, five-fold cross-validation has folds with a handful of one class and the model's
#: scores swing with every new label.
MIN_LABELS = 40
MIN_PER_CLASS = 10
#: Inverse regularisation strength of the logistic regression (scikit-learn's C).
REGULARISATION = 4.0
_MAX_WORD_FEATURES = 20_000
_MAX_CHAR_FEATURES = 30_000


@dataclass(frozen=True)
class Example:
    """One labelled sentence: its text, its rule signals and whether it is check-worthy."""

    text: str
    signals: tuple[cw.Signal, ...]
    label: bool


@dataclass(frozen=True)
class Scores:
    """Cross-validated precision, recall and F1 of the suggested set at `threshold`."""

    precision: float
    recall: float
    f1: float
    folds: int
    threshold: float


def has_enough_labels(labels: Sequence[bool]) -> bool:
    """Return whether `labels` are enough to train and use a model (see `MIN_LABELS`)."""
    positives = sum(labels)
    return len(labels) >= MIN_LABELS and min(positives, len(labels) - positives) >= MIN_PER_CLASS


def _matrices(examples: Sequence[Example]):
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer

    word = TfidfVectorizer(
        analyzer=cw.word_ngrams, sublinear_tf=True, max_features=_MAX_WORD_FEATURES
    )
    char = TfidfVectorizer(
        analyzer=cw.char_ngrams, sublinear_tf=True, min_df=2, max_features=_MAX_CHAR_FEATURES
    )
    texts = [example.text for example in examples]
    signals = csr_matrix([cw.signal_vector(example.signals) for example in examples])
    matrix = hstack([word.fit_transform(texts), char.fit_transform(texts), signals]).tocsr()
    return word, char, matrix


def fit(examples: Sequence[Example]) -> cw.LinearModel:
    """Train on `examples` and return the model as data; raise ValueError with one class only."""
    from sklearn.linear_model import LogisticRegression

    labels = [example.label for example in examples]
    if len(set(labels)) < 2:
        raise ValueError("training needs both check-worthy and dismissed sentences")
    word, char, matrix = _matrices(examples)
    regression = LogisticRegression(C=REGULARISATION, max_iter=2_000)
    regression.fit(matrix, labels)
    offset = len(word.vocabulary_)
    return cw.LinearModel(
        word={
            term: (int(column), float(word.idf_[column]))
            for term, column in word.vocabulary_.items()
        },
        char={
            term: (offset + int(column), float(char.idf_[column]))
            for term, column in char.vocabulary_.items()
        },
        coefficients=[float(value) for value in regression.coef_[0]],
        intercept=float(regression.intercept_[0]),
    )


def cross_validate(
    examples: Sequence[Example], *, folds: int = 5, threshold: float = cw.SUGGEST_THRESHOLD
) -> Scores:
    """Return precision, recall and F1 of `fit` under stratified k-fold cross-validation.

    Each fold is fitted with `fit` and scored with `LinearModel.probability`, so the figures
    measure exactly what pages and the API will apply."""
    from sklearn.model_selection import StratifiedKFold

    labels = [example.label for example in examples]
    folds = max(2, min(folds, sum(labels), len(labels) - sum(labels)))
    predicted = [False] * len(examples)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for train, test in splitter.split(labels, labels):
        model = fit([examples[i] for i in train])
        for i in test:
            example = examples[i]
            predicted[i] = model.probability(example.text, example.signals) >= threshold
    precision, recall, f1 = _prf(predicted, labels)
    return Scores(precision, recall, f1, folds, threshold)


def _prf(predicted: Sequence[bool], actual: Sequence[bool]) -> tuple[float, float, float]:
    hits = sum(1 for p, a in zip(predicted, actual, strict=True) if p and a)
    precision = hits / sum(predicted) if sum(predicted) else 0.0
    recall = hits / sum(actual) if sum(actual) else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return round(precision, 3), round(recall, 3), round(f1, 3)
