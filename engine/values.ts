// Property values as the engine sends them over gRPC once a provider accepts secrets: secrets,
// unknowns and output values arrive as signed objects inside the plain struct.

// The signatures are the SDK's own (sdk/nodejs/runtime/rpc.ts).
import { specialOutputValueSig as OUTPUT_SIG, specialSecretSig as SECRET_SIG, specialSigKey as SIG_KEY, unknownValue } from "@pulumi/pulumi/runtime/rpc";

export type Props = Record<string, unknown>;

/** The string the engine sends in place of a value it does not know yet (previews). */
export const UNKNOWN: string = unknownValue;

export function isUnknown(v: unknown): boolean {
    return v === UNKNOWN;
}

/** Wraps a value as a secret on the wire. */
export function secret(value: unknown): Record<string, unknown> {
    return { [SIG_KEY]: SECRET_SIG, value };
}

/** True for a value wrapped as a secret on the wire. */
export function isSecret(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Props)[SIG_KEY] === SECRET_SIG;
}

/** The value inside a secret wrapper; anything else as it is. */
export function reveal(v: unknown): any {
    return isSecret(v) ? v.value : v;
}

/** Plain inputs and the top-level keys whose value held a secret. */
export interface Unwrapped {
    readonly props: Props;
    readonly secretKeys: ReadonlySet<string>;
}

/** Strips secret and output wrappers (an output without a value becomes UNKNOWN), noting which top-level keys were secret. */
export function unwrap(props: Props | undefined): Unwrapped {
    const secretKeys = new Set<string>();
    const out: Props = {};
    for (const [k, v] of Object.entries(props ?? {})) {
        const seen = { secret: false };
        out[k] = plain(v, seen);
        if (seen.secret) secretKeys.add(k);
    }
    return { props: out, secretKeys };
}

function plain(v: unknown, seen: { secret: boolean }): unknown {
    if (Array.isArray(v)) return v.map((e) => plain(e, seen));
    if (v === null || typeof v !== "object") return v;
    const o = v as Record<string, unknown>;
    if (o[SIG_KEY] === SECRET_SIG) {
        seen.secret = true;
        return plain(o.value, seen);
    }
    if (o[SIG_KEY] === OUTPUT_SIG) {
        if (o.secret === true) seen.secret = true;
        return "value" in o ? plain(o.value, seen) : UNKNOWN;
    }
    return Object.fromEntries(Object.entries(o).map(([k, e]) => [k, plain(e, seen)]));
}

/** Marks `keys` of `outs` secret (those the inputs held as secrets keep being secret in the state). */
export function rewrap(outs: Props, keys: Iterable<string>): Props {
    const r = { ...outs };
    for (const k of keys) if (r[k] !== undefined && r[k] !== null) r[k] = secret(r[k]);
    return r;
}

/** True when the value or anything inside it is unknown. */
export function containsUnknown(v: unknown): boolean {
    if (isUnknown(v)) return true;
    if (Array.isArray(v)) return v.some(containsUnknown);
    if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
    return false;
}

/**
 * Terraform's SDKv2 has no null: an absent optional value reads as its type's zero value, so
 * "absent" and "" (or false, 0, [], {}) are the same state. Values are compared after this.
 */
export function zeroed(v: unknown): unknown {
    if (v === undefined || v === null || v === "" || v === false || v === 0) return undefined;
    if (Array.isArray(v)) {
        const items = v.map(zeroed);
        return items.length === 0 ? undefined : items;
    }
    if (typeof v === "object") {
        const entries = Object.entries(v as Props)
            .map(([k, e]) => [k, zeroed(e)] as const)
            .filter(([, e]) => e !== undefined);
        return entries.length === 0 ? undefined : Object.fromEntries(entries);
    }
    return v;
}

/** Deep equality of two JSON-like values after zeroing. */
export function sameValue(a: unknown, b: unknown): boolean {
    return stableJson(zeroed(a)) === stableJson(zeroed(b));
}

/** JSON with object keys sorted, for comparisons that must not depend on key order. */
export function stableJson(v: unknown): string {
    if (v === undefined) return "null";
    return JSON.stringify(v, (_k, val) =>
        val && typeof val === "object" && !Array.isArray(val) ? Object.fromEntries(Object.entries(val).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : val,
    );
}

/** The value at a dotted path; a single-item list on the way (Terraform's MaxItems 1 blocks) is looked into. */
export function at(props: Props | undefined, path: string): unknown {
    let cur: unknown = props;
    for (const part of path.split(".")) {
        if (Array.isArray(cur)) cur = cur[0];
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Props)[part];
    }
    return cur;
}

/** Drops undefined and null entries, so outputs hold only what the resource has. */
export function compact(props: Props): Props {
    return Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined && v !== null));
}

export function str(v: unknown): string | undefined {
    return typeof v === "string" ? v : undefined;
}

/** String-valued map (labels), ignoring anything else. */
export function strMap(v: unknown): Record<string, string> {
    if (!v || typeof v !== "object" || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v as Props).filter(([, e]) => typeof e === "string")) as Record<string, string>;
}
