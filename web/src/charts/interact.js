// Tooltips and keyboard focus on marks, in the app, the embed and the HTML export alike: every mark that
// carries a title becomes focusable with that text as its accessible name and its tooltip.

const MAX_FOCUSABLE = 300;

/** Turns Plot's per-mark <title>s into data-tip + aria-label, focusable (up to MAX_FOCUSABLE marks). */
export function decorate(el, ctx) {
  const root = el.tagName?.toLowerCase() === "svg" ? el : el.querySelector("svg:not([class$='-swatch'] svg)");
  if (!root) return;
  let focusable = 0;
  for (const title of [...el.querySelectorAll("svg title")]) {
    const mark = title.parentElement;
    if (!mark || mark.tagName.toLowerCase() === "svg") continue;
    const tip = title.textContent;
    title.remove();
    if (mark.tagName.toLowerCase() === "g") continue;
    mark.setAttribute("data-tip", tip);
    if (focusable < MAX_FOCUSABLE) {
      mark.setAttribute("tabindex", "0");
      mark.setAttribute("role", "img");
      mark.setAttribute("aria-label", tip);
      mark.classList.add("sa-mark");
      focusable += 1;
    }
  }
  // Plot names its groups with aria-label; give them the group role that allows a name.
  for (const g of el.querySelectorAll("g[aria-label]")) if (!g.hasAttribute("role")) g.setAttribute("role", "group");
  if (ctx.options.alt) root.setAttribute("aria-label", String(ctx.options.alt));
}

/** One tooltip per figure, shown on hover and on keyboard focus of any mark with a data-tip. */
export function attachTooltip(fig, theme) {
  const tip = document.createElement("div");
  tip.className = "sa-tooltip";
  tip.setAttribute("role", "status");
  Object.assign(tip.style, {
    position: "absolute",
    pointerEvents: "none",
    display: "none",
    background: theme.colors.text,
    color: theme.colors.background,
    padding: "4px 8px",
    borderRadius: "4px",
    fontSize: "12px",
    whiteSpace: "nowrap",
    zIndex: 10,
  });
  fig.style.position = "relative";
  fig.appendChild(tip);
  const show = (event) => {
    const mark = event.target.closest?.("[data-tip]");
    if (!mark || !fig.contains(mark)) return;
    const box = fig.getBoundingClientRect();
    const r = mark.getBoundingClientRect();
    tip.textContent = mark.getAttribute("data-tip");
    tip.style.display = "block";
    const left = Math.min(Math.max(0, r.left - box.left + r.width / 2 - tip.offsetWidth / 2), Math.max(0, box.width - tip.offsetWidth));
    tip.style.left = `${left}px`;
    tip.style.top = `${Math.max(0, r.top - box.top - tip.offsetHeight - 6)}px`;
  };
  const hide = () => {
    tip.style.display = "none";
  };
  fig.addEventListener("pointerover", show);
  fig.addEventListener("focusin", show);
  fig.addEventListener("pointerout", hide);
  fig.addEventListener("focusout", hide);
}
