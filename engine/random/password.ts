// random:index/randomPassword:RandomPassword, as terraform-provider-random's random_password
// behaves behind pulumi-random: internal/provider/resource_password.go at v3.9.0 (commit
// f8d869dc98d90785f6c8f7131081fa5ef88f9d95, the upstream that pulumi-random 4.21.1's go.mod
// requires; no later pin is published). Line numbers below are of that file.
import type { ConfigFailure as Failure } from "../standIn";
import { containsUnknown, isUnknown, Props, stableJson } from "../values";
import { bcryptHash } from "./bcrypt";
import { createString } from "./string";

export const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";

type InputKind = "int" | "bool" | "string" | "map";

/** RandomPasswordArgs of the SDK, by Pulumi name, with their Terraform names. */
export const PASSWORD_INPUTS: Readonly<Record<string, { readonly tf: string; readonly kind: InputKind }>> = {
    keepers: { tf: "keepers", kind: "map" },
    length: { tf: "length", kind: "int" },
    special: { tf: "special", kind: "bool" },
    upper: { tf: "upper", kind: "bool" },
    lower: { tf: "lower", kind: "bool" },
    number: { tf: "number", kind: "bool" },
    numeric: { tf: "numeric", kind: "bool" },
    minNumeric: { tf: "min_numeric", kind: "int" },
    minUpper: { tf: "min_upper", kind: "int" },
    minLower: { tf: "min_lower", kind: "int" },
    minSpecial: { tf: "min_special", kind: "int" },
    overrideSpecial: { tf: "override_special", kind: "string" },
};

/**
 * Inputs whose change replaces the password (passwordSchemaV3, L557-751): every one of them has a
 * RequiresReplace plan modifier, and Update only copies the plan into the state (L96-107).
 */
export const REPLACE_ON_CHANGE: readonly string[] = [
    "keepers", // L570-578: RequiresReplaceIfValuesNotNull (a key whose configured value is null is no change)
    "length", // L580-596
    "special", // L598-606
    "upper", // L608-616
    "lower", // L618-626
    "number", // L628-647
    "numeric", // L649-666
    "minNumeric", // L668-676
    "minUpper", // L678-686
    "minLower", // L688-696
    "minSpecial", // L698-706
    // L708-720: RequiresReplaceIf, unless the change is from "" to null (an update in place).
    "overrideSpecial",
];

/** Computed outputs (L722-748): sensitive, and kept from the state on every plan. */
export const PASSWORD_SECRET_OUTPUTS = ["result", "bcryptHash"] as const;

/** Terraform's `id` of every password (Create L86, ImportState L118). */
export const PASSWORD_ID = "none";

const MINIMUMS = ["minUpper", "minLower", "minNumeric", "minSpecial"] as const;

function typeProblem(name: string, kind: InputKind, v: unknown): string | undefined {
    if (isUnknown(v)) return undefined;
    switch (kind) {
        case "int":
            return typeof v === "number" && Number.isInteger(v) ? undefined : `${name} must be an integer`;
        case "bool":
            return typeof v === "boolean" ? undefined : `${name} must be a boolean`;
        case "string":
            return typeof v === "string" ? undefined : `${name} must be a string`;
        case "map":
            return v && typeof v === "object" && !Array.isArray(v) && Object.values(v).every((e) => e === null || typeof e === "string" || isUnknown(e))
                ? undefined
                : `${name} must be a map of strings`;
    }
}

/**
 * Check: refuses inputs the SDK does not have, validates as the schema's validators do, and fills
 * in the plan's defaults (special/upper/lower true and the minimums 0 by their Default, L602-702;
 * number and numeric from each other, else true, by NumberNumericAttributePlanModifier), so the
 * checked inputs equal the state a create leaves.
 */
