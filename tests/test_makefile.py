import subprocess


def test_make_help_lists_every_target(repo_root):
    out = subprocess.run(["make", "-s", "help"], cwd=repo_root, capture_output=True, text=True, check=True).stdout
    for target in (
        "install",
        "train",
        "test",
        "corpus",
        "doccano",
        "push",
        "queue",
        "pull",
        "dataset",
        "evaluate",
        "curve",
        "package",
        "predict",
        "bench",
        "clean",
    ):
        assert f" {target} " in out.replace("\x1b[36m", " ").replace("\x1b[0m", " "), target
