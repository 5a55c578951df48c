// Rung 3: the ServiceVariables provider, serialized by Pulumi's runtime from the prod stack with
// the Railway keys set, run in Pulumi's own dynamic-provider host over gRPC (Check, Diff, Create,
// Update, Delete) against the HTTP fake of Railway's API. Read (refresh), which the host harness
// does not drive, is called on the provider object itself.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RAILWAY_VARIABLES_TYPE } from "../../components/resources";
import { serviceVariablesProvider } from "../../components/railway";
import type { RecordedResource } from "../../plan/program";
import { ProviderHost } from "../support/providerHost";
import { RailwayFake } from "../support/railwayFake";
import { RAILWAY, runWithRailway } from "./stack";

const plain = (x: unknown) => JSON.parse(JSON.stringify(x)) as Record<string, any>;
const P = RAILWAY.railwayProjectId;
const E = RAILWAY.railwayEnvironmentId;
const S = RAILWAY.railwayServiceId;
const NAMES = ["BIGQUERY_DATASET", "BIGQUERY_PROJECT_ID", "GOOGLE_APPLICATION_CREDENTIALS", "POSTGRES_URL", "REDIS_URL"];

let fake: RailwayFake;
let host: ProviderHost;
let resource: RecordedResource;
let inputs: Record<string, any>;

beforeAll(async () => {
    fake = new RailwayFake();
    const url = await fake.start();
    fake.addToken(RAILWAY.railwayToken, P, E);
    const run = await runWithRailway("prod", { ...RAILWAY, railwayApiUrl: url });
    resource = run.resources.find((r) => r.type === RAILWAY_VARIABLES_TYPE)!;
    inputs = plain(resource.rawInputs);
    host = await ProviderHost.start();
});
afterAll(async () => {
    await host?.stop();
    await fake?.stop();
});
beforeEach(() => {
    fake.requests.length = 0;
});

