"""Several gunicorn workers and threads writing and searching at once: nobody sees a LockError
or a reader racing a commit, and every saved message becomes findable."""

import random
import re
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest

from consult import search

from .conftest import empty_database
from .served import SLUG, Browser, demo_database, server_env, started
from .test_search import ENGINES


@pytest.fixture(params=list(ENGINES))
def served(request, tmp_path):
    """gunicorn, 3 workers x 4 threads, on a database with the demo, indexed (each engine)."""
    database, backend = ENGINES[request.param]
    url = empty_database(database, tmp_path)
    app, points = demo_database(url, tmp_path, SEARCH_BACKEND=backend)
    server = started(server_env(url, tmp_path, CONSULT_SEARCH_BACKEND=backend),
                     tmp_path / "gunicorn.log")
    yield server.base, points, server.log_path, app
    server.stop()


def test_concurrent_writes_and_searches_through_gunicorn(served):
    base, points, log_path, app = served
    writers = [Browser(base, "secretary") for _ in range(6)]
    reader = Browser(base, "secretary")
    words: list[str] = []
    statuses: list[tuple[str, int]] = []
    lock = threading.Lock()

    def write(n: int):
        client = writers[n % len(writers)]
        word = f"gelijktijdig{n:03d}woord"
        point = random.Random(n).choice(points)
        status, _ = client.request(
            "POST", f"/consultaties/{SLUG}/punten/{point}/berichten",
            {"body": f"Bericht {word} over de inkoop", "kind": "comment"}, hx=True,
        )
        with lock:
            statuses.append(("post", status))
            if status == 204:
                words.append(word)

    def read(n: int):
        status, _ = reader.request(
            "GET", "/zoeken?" + urllib.parse.urlencode({"q": f"gelijktijdig* inkoop {n % 5}"})
        )
        status2, _ = reader.request("GET", "/zoeken?q=jeugdhulp&page=2")
        with lock:
            statuses.extend([("search", status), ("search", status2)])

    with ThreadPoolExecutor(max_workers=16) as pool:
        jobs = []
        for n in range(120):
            jobs.append(pool.submit(write, n))
            if n % 2 == 0:
                jobs.append(pool.submit(read, n))
        for job in jobs:
            job.result()

    assert {s for _kind, s in statuses} <= {200, 204}, statuses
    assert len(words) == 120
    # Every message that was acknowledged becomes findable, by each word, within seconds.
    deadline = time.monotonic() + 20
    missing = words
    while missing and time.monotonic() < deadline:
        status, html = reader.request("GET", "/zoeken?q=gelijktijdig*&kind=message&page=1")
        total = int(re.search(r"(\d+) resultaten", html).group(1)) if status == 200 else 0
        if total == len(words):
            missing = []
        else:
            time.sleep(0.3)
    assert not missing, f"only {total} of {len(words)} messages findable"
    for word in random.Random(7).sample(words, 10):
        status, html = reader.request("GET", "/zoeken?q=" + word)
        assert "1 resultaat" in html, word
    log = log_path.read_text()
    for bad in ("LockError", "FileNotFoundError", "Traceback", "Exception"):
        assert bad not in log, log[-3000:]
    # The outbox is empty and the index holds exactly what the database holds.
    status = search.service(app).status()
    assert status["outbox"] == 0
    assert status["index"] == status["database"]
    assert status["database"]["message"] == 120


def test_each_thread_reads_a_segment_through_its_own_reader(tmp_path):
    """A Whoosh reader's files keep one read position, so a search must never read through
    another thread's reader: the segment data cached for the process is shared, the reader
    is each search's own (the fault behind a "Block tag error" under concurrent saves)."""
    from consult.search import matching
    from consult.search.analysis import query_term
    from consult.search.store import IndexStore

    store = IndexStore(tmp_path / "ix")
    path = store.new_dir()
    store.build(iter([{"key": f"p{n}", "kind": "point", "body": f"inkoop woord{n}",
                       "when": n} for n in range(1, 50)]), path)
    store.swap(path)
    index = store.open()
    seen: dict[str, list] = {}
    ready = threading.Barrier(2, timeout=20)

    def search(name: str):
        with index.searcher() as searcher:
            ready.wait()  # both searchers open at once, as in a threaded worker
            own = [reader for reader, _o in searcher.reader().leaf_readers()]
            got = [seg for seg, _o in matching.segments(searcher)]
            ready.wait()  # the other thread has asked for its segments too
            seen[name] = [(seg.reader is mine, seg) for seg, mine in zip(got, own, strict=True)]
            ids, _tf = matching.postings(got[0], query_term("inkoop"))
            seen[name].append(len(ids))
            ready.wait()  # neither closes its searcher before the other has read

    threads = [threading.Thread(target=search, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for name in ("a", "b"):
        *segments, found = seen[name]
        assert segments and all(own for own, _seg in segments), name
        assert found == 49
    # ... while what was decoded once is shared: the two views hold the same columns.
    (_own, first), (_own2, second) = seen["a"][0], seen["b"][0]
    assert first is not second and first._numbers is second._numbers
