import datetime as dt

import numpy as np
import pytest

from rnnlab.tasks import dates

PARSE = {  # form -> strptime pattern that reads it back (weekday and ordinal suffix checked separately)
    "day month year": "%d %B %Y",
    "month day, year": "%B %d, %Y",
    "day mon year": "%d %b %Y",
    "mon day, year": "%b %d, %Y",
    "weekday, day month year": "%A, %d %B %Y",
    "weekday month day year": "%A %B %d %Y",
    "dd.mm.yyyy": "%d.%m.%Y",
    "lowercase day month year": "%d %B %Y",
}


@pytest.mark.parametrize("form", dates.FORM_NAMES)
def test_every_form_reads_back_as_its_date(form):
    rng = np.random.default_rng(3)
    for offset in rng.integers(0, dates.N_DAYS, size=200):
        day = dates.FIRST + dt.timedelta(days=int(offset))
        text = dates.written(day, form)
        if form == "the nth of month year":
            _, nth, _, rest = text.split(" ", 3)
            assert nth[-2:] == {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}.get(day.day, "th")
            text = f"{nth[:-2]} {rest}"
            pattern = "%d %B %Y"
        else:
            pattern = PARSE[form]
        assert dt.datetime.strptime(text, pattern).date() == day  # weekday names are checked by strptime's %A too
        if form.startswith("weekday"):
            assert text.split(" ")[0].rstrip(",") == dates.WEEKDAYS[day.weekday()]


def test_examples_from_the_lesson():
    d = dt.date(2021, 3, 14)
    assert dates.written(d, "day month year") == "14 March 2021"
    assert dates.written(d, "month day, year") == "March 14, 2021"
    assert dates.written(d, "day mon year") == "14 Mar 2021"
    assert dates.written(d, "weekday, day month year") == "Sunday, 14 March 2021"
    assert dates.iso(d) == "2021-03-14"


def test_sampling_is_seeded_and_uses_varied_forms_and_lengths():
    a = dates.sample_pairs(np.random.default_rng(5), 300)
    b = dates.sample_pairs(np.random.default_rng(5), 300)
    c = dates.sample_pairs(np.random.default_rng(6), 300)
    assert a == b and a != c
    sources, targets = a
    assert all(dt.date.fromisoformat(t) for t in targets)
    lengths = {len(s) for s in sources}
    assert min(lengths) == 10 and max(lengths) >= 26
    assert sum(s[0].isalpha() for s in sources) > 50 and sum(s[0].isdigit() for s in sources) > 50


def test_held_out_days_never_appear_in_training():
    train = set(dates.sample_pairs(np.random.default_rng(1), 5000, "train")[1])
    test = set(dates.sample_pairs(np.random.default_rng(2), 2000, "test")[1])
    assert not train & test
    assert all(dates.is_test_date(dt.date.fromisoformat(t)) for t in test)
    assert 0.09 < dates._test_days().mean() < 0.11


@pytest.mark.parametrize("form", dates.FORM_NAMES)
def test_field_spans_find_the_day_month_and_year_in_every_form(form):
    for day in (dt.date(2021, 3, 4), dt.date(1999, 12, 31), dt.date(2005, 5, 23)):
        text = dates.written(day, form)
        spans = dates.field_spans(text)
        assert text[slice(*spans["year"])] == str(day.year) and spans["year"][1] == len(text)
        assert int(text[slice(*spans["day"])]) == day.day
        month = text[slice(*spans["month"])]
        assert int(month) == day.month if month.isdigit() else dates.MONTHS[day.month - 1].lower().startswith(month.lower())


def test_sources_are_padded_on_the_left_and_unknown_characters_map_to_question_mark():
    ids, mask = dates.encode_sources(["1 May 2000", "Monday, 1 May 2000", "5 mai 2000 \0"])
    assert ids.shape == mask.shape == (3, dates.SOURCE_LEN)
    assert mask[:, -1].all() and not mask[0, :30].any() and mask[0, 30:].all() and mask[1].sum() == 18
    alone, _ = dates.encode_sources(["1 May 2000"])
    assert (alone[0] == ids[0]).all()  # the same ids alone as in a batch
    assert dates.SRC_VOCAB.decode(ids[2][mask[2]]) == "5 mai 2000 ?"
    tgt_in, tgt_out = dates.encode_targets(["2000-05-01"])
    assert tgt_in[0, 0] == dates.BOS_ID and tgt_out[0, -1] == dates.EOS_ID
    assert dates.decode_target(tgt_out[0]) == "2000-05-01"


@pytest.mark.parametrize("call, message", [
    (lambda: dates.sample_pairs(np.random.default_rng(0), 0), "n must be"),
    (lambda: dates.sample_pairs(np.random.default_rng(0), 5, split="dev"), "split"),
    (lambda: dates.sample_pairs(0, 5), "Generator"),
    (lambda: dates.sample_pairs(np.random.default_rng(0), 5, forms=("nope",)), "forms"),
    (lambda: dates.encode_sources(["x" * 41]), "at most 40"),
    (lambda: dates.encode_sources([""]), "non-empty"),
    (lambda: dates.written(dt.date(2000, 1, 1), "roman"), "unknown form"),
    (lambda: dates.field_spans("yesterday"), "not a date"),
])
def test_bad_input_says_what_was_expected(call, message):
    with pytest.raises(ValueError, match=message):
        call()
