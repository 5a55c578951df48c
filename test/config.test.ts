import { describe, expect, it } from "vitest";
import { stackConfig } from "../plan/stackFile";
import { runStack, stackError } from "./support/program";

const RAILWAY_UUID = "0b7cfa3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";

// Each bad value fails before any resource is registered, naming the key, the value and what is allowed.
describe("bad stack configuration", () => {
    const cases: [string, Record<string, string>, string][] = [
        ["environment", { environment: "staging" }, 'Invalid stack configuration synter-infra:environment = "staging": must be one of dev, prod.'],
        ["timeTravelHours too small", { timeTravelHours: "24" }, 'Invalid stack configuration synter-infra:timeTravelHours = "24": must be a whole number from 48 to 168.'],
        ["timeTravelHours not whole days", { timeTravelHours: "50" }, 'Invalid stack configuration synter-infra:timeTravelHours = "50": must be a multiple of 24 from 48 to 168 (BigQuery accepts whole days only).'],
        ["migrationPhase", { migrationPhase: "done" }, 'Invalid stack configuration synter-infra:migrationPhase = "done": must be one of parallel, validate, cutover, complete, rollback.'],
        ["legacyTables", { legacyTables: "import" }, 'Invalid stack configuration synter-infra:legacyTables = "import": must be one of adopt, create, none.'],
        ["datasetId", { datasetId: "synter-analytics" }, 'Invalid stack configuration synter-infra:datasetId = "synter-analytics": must be letters, digits and underscores only.'],
        ["postgresPort", { postgresPort: "70000" }, 'Invalid stack configuration synter-infra:postgresPort = "70000": must be a whole number from 1 to 65535.'],
        ["postgresSslMode", { postgresSslMode: "prefer" }, 'Invalid stack configuration synter-infra:postgresSslMode = "prefer": must be one of disable, require, verify-ca, verify-full.'],
        ["createServiceAccountKey", { createServiceAccountKey: "yes" }, 'Invalid stack configuration synter-infra:createServiceAccountKey = "yes": must be true or false.'],
        ["parityTolerance", { parityTolerance: "0.5" }, 'Invalid stack configuration synter-infra:parityTolerance = "0.5": must be a relative difference from 0 to 0.05.'],
        ["app role equal to admin", { postgresAppRole: "postgres" }, 'Invalid stack configuration synter-infra:postgresAppRole = "postgres": must differ from synter-infra:postgresAdminUser: the application never runs as the admin.'],
        ["public dataset reader", { datasetReaders: '["allUsers"]' }, 'Invalid stack configuration synter-infra:datasetReaders = ["allUsers"]: must be a list of IAM members such as group:analysts@example.com (no allUsers or allAuthenticatedUsers).'],
        ["phase needs legacy tables", { legacyTables: "none", migrationPhase: "cutover" }, 'Invalid stack configuration synter-infra:migrationPhase = "cutover": needs legacy tables to migrate from; with synter-infra:legacyTables = "none" only parallel and complete are allowed.'],
        ["backup dataset equals dataset", { backupDatasetId: "synter_analytics" }, 'Invalid stack configuration synter-infra:backupDatasetId = "synter_analytics": must differ from synter-infra:datasetId.'],
        ["Railway ids without the others", { railwayProjectId: RAILWAY_UUID }, "Invalid stack configuration synter-infra:railwayEnvironmentId = null: is required: railwayProjectId, railwayEnvironmentId, railwayServiceId and railwayToken are set together or not at all."],
        ["Railway token without the ids", { railwayToken: "tok" }, "Invalid stack configuration synter-infra:railwayProjectId = null: is required: railwayProjectId, railwayEnvironmentId, railwayServiceId and railwayToken are set together or not at all."],
        ["Railway id not a UUID", { railwayProjectId: "synter-prod", railwayEnvironmentId: RAILWAY_UUID, railwayServiceId: RAILWAY_UUID }, 'Invalid stack configuration synter-infra:railwayProjectId = "synter-prod": must be a Railway id: a UUID, as the Railway dashboard copies it.'],
        ["Railway ids without a token", { railwayProjectId: RAILWAY_UUID, railwayEnvironmentId: RAILWAY_UUID, railwayServiceId: RAILWAY_UUID }, "Invalid stack configuration synter-infra:railwayToken = null: is required: railwayProjectId, railwayEnvironmentId, railwayServiceId and railwayToken are set together or not at all; set it with `pulumi config set --secret railwayToken <project token>`."],
        ["Railway token stored in clear", { railwayProjectId: RAILWAY_UUID, railwayEnvironmentId: RAILWAY_UUID, railwayServiceId: RAILWAY_UUID, railwayToken: "clear-token-4f1d" }, 'Invalid stack configuration synter-infra:railwayToken = "[not shown]": must be stored encrypted: set it with `pulumi config set --secret railwayToken <project token>`.'],
        ["railwayApiUrl over plain http", { railwayApiUrl: "http://backboard.railway.com/graphql/v2" }, 'Invalid stack configuration synter-infra:railwayApiUrl = "http://backboard.railway.com/graphql/v2": must be an https:// URL such as https://backboard.railway.com/graphql/v2 (http:// only for localhost or 127.0.0.1).'],
        ["railwayRemoveOnDelete", { railwayRemoveOnDelete: "yes" }, 'Invalid stack configuration synter-infra:railwayRemoveOnDelete = "yes": must be true or false.'],
    ];
    it.each(cases)("%s", async (_name, overrides, message) => {
        expect(await stackError("dev", overrides)).toBe(message);
    });

    it.each([
        ["deletionProtection", { deletionProtection: "false" }, "Invalid stack configuration synter-infra:deletionProtection = false: must be true when environment is prod."],
        ["protectDataTables", { protectDataTables: "false" }, "Invalid stack configuration synter-infra:protectDataTables = false: must be true when environment is prod."],
        ["postgresSslMode", { postgresSslMode: "disable" }, 'Invalid stack configuration synter-infra:postgresSslMode = "disable": must not be disable when environment is prod.'],
    ])("prod refuses %s that dev allows", async (_key, overrides, message) => {
        expect(await stackError("prod", overrides)).toBe(message);
        await expect(runStack("dev", overrides)).resolves.toBeDefined();
    });

    it("refuses a malformed Redis URL without printing it", async () => {
        const { config, secretKeys } = stackConfig("dev");
        expect(secretKeys).toContain("synter-infra:redisUrl");
        expect(config["synter-infra:redisUrl"]).toMatch(/^rediss:\/\//);
        const message = await stackError("dev", { redisUrl: "http://cache:6379" });
        expect(message).toBe('Invalid stack configuration synter-infra:redisUrl = "[secret]": must be a redis:// or rediss:// URL.');
        expect(message).not.toContain("cache:6379");
    });

    it("names an unknown stack and lists the stacks there are", async () => {
        expect(await stackError("staging", {})).toBe("Pulumi.staging.yaml: no such stack file (stacks: dev, prod)");
    });

    it("refuses an override of an undeclared key", async () => {
        expect(await stackError("dev", { bogus: "1" })).toBe("override: unknown configuration key synter-infra:bogus");
    });

    it("declares every key it reads in Pulumi.yaml with a description", () => {
        const fs = require("fs");
        const src: string = fs.readFileSync(require.resolve("../config.ts"), "utf8");
        const read = new Set([...src.matchAll(/(?:oneOf|matching|int|bool|require|requireSecret|getObject|get)(?:<[^>]*>)?\("([A-Za-z]+)"/g)].map((m) => m[1]));
        read.add("redisUrl");
        const YAML = require("yaml");
        const declared = YAML.parse(fs.readFileSync(require.resolve("../Pulumi.yaml"), "utf8")).config;
        for (const key of read) {
            expect(declared[key], key).toBeDefined();
            expect(String(declared[key].description ?? "").length, key).toBeGreaterThan(10);
        }
        expect(Object.keys(declared).sort()).toEqual([...read].sort());
    });
});
