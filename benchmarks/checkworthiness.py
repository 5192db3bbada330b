"""Check-worthiness on the labelled evaluation set: rules alone and the trained model.

Run: .venv/bin/python benchmarks/checkworthiness.py
Reads tests/data/checkworthiness/ (17 articles, every sentence labelled) and prints precision,
recall and F1 of the suggested set (score >= the default threshold) for the rules alone and
for the trained model under leave-one-article-out (trained on the other articles, applied
from its stored data with LinearModel.probability, as the app does). Then the same
for tests/data/checkworthiness-heldout/ (3 articles written after the rules and never used to
tune them): the rules alone, and the model trained on all 17 articles.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotations import checkworthiness as cw
from annotations import evaluation, text, training


def examples_of(article: evaluation.LabelledArticle) -> list[training.Example]:
    names = cw.article_names(article.text)
    spans = text.split_sentences(article.text)
    assert [article.text[s.start : s.end] for s in spans] == list(article.sentences)
    return [
        training.Example(sentence, tuple(cw.signals(sentence, names)), label)
        for sentence, label in zip(article.sentences, article.labels, strict=True)
    ]


def main() -> None:
    articles = evaluation.load_set()
    per_article = [examples_of(article) for article in articles]
    actual = [example.label for examples in per_article for example in examples]
    threshold = cw.SUGGEST_THRESHOLD
    rules = [
        cw.rule_score(example.signals) >= threshold
        for examples in per_article
        for example in examples
    ]
    started = time.perf_counter()
    trained: list[bool] = []
    for held_out in range(len(per_article)):
        train = [e for i, examples in enumerate(per_article) if i != held_out for e in examples]
        model = training.fit(train)
        trained += [
            model.probability(e.text, e.signals) >= threshold for e in per_article[held_out]
        ]
    elapsed = time.perf_counter() - started
    positives = sum(actual)
    print(
        f"{len(articles)} articles, {len(actual)} sentences, {positives} check-worthy; "
        f"threshold {threshold}"
    )
    print(f"{'scorer':<36} {'precision':>9} {'recall':>7} {'F1':>6}")
    for name, predicted in (
        ("rules alone", rules),
        ("trained, leave-one-article-out", trained),
    ):
        precision, recall, f1 = evaluation.precision_recall_f1(predicted, actual)
        print(f"{name:<36} {precision:>9.3f} {recall:>7.3f} {f1:>6.3f}")
    print(f"({len(articles)} trainings in {elapsed:.1f} s)")

    # Held out: articles written after the rules were, never used to tune them.
    held_out = evaluation.load_set(evaluation.HELD_OUT_DIR)
    held_examples = [e for article in held_out for e in examples_of(article)]
    held_actual = [e.label for e in held_examples]
    model = training.fit([e for examples in per_article for e in examples])
    print(
        f"\nheld out: {len(held_out)} articles, {len(held_actual)} sentences, "
        f"{sum(held_actual)} check-worthy"
    )
    for name, predicted in (
        ("rules alone", [cw.rule_score(e.signals) >= threshold for e in held_examples]),
        (
            "trained on the 17 articles",
            [model.probability(e.text, e.signals) >= threshold for e in held_examples],
        ),
    ):
        precision, recall, f1 = evaluation.precision_recall_f1(predicted, held_actual)
        print(f"{name:<36} {precision:>9.3f} {recall:>7.3f} {f1:>6.3f}")


if __name__ == "__main__":
    main()
