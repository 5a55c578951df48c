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

const cell = (s: unknown) => String(s ?? "").replace(/\|/g, "\\|").replace(/\n/g, " ");

function summary(r: PlanDocument["resources"][number]): string {
    const i = r.inputs as Record<string, any>;
    const parts: string[] = [];
    if (r.type === "gcp:bigquery/table:Table") {
        if (i.view) parts.push("view");
        if (i.timePartitioning) parts.push(`partition ${i.timePartitioning.type} on ${i.timePartitioning.field}`);
        if (i.clusterings) parts.push(`cluster ${i.clusterings.join(", ")}`);
        if (i.requirePartitionFilter) parts.push("partition filter required");
        if (i.deletionProtection) parts.push("deletion protection");
    }
    if (r.type === "gcp:projects/service:Service") parts.push(String(i.service));
    if (r.type.includes("IAMMember") || r.type.includes("IamMember")) parts.push(`${i.role} → ${i.member}`);
    if (r.type.startsWith("pulumi-nodejs:dynamic")) {
        const keys = Object.keys(i).filter((k) => !["__provider", "version", "project", "location"].includes(k));
        parts.push(keys.map((k) => `${k}=${typeof i[k] === "object" ? JSON.stringify(i[k]) : i[k]}`).join(" "));
    }
    return parts.join("; ");
}

/** Markdown for a pull-request comment: counts, the resources, then the migration steps in order. */
export function renderMarkdown(doc: PlanDocument): string {
    const out: string[] = [];
    const custom = doc.resources.filter((r) => !r.type.startsWith("synter:"));
    out.push(`## Offline plan: stack \`${doc.stack}\`, phase \`${doc.phase}\``, "");
    out.push(`${custom.length} resources (${doc.resources.length - custom.length} components). Secrets show as \`[secret]\`.`, "");
    const counts = new Map<string, number>();
    for (const r of custom) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    out.push("| type | count |", "| --- | ---: |");
    for (const [t, n] of [...counts].sort()) out.push(`| \`${t}\` | ${n} |`);
    out.push("", "| # | type | name | protect | retain on delete | depends on | details |", "| ---: | --- | --- | :---: | :---: | --- | --- |");
    custom.forEach((r, n) => {
        const how = r.options.read ? " (read-only)" : r.options.import ? " (import)" : "";
        out.push(`| ${n + 1} | \`${r.type}\` | ${cell(r.name)}${how} | ${r.options.protect ? "yes" : ""} | ${r.options.retainOnDelete ? "yes" : ""} | ${cell(r.options.dependsOn.join(", "))} | ${cell(summary(r))} |`);
    });
    out.push("", "### Migration steps", "");
    if (doc.migration.steps.length === 0) {
        out.push(`Phase \`${doc.phase}\` runs no migration step.`);
    } else {
        out.push("| # | action | source | target | after |", "| ---: | --- | --- | --- | --- |");
        doc.migration.steps.forEach((s: any, n) => out.push(`| ${n + 1} | ${s.action} | ${cell(s.source)} | ${cell(s.target)} | ${cell(s.dependsOn.join(", "))} |`));
    }
    out.push("", "### Outputs", "", "| name | value |", "| --- | --- |");
    for (const [k, v] of Object.entries(doc.outputs)) out.push(`| ${k} | ${cell(typeof v === "string" ? v : JSON.stringify(v))} |`);
    return out.join("\n") + "\n";
}

