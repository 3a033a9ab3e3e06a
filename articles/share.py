"""The share box's QR code, made on the server so no third party ever sees the link."""

import functools

import segno
from django.utils.safestring import SafeString, mark_safe


@functools.lru_cache(maxsize=1024)
def qr_svg(url: str) -> SafeString:
    """A QR code of url as inline SVG (segno)."""
    svg = segno.make(url, error="m").svg_inline(
        scale=3, dark="#000", light="#fff", title="QR code of this page’s address", svgclass="qr"
    )
    # Safe: segno builds the SVG itself; the URL is only encoded as modules, never copied in as markup.
    return mark_safe(svg)
