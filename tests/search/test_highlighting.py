"""The one place search output is marked safe: the snippet is escaped first, then only the
engine's own match marks (control characters no escaped text holds) become <mark> tags."""

from vawg_group.search.engines.base import MARK_END, MARK_START
from vawg_group.search.service import highlighted


def test_a_snippet_is_escaped_and_only_its_match_marks_become_tags():
    snippet = f'<script>xss("a")</script> the {MARK_START}kestrel{MARK_END} <mark>flew</mark> & "went"'
    html = str(highlighted(snippet))
    assert html == (
        "&lt;script&gt;xss(&#34;a&#34;)&lt;/script&gt; the <mark>kestrel</mark>"
        " &lt;mark&gt;flew&lt;/mark&gt; &amp; &#34;went&#34;"
    )


def test_a_mark_cut_in_half_by_the_snippet_leaves_no_tag_open():
    html = str(highlighted(f"<b>bold</b> and {MARK_START}kestr"))
    assert "<mark>" not in html and "</mark>" not in html
    assert html == "&lt;b&gt;bold&lt;/b&gt; and kestr"
