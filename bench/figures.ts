// How the benchmark records: one figure per measurement, with the baseline measured in the
// same run and their ratio. Nothing here ever fails on a number.
import { textTable } from "../lib/text";

export interface Figure {
    readonly name: string;
    readonly value: number;
    readonly unit: string;
    readonly baseline: number;
    /** value / baseline. */
    readonly ratio: number;
    /** What the baseline is, for the human table. */
    readonly against: string;
}

export function figure(name: string, value: number, unit: string, baseline: number, against: string): Figure {
    const round = (n: number) => (Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 1000) / 1000);
    return { name, value: round(value), unit, baseline: round(baseline), ratio: baseline ? Math.round((value / baseline) * 1000) / 1000 : 0, against };
}

/** Median wall time in milliseconds of `runs` runs of fn (after one warm-up run). */
export async function medianMs(fn: () => Promise<unknown>, runs: number): Promise<number> {
    await fn();
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
        const t = process.hrtime.bigint();
        await fn();
        times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
}

export function table(figures: readonly Figure[]): string {
    const rows = figures.map((f) => [f.name, `${f.value} ${f.unit}`, `${f.baseline} ${f.unit}`, String(f.ratio), f.against]);
    return textTable(["figure", "value", "baseline", "ratio", "baseline is"], rows);
}
