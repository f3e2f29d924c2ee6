import { useState } from "react";

/** The stable public URL and the embed code of a published chart or dashboard, with copy buttons. */
export default function PublishDialog({ info, stale = false, onClose, onUnpublish }) {
  const [copied, setCopied] = useState("");
  const publicUrl = new URL(info.public_url, location.origin).href;
  const code = info.embed?.html || info.embed?.iframe || "";
  const copy = async (text, which) => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const ta = document.createElement("textarea");
      ta.value = text;
      document.body.appendChild(ta);
      ta.select();
      document.execCommand("copy");
      ta.remove();
    }
    setCopied(which);
  };
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-label="Published" data-testid="publish-dialog">
        <h2>Published</h2>
        <p>Anyone with this link can see it. The link stays the same when you publish again.</p>
        {stale && (
          <p className="notice" role="status" data-testid="dialog-publish-stale">
            The published version is older than your last save: publish again to update it.
          </p>
        )}
        <label>
          Public URL
          <div className="inline">
            <input readOnly value={publicUrl} data-testid="public-url" onFocus={(e) => e.target.select()} />
            <button onClick={() => copy(publicUrl, "url")} data-testid="copy-url">
              {copied === "url" ? "Copied" : "Copy"}
            </button>
            <a href={publicUrl} target="_blank" rel="noreferrer">
              Open
            </a>
          </div>
        </label>
        <label>
          Embed code
          <textarea readOnly rows={5} value={code} data-testid="embed-code" onFocus={(e) => e.target.select()} />
        </label>
        <div className="actions">
          <button className="primary" onClick={() => copy(code, "code")} data-testid="copy-embed">
            {copied === "code" ? "Copied" : "Copy embed code"}
          </button>
          <button onClick={onUnpublish} className="danger" data-testid="unpublish">
            Unpublish
          </button>
          <button onClick={onClose} data-testid="close-dialog">
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
