import pytest

from geostance.dataset.readers.snapshot import find_latest_snapshot
from geostance.errors import GeostanceError


def test_the_staging_folder_of_a_killed_pull_is_never_the_latest_snapshot(tmp_path):
    staging = tmp_path / ".20261201T000000Z.4242-abcd1234.staging" / "annotators"
    staging.mkdir(parents=True)
    with pytest.raises(GeostanceError, match="no annotation snapshot"):
        find_latest_snapshot(tmp_path)
    (tmp_path / "20261127T091334Z" / "annotators").mkdir(parents=True)
    assert find_latest_snapshot(tmp_path).name == "20261127T091334Z"
