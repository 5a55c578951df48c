import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        // Pulumi serializes dynamic providers with the V8 inspector; worker threads break that.
        pool: "forks",
        include: ["test/**/*.test.ts"],
        // One real PostgreSQL and one MariaDB for the run: PGURL's / MYSQLURL's servers, or
        // throwaway ones (servers/postgres.ts, test/support/mariadb.ts).
        globalSetup: ["test/support/services.ts"],
        exclude: ["test/live/**"],
        testTimeout: 60_000,
        hookTimeout: 120_000,
    },
});
