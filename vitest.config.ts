import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        // Pulumi serializes dynamic providers with the V8 inspector; worker threads break that.
        pool: "forks",
        include: ["test/**/*.test.ts"],
        // One real PostgreSQL for the run: PGURL's server, or a throwaway one (test/support/postgres.ts).
        globalSetup: ["test/support/postgresGlobal.ts"],
        exclude: ["test/live/**"],
        testTimeout: 60_000,
        hookTimeout: 120_000,
    },
});
