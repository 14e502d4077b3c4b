"""The steps as `make` runs them, against a real server: push sets a missing project up, and the whole annotation
cycle (push → queue → annotate → pull → retrain → queue) never queues a labelled unit twice."""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from geostance.corpus.store import Corpus, import_sources
from geostance.doccano.annotation_queue import QueueOptions, QueueReport
from geostance.doccano.client import connect
from geostance.doccano.pull import snapshot_name
from geostance.doccano.workflow import (
    corpus_units,
    ensure_project,
    run_annotate,
    run_pull,
    run_push,
    run_queue,
    run_setup,
)
from tests.doccano.conftest import ANNOTATORS, as_annotator
from tests.doccano.test_ordering import listed_order
from tests.train.fixtures import ENTITIES, FAST_NER, STANCE_CUES, TARGETS, VERBS, trained_models, write_dataset


def upper_first(name: str) -> str:
    return name[0].upper() + name[1:]


def write_corpus(root: Path, n_articles: int = 5, paragraphs: int = 4) -> Path:
    """Articles of template paragraphs (an entity sentence, then a stance sentence), imported as `make corpus`
    would; `gold_decision` reads each paragraph's gold back from its text."""
    rng = random.Random(14)
    raw = []
    for a in range(n_articles):
        body = []
        for _ in range(paragraphs):
            subj, obj, org = rng.choice(ENTITIES["PERSON"]), rng.choice(ENTITIES["GPE"]), rng.choice(ENTITIES["ORG"])
            target, label = rng.choice(list(TARGETS)), rng.choice(list(STANCE_CUES))
            body.append(
                f"{subj} {rng.choice(VERBS)} {obj} on Tuesday. {upper_first(org)} "
                f"{rng.choice(STANCE_CUES[label])} {TARGETS[target]} in a statement."
            )
        path = root / "raw" / f"cycle-{a}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\nid: cycle-{a}\ntitle: Cycle article {a}\n---\n" + "\n\n".join(body) + "\n")
        raw.append(path)
    import_sources(raw, Corpus(root / "corpus"))
    return root / "corpus"


def gold_decision(unit_id: str, text: str) -> dict:
    """What a careful annotator marks: every name from the fixture's lists, and the stance the paragraph states."""
    entities: list[list] = []
    for label, names in ENTITIES.items():
        for name in names:
            for variant in {name, upper_first(name)}:
                start = text.find(variant)
                if start >= 0 and not any(s < start + len(variant) and start < e for s, e, _ in entities):
                    entities.append([start, start + len(variant), label])
    target = next(t for t, phrase in TARGETS.items() if phrase in text)
    label = next(label for label, cues in STANCE_CUES.items() if any(f" {cue} " in text for cue in cues))
    return {"unit_id": unit_id, "entities": sorted(entities), "cats": [f"{target}:{label}"]}


def annotate(settings, account, texts: dict[str, str], tmp_path: Path) -> None:
    """One annotator labels these units in Doccano (as `geostance doccano annotate` posts them) and confirms them."""
    path = tmp_path / f"{account.username}.jsonl"
    path.write_text("".join(json.dumps(gold_decision(uid, text)) + "\n" for uid, text in texts.items()))
    run_annotate(settings.as_user(account.username, account.password), path)


def retrain(snapshot: Path, annotated_by: dict[str, str], root: Path, ner_config: Path) -> dict[str, Path]:
    """The fixture's training data plus the pulled annotations (each unit from the annotator who labelled it),
    trained with the fixture's tiny settings."""
    import datasets
    from spacy.lang.en import English
    from spacy.training import biluo_to_iob, offsets_to_biluo_tags

    from geostance.train.ner import train_ner
    from geostance.train.stance import train_stance

    data = write_dataset(root / "dataset")
    nlp = English()
    ner_rows, stance_rows = [], []
    for user in sorted(set(annotated_by.values())):
        for row in map(json.loads, (snapshot / "annotators" / f"{user}.jsonl").read_text().splitlines()):
            if annotated_by.get(row["unit_id"]) != user:
                continue
            doc = nlp.make_doc(row["text"])
            spans = [tuple(e) for e in row["entities"]]
            ner_rows.append(
                {
                    "id": row["unit_id"],
                    "article_id": row["article_id"],
                    "unit_id": row["unit_id"],
                    "text": row["text"],
                    "tokens": [t.text for t in doc],
                    "ner_tags": biluo_to_iob(offsets_to_biluo_tags(doc, spans)),
                    "spans": {
                        "start": [s for s, _, _ in spans],
                        "end": [e for _, e, _ in spans],
                        "label": [label for _, _, label in spans],
                    },
                }
            )
            for cat in row["cats"]:
                target, label = cat.split(":")
                stance_rows.append(
                    {
                        "id": f"{row['unit_id']}:{target}",
                        "article_id": row["article_id"],
                        "unit_id": row["unit_id"],
                        "text": row["text"],
                        "target": target,
                        "proposition": "",
                        "label": label,
                    }
                )
    for task, rows in (("ner", ner_rows), ("stance", stance_rows)):
        splits = datasets.load_from_disk(str(data / task))
        train = splits["train"]
        splits["train"] = datasets.concatenate_datasets(
            [train, datasets.Dataset.from_list(rows, features=train.features)]
        )
        splits.save_to_disk(str(root / "retrained" / task))
    (root / "retrained" / "build_info.json").write_text(json.dumps({"fingerprint": "sha256:cycle-retrained"}))
    train_ner(root / "retrained", root / "ner", ner_config, overrides=dict(FAST_NER))
    train_stance(root / "retrained", root / "stance", param_grid={"clf__C": [0.3, 1.0]}, n_splits=3)
    return {"ner": root / "ner", "stance": root / "stance"}


