import { availableParallelism } from "os";
import { defineConfig } from "vitest/config";

// Tests that start nothing: the program under mocks, pure functions, configuration and files.
// `npm run test:unit` runs only these, in seconds.
const UNIT = [
    "test/config.test.ts",
    "test/stack.test.ts",
    "test/analytics/**/*.test.ts",
    "test/ci/**/*.test.ts",
    "test/cli/**/*.test.ts",
    "test/plan/**/*.test.ts",
    "test/policy/policies.test.ts",
    "test/migration/phases.test.ts",
    "test/migration/statements.test.ts",
    "test/datamove/values.test.ts",
    "test/datamove/progress.test.ts",
    "test/lib/**/*.test.ts",
    "test/engine/unit/**/*.test.ts",
];
const ENGINE = ["test/engine/**/*.test.ts"];
const NEVER = ["**/node_modules/**", "test/live/**"];

export default defineConfig({
    test: {
        // Pulumi serializes dynamic providers with the V8 inspector; worker threads break that.
        pool: "forks",
        // At least two files at a time, even on two cores (vitest's default is one less than the
        // core count): the engine's files spend much of their time waiting on the processes they
        // start (pulumi, plugins, PostgreSQL, the warehouse), so the longest runs beside the rest.
        maxWorkers: Math.max(2, availableParallelism() - 1),
        testTimeout: 60_000,
        hookTimeout: 120_000,
        projects: [
            { extends: true, test: { name: "unit", include: UNIT, exclude: NEVER } },
            {
                extends: true,
                test: {
                    name: "integration",
                    include: ["test/**/*.test.ts"],
                    exclude: [...NEVER, ...UNIT, ...ENGINE],
                    // One real PostgreSQL and one MariaDB for the run: PGURL's / MYSQLURL's servers, or
                    // throwaway ones (servers/postgres.ts, servers/mariadb.ts).
                    globalSetup: ["test/support/services.ts"],
                },
            },
            {
                extends: true,
                test: {
                    name: "engine",
                    include: ENGINE,
                    exclude: [...NEVER, "test/engine/unit/**"],
                    // The real Pulumi CLI and providers, built once from Go modules into a cache.
                    globalSetup: ["test/support/engineSetup.ts"],
                    // Whole `pulumi up`s of the real program, phase after phase.
                    testTimeout: 900_000,
                    hookTimeout: 3_600_000,
                },
            },
        ],
    },
});