describe("ServiceVariables through the provider host", () => {
    let created: { id: string; outs: Record<string, any> };

    it("checks the ids' shape at check time, without calling Railway", async () => {
        const ok = await host.check(resource.urn, {}, inputs);
        expect(ok.failures).toEqual([]);
        // What a preview of a new stack lists: every name at its first revision, no value.
        expect(ok.inputs.revisions).toEqual(Object.fromEntries(NAMES.map((n) => [n, 1])));
        inputs = ok.inputs;
        const bad = await host.check(resource.urn, {}, { ...inputs, projectId: "synter-prod", environmentId: "production" });
        expect(bad.failures).toEqual([
            { property: "projectId", reason: 'projectId "synter-prod" is not a Railway id (a UUID)' },
            { property: "environmentId", reason: 'environmentId "production" is not a Railway id (a UUID)' },
        ]);
        expect(fake.requests).toEqual([]);
    });

    it("creates with exactly one upsert of the five variables, with the project token, and keeps only names in clear", async () => {
        created = await host.create(resource.urn, inputs);
        expect(created.id).toBe(`${P}/${E}/${S}`);
        const upserts = fake.calls("variableCollectionUpsert");
        expect(fake.requests).toHaveLength(1);
        expect(upserts[0].headers["project-access-token"]).toBe(RAILWAY.railwayToken);
        expect(upserts[0].body.variables).toEqual({ projectId: P, environmentId: E, serviceId: S, variables: inputs.variables, skipDeploys: false });
        expect(Object.keys(upserts[0].body.variables.variables).sort()).toEqual(NAMES);
        expect(fake.variables(P, E, S)).toEqual(inputs.variables);
        expect(created.outs.names).toEqual(NAMES);
        expect(created.outs).toMatchObject({ projectId: P, environmentId: E, serviceId: S, removeOnDelete: false, version: "1" });
    });

    it("shows no change against its own state, and a change of one value as an update naming it, never a replacement", async () => {
        const same = await host.check(resource.urn, inputs, inputs);
        expect(same.inputs.revisions).toEqual(inputs.revisions);
        expect((await host.diff(created.id, resource.urn, created.outs, same.inputs)).changes).toBe("none");
        const news = { ...inputs, variables: { ...inputs.variables, REDIS_URL: "rediss://default:rotated@cache.internal:6379" } };
        const checked = await host.check(resource.urn, inputs, news);
        // Only the changed name's revision moves: that is what the preview shows.
        expect(checked.inputs.revisions).toEqual({ ...inputs.revisions, REDIS_URL: 2 });
        expect(await host.diff(created.id, resource.urn, created.outs, checked.inputs)).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
        const { GOOGLE_APPLICATION_CREDENTIALS: _k, ...withoutKey } = inputs.variables;
        const dropped = await host.check(resource.urn, inputs, { ...inputs, variables: withoutKey });
        expect(Object.keys(dropped.inputs.revisions as Record<string, number>)).not.toContain("GOOGLE_APPLICATION_CREDENTIALS");
        expect(fake.requests).toEqual([]);
    });

    it("upserts only the changed variable on update", async () => {
        const news = { ...inputs, variables: { ...inputs.variables, REDIS_URL: "rediss://default:rotated@cache.internal:6379" } };
        const outs = await host.update(created.id, resource.urn, created.outs, news);
        expect(fake.requests.map((r) => r.operation)).toEqual(["variableCollectionUpsert"]);
        expect(fake.requests[0].body.variables.variables).toEqual({ REDIS_URL: "rediss://default:rotated@cache.internal:6379" });
        expect(fake.variables(P, E, S).POSTGRES_URL).toBe(inputs.variables.POSTGRES_URL);
        created = { id: created.id, outs };
        inputs = news;
    });

    it("replaces when the service changes, and records a new token or endpoint without calling Railway", async () => {
        expect((await host.diff(created.id, resource.urn, created.outs, { ...inputs, serviceId: "4fb03e72-5061-4293-cedf-4a5b6c7d8e9f" })).replaces).toEqual(["serviceId"]);
        const rotated = { ...inputs, token: "7b20e6a5-8394-45c6-f102-7d8e9fa0b1c2" };
        expect(await host.diff(created.id, resource.urn, created.outs, rotated)).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
        const outs = await host.update(created.id, resource.urn, created.outs, rotated);
        expect(outs.token).toBe(rotated.token);
        expect(fake.requests).toEqual([]);
    });

    it("leaves a variable that stops being set unless removeOnDelete, and then deletes only it", async () => {
        fake.setByHand(P, E, S, { SENTRY_DSN: "set by hand" });
        const { GOOGLE_APPLICATION_CREDENTIALS: _key, ...withoutKey } = inputs.variables;
        const kept = await host.update(created.id, resource.urn, created.outs, { ...inputs, variables: withoutKey });
        expect(fake.requests).toEqual([]);
        expect(fake.variables(P, E, S)).toHaveProperty("GOOGLE_APPLICATION_CREDENTIALS");
        expect(kept.names).toEqual(NAMES.filter((n) => n !== "GOOGLE_APPLICATION_CREDENTIALS"));
        const removed = await host.update(created.id, resource.urn, created.outs, { ...inputs, variables: withoutKey, removeOnDelete: true });
        expect(fake.calls("variableDelete").map((r) => r.body.variables.name)).toEqual(["GOOGLE_APPLICATION_CREDENTIALS"]);
        expect(Object.keys(fake.variables(P, E, S)).sort()).toEqual(["BIGQUERY_DATASET", "BIGQUERY_PROJECT_ID", "POSTGRES_URL", "REDIS_URL", "SENTRY_DSN"]);
        created = { id: created.id, outs: removed };
        inputs = { ...inputs, variables: withoutKey, removeOnDelete: true };
    });

    it("names the variables and Railway's message when an update fails", async () => {
        fake.fail("variableCollectionUpsert", { message: "Variable value exceeds 32768 characters" });
        const news = { ...inputs, variables: { ...inputs.variables, BIGQUERY_DATASET: "synter_analytics_2", REDIS_URL: "rediss://x@cache:6379" } };
        await expect(host.update(created.id, resource.urn, created.outs, news)).rejects.toThrow(
            `Railway: setting BIGQUERY_DATASET, REDIS_URL on service ${S} (project ${P}, environment ${E}) failed: Variable value exceeds 32768 characters`,
        );
    });

    it("says the token is wrong for the project when Railway refuses it", async () => {
        const other = { ...inputs, token: "8c31f7b6-94a5-46d7-0213-8e9fa0b1c2d3" };
        await expect(host.create(resource.urn, other)).rejects.toThrow(`Not Authorized: the railwayToken is not a valid project token for project ${P}, environment ${E}`);
        fake.fail("variableCollectionUpsert", { status: 403, message: "Forbidden" });
        await expect(host.create(resource.urn, inputs)).rejects.toThrow(`HTTP 403 (Forbidden): the railwayToken is not a valid project token for project ${P}, environment ${E}`);
    });

    it("reads back, on refresh, what the service has of its variables: a value changed by hand, a name deleted by hand", async () => {
        fake.setByHand(P, E, S, { BIGQUERY_DATASET: "edited_by_hand" });
        const before = fake.variables(P, E, S);
        const read = await serviceVariablesProvider.read!(created.id, { ...created.outs, variables: { ...created.outs.variables, GONE: "x" } });
        expect(read.props.variables).toEqual({ BIGQUERY_DATASET: "edited_by_hand", BIGQUERY_PROJECT_ID: before.BIGQUERY_PROJECT_ID, POSTGRES_URL: before.POSTGRES_URL, REDIS_URL: before.REDIS_URL });
        expect(read.props.names).toEqual(["BIGQUERY_DATASET", "BIGQUERY_PROJECT_ID", "POSTGRES_URL", "REDIS_URL"]);
        // The next diff sees the drift and the update sets the stack's value back.
        expect((await host.diff(created.id, resource.urn, read.props, inputs)).changes).toBe("some");
        fake.requests.length = 0;
        await host.update(created.id, resource.urn, read.props, inputs);
        expect(fake.requests[0].body.variables.variables).toEqual({ BIGQUERY_DATASET: inputs.variables.BIGQUERY_DATASET });
    });

    it("leaves the variables on delete unless removeOnDelete, and then deletes only its own", async () => {
        await host.delete(created.id, resource.urn, { ...created.outs, removeOnDelete: false });
        expect(fake.requests).toEqual([]);
        await host.delete(created.id, resource.urn, created.outs);
        expect(fake.calls("variableDelete").map((r) => r.body.variables.name)).toEqual(["BIGQUERY_DATASET", "BIGQUERY_PROJECT_ID", "POSTGRES_URL", "REDIS_URL"]);
        expect(fake.variables(P, E, S)).toEqual({ SENTRY_DSN: "set by hand" });
    });

    it("wrote no token and no value to the host's log", () => {
        const log = host.stderr();
        expect(log).not.toContain(RAILWAY.railwayToken);
        for (const v of Object.values(inputs.variables as Record<string, string>).filter((x) => x.length > 12)) expect(log).not.toContain(v);
    });
});
