import { createHash } from "crypto";
import { DYNAMIC_PREFIX, RAILWAY_VARIABLES_TYPE, SERVICE_TYPE, TABLE_TYPE } from "../components/resources";
import type { ProgramRun } from "./program";

/** The plan as JSON: stable, reviewable, and the input the data-loss guard also reads. */
export interface PlanDocument {
    readonly stack: string;
    readonly phase: string;
    readonly resources: {
        type: string;
        name: string;
        inputs: Record<string, unknown>;
        options: { protect: boolean; retainOnDelete: boolean; dependsOn: string[]; parent?: string; import?: string; read?: boolean };
    }[];
    readonly outputs: Record<string, unknown>;
    readonly migration: { readonly steps: readonly unknown[] };
}

/** Builds the plan document from a run; components (no cloud resource) are listed too, as Pulumi does. */
export function planDocument(run: ProgramRun, phase: string, steps: readonly unknown[]): PlanDocument {
    return {
        stack: run.stack,
        phase,
        resources: run.resources.map((r) => ({
            type: r.type,
            name: r.name,
            inputs: r.inputs,
            options: {
                protect: r.options.protect,
                retainOnDelete: r.options.retainOnDelete,
                dependsOn: r.options.dependsOn,
                ...(r.options.parent ? { parent: r.options.parent } : {}),
                ...(r.options.import ? { import: r.options.import } : {}),
                ...(r.options.read ? { read: true } : {}),
            },
        })),
        outputs: run.outputs,
        migration: { steps },
    };
}

type Resource = PlanDocument["resources"][number];

/**
 * Longest text a Markdown cell holds: about two lines of a pull-request comment. What does not
 * fit is summarised here and stays whole in the JSON (`--format json`).
 */
export const CELL_MAX = 240;
/** Length from which a string input is shown by its size and digest instead of its text. */
const LONG_TEXT = 100;

const cell = (s: unknown) => String(s ?? "").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
const sha = (text: string, n: number) => createHash("sha256").update(text).digest("hex").slice(0, n);

/** A table reference input (`{ project, dataset, table }`) as `project.dataset.table`. */
function tableRef(v: unknown): string | undefined {
    const o = v as Record<string, unknown> | null;
    return o && typeof o === "object" && !Array.isArray(o) && Object.keys(o).sort().join() === "dataset,project,table" ? `${o.project}.${o.dataset}.${o.table}` : undefined;
}

/** The Postgres migrations an input carries, as the migrations table lists them. */
interface MigrationRow {
    readonly resource: string;
    readonly file: string;
    readonly version: number;
    readonly checksum: string;
}

function migrationRows(r: Resource): MigrationRow[] {
    const list = r.inputs.migrations;
    if (!Array.isArray(list)) return [];
    return list
        .filter((m): m is { file: string; version: number; checksum: string } => !!m && typeof m === "object" && typeof m.file === "string" && typeof m.checksum === "string")
        .map((m) => ({ resource: r.name, file: m.file, version: m.version, checksum: m.checksum }));
}

/** One input of a dynamic resource for the details cell: long text by size and digest, lists by count. */
function inputText(key: string, value: unknown, r: Resource): string {
    if (key === "migrations" && migrationRows(r).length > 0) return `migrations=${migrationRows(r).length} files (Postgres migrations below)`;
    const ref = tableRef(value);
    if (ref) return `${key}=${ref}`;
    if (typeof value === "string") {
        if (value.length < LONG_TEXT && !value.includes("\n")) return `${key}=${value}`;
        return `${key}=⟨${value.split("\n").length} lines, sha256 ${sha(value, 8)}⟩`;
    }
    if (value === null || typeof value !== "object") return `${key}=${String(value)}`;
    const json = JSON.stringify(value);
    if (json.length < LONG_TEXT * 2) return `${key}=${json}`;
    return Array.isArray(value) ? `${key}=⟨${value.length} items⟩` : `${key}=⟨${Object.keys(value).length} keys⟩`;
}

/** The Railway variables resource: what it sets and where; the service's other ids are in the JSON. */
function railwaySummary(i: Record<string, any>): string {
    const parts = [`token=${i.token}`, `variables=${JSON.stringify(i.variables)}`, `on service ${i.serviceId}`];
    if (i.removeOnDelete === true) parts.push("removed from the service on delete");
    return parts.join(" ");
}