@pytest.mark.doccano
def test_push_sets_a_missing_project_up_once(doccano_server, tmp_path):
    settings = replace(doccano_server, project=f"setup-{uuid.uuid4().hex[:8]}")
    corpus = write_corpus(tmp_path, n_articles=2, paragraphs=2)
    first = run_push(settings, corpus=corpus, cache_dir=tmp_path / "cache")
    second = run_push(settings, corpus=corpus, cache_dir=tmp_path / "cache")
    assert first.project_created and len(first.uploaded) == 4
    assert not second.project_created and second.uploaded == [] and second.project_id == first.project_id
    session = connect(settings)
    spans = session.api.list_label_types(first.project_id, "span")
    assert "GPE" in {t.text for t in spans}  # set up from the schema, as `geostance doccano setup` does
    assert ensure_project(session) is None


def check_order(settings, record: dict, accounts) -> None:
    """Every annotator's annotation page (unconfirmed, lowest score first) opens on the queue, in the recorded
    order, and each queued example already carries that annotator's suggestions."""
    pid = record["project"]["id"]
    queued = [u["unit_id"] for u in record["units"]]
    for account in accounts:
        session = as_annotator(settings, account)
        assert listed_order(session, pid, len(queued)) == queued, account.username
        first = next(e for e in session.list_examples(pid) if e["meta"]["unit_id"] == queued[0])
        suggestions = session.api.list_spans(pid, first["id"]) + session.api.list_categories(pid, first["id"])
        assert suggestions and all(s.prob > 0 for s in suggestions)


@pytest.mark.doccano
def test_the_annotation_cycle_never_queues_a_labelled_unit_again(doccano_server, tmp_path_factory, tmp_path, repo_root):
    ner_config = repo_root / "pipelines" / "configs" / "ner.cfg"
    models = trained_models(tmp_path_factory, ner_config)
    settings = replace(doccano_server, project=f"cycle-{uuid.uuid4().hex[:8]}")
    corpus = write_corpus(tmp_path)
    accounts_file = tmp_path / "annotators.txt"
    accounts_file.write_text("".join(f"{a.username}:{a.password}\n" for a in ANNOTATORS))
    snapshots, queues = tmp_path / "snapshots", tmp_path / "queues"

    assert run_push(settings, corpus=corpus, cache_dir=tmp_path / "cache").project_created  # make push
    run_setup(settings, accounts_file=accounts_file)  # ANNOTATORS=FILE: the accounts join

    def queue(ner: Path, stance: Path) -> QueueReport:  # make queue
        options = QueueOptions(ner_dir=ner, stance_dir=stance, size=6, per_article=2)
        return run_queue(settings, options, accounts_file=accounts_file, corpus=corpus, snapshots=snapshots, out=queues)

    first = queue(models["ner"], models["stance"])
    queued = [u["unit_id"] for u in first.record["units"]]
    assert len(queued) == 6 and first.record["candidates"]["candidates"] == 20
    assert (
        max(
            sum(u["article_id"] == a for u in first.record["units"])
            for a in {u["article_id"] for u in first.record["units"]}
        )
        <= 2
    )
    assert json.loads(first.record_path.read_text()) == first.record
    check_order(settings, first.record, ANNOTATORS)

    # annotators work: alice labels all but the last queued unit; bob the last and two of alice's
    texts = {u.unit_id: u.text for u in corpus_units(corpus)}
    annotate(settings, ANNOTATORS[0], {uid: texts[uid] for uid in queued[:-1]}, tmp_path)
    annotate(settings, ANNOTATORS[1], {uid: texts[uid] for uid in [queued[-1], *queued[:2]]}, tmp_path)
    pull = run_pull(settings, out=snapshots / snapshot_name())  # make pull
    annotated_by = {**{uid: "ann_alice" for uid in queued[:-1]}, queued[-1]: "ann_bob"}
    retrained = retrain(pull.snapshot_dir, annotated_by, tmp_path / "train", ner_config)  # make train

    second = queue(retrained["ner"], retrained["stance"])  # make queue
    again = [u["unit_id"] for u in second.record["units"]]
    assert len(again) == 6 and not set(again) & set(queued)
    assert second.record["candidates"]["labelled_in_snapshot"] == 6
    assert second.record["candidates"]["confirmed_on_server"] == 6 and second.record["candidates"]["candidates"] == 14
    assert second.record["snapshot"] == str(pull.snapshot_dir)
    assert second.record["models"]["ner"]["dataset_fingerprint"] == "sha256:cycle-retrained"
    assert second.record["models"]["ner"]["files_sha256"] != first.record["models"]["ner"]["files_sha256"]
    check_order(settings, second.record, ANNOTATORS)
    admin = connect(settings)
    scores = {e["meta"]["unit_id"]: e["score"] for e in admin.list_examples(second.record["project"]["id"])}
    assert {scores[uid] for uid in queued} == {100.0}  # the first queue no longer comes first for anyone
    assert [scores[uid] for uid in again] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert sorted(p.name for p in queues.iterdir()) == sorted([first.record_path.name, second.record_path.name])
