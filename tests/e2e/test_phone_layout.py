"""The caseworker's pages fit a phone's width: nothing makes the whole page scroll sideways.

Wide content (tables, the navigation bar) may scroll inside its own box; the page itself must
not be wider than the screen, or the phone zooms it out or lets it slide under the thumb.
"""

import pytest
from django.urls import reverse

from tests.e2e.helpers import PHONE, sign_in

pytestmark = pytest.mark.e2e


def test_the_caseworkers_pages_are_no_wider_than_a_phone(new_page, world, casework):
    pages = {
        "my work": reverse("cases:my_work"),
        "participant list": reverse("people:list"),
        "registration form": reverse("people:new"),
        "participant page": reverse("people:detail", args=[casework.participant.pk]),
        "consent form": reverse("people:consent_new", args=[casework.participant.pk]),
        "case page": reverse("cases:detail", args=[casework.case.pk]),
        "referral form": f"{reverse('referrals:new')}?case={casework.case.pk}",
        "referral page": reverse("referrals:detail", args=[casework.referral.pk]),
    }
    page = new_page(viewport=PHONE)
    sign_in(page, world.caseworker)

    too_wide = {}
    for name, url in pages.items():
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[name] = f"{width}px wide, {_widest(page)}"

    assert too_wide == {}, too_wide


def _widest(page) -> str:
    """The element that reaches furthest right without a scrolling box around it."""
    return page.evaluate(
        """() => {
            const clipping = ["auto", "scroll", "hidden"];
            const scrolls = (e) => clipping.includes(getComputedStyle(e).overflowX);
            let widest = null, right = 0;
            for (const element of document.body.querySelectorAll("*")) {
                const box = element.getBoundingClientRect();
                if (box.right <= right) continue;
                // An absolutely placed element escapes a scrolling box that is not positioned.
                let parent = element.parentElement, inside = false;
                while (parent && !inside) {
                    inside = scrolls(parent) && (getComputedStyle(element).position !== "absolute"
                        || getComputedStyle(parent).position !== "static");
                    parent = parent.parentElement;
                }
                if (!inside) { widest = element; right = box.right; }
            }
            if (!widest) return "no single element found";
            const text = (widest.textContent || "").trim().slice(0, 40);
            return `reached by <${widest.tagName.toLowerCase()} class="${widest.className}">`
                + `${text}</…> at ${Math.round(right)}px`;
        }"""
    )
