/** A step of a dependency graph: its key and the keys it waits for. */
export interface GraphStep {
    readonly key: string;
    readonly dependsOn: readonly string[];
}

/**
 * The longest chain of steps that must run one after another, each step counted by `weight`
 * (1: steps; the BigQuery jobs a step runs: jobs). Pulumi runs everything else side by side.
 */
export function longestChain<S extends GraphStep>(steps: readonly S[], weight: (s: S) => number = () => 1): number {
    const byKey = new Map(steps.map((st) => [st.key, st]));
    const memo = new Map<string, number>();
    const depth = (st: S): number => {
        const known = memo.get(st.key);
        if (known !== undefined) return known;
        const d = weight(st) + Math.max(0, ...st.dependsOn.map((k) => byKey.get(k)).filter((x): x is S => !!x).map(depth));
        memo.set(st.key, d);
        return d;
    };
    return Math.max(0, ...steps.map(depth));
}
