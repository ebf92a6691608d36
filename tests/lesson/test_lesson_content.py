"""The shipped lesson: complete, in order, faithful to the brief, every reference valid."""

import re
from collections import Counter
from pathlib import Path

from rnnlab.experiments.registry import MODULES

EXPECTED_TITLES = [
    "Why Sequential Data Needs Special Networks",
    "Hidden State: the Network's Memory",
    "Unrolling and Backpropagation Through Time",
    "Vanishing (and Exploding) Gradients",
    "LSTM: Gates and the Cell-State Highway",
    "GRU: Update and Reset",
    "Sequence to Sequence",
    "Real-World Applications",
]


def test_lesson_has_the_briefs_front_page(lesson):
    assert lesson.title == "Recurrent Neural Networks"
    assert lesson.subtitle == "Networks That Remember: Processing Sequences Over Time"
    assert lesson.difficulty == "Intermediate"
    assert lesson.duration == "18–22 minutes"
    assert list(lesson.prerequisites) == ["Neural networks", "Backpropagation"]
    assert [o.title for o in lesson.outcomes] == [
        "Hidden State Memory", "Vanishing Gradients", "LSTM & GRU Gates", "Real-World Applications"]
    assert [c.term for c in lesson.concepts] == [
        "Sequential Data", "Hidden States", "Vanishing Gradients", "LSTM", "GRU", "Sequence-to-Sequence"]


def test_eight_steps_in_order_with_titles(lesson):
    assert [s.number for s in lesson.steps] == list(range(1, 9))
    assert [s.title for s in lesson.steps] == EXPECTED_TITLES
    assert lesson.step(4).title == EXPECTED_TITLES[3]


def test_step_lookup_raises_key_error_for_a_missing_step(lesson):
    for bad in (0, 9, "1"):
        try:
            lesson.step(bad)
        except KeyError:
            continue
        raise AssertionError(f"step({bad!r}) did not raise")


def test_minutes_add_up_to_the_briefs_duration(lesson):
    assert all(s.minutes > 0 for s in lesson.steps)
    assert 18 <= sum(s.minutes for s in lesson.steps) <= 22


def _cells(html):
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh]>(.*?)</t[dh]>", html, re.S)]


def test_step_one_carries_both_tables_of_the_brief(lesson):
    cells = _cells(lesson.step(1).html)
    for row in (["Text", "“I love this movie”", "Word order determines meaning", "Sentiment analysis"],
                ["DNA", "ATCGATCG...", "Gene sequences encode proteins", "Protein structure prediction"],
                ["Video", "Frame 1, Frame 2, ...", "Actions unfold over time", "Activity recognition"],
                ["Memory", "None — each input independent", "Hidden state carries context forward"],
                ["Word order", "“cat sat the” = “the cat sat”", "“the cat sat” ≠ “cat sat the”"],
                ["Best for", "Images, tabular data", "Text, time series, audio"]):
        start = cells.index(row[0])
        assert cells[start : start + len(row)] == row
    assert "Dog bites man" in lesson.step(1).html
    assert "Text" in cells


def test_every_step_embeds_a_check_on_its_own_outcome(lesson):
    for step in lesson.steps:
        assert step.checks, step.number
        for ident in step.checks:
            check = lesson.checks[ident]
            assert check.step == step.number
            assert check.outcome in step.outcomes


def test_every_check_is_embedded_exactly_once(lesson):
    embedded = [i for s in lesson.steps for i in s.checks]
    assert sorted(embedded) == sorted(lesson.checks)


def test_every_outcome_has_at_least_two_checks(lesson):
    for outcome in lesson.outcomes:
        assert sum(c.outcome == outcome.id for c in lesson.checks.values()) >= 2, outcome.id


def test_every_registered_step_experiment_is_embedded_once_in_the_step_its_module_names(lesson):
    embedded = sorted((i, s.number) for s in lesson.steps for i in s.experiments)
    assert embedded == sorted((m.ID, m.STEP) for m in MODULES if m.STEP)  # the lab's (STEP 0) nowhere


def test_the_readme_table_of_experiments_names_each_ones_step_and_kind_as_the_registry_does():
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\s*\| `([a-z0-9-]+)` \| (\w+) \| (\w+) \|", readme, re.M)
    assert rows == [(m.ID, str(m.STEP) if m.STEP else "lab", m.KIND) for m in MODULES]


def test_every_check_kind_is_used_and_step_eight_is_the_matching_exercise(lesson):
    assert {c.kind for c in lesson.checks.values()} == {"single", "multiple", "numeric", "ordering", "matching",
                                                        "predict"}
    match = lesson.checks["step8-match-architectures"]
    assert match.kind == "matching"
    assert {t.id for t in match.targets} == {"one-to-many", "many-to-one", "many-to-many", "encoder-decoder"}
    assert {"sentiment", "translation", "captioning", "music", "pos-tagging", "video-activity"} <= {
        o.id for o in match.options}