function summary(r: Resource): string {
    const i = r.inputs as Record<string, any>;
    const parts: string[] = [];
    if (r.type === TABLE_TYPE) {
        if (i.view) parts.push("view");
        if (i.timePartitioning) parts.push(`partition ${i.timePartitioning.type} on ${i.timePartitioning.field}`);
        if (i.clusterings) parts.push(`cluster ${i.clusterings.join(", ")}`);
        if (i.requirePartitionFilter) parts.push("partition filter required");
        if (i.deletionProtection) parts.push("deletion protection");
    }
    if (r.type === SERVICE_TYPE) parts.push(String(i.service));
    if (r.type.includes("IAMMember") || r.type.includes("IamMember")) parts.push(`${i.role} → ${i.member}`);
    if (r.type === RAILWAY_VARIABLES_TYPE) parts.push(railwaySummary(i));
    else if (r.type.startsWith(DYNAMIC_PREFIX)) {
        const keys = Object.keys(i).filter((k) => !["__provider", "version", "project", "location"].includes(k));
        parts.push(keys.map((k) => inputText(k, i[k], r)).join(" "));
    }
    return parts.join("; ");
}

/**
 * What a resource waits for. The program writes `dependsOn: [component]`, which the runtime
 * expands to every child; a component whose children are all there is shown by name.
 */
function dependencies(r: Resource, children: ReadonlyMap<string, readonly string[]>): string {
    const deps = new Set(r.options.dependsOn);
    const shown: string[] = [];
    for (const [parent, kids] of children) {
        if (kids.length > 1 && kids.every((k) => deps.has(k))) {
            shown.push(`${parent} (all ${kids.length})`);
            for (const k of kids) deps.delete(k);
        }
    }
    shown.push(...r.options.dependsOn.filter((d) => deps.has(d)));
    return fit(shown);
}

/** Names joined until the cell is full, then how many more (the JSON lists them all). */
function fit(names: readonly string[]): string {
    let text = "";
    for (const [n, name] of names.entries()) {
        const next = text ? `${text}, ${name}` : name;
        const rest = names.length - n - 1;
        if (next.length + (rest ? ` and ${rest} more`.length : 0) > CELL_MAX) return `${text} and ${names.length - n} more`;
        text = next;
    }
    return text;
}

/** Markdown for a pull-request comment: counts, the resources, the migration steps in order, the Postgres migrations, the outputs. */
export function renderMarkdown(doc: PlanDocument): string {
    const out: string[] = [];
    const custom = doc.resources.filter((r) => !r.type.startsWith("synter:"));
    const children = new Map<string, string[]>();
    for (const r of custom) if (r.options.parent) children.set(r.options.parent, [...(children.get(r.options.parent) ?? []), r.name]);
    out.push(`## Offline plan: stack \`${doc.stack}\`, phase \`${doc.phase}\``, "");
    out.push(`${custom.length} resources (${doc.resources.length - custom.length} components). Secrets show as \`[secret]\`; long inputs by size and sha256, whole in \`--format json\`.`, "");
    const counts = new Map<string, number>();
    for (const r of custom) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    out.push("| type | count |", "| --- | ---: |");
    for (const [t, n] of [...counts].sort()) out.push(`| \`${t}\` | ${n} |`);
    out.push("", "| # | type | name | protect | retain on delete | depends on | details |", "| ---: | --- | --- | :---: | :---: | --- | --- |");
    custom.forEach((r, n) => {
        const how = r.options.read ? " (read-only)" : r.options.import ? " (import)" : "";
        out.push(`| ${n + 1} | \`${r.type}\` | ${cell(r.name)}${how} | ${r.options.protect ? "yes" : ""} | ${r.options.retainOnDelete ? "yes" : ""} | ${cell(dependencies(r, children))} | ${cell(summary(r))} |`);
    });
    out.push("", "### Migration steps", "");
    if (doc.migration.steps.length === 0) {
        out.push(`Phase \`${doc.phase}\` runs no migration step.`);
    } else {
        out.push("| # | action | source | target | after |", "| ---: | --- | --- | --- | --- |");
        doc.migration.steps.forEach((s: any, n) => out.push(`| ${n + 1} | ${s.action} | ${cell(s.source)} | ${cell(s.target)} | ${cell(fit(s.dependsOn))} |`));
    }
    const migrations = custom.flatMap(migrationRows);
    if (migrations.length > 0) {
        out.push("", "### Postgres migrations", "", "| file | version | checksum | applied by |", "| --- | ---: | --- | --- |");
        for (const m of migrations) out.push(`| ${cell(m.file)} | ${m.version} | \`${m.checksum.slice(0, 12)}\` | ${cell(m.resource)} |`);
    }
    out.push("", "### Outputs", "", "| name | value |", "| --- | --- |");
    for (const [k, v] of Object.entries(doc.outputs)) out.push(`| ${k} | ${cell(typeof v === "string" ? v : JSON.stringify(v))} |`);
    return out.join("\n") + "\n";
}
