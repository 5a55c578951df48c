import type { MigrationPhase } from "../../config";

/** Phases that may follow each phase; the gate resource enforces this against the stack's state. */
export const NEXT_PHASES: Readonly<Record<MigrationPhase, readonly MigrationPhase[]>> = {
    parallel: ["parallel", "validate"],
    validate: ["validate", "parallel", "cutover"],
    cutover: ["cutover", "complete", "rollback"],
    rollback: ["rollback", "parallel", "validate"],
    complete: ["complete"],
};

/** Phases a stack may start in (no earlier state). */
export const FIRST_PHASES: readonly MigrationPhase[] = ["parallel"];

/**
 * Why moving from `from` to `to` is refused, or undefined when it is allowed.
 * `validationPassed` is what the stack recorded for the validate phase's parity checks.
 */
export function transitionProblem(from: MigrationPhase | undefined, to: MigrationPhase, validationPassed: boolean): string | undefined {
    if (from === undefined) {
        return FIRST_PHASES.includes(to)
            ? undefined
            : `a new stack starts in phase ${FIRST_PHASES.join(" or ")}, not ${to}: the migration runs parallel -> validate -> cutover -> complete`;
    }
    if (!NEXT_PHASES[from].includes(to)) {
        return `phase ${to} cannot follow ${from}; after ${from} come: ${NEXT_PHASES[from].join(", ")}`;
    }
    if (from === "validate" && to === "cutover" && !validationPassed) {
        return "phase cutover needs a passed validation: run `pulumi up` in phase validate until every parity check passes";
    }
    return undefined;
}
