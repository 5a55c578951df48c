// The Railway client and the variables cores against the HTTP fake of Railway's GraphQL
// endpoint: what goes on the wire, idempotent applies and deletes, and the errors' text.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { applyVariables, inputProblems, railwayClient, RailwayService, readVariables, removeVariables, revisions, variableChanges } from "../../components/railway";
import { freePort } from "../../servers/ports";
import { RailwayFake } from "../support/railwayFake";

const SERVICE: RailwayService = {
    projectId: "0b7cfa3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
    environmentId: "1c8d0b4f-2d3e-4f60-9bac-1d2e3f4a5b6c",
    serviceId: "2d9e1c50-3e4f-4071-acbd-2e3f4a5b6c7d",
};
const OTHER_PROJECT = "3eaf2d61-4f50-4182-bdce-3f4a5b6c7d8e";
const TOKEN = "5f0e4c83-6172-43a4-dfe0-5b6c7d8e9fa0";
const VALUES = {
    POSTGRES_URL: "postgresql://synter_user:Zq8xY2p4Lk9mN3rT6vB1cD5fG7hJ0sWe@db.internal:5432/synter?sslmode=require",
    BIGQUERY_PROJECT_ID: "synter-prod",
    BIGQUERY_DATASET: "synter_analytics",
    GOOGLE_APPLICATION_CREDENTIALS: Buffer.from('{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\\nabc\\n"}').toString("base64"),
    REDIS_URL: "rediss://default:r3d1s-s3cr3t@cache.internal:6379",
};

let fake: RailwayFake;
let url: string;

beforeAll(async () => {
    fake = new RailwayFake();
    url = await fake.start();
    fake.addToken(TOKEN, SERVICE.projectId, SERVICE.environmentId);
});
afterAll(async () => {
    await fake.stop();
});
beforeEach(() => {
    fake.requests.length = 0;
});

