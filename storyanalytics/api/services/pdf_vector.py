"""The PDF export with vector marks: the chart's SVG (drawn by the web app, uploaded with the snapshot)
converted by fpdf2, so it prints sharp at any size. The PNG-based PDF stays as the fallback.

fpdf2 draws text with the PDF core fonts (Latin-1), so characters outside it are spelled in ASCII first.
"""

from __future__ import annotations

import io
import re

from defusedxml import ElementTree

from storyanalytics.errors import StoryAnalyticsError

MAX_VECTOR_BYTES = 10 * 1024 * 1024
SVG_NS = "{http://www.w3.org/2000/svg}"
_SPELLED = {
    "\u2212": "-",
    "\u2191": "",
    "\u2193": "",
    "\u2192": "->",
    "\u2190": "<-",
    "\u2026": "...",
    "\u2013": "-",
}
_SIZE = re.compile(r"^\s*([0-9.]+)")


class VectorSnapshotError(StoryAnalyticsError):
    """The uploaded SVG cannot be used for the PDF export; the message says why."""

    status_code = 422


def check_svg(data: bytes) -> tuple[float, float]:
    """Width and height of an uploaded chart SVG; refuses what is not one (size, XML, root element)."""
    if len(data) > MAX_VECTOR_BYTES:
        raise VectorSnapshotError(f"the SVG is over {MAX_VECTOR_BYTES // 1_048_576} MB: render it smaller")
    try:
        root = ElementTree.fromstring(data)
    except Exception:  # defusedxml raises several kinds for bad or hostile XML
        raise VectorSnapshotError("the SVG is not well-formed XML: render it again and re-upload") from None
    if root.tag not in (f"{SVG_NS}svg", "svg"):
        raise VectorSnapshotError("the upload is not an SVG (its root element is not <svg>)")
    sizes = []
    for name in ("width", "height"):
        match = _SIZE.match(root.get(name, ""))
        if not match or float(match.group(1)) <= 0:
            raise VectorSnapshotError(f"the SVG has no {name} in pixels: set width and height on <svg>")
        sizes.append(float(match.group(1)))
    return sizes[0], sizes[1]


class NotLatin1(VectorSnapshotError):
    """The chart's text needs characters the PDF core fonts lack (the PNG-based PDF shows them)."""


class NotDrawable(VectorSnapshotError):
    """fpdf2 draws a subset of SVG and this one is outside it (the PNG-based PDF shows the chart)."""


def _latin1(svg: str) -> str:
    for char, spelled in _SPELLED.items():
        svg = svg.replace(char, spelled)
    try:
        svg.encode("latin-1")
    except UnicodeEncodeError:
        raise NotLatin1("the chart's text needs characters outside Latin-1") from None
    return svg


def svg_to_pdf(svg: bytes, *, title: str, alt: str = "") -> bytes:
    """A one-page PDF the size of the chart, its marks and text drawn as vectors."""
    width, height = check_svg(svg)
    from fpdf import FPDF  # imported on first use: ~0.1 s that a cold start (Lambda) need not pay

    pdf = FPDF(unit="pt", format=(width, height))
    pdf.set_title(title or "Chart")
    if alt:
        pdf.set_subject(alt[:500])
    pdf.set_creator("Story Analytics")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    text = _latin1(svg.decode("utf-8", "replace")).encode("utf-8")
    try:
        pdf.image(io.BytesIO(text), x=0, y=0, w=width, h=height)
        return bytes(pdf.output())
    except Exception as exc:  # fpdf2 raises many kinds for SVG it cannot draw; none may become a 500
        raise NotDrawable(f"the chart's SVG cannot be drawn as vectors ({type(exc).__name__})") from None
