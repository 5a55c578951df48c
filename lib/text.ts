/** Rows under a heading as plain text: each column as wide as its widest cell, two spaces apart, no trailing blanks. */
export function textTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
    const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(width[i])).join("  ").trimEnd()).join("\n");
}
