// What the Railway variables resource decides, as pure functions and cores over an injected
// RailwayClient: which ids and names are acceptable, which variables an update touches, and
// what a delete removes. The provider in provider.ts is a thin adapter over these.
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import type { RailwayClient, RailwayService } from "./client";

/** Railway's project, environment and service ids are UUIDs. */
export const RAILWAY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A name every shell and dotenv reader accepts. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** What Pulumi passes for a value it does not know yet (preview of a new resource). */
export const UNKNOWN: string = unknownValue;

export type Variables = Readonly<Record<string, string>>;

/** One problem with the inputs, for a check failure: the property and why. */
export interface InputProblem {
    readonly property: string;
    readonly reason: string;
}

/** Problems with the ids, the endpoint and the variable names; values are never inspected or shown. */
export function inputProblems(inputs: Record<string, any>): InputProblem[] {
    const problems: InputProblem[] = [];
    for (const key of ["projectId", "environmentId", "serviceId"]) {
        const v = inputs[key];
        if (v === UNKNOWN) continue;
        if (typeof v !== "string" || !RAILWAY_ID.test(v)) problems.push({ property: key, reason: `${key} ${JSON.stringify(v ?? null)} is not a Railway id (a UUID)` });
    }
    if (inputs.apiUrl !== UNKNOWN && (typeof inputs.apiUrl !== "string" || !/^https?:\/\/\S+$/.test(inputs.apiUrl))) {
        problems.push({ property: "apiUrl", reason: `apiUrl ${JSON.stringify(inputs.apiUrl ?? null)} is not an http(s) URL` });
    }
    const vars = inputs.variables;
    if (vars !== UNKNOWN) {
        if (!vars || typeof vars !== "object" || Array.isArray(vars) || Object.keys(vars).length === 0) {
            problems.push({ property: "variables", reason: "variables must name at least one variable" });
        } else {
            for (const name of Object.keys(vars)) {
                if (!VARIABLE_NAME.test(name)) problems.push({ property: "variables", reason: `variable name ${JSON.stringify(name)} is not letters, digits and underscores starting with a letter or underscore` });
            }
        }
    }
    return problems;
}

/** The service an inputs or state object addresses. */
export function serviceOf(props: Record<string, any>): RailwayService {
    return { projectId: props.projectId, environmentId: props.environmentId, serviceId: props.serviceId };
}

/** Variables whose value is new or different, and names no longer set, between two states. */
export function variableChanges(olds: Variables | undefined, news: Variables | undefined): { readonly changed: string[]; readonly dropped: string[] } {
    const o = olds ?? {};
    const n = news ?? {};
    return {
        changed: Object.keys(n).filter((k) => !(k in o) || o[k] !== n[k]).sort(),
        dropped: Object.keys(o).filter((k) => !(k in n)).sort(),
    };
}

/**
 * A count per name of the values it has had, carried from the last inputs: it goes up exactly
 * when that variable's value changes. Values are secret and show as [secret] whether or not they
 * changed, so this is what lets a preview say which names an update sets, and nothing more.
 */
export function revisions(old: Readonly<Record<string, number>> | undefined, olds: Variables | undefined, news: Variables): Record<string, number> {
    const { changed } = variableChanges(olds, news);
    return Object.fromEntries(Object.keys(news).sort().map((k) => [k, (typeof old?.[k] === "number" ? old[k] : 0) + (changed.includes(k) ? 1 : 0)]));
}

export interface ApplyOptions {
    /** Remove variables that were set before and are no longer in `news` (railwayRemoveOnDelete). */
    readonly removeDropped: boolean;
    readonly skipDeploys: boolean;
}

/** What an apply did, by name. */
export interface ApplyResult {
    readonly upserted: string[];
    readonly removed: string[];
}

/**
 * Brings the service from `olds` (what this resource set last time; empty on create) to `news`:
 * one upsert of only the changed variables, then, if asked, a delete of each dropped one that
 * is still there. Re-running after a failure at any point converges.
 */
export async function applyVariables(client: RailwayClient, service: RailwayService, olds: Variables | undefined, news: Variables, opts: ApplyOptions): Promise<ApplyResult> {
    const { changed, dropped } = variableChanges(olds, news);
    if (changed.length > 0) {
        await client.upsert(service, Object.fromEntries(changed.map((k) => [k, news[k]])), opts.skipDeploys);
    }
    const removed = opts.removeDropped && dropped.length > 0 ? await removeVariables(client, service, dropped) : [];
    return { upserted: changed, removed };
}

/** Deletes those of `names` the service still has, and only those; returns what was deleted. */
export async function removeVariables(client: RailwayClient, service: RailwayService, names: readonly string[]): Promise<string[]> {
    const present = await client.variables(service);
    const removed: string[] = [];
    for (const name of [...names].sort()) {
        if (!(name in present)) continue;
        await client.remove(service, name);
        removed.push(name);
    }
    return removed;
}

/** The values this resource set, as the service has them now: a name deleted by hand is missing. */
export async function readVariables(client: RailwayClient, service: RailwayService, names: readonly string[]): Promise<Record<string, string>> {
    const present = await client.variables(service);
    return Object.fromEntries(names.filter((n) => n in present).map((n) => [n, present[n]]));
}
