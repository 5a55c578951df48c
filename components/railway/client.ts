// The three calls of Railway's public GraphQL API the stack makes: read a service's variables,
// upsert a collection of them, delete one. The dynamic provider is serialized into Pulumi's
// provider host, so this file captures nothing but plain values and uses Node's global fetch.

/** Railway's public GraphQL endpoint; `railwayApiUrl` overrides it (a local fake, a proxy). */
export const RAILWAY_API_URL = "https://backboard.railway.com/graphql/v2";

/** The service whose variables are managed, in one environment of one project. */
export interface RailwayService {
    readonly projectId: string;
    readonly environmentId: string;
    readonly serviceId: string;
}

/** What the cores need of Railway; `railwayClient` is the real one, tests inject others. */
export interface RailwayClient {
    /** Every variable of the service in that environment, by name. */
    variables(service: RailwayService): Promise<Record<string, string>>;
    /** Sets these variables in one call (one redeploy unless `skipDeploys`); others are left as they are. */
    upsert(service: RailwayService, variables: Readonly<Record<string, string>>, skipDeploys: boolean): Promise<void>;
    /** Deletes one variable of the service. */
    remove(service: RailwayService, name: string): Promise<void>;
}

// The documents have the shape the Railway CLI sends; `EnvironmentVariables` is Railway's JSON
// scalar of name → value.
const VARIABLES_QUERY =
    "query Variables($projectId: String!, $environmentId: String!, $serviceId: String) { variables(projectId: $projectId, environmentId: $environmentId, serviceId: $serviceId) }";
const UPSERT_MUTATION =
    "mutation VariableCollectionUpsert($projectId: String!, $environmentId: String!, $serviceId: String!, $variables: EnvironmentVariables!, $skipDeploys: Boolean) { variableCollectionUpsert(input: { projectId: $projectId, environmentId: $environmentId, serviceId: $serviceId, variables: $variables, skipDeploys: $skipDeploys }) }";
const DELETE_MUTATION =
    "mutation VariableDelete($projectId: String!, $environmentId: String!, $serviceId: String, $name: String!) { variableDelete(input: { projectId: $projectId, environmentId: $environmentId, serviceId: $serviceId, name: $name }) }";

/** A request that takes longer than this fails instead of holding `pulumi up` forever. */
const TIMEOUT_MS = 60_000;

/**
 * A client over `fetch` that sends the project token as `Project-Access-Token`. Every error
 * names what was being done (the variables by name, never their values), the service, and
 * Railway's own message; a refused token is reported as such, for that project.
 */
export function railwayClient(apiUrl: string, token: string): RailwayClient {
    const where = (s: RailwayService) => `service ${s.serviceId} (project ${s.projectId}, environment ${s.environmentId})`;
    const tokenProblem = (s: RailwayService) =>
        `the railwayToken is not a valid project token for project ${s.projectId}, environment ${s.environmentId}: ` +
        "create one in that project's settings (Tokens) for that environment and set it with `pulumi config set --secret railwayToken`";

    async function call(s: RailwayService, doing: string, query: string, variables: Record<string, unknown>): Promise<any> {
        const failed = (detail: string) => new Error(`Railway: ${doing} on ${where(s)} failed: ${detail}`);
        let res: Response;
        try {
            res = await globalThis.fetch(apiUrl, {
                method: "POST",
                headers: { "Content-Type": "application/json", Accept: "application/json", "Project-Access-Token": token },
                body: JSON.stringify({ query, variables }),
                signal: AbortSignal.timeout(TIMEOUT_MS),
            });
        } catch (err: any) {
            const cause = err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(err);
            throw failed(`cannot reach ${apiUrl} (${cause})`);
        }
        const text = await res.text();
        let body: any;
        try {
            body = text ? JSON.parse(text) : undefined;
        } catch {
            body = undefined;
        }
        const messages: string[] = Array.isArray(body?.errors) ? body.errors.map((e: any) => String(e?.message ?? JSON.stringify(e))) : [];
        const said = messages.length > 0 ? messages.join("; ") : text.trim().slice(0, 300) || res.statusText;
        if (res.status === 401 || res.status === 403) {
            throw failed(`HTTP ${res.status} (${said}): ${tokenProblem(s)}`);
        }
        if (!res.ok) throw failed(`HTTP ${res.status}: ${said}`);
        // Railway answers a token it does not accept for the project with 200 and "Not Authorized".
        if (messages.some((m) => /\b(not authori[sz]ed|unauthori[sz]ed)\b/i.test(m))) {
            throw failed(`${said}: ${tokenProblem(s)}`);
        }
        if (messages.length > 0) throw failed(said);
        if (!body || typeof body !== "object" || !("data" in body)) throw failed(`HTTP ${res.status} without a GraphQL answer: ${said}`);
        return body.data;
    }

    const ids = (s: RailwayService) => ({ projectId: s.projectId, environmentId: s.environmentId, serviceId: s.serviceId });
    return {
        async variables(s) {
            const data = await call(s, "reading the variables", VARIABLES_QUERY, ids(s));
            const vars = data?.variables;
            if (!vars || typeof vars !== "object" || Array.isArray(vars)) throw new Error(`Railway: reading the variables on ${where(s)} failed: the answer has no variables object`);
            return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, String(v)]));
        },
        async upsert(s, variables, skipDeploys) {
            const names = Object.keys(variables).sort();
            await call(s, `setting ${names.join(", ")}`, UPSERT_MUTATION, { ...ids(s), variables, skipDeploys });
        },
        async remove(s, name) {
            await call(s, `removing ${name}`, DELETE_MUTATION, { ...ids(s), name });
        },
    };
}
