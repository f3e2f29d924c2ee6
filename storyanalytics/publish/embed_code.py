"""Embed codes (a responsive iframe plus the script that sizes it) and that script itself.

The base URL is the app's own address in local mode and the CDN's in cloud mode (`EDGE_URL`), so an
embed code pasted anywhere keeps working when the app is redeployed, replaced or stopped.
"""

from __future__ import annotations

import hashlib
from html import escape

HEIGHT_MESSAGE_TYPE = "story-analytics:height"
DEFAULT_EMBED_HEIGHT = 420


def embed_code(base_url: str, public_id: str, title: str, *, kind: str = "chart") -> dict[str, str]:
    """A responsive iframe plus the script that resizes it; `html` is both, ready to paste."""
    base = base_url.rstrip("/")
    public_url = f"{base}/embed/{public_id}" + ("?kind=dashboard" if kind == "dashboard" else "")
    iframe = (
        f'<iframe src="{escape(public_url, quote=True)}" title="{escape(title or "Chart", quote=True)}"'
        f' data-story-analytics-id="{escape(public_id, quote=True)}" loading="lazy" scrolling="no"'
        f' frameborder="0" style="width:100%;min-width:100%;border:none;" height="{DEFAULT_EMBED_HEIGHT}"'
        "></iframe>"
    )
    script = f'<script async src="{escape(base, quote=True)}/embed.js"></script>'
    return {"public_url": public_url, "iframe": iframe, "script": script, "html": f"{iframe}\n{script}"}


EMBED_SCRIPT = f"""/* Story Analytics embed: sizes iframes to their content. */
(function () {{
  "use strict";
  if (window.__storyAnalyticsEmbed) {{ return; }}
  window.__storyAnalyticsEmbed = true;
  var MAX_HEIGHT = 20000;
  var ID = /^[A-Za-z0-9_-]{{16,64}}$/;
  function originOf(url) {{
    try {{ return new URL(url, window.location.href).origin; }} catch (e) {{ return null; }}
  }}
  window.addEventListener("message", function (event) {{
    var data = event.data;
    if (!data || typeof data !== "object" || data.type !== "{HEIGHT_MESSAGE_TYPE}") {{ return; }}
    if (typeof data.publicId !== "string" || !ID.test(data.publicId)) {{ return; }}
    var height = data.height;
    if (typeof height !== "number" || !isFinite(height) || height <= 0) {{ return; }}
    var frames = document.querySelectorAll("iframe[data-story-analytics-id]");
    for (var i = 0; i < frames.length; i++) {{
      var frame = frames[i];
      if (!event.source || frame.contentWindow !== event.source) {{ continue; }}
      if (frame.getAttribute("data-story-analytics-id") !== data.publicId) {{ continue; }}
      if (originOf(frame.src) !== event.origin) {{ continue; }}
      var px = Math.min(Math.ceil(height), MAX_HEIGHT);
      frame.style.height = px + "px";
      frame.setAttribute("height", String(px));
    }}
  }});
}})();
"""
EMBED_SCRIPT_BYTES = EMBED_SCRIPT.encode("utf-8")
EMBED_SCRIPT_ETAG = '"' + hashlib.sha256(EMBED_SCRIPT_BYTES).hexdigest()[:32] + '"'
