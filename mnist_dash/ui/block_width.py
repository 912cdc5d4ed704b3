"""The width the browser gives the page's main column, for what the server must size in pixels."""

from __future__ import annotations

import streamlit as st

# Reports the width of the block it is in (to 10 px) whenever it changes; Streamlit then reruns the
# page. Its own element is hidden: it would take a gap in the block.
_JS = """
export default function (component) {
  const { parentElement, setStateValue } = component;
  const element = parentElement.closest("[data-testid='stElementContainer']");
  const block = element?.parentElement || parentElement;
  if (element) element.style.display = "none";
  let sent = null;
  const report = () => {
    const width = Math.round(block.getBoundingClientRect().width / 10) * 10;
    if (width && width !== sent) { sent = width; setStateValue("width", width); }
  };
  const observer = new ResizeObserver(report);
  observer.observe(block);
  return () => observer.disconnect();
}
"""
_probe = st.components.v2.component("mnist_dash_block_width", js=_JS, isolate_styles=False)


def block_width(key: str) -> int | None:
    """The width in CSS pixels of the block this is drawn in, once the browser has said (the page
    runs again then); None before, and in AppTest."""
    result = _probe(key=key, height=0, on_width_change=lambda: None)
    return getattr(result, "width", None)
