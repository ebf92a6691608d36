from rnnlab.lesson import summarize


def test_summary_without_answers_lists_every_outcome_to_revisit(lesson):
    summary = summarize(lesson, {})
    assert [s["outcome"] for s in summary] == ["hidden-state", "vanishing-gradients", "gates", "applications"]
    assert all(s["correct"] == 0 and s["answered"] == 0 and s["total"] >= 2 for s in summary)
    assert summary[0]["revisit"] == [1, 2]
    assert summary[3]["revisit"] == [7, 8]


def test_summary_counts_right_answers_and_revisits_only_weak_steps(lesson):
    answers = {c.id: True for c in lesson.checks.values()}
    answers["step4-clipping"] = False
    del answers["step6-gru-params"]
    answers["an-old-check"] = True  # ids the lesson no longer has are ignored
    by_outcome = {s["outcome"]: s for s in summarize(lesson, answers)}
    assert by_outcome["hidden-state"] == {"outcome": "hidden-state", "title": "Hidden State Memory",
                                          "correct": 5, "answered": 5, "total": 5, "revisit": []}
    vg = by_outcome["vanishing-gradients"]
    assert (vg["correct"], vg["answered"], vg["total"], vg["revisit"]) == (5, 6, 6, [4])
    gates = by_outcome["gates"]
    assert (gates["correct"], gates["answered"], gates["revisit"]) == (gates["total"] - 1, gates["total"] - 1, [6])
    assert by_outcome["applications"]["revisit"] == []
