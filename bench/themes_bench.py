"""Suggested themes, measured: how well they find the subjects of the hand-made gold standard
(bench/themes_gold.json, see docs/themes-gold.md), and how long they take on 10,000 points.

    .venv/bin/python bench/themes_bench.py [--points 10000] [--json] [--subsets]

1. **Recall on the 2016 demo**: the share of gold points that land in a suggested theme
   together with most of their subject's points: a gold point counts when one suggestion
   holds it and more than half of its subject's points (itself included); target >= 80 %.
   Each subject is listed with what the suggestions made of it, and each suggestion with the
   gold subjects it holds.
   ``--subsets`` also measures it on parts of the demo, each suggested on its own: without
   the joint letter (reaction 4: the youth portfolio holders and six councils), the odd
   reactions with the joint letter, and reactions 4-8 only (gold subjects cut to the points
   left, those left with one point dropped): a change that helps only one shape of
   consultation shows there.
2. **Time**: ``suggest`` on a generated consultation of N points (default 10,000; target
   <= 10 s), letters of 1-60 points from 400 senders, the text made of the seed sentences with
   a long-tail vocabulary (bench/scale_data.Text), read as Items (no database), best of two runs
   after one warm-up of the analysis cache on other text.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.scale_data import Text  # noqa: E402
from consult import create_app  # noqa: E402
from consult.db import get_session  # noqa: E402
from consult.themes import suggest as sg  # noqa: E402

GOLD = ROOT / "bench" / "themes_gold.json"


def _key(stakeholder: str, reaction: int, number: str) -> tuple[str, int, str]:
    return stakeholder, reaction, number


def recall(items: list[sg.Item], suggestions: list[sg.Suggestion], gold: dict) -> dict:
    """The gold measure (see the module) with a line per subject and per suggestion."""
    key_of = {i.id: _key(i.sender, i.reaction_id, i.number) for i in items}
    held = [{key_of[p] for p in s.point_ids} for s in suggestions]
    hits = total = 0
    subjects = []
    for subject in gold["subjects"]:
        points = {_key(p["stakeholder"], p["reaction"], p["number"]) for p in subject["points"]}
        need = len(points) // 2 + 1
        landed = sum(any(p in h and len(points & h) >= need for h in held) for p in points)
        hits += landed
        total += len(points)
        subjects.append({"subject": subject["subject"], "points": len(points), "landed": landed,
                         "in": [s.label for s, h in zip(suggestions, held, strict=True)
                                if points & h]})
    per_suggestion = []
    for s, h in zip(suggestions, held, strict=True):
        found = [g["subject"] for g in gold["subjects"]
                 if h & {_key(p["stakeholder"], p["reaction"], p["number"]) for p in g["points"]}]
        per_suggestion.append({"label": s.label, "points": len(h), "gold": found})
    return {"recall": hits / total, "gold_points": total, "landed": hits,
            "purity": purity(held, gold), "subjects": subjects, "suggestions": per_suggestion}


def purity(held: list[set], gold: dict) -> float:
    """Gold purity of the suggestions: of the gold points in suggestions, the share that sit
    with the majority subject of their suggestion (a point in two suggestions counts twice);
    what a secretary would not have to move out. 1.0 when no gold point is suggested."""
    subject_of = {_key(p["stakeholder"], p["reaction"], p["number"]): g["subject"]
                  for g in gold["subjects"] for p in g["points"]}
    inside = majority = 0
    for keys in held:
        subjects = Counter(subject_of[k] for k in keys if k in subject_of)
        inside += sum(subjects.values())
        majority += max(subjects.values(), default=0)
    return majority / inside if inside else 1.0


SUBSETS = {
    "without the joint letter (reaction 4)": lambda i: i.reaction_id != 4,
    "odd reactions and the joint letter": lambda i: i.reaction_id % 2 == 1 or i.reaction_id == 4,
    "reactions 4-8 only": lambda i: 4 <= i.reaction_id <= 8,
}


def subset_recall(items: list[sg.Item], gold: dict, keep) -> dict:
    """Recall of suggestions made on the points ``keep`` accepts alone, against the gold
    subjects cut to those points (a subject left with one point is dropped)."""
    part = [i for i in items if keep(i)]
    held = {_key(i.sender, i.reaction_id, i.number) for i in part}
    subjects = []
    for subject in gold["subjects"]:
        points = [p for p in subject["points"]
                  if _key(p["stakeholder"], p["reaction"], p["number"]) in held]
        if len(points) >= 2:
            subjects.append({**subject, "points": points})
    return recall(part, sg.suggest(part), {"subjects": subjects})


def demo_items() -> list[sg.Item]:
    """The 2016 demo's points as Items, from a fresh SQLite database."""
    from sqlmodel import SQLModel

    from consult import demo
    from consult.models import Consultation

    folder = tempfile.mkdtemp(prefix="themes-bench-")
    app = create_app({"DATABASE_URL": f"sqlite:///{folder}/demo.sqlite3", "SEARCH_MODE": "off",
                      "SECRET_KEY": "bench", "INSTANCE_PATH": folder})
    with app.app_context():
        session = get_session()
        SQLModel.metadata.create_all(session.get_bind())
        demo.load(session)
        session.commit()
        from sqlmodel import select
        consultation = session.exec(select(Consultation)).first()
        items = sg.load_items(session, consultation.id)
    app.extensions["consult.engine"].dispose()
    return items


