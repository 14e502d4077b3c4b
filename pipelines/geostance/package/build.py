"""`geostance package`: assemble NER + stance, write the model card, run `spacy package`, build the wheel.

spaCy's generated setup.py only registers `spacy_models`; we add `spacy_factories` entry points for our pipeline
components (stance, entity consistency, NER ensemble vote), whose modules are copied into the package by
`spacy package --code`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geostance import runtime
from geostance.errors import GeostanceError
from geostance.package.card import render_model_card
from geostance.runtime.assemble import assemble_pipeline

# factory name → (module copied into the wheel, factory function in it)
RUNTIME_DIR = Path(runtime.__file__).parent
COMPONENT_FACTORIES = {
    "geostance_stance": ("stance_component.py", "make_stance_component"),
    "geostance_entity_consistency": ("entity_consistency.py", "make_entity_consistency"),
    "geostance_ner_stash": ("ner_ensemble.py", "make_ner_stash"),
    "geostance_ner_vote": ("ner_ensemble.py", "make_ner_vote"),
}
SETUP_ENTRY_POINTS = "entry_points={'spacy_models': ['{m} = {m}'.format(m=model_name)]}"


@dataclass
class PackageResult:
    wheel: Path
    package_name: str
    card: str


def _read_json(path: Path | None) -> dict[str, Any] | None:
    if path is None or not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _requirements(spacy_version: str) -> list[str]:
    from importlib import metadata

    # Compatible-release pins: a skops file is only safe to load with the scikit-learn it was saved with.
    # click: spaCy imports it directly but leaves it to typer, and typer >= 0.26 no longer depends on it, so a
    # fresh environment would lack it.
    return [
        f"spacy{spacy_version}",
        *(f"{name}~={metadata.version(name)}" for name in ("scikit-learn", "skops")),
        "click>=8",
    ]


def drop_requirement(meta_json: Path, distribution: str) -> None:
    """spaCy lists the distribution of every registered function's module as a requirement; our factory is
    registered from geostance here, but the wheel carries its own copy, so geostance must not be required."""
    meta = json.loads(meta_json.read_text(encoding="utf-8"))
    meta["requirements"] = [
        r for r in meta.get("requirements", []) if re.split(r"[<>=!~ ;\[]", r, maxsplit=1)[0].lower() != distribution
    ]
    meta_json.write_text(json.dumps(meta, indent=2), encoding="utf-8")


def add_factory_entry_points(setup_py: Path, factories: dict[str, tuple[str, str]]) -> None:
    """Register `factories` (name → (module file, function)) as the package's `spacy_factories`."""
    text = setup_py.read_text(encoding="utf-8")
    if SETUP_ENTRY_POINTS not in text:
        raise GeostanceError(f"{setup_py}: spaCy's setup.py template changed; cannot add the factory entry points")
    points = ", ".join(
        f"'{name} = {{m}}.{Path(module).stem}:{function}'.format(m=model_name)"
        for name, (module, function) in factories.items()
    )
    patched = f"entry_points={{'spacy_models': ['{{m}} = {{m}}'.format(m=model_name)], 'spacy_factories': [{points}]}}"
    setup_py.write_text(text.replace(SETUP_ENTRY_POINTS, patched), encoding="utf-8")


def build_package(
    ner_dir: Path | None,
    stance_dir: Path | None,
    out_dir: Path,
    *,
    metrics_path: Path | None = None,
    dataset_dir: Path | None = None,
    name: str = "geostance",
    version: str = "0.1.0",
    progress: Any = None,
) -> PackageResult:
    from spacy.cli.package import package as spacy_package

    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise GeostanceError(f"package name {name!r}: use lower-case letters, digits and underscores")
    say = progress or (lambda message: None)
    nlp = assemble_pipeline(ner_dir, stance_dir)
    ner_meta = _read_json(ner_dir / "meta.json") if ner_dir else None
    stance_meta = _read_json(stance_dir / "meta.json") if stance_dir else None
    metrics = _read_json(metrics_path)
    dataset_info = _read_json(dataset_dir / "build_info.json") if dataset_dir else None
    package_name = f"{nlp.lang}_{name}"
    _set_package_meta(nlp, name, version, stance_meta, metrics)
    card = render_model_card(package_name, version, ner_meta, stance_meta, metrics, dataset_info)
    with tempfile.TemporaryDirectory(prefix="geostance-package-") as tmp:
        pipeline_dir, build_dir = Path(tmp) / "pipeline", Path(tmp) / "build"
        build_dir.mkdir()
        say(f"writing the pipeline ({', '.join(nlp.pipe_names)})")
        nlp.to_disk(pipeline_dir)
        (pipeline_dir / "README.md").write_text(card, encoding="utf-8")
        modules = [RUNTIME_DIR / m for m in dict.fromkeys(m for m, _ in COMPONENT_FACTORIES.values())]
        spacy_package(
            pipeline_dir,
            build_dir,
            code_paths=modules,
            name=name,
            version=version,
            create_sdist=False,
            create_wheel=False,
            force=True,
            silent=True,
        )
        source = build_dir / f"{package_name}-{version}"
        drop_requirement(source / "meta.json", "geostance")
        add_factory_entry_points(source / "setup.py", COMPONENT_FACTORIES)
        say("building the wheel (pip wheel)")
        target = _build_wheel(source, Path(tmp) / "wheel", out_dir)
        (out_dir / f"{package_name}-README.md").write_text(card, encoding="utf-8")
    return PackageResult(wheel=target, package_name=package_name, card=card)


def _set_package_meta(
    nlp: Any, name: str, version: str, stance_meta: dict[str, Any] | None, metrics: dict[str, Any] | None
) -> None:
    """The wheel's meta.json: name, version, licence, requirements, and the stance and evaluation figures."""
    nlp.meta.update(
        {
            "name": name,
            "version": version,
            "license": "MIT",
            "author": "geostance team",
            "description": "Entities and per-target stance in English geopolitical news (spaCy NER + skops stance).",
            "requirements": _requirements(nlp.meta.get("spacy_version") or ">=3.8,<3.9"),
        }
    )
    nlp.meta.setdefault("geostance", {})
    if stance_meta:
        nlp.meta["geostance"]["stance"] = {
            k: stance_meta[k] for k in ("targets", "labels", "selected", "scores", "dataset_fingerprint")
        }
    if metrics:
        evaluation: dict[str, Any] = {"split": metrics["split"]}
        for task in ("ner", "stance"):
            if task in metrics:  # scalar figures only: the per-label tables stay in the card
                evaluation[task] = {k: v for k, v in metrics[task].items() if not isinstance(v, dict)}
        nlp.meta["geostance"]["evaluation"] = evaluation


def _build_wheel(source: Path, wheel_dir: Path, out_dir: Path) -> Path:
    """`pip wheel` of the spaCy package source, copied atomically into `out_dir`."""
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheel_dir), str(source)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise GeostanceError(f"pip wheel failed for {source}: {proc.stderr.strip()[-2000:]}")
    wheels = list(wheel_dir.glob("*.whl"))
    if len(wheels) != 1:
        raise GeostanceError(f"expected one wheel in {wheel_dir}, found {[w.name for w in wheels]}")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / wheels[0].name
    staged = out_dir / f".{wheels[0].name}.tmp"
    shutil.copyfile(wheels[0], staged)
    staged.replace(target)
    return target
