/** What the CLI prints: aligned tables for people, JSON for scripts (`--json`). */

export type Row = Record<string, string | number | undefined>;

/** A table with a header line; columns as wide as their widest cell, the last one unpadded. */
export function table(rows: readonly Row[], columns: readonly string[]): string {
  if (rows.length === 0) return '(none)\n';
  const cells = [
    columns.map((c) => c.toUpperCase()),
    ...rows.map((r) => columns.map((c) => String(r[c] ?? '-'))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  return cells
    .map((line) =>
      line
        .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}

export const print = (text: string): void => {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
};

export const printJson = (value: unknown): void => print(JSON.stringify(value, null, 2));

/** One JSON document per line (streams: `events tail --json`, `listen --json`). */
export const printJsonLine = (value: unknown): void => print(JSON.stringify(value));

/** HH:MM:SS in local time, as `npm start` prints activity. */
export const clock = (d = new Date()): string => d.toTimeString().slice(0, 8);
