// A standalone export (GET /api/charts/{id}/export/html) carries the chart in the page itself, so it draws
// from a file with no server. Returns { payload } when the page has one, { error } when it cannot be read,
// and null when there is none (the embed then fetches /api/public/...).
export const INLINE_PAYLOAD_ID = "story-analytics-payload";

export function readInlinePayload(doc = document) {
  const node = doc.getElementById(INLINE_PAYLOAD_ID);
  if (!node) return null;
  try {
    const payload = JSON.parse(node.textContent || "");
    if (!payload || typeof payload !== "object") throw new Error("not an object");
    return { payload };
  } catch {
    return { error: "This page's chart data could not be read: export the chart again." };
  }
}