describe("railwayClient against the fake", () => {
    it("upserts a collection in one request with the project token header and the documented input", async () => {
        const client = railwayClient(url, TOKEN);
        await client.upsert(SERVICE, VALUES, false);
        expect(fake.requests).toHaveLength(1);
        const [r] = fake.requests;
        expect(r.operation).toBe("variableCollectionUpsert");
        expect(r.headers["project-access-token"]).toBe(TOKEN);
        expect(r.headers.authorization).toBeUndefined();
        expect(r.headers["content-type"]).toBe("application/json");
        expect(r.body.query).toMatch(/variableCollectionUpsert\(input: \{ projectId: \$projectId, environmentId: \$environmentId, serviceId: \$serviceId, variables: \$variables, skipDeploys: \$skipDeploys \}\)/);
        expect(r.body.variables).toEqual({ ...SERVICE, variables: VALUES, skipDeploys: false });
        expect(fake.variables(SERVICE.projectId, SERVICE.environmentId, SERVICE.serviceId)).toEqual(VALUES);
    });

    it("reads the service's variables with the variables query", async () => {
        const vars = await railwayClient(url, TOKEN).variables(SERVICE);
        expect(vars).toEqual(VALUES);
        expect(fake.requests.map((r) => r.operation)).toEqual(["variables"]);
        expect(fake.requests[0].body.query).toMatch(/variables\(projectId: \$projectId, environmentId: \$environmentId, serviceId: \$serviceId\)/);
        expect(fake.requests[0].body.variables).toEqual(SERVICE);
    });

    it.each([401, 403])("says the token is wrong for the project on HTTP %i, naming the variables and Railway's message", async (status) => {
        fake.fail("variableCollectionUpsert", { status, message: "Forbidden by policy" });
        const err = await railwayClient(url, TOKEN).upsert(SERVICE, { REDIS_URL: VALUES.REDIS_URL, POSTGRES_URL: VALUES.POSTGRES_URL }, false).catch((e: Error) => e);
        expect((err as Error).message).toBe(
            `Railway: setting POSTGRES_URL, REDIS_URL on service ${SERVICE.serviceId} (project ${SERVICE.projectId}, environment ${SERVICE.environmentId}) failed: ` +
                `HTTP ${status} (Forbidden by policy): the railwayToken is not a valid project token for project ${SERVICE.projectId}, environment ${SERVICE.environmentId}: ` +
                "create one in that project's settings (Tokens) for that environment and set it with `pulumi config set --secret railwayToken`",
        );
    });

    it("says the same when Railway answers 200 with Not Authorized (a token of another project)", async () => {
        const client = railwayClient(url, "6a1f5d94-7283-44b5-e0f1-6c7d8e9fa0b1");
        const err = (await client.upsert(SERVICE, { BIGQUERY_DATASET: "x" }, false).catch((e: Error) => e)) as Error;
        expect(err.message).toContain("setting BIGQUERY_DATASET on service");
        expect(err.message).toContain(`Not Authorized: the railwayToken is not a valid project token for project ${SERVICE.projectId}`);
        const wrongProject = (await railwayClient(url, TOKEN).variables({ ...SERVICE, projectId: OTHER_PROJECT }).catch((e: Error) => e)) as Error;
        expect(wrongProject.message).toContain(`not a valid project token for project ${OTHER_PROJECT}`);
    });

    it("names the variable and Railway's message on a GraphQL error, and the status on an HTTP error", async () => {
        fake.fail("variableDelete", { message: "Variable REDIS_URL is referenced by service worker" });
        const gql = (await railwayClient(url, TOKEN).remove(SERVICE, "REDIS_URL").catch((e: Error) => e)) as Error;
        expect(gql.message).toBe(`Railway: removing REDIS_URL on service ${SERVICE.serviceId} (project ${SERVICE.projectId}, environment ${SERVICE.environmentId}) failed: Variable REDIS_URL is referenced by service worker`);
        fake.fail("variableCollectionUpsert", { status: 502, message: "upstream timed out" });
        const http = (await railwayClient(url, TOKEN).upsert(SERVICE, { BIGQUERY_PROJECT_ID: "synter-prod" }, true).catch((e: Error) => e)) as Error;
        expect(http.message).toBe(`Railway: setting BIGQUERY_PROJECT_ID on service ${SERVICE.serviceId} (project ${SERVICE.projectId}, environment ${SERVICE.environmentId}) failed: HTTP 502: upstream timed out`);
    });

    it("names the endpoint when Railway cannot be reached", async () => {
        const dead = `http://127.0.0.1:${await freePort()}/graphql/v2`;
        const err = (await railwayClient(dead, TOKEN).variables(SERVICE).catch((e: Error) => e)) as Error;
        expect(err.message).toBe(`Railway: reading the variables on service ${SERVICE.serviceId} (project ${SERVICE.projectId}, environment ${SERVICE.environmentId}) failed: cannot reach ${dead} (ECONNREFUSED)`);
    });

    it("never puts the token or a value in an error", async () => {
        fake.fail("*", { status: 500, message: "internal error" }, 3);
        const errors = await Promise.all([
            railwayClient(url, TOKEN).upsert(SERVICE, VALUES, false).catch((e: Error) => e.message),
            railwayClient(url, TOKEN).remove(SERVICE, "POSTGRES_URL").catch((e: Error) => e.message),
            railwayClient(url, TOKEN).variables(SERVICE).catch((e: Error) => e.message),
        ]);
        for (const m of errors) {
            expect(m).toContain("HTTP 500: internal error");
            expect(m).not.toContain(TOKEN);
            for (const v of Object.values(VALUES).filter((x) => x.length > 20)) expect(m).not.toContain(v);
        }
    });
});

