// The table "chart": the data as an HTML table, numbers right-aligned, first 500 rows.

export function renderTable(columns, rows, theme, catLabel = String) {
  const wrap = document.createElement("div");
  wrap.className = "sa-table-wrap";
  wrap.style.overflowX = "auto";
  const table = document.createElement("table");
  table.className = "sa-table";
  Object.assign(table.style, {
    borderCollapse: "collapse",
    width: "100%",
    fontFamily: theme.fonts.family,
    fontSize: `${theme.fonts.body_size}px`,
    color: theme.colors.text,
    background: theme.colors.background,
  });
  const thead = table.createTHead().insertRow();
  for (const c of columns) {
    const th = document.createElement("th");
    th.textContent = c.name;
    th.scope = "col";
    Object.assign(th.style, {
      textAlign: c.type === "number" ? "right" : "left",
      borderBottom: `2px solid ${theme.colors.axis}`,
      padding: "4px 8px",
    });
    thead.appendChild(th);
  }
  const body = table.createTBody();
  for (const r of rows.slice(0, 500)) {
    const tr = body.insertRow();
    for (const c of columns) {
      const td = tr.insertCell();
      const v = r[c.name];
      td.textContent = v === null ? "" : v instanceof Date ? catLabel(v) : String(v);
      Object.assign(td.style, {
        textAlign: c.type === "number" ? "right" : "left",
        borderBottom: `1px solid ${theme.colors.grid}`,
        padding: "4px 8px",
      });
    }
  }
  wrap.appendChild(table);
  return wrap;
}
