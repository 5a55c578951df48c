// npm run rehearse: the migration runbook through the real Pulumi engine, on a local backend,
// against the local warehouse and a throwaway PostgreSQL, with the stack file's own settings.
import { MIGRATION_PHASES, MigrationPhase } from "../config";
import { formatReport, pathProblem, rehearse } from "../engine/rehearsal";
import { ExitError, oneOf, parse, requireStack, run, STACK_OPTION } from "./command";

const spec = {
    name: "rehearse",
    usage: "-- --stack <dev|prod> [--path parallel,validate,cutover,complete] [--mismatch] [--format text|json] [--keep]",
    summary:
        "Runs `pulumi up` and `pulumi preview --expect-no-changes` of each phase of the path with the real engine, then checks the warehouse against the runbook and the auth database for changes. Exit 0 only when every phase passed.",
    options: {
        stack: STACK_OPTION,
        path: { type: "string" },
        mismatch: { type: "boolean" },
        format: { type: "string" },
        keep: { type: "boolean" },
        "save-previews": { type: "string" },
    },
    help: {
        stack: "the stack file to rehearse: Pulumi.<stack>.yaml (required)",
        path: "phases in order, comma-separated (default: parallel)",
        mismatch: "make one day of the v2 facts differ from the legacy exports",
        format: "text (default) or json",
        keep: "keep the scratch directory (backend, warehouse state) and print where it is",
        "save-previews": "write each phase's pulumi preview --json into this directory, local ports and paths replaced",
    },
} as const;

run(async () => {
    const { values } = parse(spec, process.argv.slice(2));
    const stack = requireStack("rehearse", values.stack);
    const format = oneOf("rehearse", "format", values.format, ["text", "json"] as const, "text");
    const path = (values.path ?? "parallel").split(",").map((p) => p.trim()).filter(Boolean);
    const problem = pathProblem(path);
    if (problem) throw new ExitError(`rehearse: --path ${values.path}: ${problem} (phases: ${MIGRATION_PHASES.join(", ")})`);
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const report = await rehearse({ stack, path: path as MigrationPhase[], mismatch: values.mismatch, keep: values.keep, savePreviews: values["save-previews"], log });
    process.stdout.write(format === "json" ? JSON.stringify(report, null, 2) + "\n" : formatReport(report) + "\n");
    return report.ok ? 0 : 1;
});
