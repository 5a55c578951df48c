// The random stand-in without a process: RandomPassword's Check and Diff against upstream's
// schema, CreateString's classes and minimums, and bcrypt against golang.org/x/crypto/bcrypt's
// own hashes (the library upstream hashes with).
import * as fs from "fs";
import { describe, expect, it } from "vitest";
import { bcryptHash, bcryptMatches, bcryptWithSalt, bcryptBase64Decode, piWords } from "../../../engine/random/bcrypt";
import { checkPassword, createPassword, diffPassword, importPassword, PASSWORD_INPUTS, REPLACE_ON_CHANGE, updatePassword } from "../../../engine/random/password";
import { RandomStandIn } from "../../../engine/random/provider";
import { createString, LOWER_CHARS, NUM_CHARS, SPECIAL_CHARS, UPPER_CHARS } from "../../../engine/random/string";
import { UNKNOWN } from "../../../engine/values";

const URN = "urn:pulumi:dev::synter-infra::synter:postgres:AuthDatabase$random:index/randomPassword:RandomPassword::auth-app-password";

/** The argument names the installed SDK sends for a RandomPassword (from its constructor). */
function sdkInputs(): string[] {
    const js = fs.readFileSync(require.resolve("@pulumi/random/randomPassword.js"), "utf8");
    const body = js.slice(js.indexOf("const args = argsOrState;"));
    return [...body.matchAll(/resourceInputs\["(\w+)"\] = args\?\.\w+;/g)].map((m) => m[1]).sort();
}

/** The state a create of the program's password leaves, without its generated values. */
const STATE = { length: 32, special: false, upper: true, lower: true, number: true, numeric: true, minUpper: 0, minLower: 0, minNumeric: 0, minSpecial: 0 };

describe("RandomPassword's inputs", () => {
    it("are the SDK's RandomPasswordArgs, every one replacing on change as upstream's RequiresReplace modifiers do", () => {
        expect(Object.keys(PASSWORD_INPUTS).sort()).toEqual(sdkInputs());
        expect([...REPLACE_ON_CHANGE].sort()).toEqual(sdkInputs());
        expect(PASSWORD_INPUTS.minUpper.tf).toBe("min_upper");
        expect(PASSWORD_INPUTS.overrideSpecial.tf).toBe("override_special");
    });
});

describe("Check", () => {
    it("fills in the plan's defaults, so the checked inputs equal the state a create leaves", () => {
        expect(checkPassword({ length: 32, special: false })).toEqual({ inputs: STATE, failures: [] });
        expect(checkPassword({ length: 8, number: false }).inputs).toMatchObject({ number: false, numeric: false });
        expect(checkPassword({ length: 8, numeric: false }).inputs).toMatchObject({ number: false, numeric: false });
        expect(checkPassword({ length: 8, keepers: { rotate: "1" }, overrideSpecial: "_-" }).inputs).toMatchObject({ keepers: { rotate: "1" }, overrideSpecial: "_-" });
    });

    it("refuses inputs the SDK does not have by name, and wrong types", () => {
        const r = checkPassword({ length: 32, bcryptCost: 12, special: "no" });
        expect(r.failures).toEqual([
            { property: "bcryptCost", reason: expect.stringContaining("bcryptCost is not an input of random:index/randomPassword:RandomPassword") },
            { property: "special", reason: "special must be a boolean" },
        ]);
        expect(checkPassword({ length: 3.5 }).failures).toEqual([{ property: "length", reason: "length must be an integer" }]);
        expect(checkPassword({ length: 4, keepers: { a: 1 } }).failures).toEqual([{ property: "keepers", reason: "keepers must be a map of strings" }]);
    });

    it("validates as upstream's validators and plan modifiers do", () => {
        expect(checkPassword({}).failures).toEqual([{ property: "length", reason: "Missing required property 'length'" }]);
        expect(checkPassword({ length: 0 }).failures).toEqual([{ property: "length", reason: "length must be at least 1, got: 0" }]);
        expect(checkPassword({ length: 5, minUpper: 3, minNumeric: 3 }).failures).toEqual([
            { property: "length", reason: "length must be at least minUpper + minLower + minNumeric + minSpecial (6), got: 5" },
        ]);
        expect(checkPassword({ length: 5, minLower: -1 }).failures).toEqual([{ property: "minLower", reason: "minLower must not be negative, got: -1" }]);
        expect(checkPassword({ length: 5, number: true, numeric: false }).failures).toEqual([
            { property: "numeric", reason: expect.stringContaining("Number and numeric are both configured with different values") },
        ]);
        expect(checkPassword({ length: 5, numeric: false, special: false, upper: false, lower: false }).failures).toEqual([
            { property: "numeric", reason: "At least one attribute out of [special, upper, lower, numeric] must be specified as true" },
        ]);
        // Left out, a class is not "configured false": the validator lets it be.
        expect(checkPassword({ length: 5, numeric: false, special: false, upper: false }).failures).toEqual([]);
    });

    it("lets values the engine does not know yet through", () => {
        expect(checkPassword({ length: UNKNOWN, minUpper: UNKNOWN }).failures).toEqual([]);
    });
});

