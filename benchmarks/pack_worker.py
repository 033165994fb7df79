"""From "Prepare" to a ready PDF through the real worker process, against the render alone.

Starts `flask --app vawg_group worker` as its own process on a fresh SQLite database (as
`make run` does), builds benchmarks/pack.py's 12-briefing pack, and times, for each round,
the moment the prepared version is committed to the moment the worker has marked it ready;
then times plain WeasyPrint on the same HTML in this process. The goal (issue #19): at most
the render time plus 1.5 s. Prints figures; it is not a test.

    .venv/bin/python benchmarks/pack_worker.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pack import _plain, build_pack  # noqa: E402

from config import PROJECT_ROOT  # noqa: E402
from vawg_group import create_app  # noqa: E402
from vawg_group.core import migrate  # noqa: E402
from vawg_group.extensions import db  # noqa: E402


def _start_worker(database_url: str, storage: Path, log: Path) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if not key.startswith("VAWG_")}
    env.update(VAWG_ENV="development", VAWG_DATABASE_URL=database_url, VAWG_STORAGE_DIR=str(storage), VAWG_LOG_LEVEL="WARNING")
    with open(log, "wb") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "vawg_group", "worker"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _wait_ready(version_id: int, timeout: float = 300) -> float:
    from vawg_group.packs.models import PackVersion, RenderStatus

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = db.session.get(PackVersion, version_id).render_status
        db.session.rollback()
        if status == RenderStatus.READY:
            return time.perf_counter()
        if status == RenderStatus.FAILED:
            raise SystemExit(f"version {version_id} failed to render")
        time.sleep(0.02)
    raise SystemExit("the worker did not render the version in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from vawg_group.packs import services

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        url = f"sqlite:///{root / 'bench.sqlite'}"
        migrate.upgrade(url)
        app = create_app("test", SQLALCHEMY_DATABASE_URI=url, DATABASE_URL=url, STORAGE_DIR=str(root / "storage"))
        worker = _start_worker(url, root / "storage", root / "worker.log")
        try:
            with app.app_context():
                time.sleep(3)  # the worker's start-up is not part of any round
                through_worker, plain = [], []
                pack, version, author = None, None, None
                for round_number in range(args.rounds):
                    if pack is None:
                        started = time.perf_counter()
                        pack, version, author = build_pack(app)
                    else:
                        # New contents each round, so nothing comes from the cache.
                        pack.title = f"Briefing pack, round {round_number + 1}"
                        started = time.perf_counter()
                        version = services.prepare(pack, by=author)
                        db.session.commit()
                    version_id = version.id
                    through_worker.append(_wait_ready(version_id) - started)
                    job = services.version_job(db.session.get(type(version), version_id))
                    begun = time.perf_counter()
                    _plain(job)
                    plain.append(time.perf_counter() - begun)
                    print(
                        f"round {round_number + 1}: prepare to ready {through_worker[-1]:.2f} s, plain WeasyPrint {plain[-1]:.2f} s"
                    )
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        ready, render = statistics.median(through_worker), statistics.median(plain)
        print(f"median prepare to ready through the worker process: {ready:.2f} s")
        print(f"median plain WeasyPrint render of the same HTML:     {render:.2f} s")
        print(f"overhead: {ready - render:+.2f} s (goal: at most +1.50 s); ratio {ready / render:.2f}")


if __name__ == "__main__":
    main()