describe("the variables cores", () => {
    const other = { ...SERVICE, serviceId: "4fb03e72-5061-4293-cedf-4a5b6c7d8e9f" };

    it("upserts only what changed, in one request", async () => {
        const client = railwayClient(url, TOKEN);
        const news = { ...VALUES, REDIS_URL: "rediss://default:n3w@cache.internal:6379" };
        const r = await applyVariables(client, SERVICE, VALUES, news, { removeDropped: false, skipDeploys: false });
        expect(r).toEqual({ upserted: ["REDIS_URL"], removed: [] });
        expect(fake.calls("variableCollectionUpsert").map((c) => c.body.variables.variables)).toEqual([{ REDIS_URL: news.REDIS_URL }]);
        fake.requests.length = 0;
        expect(await applyVariables(client, SERVICE, news, news, { removeDropped: true, skipDeploys: false })).toEqual({ upserted: [], removed: [] });
        expect(fake.requests).toEqual([]);
    });

    it("leaves a dropped variable unless told to remove it, and then removes only that one", async () => {
        const client = railwayClient(url, TOKEN);
        fake.setByHand(SERVICE.projectId, SERVICE.environmentId, SERVICE.serviceId, { SENTRY_DSN: "set by hand" });
        const { GOOGLE_APPLICATION_CREDENTIALS: _key, ...withoutKey } = VALUES;
        expect(await applyVariables(client, SERVICE, VALUES, withoutKey, { removeDropped: false, skipDeploys: false })).toEqual({ upserted: [], removed: [] });
        expect(fake.variables(SERVICE.projectId, SERVICE.environmentId, SERVICE.serviceId)).toHaveProperty("GOOGLE_APPLICATION_CREDENTIALS");
        expect(await applyVariables(client, SERVICE, VALUES, withoutKey, { removeDropped: true, skipDeploys: false })).toEqual({ upserted: [], removed: ["GOOGLE_APPLICATION_CREDENTIALS"] });
        const left = fake.variables(SERVICE.projectId, SERVICE.environmentId, SERVICE.serviceId);
        expect(Object.keys(left).sort()).toEqual(["BIGQUERY_DATASET", "BIGQUERY_PROJECT_ID", "POSTGRES_URL", "REDIS_URL", "SENTRY_DSN"]);
    });

    it("deletes only the names it is given that are still there, and nothing of another service", async () => {
        const client = railwayClient(url, TOKEN);
        await client.upsert(other, { POSTGRES_URL: "postgresql://other" }, true);
        fake.requests.length = 0;
        const removed = await removeVariables(client, SERVICE, ["POSTGRES_URL", "GOOGLE_APPLICATION_CREDENTIALS", "BIGQUERY_DATASET"]);
        expect(removed).toEqual(["BIGQUERY_DATASET", "POSTGRES_URL"]);
        expect(fake.calls("variableDelete").map((c) => c.body.variables)).toEqual([
            { ...SERVICE, name: "BIGQUERY_DATASET" },
            { ...SERVICE, name: "POSTGRES_URL" },
        ]);
        expect(fake.variables(other.projectId, other.environmentId, other.serviceId)).toEqual({ POSTGRES_URL: "postgresql://other" });
        // Again: nothing left to delete, nothing sent but the read.
        fake.requests.length = 0;
        expect(await removeVariables(client, SERVICE, ["POSTGRES_URL", "BIGQUERY_DATASET"])).toEqual([]);
        expect(fake.requests.map((r) => r.operation)).toEqual(["variables"]);
    });

    it("reads back only the names it owns, missing what was deleted by hand", async () => {
        const vars = await readVariables(railwayClient(url, TOKEN), SERVICE, ["POSTGRES_URL", "REDIS_URL", "BIGQUERY_PROJECT_ID"]);
        expect(vars).toEqual({ REDIS_URL: "rediss://default:n3w@cache.internal:6379", BIGQUERY_PROJECT_ID: "synter-prod" });
    });
});

describe("pure decisions", () => {
    it("computes changed and dropped names from two states", () => {
        expect(variableChanges({ A: "1", B: "2", C: "3" }, { A: "1", B: "x", D: "4" })).toEqual({ changed: ["B", "D"], dropped: ["C"] });
        expect(variableChanges(undefined, { A: "1" })).toEqual({ changed: ["A"], dropped: [] });
    });

    it("counts a revision per name that moves only when that value changes", () => {
        expect(revisions(undefined, undefined, { B: "x", A: "y" })).toEqual({ A: 1, B: 1 });
        expect(revisions({ A: 1, B: 3, C: 1 }, { A: "y", B: "x", C: "z" }, { A: "y", B: "new", D: "d" })).toEqual({ A: 1, B: 4, D: 1 });
        expect(revisions({ A: 2 }, { A: "same" }, { A: "same" })).toEqual({ A: 2 });
    });

    it("checks ids, the endpoint and names without showing a value", () => {
        const ok = { ...SERVICE, apiUrl: url, variables: { A_1: "secret-value" } };
        expect(inputProblems(ok)).toEqual([]);
        expect(inputProblems({ ...ok, serviceId: "svc-123", variables: { "1A": "secret-value", "A-B": "x" }, apiUrl: "ftp://x" })).toEqual([
            { property: "serviceId", reason: 'serviceId "svc-123" is not a Railway id (a UUID)' },
            { property: "apiUrl", reason: 'apiUrl "ftp://x" is not an http(s) URL' },
            { property: "variables", reason: 'variable name "1A" is not letters, digits and underscores starting with a letter or underscore' },
            { property: "variables", reason: 'variable name "A-B" is not letters, digits and underscores starting with a letter or underscore' },
        ]);
        expect(inputProblems({ ...ok, variables: {} })).toEqual([{ property: "variables", reason: "variables must name at least one variable" }]);
    });
});
