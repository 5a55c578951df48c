// npm run guard: fails when a preview (or the offline plan) would lose data. Without --file it
// reads standard input, so `pulumi preview --json | npm run -s guard` works.
import * as fs from "fs";
import { guard, GuardReport } from "../plan/guard";
import { ExitError, parse, run } from "./command";

const spec = {
    name: "guard",
    usage: "-- [--file <preview.json>]",
    summary:
        "Reads `pulumi preview --json` or the offline plan (npm run plan -- --format json) and names every BigQuery table or dataset, or Postgres database, the change would delete or replace. Exit 1 when anything would lose data, 2 when the input is neither a preview nor a plan.",
    options: { file: { type: "string" } },
    help: { file: "the preview or plan JSON (default: standard input)" },
} as const;

run(async () => {
    const { values } = parse(spec, process.argv.slice(2));
    const where = values.file ?? "standard input";
    let text: string;
    try {
        text = fs.readFileSync(values.file ?? 0, "utf8");
    } catch (err: any) {
        throw new ExitError(`guard: cannot read ${where}: ${err.message}`);
    }
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (err: any) {
        throw new ExitError(`guard: ${where} is not JSON: ${err.message}`);
    }
    let report: GuardReport;
    try {
        report = guard(doc);
    } catch (err: any) {
        throw new ExitError(`guard: ${where}: ${err.message}`);
    }
    for (const a of report.allowed) process.stdout.write(`allowed: ${a}\n`);
    for (const l of report.losses) process.stderr.write(`DATA LOSS: ${l}\n`);
    process.stdout.write(`guard: ${report.checked} ${report.source === "preview" ? "steps" : "resources"} checked in ${where}, ${report.losses.length} would lose data\n`);
    return report.losses.length ? 1 : 0;
});
