"""Moving through a page with the keyboard alone, and checking that focus can be seen."""

from __future__ import annotations

# The focused element's focus indicator as GOV.UK Frontend draws it: on the element itself
# (outline, box-shadow, the yellow background of a focused link), or, for a checkbox or radio
# (the input itself is invisible), on the box its label's ::before draws. Measured focused and
# then blurred: the indicator is whatever differs. Focus is put back afterwards.
FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const choice = el.matches('.govuk-checkboxes__input, .govuk-radios__input');
  const target = choice ? el.parentElement.querySelector('label') : el;
  const pseudo = choice ? '::before' : null;
  const read = () => {
    const s = getComputedStyle(target, pseudo);
    return {outline: s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor, boxShadow: s.boxShadow, background: s.backgroundColor};
  };
  const focused = read();
  el.blur();
  const blurred = read();
  el.focus();
  return {element: el.tagName + ' ' + (el.name || el.id || el.textContent.trim().slice(0, 40)), focused, blurred};
}"""


def focus_is_visible(page) -> dict:
    """Assert the focused element looks different while focused (outline, shadow or background)."""
    found = page.evaluate(FOCUS_STYLE)
    assert found is not None, "nothing has the focus"
    focused, blurred = found["focused"], found["blurred"]
    assert focused != blurred and (focused["boxShadow"] != "none" or "solid" in focused["outline"]), (
        f"the focused element shows no focus indicator: {found}"
    )
    return found


def tab_to(page, locator, *, limit: int = 80, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until ``locator`` has the focus, checking at every stop that
    the focus can be seen. Fails if it is not reached within ``limit`` presses."""
    handle = locator.element_handle()
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if page.evaluate("(el) => document.activeElement === el", handle):
            focus_is_visible(page)
            return
        if page.evaluate("document.activeElement !== document.body"):
            focus_is_visible(page)
    raise AssertionError(f"Tab never reached {locator}")