def generated_items(count: int, seed: int = 17) -> list[sg.Item]:
    """``count`` points in letters of 1-60 points from 400 senders (see the module)."""
    rnd = random.Random(seed)
    text = Text(rnd)
    items, reaction = [], 0
    while len(items) < count:
        reaction += 1
        sender = f"Afzender {rnd.randrange(400)}"
        heading = text.phrase(1, 3) if rnd.random() < 0.3 else ""
        for number in range(1, min(rnd.randint(1, 60), count - len(items)) + 1):
            items.append(sg.Item(len(items) + 1, reaction, sender, str(number), heading,
                                 text.point_body()))
    return items


def timing(count: int) -> tuple[float, float]:
    """Best of two runs of ``suggest`` on ``count`` generated points: (wall-clock seconds,
    CPU seconds of this process). On a shared machine the CPU time says what the work costs;
    the wall clock also counts the time other processes held the cores."""
    sg.suggest(generated_items(300, seed=1))  # imports and the first analyses
    items = generated_items(count)
    wall = cpu = float("inf")
    for _ in range(2):
        started, used = time.perf_counter(), time.process_time()
        sg.suggest(items)
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - used)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000, help="0: skip the timing")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--subsets", action="store_true", help="recall on parts of the demo")
    args = parser.parse_args()
    items = demo_items()
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    result = recall(items, sg.suggest(items), gold)
    result["seconds"], result["cpu_seconds"] = timing(args.points) if args.points else (0, 0)
    result["timed_points"] = args.points
    if args.subsets:
        result["subsets"] = {name: {k: v for k, v in subset_recall(items, gold, keep).items()
                                    if k in ("recall", "gold_points", "landed", "purity")}
                             for name, keep in SUBSETS.items()}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return
    for s in result["subjects"]:
        print(f"{s['landed']:>2}/{s['points']:<2} {s['subject']}  <- {s['in']}")
    print()
    for s in result["suggestions"]:
        print(f"{s['points']:>3}  {s['label']}  -> {s['gold'] or '(no gold subject)'}")
    for name, part in result.get("subsets", {}).items():
        print(f"recall {name}: {part['landed']}/{part['gold_points']} = {part['recall']:.1%}"
              f", gold purity {part['purity']:.0%}")
    print(f"\nrecall: {result['landed']}/{result['gold_points']} = {result['recall']:.1%}"
          f" (target >= 80 %); {len(result['suggestions'])} suggestions;"
          f" gold purity {result['purity']:.0%}")
    print(f"time to suggest for {args.points} points: {result['seconds']:.2f} s wall clock, "
          f"{result['cpu_seconds']:.2f} s CPU (target <= 10 s; load now {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
