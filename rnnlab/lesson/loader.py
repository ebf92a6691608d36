"""Read the lesson from its sources, check everything, build the ``Lesson``.

The sources (all under ``rnnlab/lesson/`` unless another root is given)::

    lesson.yaml            title, subtitle, difficulty, duration, prerequisites, outcomes, concepts
    glossary.yaml          [{term, text, aliases?}]
    steps/NN-slug.md       front matter (title, summary, outcomes) + Markdown; a step's
                           minutes are computed from its core path (timing.py), never written
    checks/*.yaml          lists of checks (see checks.py)
    diagrams/ID.svg        inline SVG with role="img", <title> and <desc>

``load_lesson`` collects every problem it finds and raises one ``LessonError``
listing them all, so a broken lesson is fixed in one pass, not one error at a time.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

from .checks import parse_check
from .diagrams import load_diagrams
from .models import Check, Concept, Lesson, LessonError, Outcome, Step, Term
from .references import JOB_SECONDS, cross_check, experiment_steps
from .render import Env, render, slugify
from .timing import core_time

__all__ = ["JOB_SECONDS", "LESSON_DIR", "STEP_COUNT", "build_lesson", "experiment_steps", "load_lesson"]

LESSON_DIR = Path(__file__).resolve().parent
STEP_COUNT = 8

STEP_FILE = re.compile(r"^(\d\d)-([a-z0-9-]+)\.md$")
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
STEP_KEYS = {"title", "summary", "outcomes"}


def _yaml(path: Path, problems: list[str]):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        problems.append(f"{path.name}: cannot read: {exc}")
        return None


def _meta(root: Path, problems: list[str]) -> dict:
    meta = _yaml(root / "lesson.yaml", problems) or {}
    for key in ("title", "subtitle", "difficulty", "duration", "outcomes_intro"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            problems.append(f"lesson.yaml: missing '{key}'")
    minutes = meta.get("duration_minutes")
    if not (isinstance(minutes, list) and len(minutes) == 2 and all(isinstance(m, (int, float)) for m in minutes)):
        problems.append("lesson.yaml: 'duration_minutes' must be [least, most]")
        meta["duration_minutes"] = [0, float("inf")]
    for key, fields in (("outcomes", ("id", "title", "text")), ("concepts", ("term", "text", "glossary"))):
        entries = meta.get(key)
        if not isinstance(entries, list) or not entries or not all(
            isinstance(e, dict) and all(isinstance(e.get(f), str) and e[f] for f in fields) for e in entries
        ):
            problems.append(f"lesson.yaml: '{key}' must be a list of {{{', '.join(fields)}}}")
            meta[key] = []
    if not isinstance(meta.get("prerequisites"), list):
        problems.append("lesson.yaml: 'prerequisites' must be a list")
        meta["prerequisites"] = []
    return meta


def _glossary(root: Path, problems: list[str]) -> tuple[list[dict], dict[str, str]]:
    """The glossary entries, and a map from every alias's slug to its term's slug."""
    entries = _yaml(root / "glossary.yaml", problems) or []
    good, slugs, aliases = [], set(), {}
    for entry in entries:
        if not (isinstance(entry, dict) and isinstance(entry.get("term"), str) and isinstance(entry.get("text"), str)):
            problems.append(f"glossary.yaml: entry {entry!r} needs 'term' and 'text'")
            continue
        slug = slugify(entry["term"])
        if slug in slugs:
            problems.append(f"glossary.yaml: duplicate term {entry['term']!r}")
        slugs.add(slug)
        for alias in entry.get("aliases", []):
            aliases[slugify(alias)] = slug
        good.append(entry)
    for alias, slug in aliases.items():
        if alias in slugs and alias != slug:
            problems.append(f"glossary.yaml: alias {alias!r} is also a term")
    return good, aliases


def _unknown_terms(env: Env, slugs: set[str], where: str, problems: list[str]) -> None:
    for target in env.terms:
        slug = env.aliases.get(slugify(target), slugify(target))
        if slug not in slugs:
            problems.append(f"{where}: link [[{target}]] names no glossary term")
    env.terms.clear()


def _step(path: Path, number: int, env: Env, problems: list[str]) -> Step | None:
    match = STEP_FILE.match(path.name)
    text = path.read_text(encoding="utf-8")
    front = FRONT_MATTER.match(text)
    if not front:
        problems.append(f"steps/{path.name}: no front matter (--- ... ---)")
        return None
    try:
        fm = yaml.safe_load(front[1]) or {}
    except yaml.YAMLError as exc:
        problems.append(f"steps/{path.name}: bad front matter: {exc}")
        return None
    missing = STEP_KEYS - set(fm)
    if missing:
        problems.append(f"steps/{path.name}: front matter lacks {sorted(missing)}")
        return None
    if set(fm) - STEP_KEYS:
        problems.append(f"steps/{path.name}: unknown front matter {sorted(set(fm) - STEP_KEYS)} "
                        "(a step's minutes are computed from its core path)")
    outcomes = fm["outcomes"] if isinstance(fm["outcomes"], list) else [fm["outcomes"]]
    html = render(text[front.end():], env)
    for line in env.bad_directives:
        problems.append(f"steps/{path.name}: cannot read directive {line!r}")
    for ident in env.unknown_diagrams:
        problems.append(f"steps/{path.name}: unknown diagram {ident!r}")
    for why in env.unknown_code:
        problems.append(f"steps/{path.name}: cannot show the engine's code: {why}")
    kinds = ("experiment", "check", "diagram", "code")
    ids = {kind: tuple(i for k, i in env.directives if k == kind) for kind in kinds}
    return Step(number, match[2], str(fm["title"]), str(fm["summary"]), tuple(outcomes), html,
                ids["check"], ids["experiment"], ids["diagram"], core_time(html, JOB_SECONDS), tuple(env.deeper),
                ids["code"])


def _steps(root: Path, diagrams: dict[str, str], aliases: dict[str, str], slugs: set[str],
           problems: list[str]) -> list[Step]:
    files = sorted(p for p in (root / "steps").glob("*.md"))
    numbers = [int(m[1]) for p in files if (m := STEP_FILE.match(p.name))]
    for p in files:
        if not STEP_FILE.match(p.name):
            problems.append(f"steps/{p.name}: name must be NN-slug.md")
    if numbers != list(range(1, STEP_COUNT + 1)):
        problems.append(f"steps/: expected steps numbered 1 to {STEP_COUNT} in order, found {numbers}")
    steps = []
    for path in files:
        if not STEP_FILE.match(path.name):
            continue
        env = Env(diagrams=diagrams, aliases=aliases)
        step = _step(path, int(path.name[:2]), env, problems)
        _unknown_terms(env, slugs, f"steps/{path.name}", problems)
        if step:
            steps.append(step)
    return steps


def _checks(root: Path, aliases: dict[str, str], slugs: set[str], problems: list[str]) -> dict[str, Check]:
    checks: dict[str, Check] = {}
    for path in sorted((root / "checks").glob("*.yaml")):
        raws = _yaml(path, problems) or []
        for raw in raws if isinstance(raws, list) else [raws]:
            env = Env(aliases=aliases)
            check = parse_check(raw, f"checks/{path.name}", env, problems)
            _unknown_terms(env, slugs, f"checks/{path.name}", problems)
            if check is None:
                continue
            if check.id in checks:
                problems.append(f"checks/{path.name}: duplicate check id {check.id!r}")
            checks[check.id] = check
    return checks


def build_lesson(root: Path) -> Lesson:
    """Read and validate the lesson under ``root`` (uncached; see ``load_lesson``)."""
    problems: list[str] = []
    meta = _meta(root, problems)
    entries, aliases = _glossary(root, problems)
    slugs = {slugify(e["term"]) for e in entries}
    diagrams = load_diagrams(root / "diagrams", problems)
    concept_slugs = {c["glossary"] for c in meta["concepts"]}
    glossary = []
    for entry in entries:
        env = Env(aliases=aliases)
        slug = slugify(entry["term"])
        glossary.append(Term(slug, entry["term"], render(entry["text"], env), slug in concept_slugs))
        _unknown_terms(env, slugs, f"glossary.yaml: {entry['term']!r}", problems)
    checks = _checks(root, aliases, slugs, problems)
    steps = _steps(root, diagrams, aliases, slugs, problems)
    cross_check(meta, steps, checks, diagrams, slugs, problems)
    if problems:
        raise LessonError(problems)
    return Lesson(
        title=meta["title"], subtitle=meta["subtitle"], difficulty=meta["difficulty"],
        duration=meta["duration"], prerequisites=tuple(meta["prerequisites"]),
        outcomes_intro=meta["outcomes_intro"],
        outcomes=tuple(Outcome(o["id"], o["title"], o["text"]) for o in meta["outcomes"]),
        concepts=tuple(Concept(c["term"], c["text"], c["glossary"]) for c in meta["concepts"]),
        steps=tuple(steps), checks=checks, glossary=tuple(sorted(glossary, key=lambda t: t.term.lower())),
    )


@functools.cache
def _cached(root: Path) -> Lesson:
    return build_lesson(root)


def load_lesson(root: str | Path | None = None) -> Lesson:
    """The lesson, parsed and validated once per process; raises LessonError listing every problem."""
    return _cached(Path(root).resolve() if root is not None else LESSON_DIR)
