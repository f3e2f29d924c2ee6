import { describe, expect, it } from "vitest";
import { INLINE_PAYLOAD_ID, readInlinePayload } from "../inlinePayload.js";

function pageWith(text) {
  const doc = document.implementation.createHTMLDocument("t");
  if (text !== undefined) {
    const script = doc.createElement("script");
    script.type = "application/json";
    script.id = INLINE_PAYLOAD_ID;
    script.textContent = text;
    doc.body.appendChild(script);
  }
  return doc;
}

describe("readInlinePayload", () => {
  it("is null when the page has no inline payload", () => {
    expect(readInlinePayload(pageWith())).toBeNull();
  });

  it("reads the escaped JSON the export writes", () => {
    const text = '{"title":"\\u003c/script\\u003e \\u2028","chart_type":"histogram"}';
    expect(readInlinePayload(pageWith(text))).toEqual({
      payload: { title: "</script> \u2028", chart_type: "histogram" },
    });
  });

  it("reports a broken payload as an error message", () => {
    expect(readInlinePayload(pageWith("{oops")).error).toMatch(/export the chart again/);
  });
});
