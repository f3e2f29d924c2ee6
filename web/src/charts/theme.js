// The fallback theme, used when the API gives none (same shape as the API's Theme).
export const DEFAULT_THEME = {
  id: "default",
  name: "Default",
  builtin: true,
  fonts: { family: "system-ui, sans-serif", title_size: 20, body_size: 12 },
  colors: { background: "#ffffff", text: "#1f2328", muted: "#6e7781", grid: "#e5e7eb", axis: "#57606a" },
  palette: ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"],
};

/** Fills gaps in a partial theme from the default so renderers never see undefined colors. */
export function resolveTheme(theme) {
  const t = theme || {};
  return {
    ...DEFAULT_THEME,
    ...t,
    fonts: { ...DEFAULT_THEME.fonts, ...(t.fonts || {}) },
    colors: { ...DEFAULT_THEME.colors, ...(t.colors || {}) },
    palette: t.palette && t.palette.length ? t.palette : DEFAULT_THEME.palette,
  };
}
