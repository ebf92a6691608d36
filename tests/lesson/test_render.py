"""Markdown rendering: math, directives, glossary links, tables, escaping."""

from rnnlab.lesson.render import Env, render, render_inline, slugify


def test_math_is_kept_as_escaped_tex_for_katex():
    html = render("Inline $a < b$ here.\n\n$$\nh_t = \\tanh(x) \\odot y\n$$\n", Env())
    assert '<span class="math inline">a &lt; b</span>' in html
    assert '<div class="math display">h_t = \\tanh(x) \\odot y</div>' in html


def test_directives_become_placeholders_and_are_recorded():
    env = Env(diagrams={"d": '<svg role="img"></svg>'})
    html = render("::: experiment vanishing-gradients\n\n::: check step4-decay\n\n"
                  "::: diagram d A *caption* with $x$.\n", env)
    assert '<div class="experiment" data-experiment="vanishing-gradients"></div>' in html
    assert '<div class="check" data-check="step4-decay"></div>' in html
    assert ('<figure class="diagram" id="diagram-d">\n<svg role="img"></svg>\n<figcaption>A <em>caption</em> with '
            '<span class="math inline">x</span>.</figcaption>\n</figure>') in html
    assert env.directives == [("experiment", "vanishing-gradients"), ("check", "step4-decay"), ("diagram", "d")]


def test_directive_lines_that_do_not_parse_are_reported_not_shown():
    env = Env()
    html = render(":::experiment\n\n::: video cats\n", env)
    assert ":::" not in html
    assert env.bad_directives == [":::experiment", "::: video cats"]


def test_indented_directive_is_code_not_a_directive():
    env = Env()
    assert "<code>::: check x" in render("    ::: check x\n", env)
    assert env.directives == []


def test_term_links_resolve_labels_and_aliases():
    env = Env(aliases={"bptt": "backpropagation-through-time"})
    html = render_inline("[[Hidden state|hidden states]], [[BPTT]] and [[LSTM]]", env)
    assert html == ('<a class="term" href="/glossary#hidden-state">hidden states</a>, '
                    '<a class="term" href="/glossary#backpropagation-through-time">BPTT</a> and '
                    '<a class="term" href="/glossary#lstm">LSTM</a>')
    assert env.terms == ["Hidden state", "BPTT", "LSTM"]


def test_raw_html_and_term_labels_are_escaped():
    env = Env()
    html = render('<script>alert(1)</script> [[x|<b>bold</b>]] "quoted"', env)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a class="term" href="/glossary#x">&lt;b&gt;bold&lt;/b&gt;</a>' in html
    assert "“quoted”" in html


def test_tables_scroll_inside_a_labelled_focusable_region():
    html = render("| a | b |\n| --- | --- |\n| 1 | 2 |\n", Env())
    assert '<div class="table-scroll" role="region" tabindex="0" aria-label="Table: a, b">' in html
    assert "<td>1</td>" in html


def test_headings_get_anchors():
    assert '<h2 id="the-key-idea">The key idea</h2>' in render("## The key idea\n", Env())


def test_slugify():
    assert slugify("Hidden state") == "hidden-state"
    assert slugify("Encoder–decoder") == "encoder-decoder"
    assert slugify("  LSTM & GRU  ") == "lstm-gru"


def test_table_label_is_plain_text_and_a_term_link_in_a_cell_escapes_its_pipe():
    html = render("| step $t$ | [[x\\|Many]] **b** |\n|---|---|\n| 1 | 2 |\n", Env())
    assert 'aria-label="Table: step t, Many b"' in html
    assert '<th><a class="term" href="/glossary#x">Many</a> <strong>b</strong></th>' in html


def test_deeper_section_folds_its_markdown_into_details_with_a_summary():
    env = Env()
    html = render("Core.\n\n::: deeper Beam *search* vs $x$\n\nSome **text**.\n\n::: check c1\n\n:::\n\nAfter.\n", env)
    assert ('<details class="deeper">\n<summary><span class="deeper-label">Go deeper</span> '
            '<span class="deeper-title">Beam <em>search</em> vs <span class="math inline">x</span></span></summary>\n'
            '<div class="deeper-body">\n<p>Some <strong>text</strong>.</p>\n'
            '<div class="check" data-check="c1"></div>\n</div>\n</details>') in html
    assert html.index("Core.") < html.index("<details") < html.index("After.")
    assert env.directives == [("check", "c1")] and env.deeper == ["Beam *search* vs $x$"]


def test_unclosed_deeper_section_is_reported_not_shown():
    env = Env()
    html = render("::: deeper Never closed\n\nText.\n", env)
    assert "<details" not in html and ":::" not in html
    assert env.bad_directives == ["::: deeper Never closed"]
