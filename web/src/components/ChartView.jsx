// React wrapper around the shared renderer: redraws on data/config change and on width change.
import { useEffect, useRef, useState } from "react";
import { renderFigure } from "../charts/render.js";

export default function ChartView({ chart, testId = "chart-preview", minWidth = 200 }) {
  const ref = useRef(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    const ro = new ResizeObserver(() => setWidth(Math.max(minWidth, Math.floor(el.clientWidth))));
    ro.observe(el);
    return () => ro.disconnect();
  }, [minWidth]);
  useEffect(() => {
    if (!width || !ref.current) return;
    ref.current.replaceChildren(renderFigure(chart, width));
  }, [chart, width]);
  return <div className="chart-view" ref={ref} data-testid={testId} />;
}
