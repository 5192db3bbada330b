"""Check-worthiness suggestions: the list stays true (claims and "Not a claim" remove a
suggestion), the threshold is the project's, the API carries score/suggested/reasons, and a
project trains a model from its labels that is stored as data and applied without
scikit-learn."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from annotations import checkworthiness as cw
from annotations import evaluation, selectors, services, training
from annotations.models import CheckworthinessModel, SentenceDismissal
from annotations.services.checkworthiness import training_examples
from tests.factories import make_article

pytestmark = pytest.mark.django_db

TEXT = (
    "Cambricon shares fell 6% in Shanghai on Tuesday, the exchange said.\n\n"
    "It is an exciting time to be in the chip business.\n\n"
    "Nvidia was barred in April from selling its H20 chip in China."
)


@pytest.fixture(autouse=True)
def _fresh_caches():
    selectors.clear_sentence_caches()
    yield
    selectors.clear_sentence_caches()


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def sentences_of(user, article) -> list[dict]:
    response = api_for(user).get(f"/api/v1/articles/{article.pk}/")
    assert response.status_code == 200
    return response.json()["sentences"]


@pytest.fixture
def chips(project, reviewer):
    return make_article(project=project, creator=reviewer, title="Chips", text=TEXT)


# --- The API's sentences ----------------------------------------------------------------------


def test_each_sentence_carries_score_suggested_and_readable_reasons(reviewer, chips):
    first, opinion, third = sentences_of(reviewer, chips)
    assert first["suggested"] is True and first["dismissed"] is False
    assert first["score"] >= 0.5
    assert {"a percentage: 6%", "a change: fell", "attribution: said"} <= set(first["reasons"])
    assert opinion["suggested"] is False
    assert "opinion without a checkable fact: exciting" in opinion["reasons"]
    assert third["suggested"] is True


def test_a_claim_covering_most_of_a_sentence_removes_its_suggestion(reviewer, chips):
    """The reported bug: a claim that leaves out the attribution kept the suggestion listed."""
    services.mark_claim(
        article_id=chips.pk, user=reviewer, quote="Cambricon shares fell 6% in Shanghai on Tuesday"
    )
    first, _, third = sentences_of(reviewer, chips)
    assert first["suggested"] is False
    assert third["suggested"] is True


def test_a_short_claim_inside_a_long_sentence_leaves_it_suggested(reviewer, chips):
    services.mark_claim(article_id=chips.pk, user=reviewer, quote="fell 6%")
    assert sentences_of(reviewer, chips)[0]["suggested"] is True


def test_the_threshold_is_the_projects_and_is_not_cached_with_the_sentences(
    project, reviewer, project_admin, chips
):
    assert sentences_of(reviewer, chips)[1]["suggested"] is False  # builds the cached rows
    services.update_project(project=project, actor=project_admin, suggest_threshold=0.0)
    after = sentences_of(reviewer, chips)
    assert [s["suggested"] for s in after] == [True, True, True]
    services.update_project(project=project, actor=project_admin, suggest_threshold=1.0)
    after = sentences_of(reviewer, chips)
    assert [s["suggested"] for s in after] == [s["score"] >= 1.0 for s in after]
    assert after[1]["suggested"] is False


@pytest.mark.parametrize("value", [1.5, -0.1, "high", True])
def test_a_threshold_outside_zero_to_one_is_refused(project, project_admin, value):
    from annotations.exceptions import ValidationFailed

    with pytest.raises(ValidationFailed, match="suggest_threshold must be a number from 0 to 1"):
        services.update_project(project=project, actor=project_admin, suggest_threshold=value)


# --- "Not a claim" ----------------------------------------------------------------------------


def dismissal_url(article, index):
    return f"/api/v1/articles/{article.pk}/sentences/{index}/dismissal/"


def test_not_a_claim_removes_the_suggestion_and_delete_restores_it(reviewer, chips):
    client = api_for(reviewer)
    response = client.post(dismissal_url(chips, 2))
    assert response.status_code == 201
    assert response.json() | {"created_at": None} == {
        "article": chips.pk,
        "index": 2,
        "dismissed_by": "rev",
        "created_at": None,
    }
    assert client.post(dismissal_url(chips, 2)).status_code == 201  # idempotent
    assert SentenceDismissal.objects.count() == 1
    third = sentences_of(reviewer, chips)[2]
    assert (third["suggested"], third["dismissed"]) == (False, True)
    assert client.delete(dismissal_url(chips, 2)).status_code == 204
    assert sentences_of(reviewer, chips)[2]["suggested"] is True


def test_researchers_cannot_dismiss(researcher, chips):
    response = api_for(researcher).post(dismissal_url(chips, 0))
    assert response.status_code == 403
    assert "Researchers" in response.json()["detail"]
    assert not SentenceDismissal.objects.exists()


def test_dismissing_a_sentence_the_article_lacks_or_cannot_see_is_404(reviewer, outsider, chips):
    response = api_for(reviewer).post(dismissal_url(chips, 99))
    assert response.status_code == 404
    assert "has no sentence 99" in response.json()["detail"]
    assert api_for(outsider).post(dismissal_url(chips, 0)).status_code == 404


def test_the_annotation_page_offers_not_a_claim_and_the_post_removes_the_suggestion(
    client, reviewer, chips
):
    client.force_login(reviewer)
    page = client.get(reverse("article_annotate", kwargs={"pk": chips.pk}))
    dismiss = reverse("sentence_dismiss", kwargs={"pk": chips.pk, "index": 2})
    assert dismiss.encode() in page.content
    assert b'aria-keyshortcuts="x"' in page.content
    response = client.post(dismiss, follow=True)
    assert b"Sentence 3 dismissed: not a claim." in response.content
    assert dismiss.encode() not in response.content
    suggested = [s.index for s, _ in response.context["suggested"]]
    assert suggested == [0]


# --- Coverage ---------------------------------------------------------------------------------


def test_covered_sentences_adds_up_overlapping_claims():
    sentences = [(0, 10), (11, 21), (22, 40)]
    assert cw.covered_sentences(sentences, []) == set()
    assert cw.covered_sentences(sentences, [(0, 4)]) == {0}  # 40%
    assert cw.covered_sentences(sentences, [(0, 3)]) == set()
    # Two overlapping claims count their union once; one claim may cover two sentences.
    assert cw.covered_sentences(sentences, [(22, 27), (24, 30), (5, 18)]) == {0, 1, 2}


# --- Training ---------------------------------------------------------------------------------


def label_from_the_evaluation_set(project, user, articles) -> int:
    """Import articles of the evaluation set; mark its check-worthy sentences as claims and
    dismiss the others, as a reviewer would. Return the number of labels."""
    count = 0
    for labelled in articles:
        article = make_article(
            project=project, creator=user, title=labelled.name, text=labelled.text
        )
        for sentence, label in zip(
            article.sentences.order_by("index"), labelled.labels, strict=True
        ):
            if label:
                services.mark_claim(
                    article_id=article.pk, user=user, start=sentence.start, end=sentence.end
                )
            else:
                services.checkworthiness.dismiss_sentence(
                    article_id=article.pk, index=sentence.index, user=user
                )
            count += 1
    return count


def test_too_few_labels_keep_the_rules_and_say_how_many_are_needed(project, reviewer, chips):
    services.mark_claim(article_id=chips.pk, user=reviewer, quote=TEXT.split("\n")[0])
    with pytest.raises(
        CommandError, match=r"Not enough labels to train: 1 \(1 claims, 0 dismissed\); need 40"
    ):
        call_command("train_checkworthiness", "--project", project.slug)
    assert not CheckworthinessModel.objects.exists()
    with pytest.raises(CommandError, match="No project with the slug 'nope'"):
        call_command("train_checkworthiness", "--project", "nope")


def test_training_stores_json_data_reports_scores_and_then_scores_sentences(
    project, reviewer, capsys
):
    articles = evaluation.load_set()
    labels = label_from_the_evaluation_set(project, reviewer, articles[:3])
    examples = training_examples(project=project)
    assert len(examples) == labels
    assert [e.label for e in examples] == [label for a in articles[:3] for label in a.labels]

    call_command("train_checkworthiness", "--project", project.slug)
    out = capsys.readouterr().out
    model = CheckworthinessModel.objects.get()
    assert f"on {labels} labels" in out and "5-fold cross-validated" in out
    assert f"F1 {model.f1:.3f}" in out
    assert 0.5 < model.f1 <= 1.0
    assert set(model.data) == {"word", "char", "coefficients", "intercept"}  # data, not a pickle

    # A new article is now scored by the stored model, and the API says so in `score`.
    held_out = articles[3]
    article = make_article(project=project, creator=reviewer, title="New", text=held_out.text)
    stored = cw.LinearModel.from_data(model.data)
    names = cw.article_names(held_out.text)
    served = sentences_of(reviewer, article)
    expected = [round(stored.probability(s, cw.signals(s, names)), 2) for s in held_out.sentences]
    assert [s["score"] for s in served] == expected
    assert [s["score"] for s in served] != [s.score for s in article.sentences.order_by("index")]


def test_the_pure_python_model_agrees_with_scikit_learn():
    from sklearn.linear_model import LogisticRegression

    examples = []
    for labelled in evaluation.load_set()[:4]:
        names = cw.article_names(labelled.text)
        examples += [
            training.Example(s, tuple(cw.signals(s, names)), label)
            for s, label in zip(labelled.sentences, labelled.labels, strict=True)
        ]
    model = training.fit(examples)
    _, _, matrix = training._matrices(examples)
    regression = LogisticRegression(C=training.REGULARISATION, max_iter=2_000).fit(
        matrix, [e.label for e in examples]
    )
    expected = regression.predict_proba(matrix)[:, 1]
    for example, probability in zip(examples, expected, strict=True):
        assert model.probability(example.text, example.signals) == pytest.approx(
            probability, abs=1e-6
        )


def test_admins_train_from_the_project_page_and_others_cannot(
    client, project, reviewer, project_admin
):
    label_from_the_evaluation_set(project, reviewer, evaluation.load_set()[:2])
    url = reverse("checkworthiness_train", kwargs={"slug": project.slug})
    client.force_login(reviewer)
    page = client.get(reverse("project_detail", kwargs={"slug": project.slug}))
    assert b"Suggestions come from the rules" in page.content
    assert url.encode() not in page.content
    response = client.post(url, follow=True)
    assert b"Only project admins train" in response.content
    assert not CheckworthinessModel.objects.exists()

    client.force_login(project_admin)
    page = client.get(reverse("project_detail", kwargs={"slug": project.slug}))
    assert url.encode() in page.content
    response = client.post(url, follow=True)
    assert b"cross-validated precision" in response.content
    assert b"Suggestions come from the model trained" in response.content
    assert CheckworthinessModel.objects.filter(project=project).count() == 1


def test_training_over_the_api_answers_with_the_scores(project, reviewer, project_admin):
    url = f"/api/v1/projects/{project.slug}/checkworthiness/train/"
    response = api_for(project_admin).post(url)
    assert response.status_code == 400
    assert "Not enough labels to train: 0" in response.json()["detail"]
    label_from_the_evaluation_set(project, reviewer, evaluation.load_set()[:2])
    assert api_for(reviewer).post(url).status_code == 403
    response = api_for(project_admin).post(url)
    assert response.status_code == 201
    assert set(response.json()) >= {"labels", "precision", "recall", "f1", "folds"}


def test_scoring_with_a_stored_model_does_not_import_scikit_learn():
    code = (
        "import sys, django; django.setup();"
        "from annotations import checkworthiness as cw, selectors, text;"
        "m = cw.LinearModel({'rose': (0, 1.5)}, {' ro': (1, 2.0)}, [1.0, 0.5]"
        " + [0.1] * len(cw.SIGNAL_KINDS), -0.2);"
        "s = 'Prices rose 5% in 2023.';"
        "p = m.probability(s, cw.signals(s));"
        "assert 0 < p < 1, p;"
        "assert 'sklearn' not in sys.modules, 'sklearn imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"DJANGO_SETTINGS_MODULE": "factcheck.settings", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_a_malformed_stored_model_is_refused_with_a_message():
    with pytest.raises(ValueError, match="malformed"):
        cw.LinearModel.from_data({"word": {}})
    with pytest.raises(ValueError, match="wrong number of weights"):
        cw.LinearModel.from_data({"word": {}, "char": {}, "coefficients": [1.0], "intercept": 0})


# --- Linear time ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "The " * 100_000,
        "Big " * 100_000 + ".",
        "1,2" * 100_000,
        "according " * 100_000,
        "more than " * 50_000,
    ],
    ids=["the", "capitalised", "digits", "according", "phrases"],
)
def test_signals_and_names_stay_linear_on_adversarial_input(sentence):
    done = threading.Event()

    def work():
        cw.signals(sentence, cw.article_names(sentence))
        cw.rule_score(cw.signals(sentence))
        cw.LinearModel({}, {}, [0.0] * len(cw.SIGNAL_KINDS), 0.0).probability(sentence, ())
        done.set()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(timeout=20)
    assert done.is_set(), "scoring took more than 20 s: not linear"


def test_a_huge_sentence_index_or_article_id_is_a_clear_404(reviewer, chips):
    huge = 10**30
    response = api_for(reviewer).post(dismissal_url(chips, huge))
    assert response.status_code == 404
    # Beyond 64 bits the route itself does not match (params.IdConverter): a JSON 404.
    assert "No such resource" in response.json()["detail"]
    response = api_for(reviewer).post(f"/api/v1/articles/{huge}/sentences/0/dismissal/")
    assert response.status_code == 404
