// What every resource type of the stand-in has in common: its inputs (as the SDK names them),
// Check with Terraform's defaults and validations, and a Diff driven by the ForceNew table.
import type { BigQueryClient } from "./bigquery";
import { DELETE_BEFORE_REPLACE, FORCE_NEW, GcpType } from "./forceNew";
import { at, containsUnknown, isUnknown, Props, sameValue } from "../values";

/** The provider's configuration, from the `gcp:` namespace of the stack. */
export interface GcpConfig {
    /** `gcp:project`: the default project for resources that name none. */
    readonly project?: string;
    /** `gcp:bigQueryCustomEndpoint`, or BIGQUERY_EMULATOR_HOST + /bigquery/v2/. */
    readonly bigQueryEndpoint?: string;
    /** `gcp:defaultLabels`: merged under every resource's own labels. */
    readonly defaultLabels: Readonly<Record<string, string>>;
}

export interface Context {
    readonly config: GcpConfig;
    /** The local BigQuery; throws when none is configured. */
    bigquery(): BigQueryClient;
}

export interface InputSpec {
    readonly required?: boolean;
    /** Terraform's Default: filled in by Check when the program leaves the input out. */
    readonly default?: unknown;
    /** Optional + Computed: when the program leaves it out, whatever the resource has stands. */
    readonly computed?: boolean;
    /** Fields of a nested block that are Optional + Computed in the same sense. */
    readonly computedFields?: readonly string[];
    /** A DiffSuppressFunc: true when the two values are the same to the provider. */
    readonly same?: (old: unknown, neu: unknown) => boolean;
    /** Compared by the type's own diff (the table schema). */
    readonly custom?: boolean;
}

export interface Failure {
    readonly property: string;
    readonly reason: string;
}

export interface Created {
    readonly id: string;
    readonly outs: Props;
}

export interface ReadBack {
    readonly id: string;
    readonly outs: Props;
    readonly inputs: Props;
}

/** The part of Diff a type adds to the generic comparison. */
export interface CustomDiff {
    readonly changed: readonly string[];
    readonly replaces: readonly string[];
}

export interface ResourceKind {
    readonly token: GcpType;
    readonly inputs: Readonly<Record<string, InputSpec>>;
    /** Outputs that are secrets whatever the inputs were. */
    readonly secretOutputs?: readonly string[];
    /** Type-specific validation of checked inputs (unknown values are skipped by the caller's care). */
    validate?(inputs: Props, ctx: Context): Failure[];
    customDiff?(id: string, olds: Props, news: Props, ctx: Context): Promise<CustomDiff>;
    create(inputs: Props, ctx: Context): Promise<Created>;
    /** Undefined when the resource does not exist. `state` is undefined for an import or a `.get`. */
    read(id: string, state: Props | undefined, ctx: Context): Promise<ReadBack | undefined>;
    update(id: string, olds: Props, news: Props, ctx: Context): Promise<Props>;
    delete(id: string, olds: Props, ctx: Context): Promise<void>;
}

/** Check: unknown inputs are refused by name, required ones demanded, defaults and the provider project filled in. */
export function checkInputs(kind: ResourceKind, news: Props, ctx: Context): { inputs: Props; failures: Failure[] } {
    const failures: Failure[] = [];
    const inputs: Props = {};
    for (const [k, v] of Object.entries(news)) {
        if (k.startsWith("__")) continue;
        if (!(k in kind.inputs)) {
            if (v !== undefined && v !== null) {
                failures.push({ property: k, reason: `${k} is not implemented by the local gcp stand-in for ${kind.token} (it covers what this stack declares)` });
            }
            continue;
        }
        if (v !== undefined && v !== null) inputs[k] = v;
    }
    for (const [k, spec] of Object.entries(kind.inputs)) {
        if (inputs[k] === undefined && spec.default !== undefined) inputs[k] = spec.default;
        if (inputs[k] === undefined && k === "project" && ctx.config.project) inputs[k] = ctx.config.project;
        if (spec.required && (inputs[k] === undefined || inputs[k] === "")) failures.push({ property: k, reason: `Missing required property '${k}'` });
    }
    if ("project" in kind.inputs && inputs.project === undefined) {
        failures.push({ property: "project", reason: "project: required field is not set (give the resource a project or set gcp:project)" });
    }
    if (failures.length === 0 && kind.validate) failures.push(...kind.validate(inputs, ctx));
    return { inputs, failures };
}

const top = (path: string) => path.split(".")[0];

/** Drops the Optional + Computed fields of a block that the new value leaves out. */
function withoutComputed(old: unknown, neu: unknown, fields: readonly string[] | undefined): unknown {
    if (!fields || !old || typeof old !== "object" || Array.isArray(old)) return old;
    const n = (neu && typeof neu === "object" ? neu : {}) as Props;
    const o = { ...(old as Props) };
    for (const f of fields) if (n[f] === undefined) delete o[f];
    return o;
}

