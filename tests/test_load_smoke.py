"""The load test in miniature: a few users reading, searching and writing through gunicorn on
SQLite for a few seconds; nothing fails and every acknowledged write is stored and findable."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_load_bench_smoke(tmp_path):
    result_path = tmp_path / "load.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py"), "--backend", "sqlite", "--users", "5",
         "--seconds", "4", "--warmup", "1", "--think", "0.1", "--workers", "2",
         "--max-requests", "400", "--settle", "20", "--json", str(result_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result_path.exists(), done.stdout + done.stderr
    result = json.loads(result_path.read_text())
    assert result["errors"] == 0, (result["error_samples"], done.stdout)
    assert result["lost_writes"] == 0, done.stdout
    assert result["rows"]["all"]["count"] > 20, done.stdout
    assert result["conflicts"] == 0, result["error_samples"]
    messages, answers = result["checks"]["messages"], result["checks"]["answers"]
    # Writes happened, so the equalities below are not those of nothing.
    assert messages["posted"] > 0, done.stdout
    assert answers["saved"] > 0, done.stdout
    assert messages["posted"] == messages["in_database"] == messages["findable"]
    assert answers["saved"] == answers["in_database"]
    assert answers["current_texts"] == answers["current_in_database"] == answers["findable"]
    assert result["checks"]["outbox"] == 0
    assert result["checks"]["index_equals_database"]
    assert result["checks"]["gunicorn_tracebacks"] == 0
    assert done.returncode == 0, done.stdout + done.stderr
