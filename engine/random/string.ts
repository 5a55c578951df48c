// random.CreateString of terraform-provider-random (internal/random/string.go at v3.9.0, the
// upstream pulumi-random 4.21.x builds): the character classes, the minimum counts drawn from
// each class first, the rest from the union of the enabled classes, all from a CSPRNG.
import { randomInt } from "crypto";

export const NUM_CHARS = "0123456789";
export const LOWER_CHARS = "abcdefghijklmnopqrstuvwxyz";
export const UPPER_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
export const SPECIAL_CHARS = "!@#$%&*()-_=+[]{}<>:?";

export interface StringParams {
    readonly length: number;
    readonly upper: boolean;
    readonly minUpper: number;
    readonly lower: boolean;
    readonly minLower: number;
    readonly numeric: boolean;
    readonly minNumeric: number;
    readonly special: boolean;
    readonly minSpecial: number;
    readonly overrideSpecial?: string;
}

function draw(charSet: string, count: number): string[] {
    const runes = Array.from(charSet);
    if (runes.length === 0 && count > 0) throw new Error("charSet is empty");
    return Array.from({ length: count }, () => runes[randomInt(runes.length)]);
}

/**
 * A random string by the parameters, as code points. The minimum counts apply to a class whether
 * or not it is enabled, as upstream's do; the classes are keyed by their characters there, so an
 * overrideSpecial equal to another class takes that class's place, as here.
 */
export function createString(p: StringParams): string {
    const special = p.overrideSpecial ? p.overrideSpecial : SPECIAL_CHARS;
    let chars = "";
    if (p.upper) chars += UPPER_CHARS;
    if (p.lower) chars += LOWER_CHARS;
    if (p.numeric) chars += NUM_CHARS;
    if (p.special) chars += special;
    if (chars === "") throw new Error("the character set specified is empty");

    const minimums = new Map<string, number>([
        [NUM_CHARS, p.minNumeric],
        [LOWER_CHARS, p.minLower],
        [UPPER_CHARS, p.minUpper],
        [special, p.minSpecial],
    ]);
    const result: string[] = [];
    for (const [set, count] of minimums) result.push(...draw(set, count));
    result.push(...draw(chars, p.length - result.length));
    // Upstream orders the runes by random bytes; a Fisher-Yates shuffle is the unbiased form of
    // the same step, so the required characters land anywhere.
    for (let i = result.length - 1; i > 0; i--) {
        const j = randomInt(i + 1);
        [result[i], result[j]] = [result[j], result[i]];
    }
    return result.join("");
}
