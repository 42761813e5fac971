"""Module content is shown safely: nothing typed becomes a tag but the few marks allowed."""

import pytest

from arraigo.learning.markup import render


def test_paragraphs_headings_lists_and_emphasis():
    text = (
        "# Tu idea\n\nPiensa en **quién** compra\ny *por qué*.\n\n"
        "- Costos\n- Precios\n\n1. Uno\n2. Dos"
    )

    assert str(render(text)) == (
        "<h3>Tu idea</h3>"
        "<p>Piensa en <strong>quién</strong> compra<br>y <em>por qué</em>.</p>"
        "<ul><li>Costos</li><li>Precios</li></ul>"
        "<ol><li>Uno</li><li>Dos</li></ol>"
    )


def test_a_heading_needs_no_blank_line_around_it():
    assert str(render("## Parte\ntexto")) == "<h4>Parte</h4><p>texto</p>"


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="https://x.org">x</a>',
        "[clic](javascript:alert(1))",
        '[clic](https://x.org" onclick="alert(1))',
        "**<b>negrita</b>**",
    ],
)
def test_no_html_typed_reaches_the_page(text):
    html = str(render(text))

    assert "<script" not in html
    assert "<img" not in html
    assert "<b>" not in html
    assert "javascript:" not in html or "<a" not in html
    assert 'onclick="' not in html
    assert 'onerror="' not in html


def test_links_go_to_web_addresses_only_without_the_referrer():
    html = str(render("Lea [la guía](https://www.oim.int/guia?a=1&b=2)."))

    assert html == (
        '<p>Lea <a href="https://www.oim.int/guia?a=1&amp;b=2" '
        'rel="noopener noreferrer nofollow">la guía</a>.</p>'
    )
    assert "<a" not in str(render("[local](/admin/)"))


def test_empty_content_renders_nothing():
    assert str(render("")) == ""
    assert str(render("\n\n  \n")) == ""