export function checkPassword(news: Props): { inputs: Props; failures: Failure[] } {
    const failures: Failure[] = [];
    const config: Props = {};
    for (const [k, v] of Object.entries(news)) {
        if (k.startsWith("__")) continue;
        if (!(k in PASSWORD_INPUTS)) {
            if (v !== undefined && v !== null) {
                failures.push({ property: k, reason: `${k} is not an input of ${RANDOM_PASSWORD}; the local random stand-in implements ${Object.keys(PASSWORD_INPUTS).join(", ")}` });
            }
            continue;
        }
        if (v === undefined || v === null) continue;
        const problem = typeProblem(k, PASSWORD_INPUTS[k].kind, v);
        if (problem) failures.push({ property: k, reason: problem });
        else config[k] = v;
    }
    if (news.length === undefined || news.length === null) failures.push({ property: "length", reason: "Missing required property 'length'" });

    const num = (k: string): number | undefined => (typeof config[k] === "number" ? (config[k] as number) : undefined);
    const length = num("length");
    if (length !== undefined && length < 1) failures.push({ property: "length", reason: `length must be at least 1, got: ${length}` });
    for (const k of MINIMUMS) {
        const v = num(k);
        // Upstream would fail inside CreateString on a negative count; the plan is the place to say so.
        if (v !== undefined && v < 0) failures.push({ property: k, reason: `${k} must not be negative, got: ${v}` });
    }
    // int64validator.AtLeastSumOf over the configured minimums (L589-594).
    if (length !== undefined && MINIMUMS.every((k) => !isUnknown(config[k]))) {
        const sum = MINIMUMS.reduce((s, k) => s + (num(k) ?? 0), 0);
        if (length < sum) failures.push({ property: "length", reason: `length must be at least minUpper + minLower + minNumeric + minSpecial (${sum}), got: ${length}` });
    }
    // NumberNumericAttributePlanModifier (internal/planmodifiers/bool/boolplanmodifiers.go L46-52).
    if (typeof config.number === "boolean" && typeof config.numeric === "boolean" && config.number !== config.numeric) {
        failures.push({ property: "numeric", reason: "Number and numeric are both configured with different values (number is deprecated, use numeric instead)" });
    }
    // validators.AtLeastOneOfTrue on number and numeric (L640-646, L659-665): a configured false
    // needs one of special, upper, lower configured true, or left out.
    for (const k of ["number", "numeric"]) {
        if (config[k] !== false) continue;
        const others = ["special", "upper", "lower"];
        if (others.every((o) => config[o] === false)) {
            failures.push({ property: k, reason: `At least one attribute out of [special, upper, lower, ${k}] must be specified as true` });
        }
    }

    const inputs: Props = { ...config };
    for (const k of ["special", "upper", "lower"]) if (inputs[k] === undefined) inputs[k] = true;
    for (const k of MINIMUMS) if (inputs[k] === undefined) inputs[k] = 0;
    const digits = inputs.numeric ?? inputs.number ?? true;
    if (inputs.number === undefined) inputs.number = digits;
    if (inputs.numeric === undefined) inputs.numeric = digits;
    return { inputs, failures };
}

/** Keepers the same to RequiresReplaceIfValuesNotNull: configured keys with null values and absent from the state do not count. */
function sameKeepers(olds: unknown, news: unknown): boolean {
    const o = (olds && typeof olds === "object" ? olds : {}) as Props;
    const n = Object.fromEntries(Object.entries((news && typeof news === "object" ? news : {}) as Props).filter(([k, v]) => !(v === null && !(k in o))));
    return stableJson(o) === stableJson(n);
}

export interface PasswordDiff {
    readonly changes: boolean;
    readonly replaces: string[];
    readonly changed: string[];
}

/** Diff of the state against checked inputs. */
export function diffPassword(olds: Props, news: Props): PasswordDiff {
    const changed: string[] = [];
    const replaces: string[] = [];
    for (const k of Object.keys(PASSWORD_INPUTS)) {
        const o = olds[k] ?? undefined;
        const n = news[k] ?? undefined;
        if (k === "keepers") {
            if (containsUnknown(n) || !sameKeepers(o, n)) {
                changed.push(k);
                replaces.push(k);
            }
            continue;
        }
        if (!isUnknown(n) && stableJson(o) === stableJson(n)) continue;
        changed.push(k);
        if (k === "overrideSpecial") {
            // RequiresReplaceUnlessEmptyStringToNull (internal/planmodifiers/string/stringplanmodifier.go
            // L21-43): an unknown value, or "" going to null, is no replacement.
            if (isUnknown(n) || (n === undefined && o === "")) continue;
        }
        replaces.push(k);
    }
    return { changes: changed.length > 0, replaces, changed };
}

/** Create (L52-90): a new random string by the checked inputs, and its bcrypt hash. */
export function createPassword(inputs: Props): Props {
    const n = (k: string) => (typeof inputs[k] === "number" ? (inputs[k] as number) : 0);
    const result = createString({
        length: n("length"),
        upper: inputs.upper !== false,
        minUpper: n("minUpper"),
        lower: inputs.lower !== false,
        minLower: n("minLower"),
        numeric: (inputs.numeric ?? inputs.number) !== false,
        minNumeric: n("minNumeric"),
        special: inputs.special !== false,
        minSpecial: n("minSpecial"),
        overrideSpecial: typeof inputs.overrideSpecial === "string" ? inputs.overrideSpecial : undefined,
    });
    return { ...stateInputs(inputs), result, bcryptHash: hashOf(result) };
}

/** generateHash (L544-555): bcrypt of the first 72 bytes. */
function hashOf(result: string): string {
    return bcryptHash(new Uint8Array(Buffer.from(result, "utf8")).subarray(0, 72));
}

function stateInputs(props: Props): Props {
    return Object.fromEntries(Object.entries(props).filter(([k, v]) => k in PASSWORD_INPUTS && v !== undefined && v !== null));
}

/** Update (L96-107): the plan, with the generated values kept. */
export function updatePassword(olds: Props, news: Props): Props {
    return { ...stateInputs(news), result: olds.result, bcryptHash: olds.bcryptHash };
}

/**
 * ImportState (L114-146): the import id is the password itself; the state says every class was
 * allowed, no minimums, and a length of the id's bytes (Go's len).
 */
export function importPassword(id: string): Props {
    return {
        result: id,
        length: Buffer.byteLength(id, "utf8"),
        special: true,
        upper: true,
        lower: true,
        number: true,
        numeric: true,
        minSpecial: 0,
        minUpper: 0,
        minLower: 0,
        minNumeric: 0,
        bcryptHash: hashOf(id),
    };
}

/** Inputs as the state declares them, for Read. */
export function passwordInputsOf(state: Props): Props {
    return stateInputs(state);
}

