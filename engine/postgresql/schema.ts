// The part of each resource that is its Terraform schema (SDKv2, behind the bridge): inputs with
// their defaults and validators, Optional + Computed inputs, sets, ForceNew; and the Check and
// Diff every resource shares.
import { randomBytes } from "crypto";
import type { ConfigFailure as Failure } from "../standIn";
import { containsUnknown, isUnknown, Props, stableJson, zeroed } from "../values";
import type { Pg } from "./client";
import { DELETE_BEFORE_REPLACE, FORCE_NEW, PgType } from "./forceNew";

export type { Failure };

export type ValueKind = "string" | "int" | "bool" | "stringSet" | "stringList";

export interface InputSpec {
    /** The Terraform attribute, for messages and citations. */
    readonly tf: string;
    readonly kind: ValueKind;
    readonly required?: boolean;
    /** The schema's Default: Check fills it in when the program leaves the input out. */
    readonly default?: unknown;
    /** Optional + Computed: left out, whatever the resource has stands. */
    readonly computed?: boolean;
    /** validation.IntAtLeast. */
    readonly atLeast?: number;
    /** validation.StringInSlice. */
    readonly oneOf?: readonly string[];
}

export interface Created {
    readonly id: string;
    readonly outs: Props;
}

export interface ResourceKind {
    readonly token: PgType;
    readonly inputs: Readonly<Record<string, InputSpec>>;
    /** Inputs of the SDK the stand-in does not implement, with the reason given when one is set. */
    readonly refused?: Readonly<Record<string, string>>;
    /** Outputs that are secrets whatever the inputs were (the schema's Sensitive). */
    readonly secretOutputs?: readonly string[];
    /** pulumi-postgresql's autonaming (SetAutonaming(255, "-")) of a required `name`. */
    readonly autoName?: boolean;
    /** Cross-input validation of known values, after the per-input checks passed. */
    validate?(inputs: Props): Failure[];
    create(inputs: Props, pg: Pg): Promise<Created>;
    /** Undefined when the resource is gone. `state` is undefined for an import or a `.get`. */
    read(id: string, state: Props | undefined, pg: Pg): Promise<Created | undefined>;
    /** Absent when every input is ForceNew. `olds` is the state, `news` the planned state. */
    update?(id: string, olds: Props, news: Props, pg: Pg): Promise<Created>;
    delete(id: string, state: Props, pg: Pg): Promise<void>;
}

function kindProblem(name: string, kind: ValueKind, v: unknown): string | undefined {
    if (isUnknown(v)) return undefined;
    switch (kind) {
        case "string":
            return typeof v === "string" ? undefined : `${name} must be a string`;
        case "int":
            return typeof v === "number" && Number.isInteger(v) ? undefined : `${name} must be an integer`;
        case "bool":
            return typeof v === "boolean" ? undefined : `${name} must be a boolean`;
        case "stringSet":
        case "stringList":
            return Array.isArray(v) && v.every((e) => typeof e === "string" || isUnknown(e)) ? undefined : `${name} must be a list of strings`;
    }
}

/** A name like the bridge's autonaming makes: the resource's name, a dash, 7 random hex digits. */
export function autoName(urnName: string): string {
    return `${urnName}-${randomBytes(4).toString("hex").slice(0, 7)}`.slice(0, 255);
}

/**
 * Check: inputs the SDK does not have, or the stand-in does not implement, are refused by name;
 * required ones are demanded, types and validators checked, defaults filled in, and a left-out
 * `name` of an autonamed type is the previous one or a new unique one.
 */
