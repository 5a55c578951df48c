// Progress of long tables: a bar redrawn in place on a terminal, a line per tenth in CI.
import { describe, expect, it } from "vitest";
import { Progress } from "../../datamove/progress";

function sink(isTTY: boolean) {
    const out: string[] = [];
    return { isTTY, out, write: (s: string) => out.push(s) };
}

describe("progress", () => {
    it("redraws one line on a terminal with rows, rate and ETA", () => {
        let now = 0;
        const s = sink(true);
        const p = new Progress(s, "events", 1_000_000, () => now);
        now = 2000;
        p.add(250_000);
        expect(s.out).toEqual(["\r[######------------------] events 250,000/1,000,000 rows (25%) 125,000 rows/s ETA 6s\x1b[K"]);
        now = 2050;
        p.add(1000);
        expect(s.out).toHaveLength(1); // redrawn at most every 100 ms
        p.finish();
        expect(s.out.at(-1)).toBe("\r\x1b[K");
    });

    it("prints a plain line at each tenth when not on a terminal", () => {
        let now = 0;
        const s = sink(false);
        const p = new Progress(s, "events", 100, () => now);
        for (let i = 0; i < 100; i++) {
            now += 10;
            p.add(1);
        }
        expect(s.out).toHaveLength(9);
        expect(s.out[0]).toBe("events 10/100 rows (10%) 100 rows/s ETA 1s\n");
        expect(s.out[8]).toBe("events 90/100 rows (90%) 100 rows/s ETA 1s\n");
    });
});
