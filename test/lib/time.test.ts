// Instants as integers and text: the one copy the data move and the local warehouse share.
import { describe, expect, it } from "vitest";
import { civilFromDays, daysFromCivil, epochMicrosText, microsToIso } from "../../lib/time";

describe("instants as microseconds", () => {
    it("counts microseconds as Date counts milliseconds, before 1970 and after, at any offset", () => {
        for (const iso of ["1970-01-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z", "2025-06-01T10:00:00.001Z", "1600-02-29T12:34:56.789Z", "0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"]) {
            const [y, mo, d, h, mi, s, ms] = iso.match(/\d+/g)!.map(Number);
            for (const offset of [0, 19800, -28800]) {
                const expected = BigInt(Date.parse(iso) - offset * 1000) * 1000n + 7n;
                expect(epochMicrosText(y, mo, d, h, mi, s, `${String(ms).padStart(3, "0")}007`, offset), `${iso} at ${offset}`).toBe(String(expected));
            }
        }
    });

    it("keeps every microsecond past 2⁵³, and writes them back as the same instant", () => {
        expect(epochMicrosText(2300, 6, 15, 12, 0, 0, "000001")).toBe("10428091200000001");
        expect(microsToIso(10428091200000001n)).toBe("2300-06-15T12:00:00.000001Z");
        for (const micros of [0n, 1n, -1n, -999_999n, -1_000_000n, -1_000_001n, 1748772000000001n, -62135596800000000n, 253402300799999999n]) {
            const iso = microsToIso(micros);
            const [y, mo, d, h, mi, s] = iso.match(/\d+/g)!.map(Number);
            expect(epochMicrosText(y, mo, d, h, mi, s, iso.slice(20, 26)), iso).toBe(String(micros));
        }
    });

    it("numbers days both ways over the whole Gregorian range", () => {
        for (let days = daysFromCivil(1, 1, 1); days <= daysFromCivil(9999, 12, 31); days += 997) {
            const [y, m, d] = civilFromDays(days);
            expect(daysFromCivil(y, m, d)).toBe(days);
            expect(new Date(days * 86_400_000).toISOString().slice(0, 10)).toBe(`${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`);
        }
    });
});