describe("Diff", () => {
    const state = { ...STATE, result: "x".repeat(32), bcryptHash: "$2a$10$..." };

    it("is empty for the inputs that made the state", () => {
        expect(diffPassword(state, checkPassword({ length: 32, special: false }).inputs)).toEqual({ changes: false, replaces: [], changed: [] });
    });

    it("replaces on a change of any input", () => {
        const changes: Record<string, unknown> = {
            length: 33,
            special: true,
            upper: false,
            lower: false,
            number: false,
            numeric: false,
            minUpper: 1,
            minLower: 1,
            minNumeric: 1,
            minSpecial: 1,
            overrideSpecial: "_",
            keepers: { k: "v" },
        };
        for (const [k, v] of Object.entries(changes)) {
            expect(diffPassword(state, { ...STATE, [k]: v }), k).toEqual({ changes: true, replaces: [k], changed: [k] });
        }
        expect(diffPassword({ ...state, keepers: { k: "v" } }, { ...STATE, keepers: { k: "w" } }).replaces).toEqual(["keepers"]);
        expect(diffPassword({ ...state, keepers: { k: "v" } }, STATE).replaces).toEqual(["keepers"]);
        expect(diffPassword(state, { ...STATE, length: UNKNOWN }).replaces).toEqual(["length"]);
    });

    it("updates in place where upstream's modifiers say so", () => {
        // override_special from "" to null (RequiresReplaceUnlessEmptyStringToNull).
        expect(diffPassword({ ...state, overrideSpecial: "" }, STATE)).toEqual({ changes: true, replaces: [], changed: ["overrideSpecial"] });
        // A keeper whose configured value is null and which the state lacks (RequiresReplaceIfValuesNotNull).
        expect(diffPassword({ ...state, keepers: { a: "1" } }, { ...STATE, keepers: { a: "1", b: null } }).changes).toBe(false);
        const kept = updatePassword({ ...state, overrideSpecial: "" }, STATE);
        expect(kept).toEqual({ ...STATE, result: state.result, bcryptHash: state.bcryptHash });
    });
});

describe("CreateString", () => {
    const base = { length: 64, upper: true, minUpper: 0, lower: true, minLower: 0, numeric: true, minNumeric: 0, special: true, minSpecial: 0 };
    const only = (s: string, set: string) => [...s].every((c) => set.includes(c));
    const count = (s: string, set: string) => [...s].filter((c) => set.includes(c)).length;

    it("draws from the enabled classes only", () => {
        for (let i = 0; i < 20; i++) {
            const s = createString({ ...base, special: false });
            expect(s).toHaveLength(64);
            expect(only(s, UPPER_CHARS + LOWER_CHARS + NUM_CHARS)).toBe(true);
        }
        expect(only(createString({ ...base, upper: false, lower: false, numeric: false }), SPECIAL_CHARS)).toBe(true);
        expect(only(createString({ ...base, upper: false, lower: false, numeric: false, overrideSpecial: "_~" }), "_~")).toBe(true);
        expect(() => createString({ ...base, upper: false, lower: false, numeric: false, special: false })).toThrow("the character set specified is empty");
    });

    it("honours the minimums, even of a class left out, as upstream does", () => {
        for (let i = 0; i < 20; i++) {
            const s = createString({ ...base, length: 12, minUpper: 3, minLower: 3, minNumeric: 3, minSpecial: 3 });
            for (const set of [UPPER_CHARS, LOWER_CHARS, NUM_CHARS, SPECIAL_CHARS]) expect(count(s, set)).toBe(3);
        }
        expect(count(createString({ ...base, length: 4, special: false, minSpecial: 2 }), SPECIAL_CHARS)).toBe(2);
    });

    it("places the required characters anywhere", () => {
        // One digit (the minimum) and one "_" (the only other class), in either order.
        const firsts = new Set(Array.from({ length: 200 }, () => createString({ ...base, length: 2, minNumeric: 1, upper: false, lower: false, numeric: false, overrideSpecial: "_" })[0]));
        expect(firsts.has("_")).toBe(true);
        expect([...firsts].some((c) => NUM_CHARS.includes(c))).toBe(true);
    });
});

