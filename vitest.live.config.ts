import { defineConfig } from "vitest/config";

// Opt-in suite against real BigQuery: npm run test:live (needs BIGQUERY_LIVE_PROJECT and credentials).
export default defineConfig({
    test: { pool: "forks", include: ["test/live/**/*.test.ts"], testTimeout: 300_000, hookTimeout: 300_000 },
});
