// The one mocks helper of the suite: runs the real program under Pulumi's runtime with the
// recording mocks of the offline plan (which refuse any unplanned invoke).
import { vi } from "vitest";
import { declaresView, TABLE_TYPE } from "../../components/resources";
import { ProgramRun, RecordedResource, runProgram } from "../../plan/program";

/** Runs index.ts for a stack file, with config overrides (e.g. { migrationPhase: "cutover" }). */
export async function runStack(stack: string, overrides: Record<string, string> = {}): Promise<ProgramRun> {
    return runProgram(
        stack,
        async () => {
            vi.resetModules();
            return await import("../../index");
        },
        overrides,
    );
}

/** The error a stack run fails with (the test fails if it does not). */
export async function stackError(stack: string, overrides: Record<string, string>): Promise<string> {
    try {
        await runStack(stack, overrides);
    } catch (err) {
        return (err as Error).message;
    }
    throw new Error(`stack ${stack} with ${JSON.stringify(overrides)} was expected to fail`);
}

/** A BigQuery view the program declares. */
export const isView = (r: RecordedResource) => r.type === TABLE_TYPE && declaresView(r.inputs);
/** A BigQuery table holding data that the program manages (not a view, not a read-only lookup). */
export const isDataTable = (r: RecordedResource) => r.type === TABLE_TYPE && !declaresView(r.inputs) && !r.options.read;
export const byName = (run: ProgramRun, name: string) => {
    const r = run.resources.find((x) => x.name === name);
    if (!r) throw new Error(`no resource named ${name}; have: ${run.resources.map((x) => x.name).join(", ")}`);
    return r;
};
