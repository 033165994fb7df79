"""Bad input: hostile Markdown and HTML, images, very large tables, too many figures."""

import re

import pytest

from tests.briefings.factories import make_briefing, make_staff
from tests.conftest import sign_in
from vawg_group.briefings import services
from vawg_group.briefings.charts import key_figures_svg
from vawg_group.briefings.markdown import MAX_TABLE_ROWS, check_markdown, render_markdown
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db

HOSTILE = (
    "<script>alert('x')</script>\n\n"
    '"><img src=x onerror=alert(1)>\n\n'
    "[click](javascript:alert(1))\n\n"
    '<a href="https://evil.example" onclick="steal()">raw link</a>\n\n'
    "<iframe src=https://evil.example></iframe>\n\n"
    "<style>body{display:none}</style>"
)


def test_raw_html_in_markdown_never_survives():
    html = str(render_markdown(HOSTILE))
    assert "<script" not in html and "<img" not in html and "<iframe" not in html and "<style" not in html
    assert "onclick" not in re.sub(r"&lt;.*?&gt;", "", html)
    assert "javascript:" not in re.findall(r'href="([^"]*)"', html).__str__()
    # Shown as text, so the reader sees what was written.
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html or "&lt;script&gt;" in html


def test_hostile_briefing_comes_back_escaped_on_every_page(app, client):
    staff = make_staff()
    briefing = make_briefing(
        author=staff,
        title='<script>alert("t")</script>',
        summary='"><img src=x onerror=alert(1)>',
        body_markdown=HOSTILE,
        figures=({"label": "<b>bold</b><script>x()</script>", "value": "1", "source": '"><svg onload=alert(1)>'},),
    )
    sign_in(client, staff)
    for path in ("/briefings/", f"/briefings/{briefing.id}", f"/briefings/{briefing.id}/edit"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page, path
        assert "<img src=x" not in page, path
        assert "<svg onload" not in page, path
        assert "<b>bold</b>" not in page, path


def test_images_are_refused_with_a_clear_message():
    with pytest.raises(ValidationError, match="Images cannot be placed in the body"):
        check_markdown("![chart](https://example.org/chart.png)")


def test_a_very_large_table_is_refused_with_a_clear_message(app):
    rows = "\n".join(f"| row {n} | {n} |" for n in range(MAX_TABLE_ROWS + 5))
    body = "| a | b |\n|---|---|\n" + rows
    with pytest.raises(ValidationError) as caught:
        make_briefing(body_markdown=body)
    assert "rows; the most is" in caught.value.errors["body_markdown"]
    wide = "|" + "|".join(f" c{n} " for n in range(20)) + "|\n|" + "---|" * 20
    with pytest.raises(ValidationError, match="columns"):
        check_markdown(wide)


def test_too_many_key_figures_is_a_clear_error(app):
    staff = make_staff()
    briefing = make_briefing(author=staff)
    for n in range(services.MAX_KEY_FIGURES):
        services.add_key_figure(briefing, by=staff, label=f"Measure {n}", value=str(n))
    with pytest.raises(ValidationError) as caught:
        services.add_key_figure(briefing, by=staff, label="One too many", value="1")
    assert "key figures at most" in caught.value.errors["label"]


@pytest.mark.parametrize(
    "value, message",
    [
        ("", "Enter a number"),
        ("lots", "Enter a number, like"),
        ("nan", "less than a trillion"),
        ("1e400", "less than a trillion"),
    ],
)
def test_key_figure_values_must_be_numbers(app, value, message):
    staff = make_staff()
    briefing = make_briefing(author=staff)
    with pytest.raises(ValidationError, match=message):
        services.add_key_figure(briefing, by=staff, label="Referrals", value=value)


def test_key_figures_format_counts_and_percentages(app):
    briefing = make_briefing(
        figures=(
            {"label": "Reported", "value": "5,705", "previous_value": "4905", "unit": "offences"},
            {"label": "Positive outcomes", "value": "19.9%", "previous_value": "18.1", "unit": "%"},
        )
    )
    reported, outcomes = briefing.key_figures
    assert (reported.value_text, reported.previous_text, reported.change_text) == ("5,705 offences", "4,905 offences", "+16.3%")
    assert (outcomes.value_text, outcomes.change_text) == ("19.9%", "+1.8 points")


def test_the_chart_is_accessible_and_escapes_what_it_shows(app):
    briefing = make_briefing(
        figures=(
            {"label": 'Crimes <script>x</script> & "more"', "value": "23639", "previous_value": "22951", "unit": "crimes"},
            {"label": "Victims supported", "value": "1843"},
        )
    )
    svg = str(key_figures_svg(briefing.key_figures, title="Key figures: test", chart_id="c1"))
    assert svg.startswith("<svg") and 'role="img"' in svg and 'aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">Key figures: test</title>' in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    # The description carries every number, so the chart says nothing the text does not.
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg).group(1)
    assert "23,639 crimes" in desc and "22,951 crimes" in desc and "1,843" in desc
    # Three bars: two for the first figure, one for the second (no previous value).
    assert svg.count("<rect") == 3
    assert key_figures_svg([], title="x", chart_id="c2") == ""


def test_tables_get_our_classes_and_no_others():
    html = str(render_markdown("| a | b |\n|---|---|\n| 1 | 2 |"))
    assert '<table class="govuk-table">' in html and '<th class="govuk-table__header" scope="col">a</th>' in html
    # Classes are ours alone: nh3 drops any other, even on an allowed tag.
    import nh3

    from vawg_group.briefings.markdown import ALLOWED_CLASSES

    assert (
        nh3.clean('<table class="govuk-table evil"></table>', tags={"table"}, allowed_classes=ALLOWED_CLASSES)
        == '<table class="govuk-table"></table>'
    )
