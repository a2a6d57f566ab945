"""The mixed read/write target's editor: saves one commentary paragraph of one
episode RATE times a second, through the ORM (`Commentary.save()`, so the
derived-data pipeline and the page cache see an ordinary write), until SIGTERM.

Run by bench/run.py with the servers' environment (same database, same Redis
and cache prefix). Prints "ready" once Django is loaded, and on SIGTERM one
line of JSON: how many saves it made, its CPU time and the last text it saved.

    python bench/writer.py EPISODE_PK [RATE]
"""

import json
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from columns.models import Commentary  # noqa: E402

stopping = False


def stop(signum, frame) -> None:
    global stopping
    stopping = True


def main() -> None:
    episode_pk = int(sys.argv[1])
    rate = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    signal.signal(signal.SIGTERM, stop)
    paragraph = Commentary.objects.filter(episode_id=episode_pk).order_by("position").first()
    original = paragraph.body
    print("ready", flush=True)
    saves, body = 0, original
    started, cpu_started = time.monotonic(), time.process_time()
    while not stopping:
        body = f"{original} (고침 {saves + 1})"
        paragraph.body = body
        paragraph.save()
        saves += 1
        # Keep to the rate whatever a save costs.
        delay = started + saves / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    elapsed = time.monotonic() - started
    # Its own CPU time: on a small machine the writer competes with the servers.
    cpu = round(time.process_time() - cpu_started, 2)
    summary = {"saves": saves, "seconds": round(elapsed, 2), "cpu_seconds": cpu, "last": body}
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