export function checkInputs(kind: ResourceKind, olds: Props, news: Props, urnName: string): { inputs: Props; failures: Failure[] } {
    const failures: Failure[] = [];
    const inputs: Props = {};
    for (const [k, v] of Object.entries(news)) {
        if (k.startsWith("__") || v === undefined || v === null) continue;
        if (kind.refused && k in kind.refused) {
            failures.push({ property: k, reason: `${k} is not implemented by the local postgresql stand-in for ${kind.token}: ${kind.refused[k]}` });
            continue;
        }
        const spec = kind.inputs[k];
        if (!spec) {
            failures.push({ property: k, reason: `${k} is not an input of ${kind.token}` });
            continue;
        }
        const problem = kindProblem(k, spec.kind, v);
        if (problem) {
            failures.push({ property: k, reason: problem });
            continue;
        }
        inputs[k] = v;
    }
    if (kind.autoName && inputs.name === undefined) inputs.name = typeof olds.name === "string" && olds.name !== "" ? olds.name : autoName(urnName);
    for (const [k, spec] of Object.entries(kind.inputs)) {
        const v = inputs[k];
        if (v === undefined && spec.default !== undefined) inputs[k] = spec.default;
        if (spec.required && (inputs[k] === undefined || inputs[k] === "")) failures.push({ property: k, reason: `Missing required property '${k}'` });
        if (v === undefined || isUnknown(v)) continue;
        if (spec.atLeast !== undefined && typeof v === "number" && v < spec.atLeast) {
            failures.push({ property: k, reason: `expected ${k} to be at least (${spec.atLeast}), got ${v}` });
        }
        if (spec.oneOf && typeof v === "string" && !spec.oneOf.includes(v)) {
            failures.push({ property: k, reason: `expected ${k} to be one of [${spec.oneOf.join(" ")}], got ${v}` });
        }
    }
    if (failures.length === 0 && kind.validate) failures.push(...kind.validate(inputs));
    return { inputs, failures };
}

/** A value as the schema compares it: SDKv2 has no null (zeroed), and a set has no order. */
function comparable(spec: InputSpec, v: unknown): string {
    const z = zeroed(v);
    if (spec.kind === "stringSet" && Array.isArray(z)) return stableJson([...new Set(z as string[])].sort());
    return stableJson(z);
}

/** The state Update is to reach: the checked inputs, with left-out Optional + Computed inputs as they are. */
export function plannedState(kind: ResourceKind, olds: Props, news: Props): Props {
    const planned: Props = { ...news };
    for (const [k, spec] of Object.entries(kind.inputs)) if (planned[k] === undefined && spec.computed && olds[k] !== undefined) planned[k] = olds[k];
    return planned;
}

/** d.HasChange: the planned value differs from the state's. */
export function hasChange(kind: ResourceKind, olds: Props, planned: Props, k: string): boolean {
    return comparable(kind.inputs[k], olds[k]) !== comparable(kind.inputs[k], planned[k]);
}

export interface Diff {
    readonly changes: boolean;
    /** Top-level properties whose change forces a new resource. */
    readonly replaces: string[];
    /** Every changed input. */
    readonly changed: string[];
    readonly deleteBeforeReplace: boolean;
}

/**
 * Diff of the state against checked inputs: an input whose value differs (an unknown one may)
 * is a change, and a replacement when it is ForceNew.
 */
export function diffInputs(kind: ResourceKind, olds: Props, news: Props): Diff {
    const changed: string[] = [];
    for (const [k, spec] of Object.entries(kind.inputs)) {
        const n = news[k];
        if (n === undefined && spec.computed) continue;
        if (containsUnknown(n) || comparable(spec, olds[k]) !== comparable(spec, n)) changed.push(k);
    }
    const replaces = changed.filter((k) => FORCE_NEW[kind.token].includes(k));
    return { changes: changed.length > 0, replaces, changed, deleteBeforeReplace: replaces.length > 0 && DELETE_BEFORE_REPLACE.has(kind.token) };
}

/** Inputs as the state declares them, for Read. */
export function inputsOf(kind: ResourceKind, outs: Props): Props {
    return Object.fromEntries(Object.entries(outs).filter(([k, v]) => k in kind.inputs && v !== undefined && v !== null));
}

export const str = (v: unknown): string => (typeof v === "string" ? v : "");
export const bool = (v: unknown): boolean => v === true;
export const int = (v: unknown): number => (typeof v === "number" ? v : 0);
export const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((e): e is string => typeof e === "string") : []);
