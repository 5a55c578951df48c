// npm run plan: the program evaluated offline (Pulumi's runtime with mocks, no CLI, no
// credentials), printed as what it would declare.
import { MIGRATION_PHASES } from "../config";
import { planDocument, renderMarkdown } from "../plan/render";
import { PROJECT_ROOT } from "../lib/root";
import { runProgram } from "../plan/program";
import { ExitError, oneOf, parse, requireStack, run, STACK_OPTION } from "./command";

const spec = {
    name: "plan",
    usage: `-- --stack <dev|prod> [--phase ${MIGRATION_PHASES.join("|")}] [--format markdown|json]`,
    summary:
        "Runs the Pulumi program for a stack file under Pulumi's runtime with mocks and prints every resource it declares, with its options, the migration steps of the phase and the outputs. Markdown is for a pull-request comment; JSON is what the data-loss guard reads. Any invoke the program makes is refused.",
    options: { stack: STACK_OPTION, phase: { type: "string" }, format: { type: "string" } },
    help: {
        stack: "the stack file: Pulumi.<stack>.yaml (required)",
        phase: "the migration phase to plan instead of the stack file's migrationPhase",
        format: "markdown (default) or json",
    },
} as const;

run(async () => {
    const { values } = parse(spec, process.argv.slice(2));
    const stack = requireStack("plan", values.stack);
    const format = oneOf("plan", "format", values.format, ["markdown", "json"] as const, "markdown");
    const phase = values.phase;
    // Exit 1 like every other problem of the plan: the phase is configuration, not usage.
    if (phase !== undefined && !(MIGRATION_PHASES as readonly string[]).includes(phase)) {
        throw new ExitError(`plan failed: --phase ${phase}: must be one of ${MIGRATION_PHASES.join(", ")}`, 1);
    }
    let result;
    try {
        result = await runProgram(stack, () => require(`${PROJECT_ROOT}/index`), phase ? { migrationPhase: phase } : {});
    } catch (err: any) {
        throw new ExitError(`plan failed: ${err?.message ?? err}`, 1);
    }
    const { migrationSteps = [], ...outputs } = result.outputs;
    const doc = planDocument({ ...result, outputs }, String(result.outputs.migrationPhase), migrationSteps as unknown[]);
    process.stdout.write(format === "json" ? JSON.stringify(doc, null, 2) + "\n" : renderMarkdown(doc));
});
