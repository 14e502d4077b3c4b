"""The order annotators meet the queue in: each example's `score`, which Doccano's annotation page can sort by.

Doccano 1.8.4 has no per-user assignment or queue, but every example has a `score` (a float, 100 by default;
`ExampleSerializer` lists it as writable, so a project admin can PATCH it) and the example list sorts by it when
asked (`ExampleList.ordering_fields` holds `score`). The annotation page keeps the order and the filter for
unconfirmed examples in its URL (`ordering=score`, `isChecked=false`; in the toolbar: "Lowest score first" and
the unconfirmed filter), and asks the list for one example per page with both. So the queue writes rank 1, 2, …
into its examples' score, puts every other example back to 100, and hands out the page URL: each annotator meets
the queue first, most informative unit first, and only what they have not confirmed yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

from geostance.doccano.client import DoccanoSession
from geostance.doccano.setup import PROJECT_TYPE
from geostance.doccano.user_labels import DEFAULT_WORKERS

DEFAULT_SCORE = 100.0  # Doccano's `Example.score` default: where every example not in the queue goes back to
# The annotation page of each project type, as the frontend routes it (/projects/<id>/<page>).
ANNOTATION_PAGES = {
    PROJECT_TYPE: "intent-detection-and-slot-filling",
    "SequenceLabeling": "sequence-labeling",
    "DocumentClassification": "text-classification",
}


def wanted_scores(ranked_example_ids: Sequence[int], examples: Iterable[dict]) -> dict[int, float]:
    """Example id → the score to write: the rank for queued examples, DEFAULT_SCORE for any other example whose
    score is not that already; examples already right are left out. Pure."""
    if len(set(ranked_example_ids)) != len(ranked_example_ids):
        raise ValueError("an example is queued twice")
    wanted = {example_id: float(rank) for rank, example_id in enumerate(ranked_example_ids, start=1)}
    current = {e["id"]: float(e.get("score", DEFAULT_SCORE)) for e in examples}
    for example_id, score in current.items():
        if example_id not in wanted and score != DEFAULT_SCORE:
            wanted[example_id] = DEFAULT_SCORE
    return {k: v for k, v in wanted.items() if current.get(k) != v}


def set_queue_order(
    session: DoccanoSession,
    project_id: int,
    ranked_example_ids: Sequence[int],
    examples: Iterable[dict],
    workers: int = DEFAULT_WORKERS,
) -> dict[str, int]:
    """Write the queue's ranks into the examples' scores and reset the rest (see the module docstring); `examples`
    are the project's examples as listed, with their current `score`. Returns how many scores were written."""
    changes = wanted_scores(ranked_example_ids, examples)

    def write(item: tuple[int, float]) -> None:
        example_id, score = item
        # Setting a field to a value is safe to repeat, so this PATCH is retried like a PUT.
        session.request(
            "PATCH",
            f"projects/{project_id}/examples/{example_id}",
            "setting an example's score",
            idempotent=True,
            json={"score": score},
        )

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="doccano-order") as pool:
        list(pool.map(write, changes.items()))
    queued = set(ranked_example_ids)
    return {
        "queued": len(queued),
        "scores_written": sum(k in queued for k in changes),
        "scores_reset": sum(k not in queued for k in changes),
    }


def annotation_url(url: str, project: dict) -> str:
    """The project's annotation page, showing unconfirmed examples lowest score (the queue's first) first."""
    page = ANNOTATION_PAGES.get(project.get("project_type", ""))
    base = f"{url.rstrip('/')}/projects/{project['id']}"
    return f"{base}/{page}?page=1&ordering=score&isChecked=false" if page else base
