// Civil dates and instants as integers and decimal text: no Date (two-digit years, a range of
// ±275,000 years in milliseconds) and no microseconds passed through a double. The data move and
// the local warehouse read and write timestamps with these, so both count an instant alike.

/** Days from 1970-01-01 to a proleptic Gregorian date (Hinnant's algorithm, any year). */
export function daysFromCivil(y: number, m: number, d: number): number {
    const yy = m <= 2 ? y - 1 : y;
    const era = Math.floor(yy / 400);
    const yoe = yy - era * 400;
    const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
    const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
    return era * 146097 + doe - 719468;
}

/** The proleptic Gregorian date [year, month, day] of a day number since 1970-01-01. */
export function civilFromDays(days: number): [number, number, number] {
    const z = days + 719468;
    const era = Math.floor(z / 146097);
    const doe = z - era * 146097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const m = mp < 10 ? mp + 3 : mp - 9;
    return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/**
 * Microseconds since the epoch, as a decimal integer, of a wall time read at `offsetSeconds` east
 * of UTC; `frac` is its six digits of microseconds. Seconds × 10⁶ passes 2⁵³ for years past 2255,
 * so the text is written out rather than multiplied: it runs for every timestamp of every row.
 */
export function epochMicrosText(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string, offsetSeconds = 0): string {
    const seconds = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offsetSeconds;
    if (seconds > 0) return `${seconds}${frac}`;
    const micros = +frac;
    if (seconds === 0) return String(micros);
    if (micros === 0) return `-${-seconds}000000`;
    const whole = -seconds - 1;
    const rest = String(1_000_000 - micros);
    return whole > 0 ? `-${whole}${rest.padStart(6, "0")}` : `-${rest}`;
}

const pad = (n: number | bigint, w: number) => String(n).padStart(w, "0");

/** ISO 8601 UTC text with six fractional digits ("2025-06-01T10:00:00.000001Z") of microseconds since the epoch. */
export function microsToIso(micros: bigint): string {
    const secs = micros >= 0n ? micros / 1_000_000n : -((-micros + 999_999n) / 1_000_000n);
    const frac = micros - secs * 1_000_000n;
    const days = secs >= 0n ? secs / 86400n : -((-secs + 86399n) / 86400n);
    const rest = Number(secs - days * 86400n);
    const [y, m, d] = civilFromDays(Number(days));
    return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T${pad(Math.floor(rest / 3600), 2)}:${pad(Math.floor(rest / 60) % 60, 2)}:${pad(rest % 60, 2)}.${pad(frac, 6)}Z`;
}
