// Formats the results as plain-text tables for a terminal and for pasting into docs.
// The first `nameColumns` columns hold names and read best left-aligned; numbers line up on the right.
export function formatTable(header: string[], rows: string[][], nameColumns = 1): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const format = (cells: string[]) => cells.map((cell, column) => (column < nameColumns ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  return [format(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(format)].join('\n');
}

export const formatRate = (perSecond: number): string => Math.round(perSecond).toLocaleString('en-US');

export const formatLatency = (microseconds: number): string => `${(microseconds / 1000).toFixed(2)} ms`;

export const formatMegabytes = (kilobytes: number): string => `${(kilobytes / 1024).toFixed(0)} MB`;

export const formatRatio = (value: number | undefined): string => (value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(2));

export const formatCount = (count: number): string => count.toLocaleString('en-US');
