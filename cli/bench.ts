// npm run bench: every figure with its baseline and ratio, as JSON lines, then a table.
import { BENCH_GROUPS, BenchGroup, runBench } from "../bench/suite";
import { oneOf, parse, run } from "./command";

const spec = {
    name: "bench",
    usage: `[-- --only ${BENCH_GROUPS.join(",")}]`,
    summary:
        "Measures each figure against a baseline measured in the same run and prints one JSON line per figure, then a table; keeps the run in .bench/latest.json. Starts its own PostgreSQL and MariaDB (or uses PGURL / MYSQLURL). Never fails on a number.",
    options: { only: { type: "string" } },
    help: { only: `comma-separated groups to run (default: all of ${BENCH_GROUPS.join(", ")})` },
} as const;

run(async () => {
    const { values } = parse(spec, process.argv.slice(2));
    const only: BenchGroup[] = (values.only ?? "")
        .split(",")
        .map((g) => g.trim())
        .filter(Boolean)
        .map((g) => oneOf("bench", "only", g, BENCH_GROUPS));
    await runBench(only, (text) => process.stdout.write(text));
});
