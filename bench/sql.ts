// 2. SQL verification: every statement the stack runs, analyzed by ZetaSQL once it has started.
import { SqlChecker, stackStatements } from "../zetasql";
import { Figure, figure, medianMs } from "./figures";

export async function sqlFigures(): Promise<Figure[]> {
    const started = process.hrtime.bigint();
    const checker = await SqlChecker.start();
    const startMs = Number(process.hrtime.bigint() - started) / 1e6;
    try {
        const statements = stackStatements();
        const trivial = statements.map((s, i) => ({ file: `trivial-${i}`, sql: "SELECT 1 AS one" }));
        const all = await medianMs(async () => {
            const problems = await checker.check(statements);
            if (problems.length) throw new Error(`the stack's SQL has problems: ${problems[0].message}`);
        }, 5);
        const floor = await medianMs(() => checker.check(trivial), 5);
        return [
            figure("sql.verify_all_statements", all, "ms", floor, `as many trivial statements (${statements.length}), the analyzer's floor`),
            figure("sql.analyzer_start", startMs, "ms", all, "verifying every statement once started"),
        ];
    } finally {
        checker.stop();
    }
}
