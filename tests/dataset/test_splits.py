from collections import Counter

import pytest

from geostance.dataset.splits import SplitAssigner, assign_split, parse_ratios
from geostance.errors import GeostanceError

RATIOS = parse_ratios("0.8,0.1,0.1")


def test_grouped_every_unit_of_an_article_goes_to_one_split():
    assign = SplitAssigner(RATIOS)
    units = [(f"art-{i % 50}", f"art-{i % 50}:p{i:03d}") for i in range(1000)]
    where: dict[str, set[str]] = {}
    for article, _unit in units:
        where.setdefault(article, set()).add(assign(article))
    assert all(len(s) == 1 for s in where.values())


def test_stable_under_growth_and_deterministic():
    old = {f"article-{i}": assign_split(f"article-{i}", RATIOS) for i in range(300)}
    grown = {f"article-{i}": assign_split(f"article-{i}", RATIOS) for i in range(2000)}  # 1700 more
    assert all(grown[a] == s for a, s in old.items())
    assert assign_split("x", RATIOS, seed="s1") == assign_split("x", RATIOS, seed="s1")
    seeds = {assign_split(f"article-{i}", RATIOS, seed="other") for i in range(50)}
    assert seeds == {"train", "dev", "test"}


def test_stratified_each_stance_stratum_follows_the_ratios():
    # strata of very different sizes; each article's split is independent of its stance, so every stratum
    # is spread in the ratios (within sampling error) and every split sees every stance
    strata = {"FAVOR": 3000, "AGAINST": 1500, "NONE": 600}
    for stance, n in strata.items():
        counts = Counter(assign_split(f"{stance}-{i}", RATIOS) for i in range(n))
        for split, share in RATIOS.items():
            assert abs(counts[split] / n - share) < 4 * (share * (1 - share) / n) ** 0.5 + 0.005, (stance, split)


def test_ratios_parse_and_zero_leaves_a_split_out():
    assert parse_ratios("8,1,1") == pytest.approx({"train": 0.8, "dev": 0.1, "test": 0.1})
    only = parse_ratios("1,0,0")
    assert {assign_split(f"a{i}", only) for i in range(100)} == {"train"}
    for bad in ("0.8,0.2", "a,b,c", "-1,1,1", "0,0,0"):
        with pytest.raises(GeostanceError):
            parse_ratios(bad)