def test_every_option_of_every_check_has_feedback(lesson):
    for check in lesson.checks.values():
        assert check.explanation_html.strip()
        if check.kind == "numeric":
            assert all([check.numeric.correct_html, check.numeric.low_html, check.numeric.high_html])
        else:
            assert all(o.feedback_html.strip() for o in check.options), check.id
        if check.kind == "single":
            assert sum(o.correct for o in check.options) == 1


def test_glossary_holds_the_six_key_concepts_and_every_linked_term(lesson):
    slugs = {t.slug for t in lesson.glossary}
    assert {c.slug for c in lesson.concepts} <= slugs
    assert {t.slug for t in lesson.glossary if t.concept} == {c.slug for c in lesson.concepts}
    htmls = [s.html for s in lesson.steps] + [t.html for t in lesson.glossary]
    htmls += [c.prompt_html + c.explanation_html for c in lesson.checks.values()]
    linked = {m for h in htmls for m in re.findall(r'<a class="term" href="/glossary#([a-z0-9-]+)"', h)}
    assert linked and linked <= slugs


def test_each_diagram_appears_in_its_step_with_a_caption(lesson):
    where = {d: s.number for s in lesson.steps for d in s.diagrams}
    assert where == {"unrolled-rnn": 3, "lstm-cell": 5, "gru-cell": 6, "encoder-decoder": 7}
    for name, number in where.items():
        html = lesson.step(number).html
        assert f'<figure class="diagram" id="diagram-{name}">' in html
        assert re.search(rf'id="diagram-{name}">.*?<figcaption>\S.*?</figcaption>', html, re.S)


def test_load_lesson_is_cached(lesson):
    from rnnlab.lesson import load_lesson

    assert load_lesson() is lesson


def _every_html(lesson):
    yield from ((f"step {s.number}", s.html) for s in lesson.steps)
    yield from ((f"glossary {t.slug}", t.html) for t in lesson.glossary)
    for c in lesson.checks.values():
        parts = [c.prompt_html, c.explanation_html] + [o.html + o.feedback_html for o in c.options]
        parts += [t.html for t in c.targets]
        if c.numeric:
            parts += [c.numeric.correct_html, c.numeric.low_html, c.numeric.high_html]
        yield c.id, " ".join(parts)


def test_no_markup_is_left_unrendered(lesson):
    for where, html in _every_html(lesson):
        text = re.sub(r'<(span|div) class="math (inline|display)">.*?</\1>', "", html, flags=re.S)
        text = re.sub(r"<svg.*?</svg>", "", text, flags=re.S)
        text = re.sub(r"<pre.*?</pre>", "", text, flags=re.S)  # the engine's code may hold ** or $
        for leftover in ("$", "[[", "]]", ":::", "**", "\\("):
            assert leftover not in text, f"{where}: {leftover!r} left in the rendered HTML"


def _plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_the_right_answer_is_the_longest_option_in_at_most_a_third_of_the_single_choice_checks(lesson):
    singles = [c for c in lesson.checks.values() if c.kind == "single"]
    for check in singles:
        assert sum(o.correct for o in check.options) == 1 and all(o.feedback_html.strip() for o in check.options)

    def strictly_longest(check):
        lengths = {o.id: len(_plain(o.html)) for o in check.options}
        right = next(o.id for o in check.options if o.correct)
        return all(lengths[right] > n for i, n in lengths.items() if i != right)
    longest = [c.id for c in singles if strictly_longest(c)]
    assert len(longest) <= len(singles) / 3, longest


def test_the_right_answer_is_not_always_the_same_option_id(lesson):
    rights = Counter(next(o.id for o in c.options if o.correct) for c in lesson.checks.values() if c.kind == "single")
    assert max(rights.values()) <= len(list(rights.elements())) / 2, rights


def test_core_path_minutes_count_words_checks_experiments_and_training_outside_details():
    from rnnlab.lesson.timing import core_time, minutes_label

    html = ('<h2>Two words</h2><p>one <em>two</em> — <span class="math inline">x</span></p>'
            '<div class="math display">a \\\\ b</div>'
            '<div class="experiment" data-experiment="seq2seq"></div><div class="check" data-check="c"></div>'
            '<figure class="diagram"><svg><text>not counted</text></svg><figcaption>A caption</figcaption></figure>'
            '<details class="deeper"><summary>Hidden</summary><p>many hidden words here</p>'
            '<div class="check" data-check="d"></div></details>')
    core = core_time(html, {"seq2seq": 12.0})
    assert core.words == 2 + 3 + 16 + 2  # heading, "one two x" (the dash is no word), 2 lines x 8, caption
    assert (core.checks, core.experiments, core.training_s) == (("c",), ("seq2seq",), 12.0)
    assert core.minutes == 23 / 200 + 0.5 + 0.75 + 12 / 60
    assert [minutes_label(m) for m in (0.1, 2.2, 2.3, 2.76, 3.0)] == ["½", "2", "2½", "3", "3"]
