"""Entry point run by `.venv-doccano/bin/python` (NOT imported by geostance: it needs the doccano server's packages).

Why not the `doccano` console script: `doccano webserver` binds 0.0.0.0 and `doccano createuser` takes the password
on the command line (visible in `ps`). Here the web server binds 127.0.0.1 and the password comes from the
environment, which is removed before Django starts. One process does migrate + roles + admin, saving a Django start.

    python server_launcher.py init            # env: GEOSTANCE_DOCCANO_ADMIN, GEOSTANCE_DOCCANO_ADMIN_PASSWORD
    python server_launcher.py web PORT WORKERS
    python server_launcher.py task
"""

from __future__ import annotations

import os
import sys


def _declare_broker_queue(app) -> None:
    # The SQLite broker creates a queue's row on first use; the web server (health check) and the worker starting
    # together can both try, and one dies with "UNIQUE constraint failed: kombu_queue.name". Declare it once here,
    # before either starts.
    with app.connection_for_write() as conn:
        conn.default_channel.queue_declare(queue=app.conf.task_default_queue)


def _write_ahead_log() -> None:
    # Every label saved (in the UI, by annotate or by pre-annotation) is one commit. In SQLite's default
    # rollback-journal mode a commit writes and fsyncs a journal and the database (about 15 ms on an ext4 disk);
    # with write-ahead logging it appends to one log (about 3 ms), just as durable (synchronous stays FULL), and
    # readers no longer wait for a writer. The mode is stored in the database file, so setting it once here, before
    # the web server and worker open it, holds for both. Back the database up with the sqlite3 `.backup` command
    # (or with the server stopped): recent commits live in db.sqlite3-wal until a checkpoint.
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")


def _init(app) -> None:
    from django.core import management

    username = os.environ.pop("GEOSTANCE_DOCCANO_ADMIN")
    password = os.environ.pop("GEOSTANCE_DOCCANO_ADMIN_PASSWORD")
    management.call_command("migrate", verbosity=0)
    management.call_command("create_roles", verbosity=0)
    _write_ahead_log()
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=username, defaults={"email": f"{username}@localhost"})
    user.is_staff = True
    user.is_superuser = True
    user.set_password(password)
    user.save()
    _declare_broker_queue(app)
    print(f"database ready, admin user {username!r} set")


def _web(port: int, workers: int, base: str) -> None:
    import gunicorn.app.base
    import gunicorn.util

    class App(gunicorn.app.base.BaseApplication):
        def load_config(self) -> None:
            for key, value in {
                "bind": f"127.0.0.1:{port}",
                "workers": workers,
                "chdir": base,
                "timeout": 300,
                "capture_output": True,
                "loglevel": "warning",
            }.items():
                self.cfg.set(key, value)

        def load(self):
            return gunicorn.util.import_app("config.wsgi")

    App().run()


def _task(app, base: str) -> None:
    # solo pool: one process, no forked children to leave behind; imports run one at a time anyway.
    app.worker_main(argv=["--app=config", f"--workdir={base}", "worker", "--loglevel=warning", "--pool=solo"])


def main(argv: list[str]) -> None:
    # Our package's modules sit beside this file and would shadow any Doccano app of the same name.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    import backend.cli as doccano_cli  # sets DATABASE_URL/MEDIA_ROOT from DOCCANO_HOME and puts backend/ on sys.path

    base = os.path.dirname(doccano_cli.__file__)
    import django

    django.setup()
    command = argv[0]
    if command == "init":
        _init(doccano_cli.app)
    elif command == "web":
        _web(int(argv[1]), int(argv[2]), base)
    elif command == "task":
        _task(doccano_cli.app, base)
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
