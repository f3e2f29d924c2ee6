// A chart's thumbnail in the library: its latest snapshot (uploaded when the chart is saved), fetched with
// the user's credentials; a neutral box with the type's name until there is one.
import { useEffect, useState } from "react";
import { api } from "../api.js";

export default function Thumbnail({ chart, label }) {
  const [url, setUrl] = useState(null);
  useEffect(() => {
    let objectUrl = null;
    let live = true;
    api(`/api/charts/${chart.id}/snapshot`, { raw: true })
      .then((res) => res.blob())
      .then((blob) => {
        if (!live) return;
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      })
      .catch(() => setUrl(null));
    return () => {
      live = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [chart.id, chart.version]);
  return url ? (
    <img className="thumb" src={url} alt={`Thumbnail of ${chart.title || "the chart"}`} data-testid="chart-thumb" />
  ) : (
    <span className="thumb thumb-empty" aria-hidden="true">
      {label}
    </span>
  );
}