describe("bcrypt", () => {
    it("derives Blowfish's published constants from pi", () => {
        const w = piWords();
        expect([w[0], w[1], w[17], w[18], w[18 + 1023]].map((x) => x.toString(16))).toEqual(["243f6a88", "85a308d3", "8979fb1b", "d1310ba6", "3ac372e6"]);
    });

    // Hashes made by golang.org/x/crypto/bcrypt v0.53.0 (GenerateFromPassword, cost 4), and
    // OpenBSD's test vector, which that library also accepts.
    const GO: [string, string][] = [
        ["U*U", "$2a$04$Rx8eKAWwyXZLED4QbuTSse2UV94yiAUSfFFfLItvC0OjPvdO8T1cy"],
        ["", "$2a$04$G05F6xMID97Ny/pIZsChmOUkmbbgZCNtCK.U0/tnA1PZUHVUvsZme"],
        ["0123456789012345678901234567890123456789012345678901234567890123456789AB", "$2a$04$aX9CByucdx1cw405O1DqRecHA9JMOEZYIVDmWQ8vHC4ehvmG3ieX6"],
        ["päss", "$2a$04$AEhRnoNVMyKUtMdzTEsJdOXciZepJcUzJ2xYLHfZn8OedbQ8N7iDS"],
        ["zRsNSu8PpAuWYD1JTjoc2ccT2gRbBNeH", "$2a$04$026QyEu6VtJD1YAHyfgJuuqZIceA3pGdQvre4.aNSWEybG7CvVTEe"],
        ["U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"],
    ];

    it("computes x/crypto's hash from its salt", () => {
        for (const [pw, hash] of GO) {
            const salt = bcryptBase64Decode(hash.slice(7, 29)).subarray(0, 16);
            expect(bcryptWithSalt(new Uint8Array(Buffer.from(pw, "utf8")), salt, Number(hash.slice(4, 6)))).toBe(hash);
            expect(bcryptMatches(hash, pw + "!")).toBe(pw.length >= 72);
        }
    });

    it("hashes with cost 10 and a fresh salt, as GenerateFromPassword(DefaultCost)", () => {
        const a = bcryptHash("secret");
        const b = bcryptHash("secret");
        expect(a).toMatch(/^\$2a\$10\$[./A-Za-z0-9]{53}$/);
        expect(a).not.toBe(b);
        expect(bcryptMatches(a, "secret")).toBe(true);
        expect(bcryptMatches(a, "Secret")).toBe(false);
    });
});

describe("create, import and the provider's surface", () => {
    it("creates the program's password: 32 letters and digits, its hash matching", () => {
        const outs = createPassword(checkPassword({ length: 32, special: false }).inputs);
        expect(outs).toMatchObject(STATE);
        expect(outs.result).toMatch(/^[A-Za-z0-9]{32}$/);
        expect(bcryptMatches(outs.bcryptHash as string, outs.result as string)).toBe(true);
    });

    it("imports a password from its id as upstream's ImportState does", () => {
        const s = importPassword("héllo");
        expect(s).toMatchObject({ result: "héllo", length: 6, special: true, upper: true, lower: true, number: true, numeric: true, minUpper: 0, minSpecial: 0 });
        expect(bcryptMatches(s.bcryptHash as string, "héllo")).toBe(true);
    });

    it("refuses other random types by name", async () => {
        const p = new RandomStandIn("4.21.2");
        await expect(p.check(URN.replace("randomPassword:RandomPassword", "randomString:RandomString"), {}, { length: 3 })).rejects.toThrow(
            "resource type random:index/randomString:RandomString is not implemented by the local random stand-in; it implements only random:index/randomPassword:RandomPassword",
        );
        expect((await p.check(URN, {}, { length: 32, special: false })).inputs).toEqual(STATE);
    });
});
