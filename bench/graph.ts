import type { MigrationStep } from "../components/migration";

/**
 * The longest chain of steps that must run one after another, each step counted by `weight`
 * (1: steps; the BigQuery jobs a step runs: jobs). Pulumi runs everything else side by side.
 */
export function longestChain(steps: readonly MigrationStep[], weight: (s: MigrationStep) => number = () => 1): number {
    const byTarget = new Map(steps.map((st) => [st.target, st]));
    const memo = new Map<string, number>();
    const depth = (st: MigrationStep): number => {
        const known = memo.get(st.target);
        if (known !== undefined) return known;
        const d = weight(st) + Math.max(0, ...st.dependsOn.map((t) => byTarget.get(t)).filter((x): x is MigrationStep => !!x).map(depth));
        memo.set(st.target, d);
        return d;
    };
    return Math.max(0, ...steps.map(depth));
}