function same(spec: InputSpec, old: unknown, neu: unknown): boolean {
    if (spec.same) return spec.same(old, neu);
    return sameValue(withoutComputed(old, neu, spec.computedFields), neu);
}

/** Top-level inputs whose value differs (custom-compared ones excluded), unknown values counting as different. */
export function changedInputs(kind: ResourceKind, olds: Props, news: Props): string[] {
    return Object.entries(kind.inputs)
        .filter(([name, spec]) => !spec.custom && !(news[name] === undefined && spec.computed))
        .filter(([name, spec]) => containsUnknown(news[name]) || !same(spec, olds[name], news[name]))
        .map(([name]) => name);
}

export interface Diff {
    readonly changes: boolean;
    /** Top-level properties whose change forces a new resource (what the engine expects). */
    readonly replaces: string[];
    /** Every changed top-level property, for messages and tests. */
    readonly changed: string[];
    readonly deleteBeforeReplace: boolean;
}

/**
 * Diff of the state (`olds`, outputs) against checked inputs: a property whose value differs
 * is a change; it is a replacement when one of its ForceNew paths differs (an unknown value may
 * differ, as Terraform plans it).
 */
export async function diffInputs(kind: ResourceKind, id: string, olds: Props, news: Props, ctx: Context): Promise<Diff> {
    const changed = new Set<string>();
    const replaces = new Set<string>();
    const forceNew = FORCE_NEW[kind.token];
    for (const name of changedInputs(kind, olds, news)) {
        const spec = kind.inputs[name];
        changed.add(name);
        for (const path of forceNew.filter((p) => top(p) === name)) {
            if (path === name) {
                replaces.add(name);
                continue;
            }
            const n = at(news, path);
            // A ForceNew field inside a block that is computed and left out is not planned.
            if (n === undefined && spec.computedFields?.includes(path.slice(name.length + 1))) continue;
            if (isUnknown(n) || containsUnknown(n) || !sameValue(at(olds, path), n)) replaces.add(name);
        }
    }
    if (kind.customDiff) {
        const extra = await kind.customDiff(id, olds, news, ctx);
        extra.changed.forEach((c) => changed.add(c));
        extra.replaces.forEach((r) => replaces.add(r));
    }
    return {
        changes: changed.size > 0,
        replaces: [...replaces],
        changed: [...changed],
        deleteBeforeReplace: replaces.size > 0 && DELETE_BEFORE_REPLACE.has(kind.token),
    };
}

/** Inputs as an import would declare them: the state's values of the type's inputs. */
export function inputsOf(kind: ResourceKind, outs: Props): Props {
    return Object.fromEntries(Object.entries(outs).filter(([k, v]) => k in kind.inputs && v !== undefined && v !== null));
}

/**
 * Labels the way pulumi-gcp keeps them (tpgresource.SetLabelsDiff): `pulumiLabels` are the
 * provider's default labels under the resource's own; `effectiveLabels` are everything on the
 * resource, so labels set outside the program survive and labels the program drops go.
 */
export function plannedLabels(ctx: Context, labels: unknown, oldPulumiLabels: unknown, oldEffective: unknown): { pulumiLabels: Record<string, string>; effective: Record<string, string> } {
    const pulumiLabels: Record<string, string> = { ...ctx.config.defaultLabels, ...((labels as Record<string, string>) ?? {}) };
    const effective: Record<string, string> = { ...((oldEffective as Record<string, string>) ?? {}) };
    for (const k of Object.keys((oldPulumiLabels as Record<string, string>) ?? {})) if (!(k in pulumiLabels)) delete effective[k];
    Object.assign(effective, pulumiLabels);
    return { pulumiLabels, effective };
}

/**
 * What `labels` holds after a read (tpgresource.SetLabels): only the keys the state already
 * manages, valued as the API has them. With no state (an import or a `.get`) every label is
 * taken, so an import that declares the table's labels does not differ.
 */
export function readLabels(apiLabels: Record<string, string>, stateLabels: unknown): Record<string, string> {
    if (stateLabels === undefined) return { ...apiLabels };
    return Object.fromEntries(Object.keys((stateLabels as Record<string, string>) ?? {}).map((k) => [k, apiLabels[k] ?? ""]));
}

/** Terraform's deletion_policy on delete (tpgresource.DeletionPolicyPreDelete): true when nothing must be deleted. */
export function deletionPolicyStops(id: string, olds: Props): boolean {
    if (olds.deletionPolicy === "PREVENT") throw new Error(`cannot destroy "${id}" without setting deletion_policy="DELETE" and running \`terraform apply\``);
    return olds.deletionPolicy === "ABANDON";
}

export const DELETION_POLICIES = ["DELETE", "PREVENT", "ABANDON"];

/** Named parts of an id, by the first pattern that matches it. */
export function parseId(id: string, patterns: readonly RegExp[]): Record<string, string> | undefined {
    for (const p of patterns) {
        const m = p.exec(id);
        if (m?.groups) return { ...m.groups };
    }
    return undefined;
}
