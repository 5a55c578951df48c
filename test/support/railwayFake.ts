// An HTTP fake of the part of Railway's public GraphQL API the stack uses: the `variables`
// query, `variableCollectionUpsert` and `variableDelete`, behind a `Project-Access-Token` that
// must be a token of the project and environment addressed. It records every request (headers
// and body) and can answer a chosen failure: an HTTP status, or a GraphQL error, as Railway
// does for a token it does not accept (200 with "Not Authorized").
import * as http from "http";
import type { AddressInfo } from "net";

export interface RailwayRequest {
    readonly method: string;
    readonly path: string;
    readonly headers: http.IncomingHttpHeaders;
    /** The parsed JSON body: `{ query, variables }`. */
    readonly body: any;
    /** The operation recognised in the document, or "unknown". */
    readonly operation: "variables" | "variableCollectionUpsert" | "variableDelete" | "unknown";
}

export interface Failure {
    /** Answer with this HTTP status (and `message` as the GraphQL error), or 200 with the error when absent. */
    readonly status?: number;
    readonly message: string;
}

const key = (projectId: string, environmentId: string, serviceId: string) => `${projectId}/${environmentId}/${serviceId}`;

export class RailwayFake {
    readonly requests: RailwayRequest[] = [];
    /** Variables by `project/environment/service`. */
    private readonly services = new Map<string, Record<string, string>>();
    /** Project tokens and the project and environment each one is for. */
    private readonly tokens = new Map<string, { projectId: string; environmentId: string }>();
    private readonly failures: { operation: RailwayRequest["operation"] | "*"; failure: Failure; times: number }[] = [];
    private server?: http.Server;

    /** Accepts `token` as a project token for that project and environment. */
    addToken(token: string, projectId: string, environmentId: string): void {
        this.tokens.set(token, { projectId, environmentId });
    }

    /** The variables of a service (a copy), empty if none were ever set. */
    variables(projectId: string, environmentId: string, serviceId: string): Record<string, string> {
        return { ...(this.services.get(key(projectId, environmentId, serviceId)) ?? {}) };
    }

    /** Sets variables as if by hand (the dashboard). */
    setByHand(projectId: string, environmentId: string, serviceId: string, vars: Record<string, string>): void {
        const k = key(projectId, environmentId, serviceId);
        this.services.set(k, { ...(this.services.get(k) ?? {}), ...vars });
    }

    /** Answers the next `times` requests of `operation` (or any, with "*") with this failure. */
    fail(operation: RailwayRequest["operation"] | "*", failure: Failure, times = 1): void {
        this.failures.push({ operation, failure, times });
    }

    /** Requests of one operation, in order. */
    calls(operation: RailwayRequest["operation"]): RailwayRequest[] {
        return this.requests.filter((r) => r.operation === operation);
    }

    async start(): Promise<string> {
        this.server = http.createServer((req, res) => {
            let text = "";
            req.setEncoding("utf8");
            req.on("data", (c: string) => (text += c));
            req.on("end", () => this.handle(req, text, res));
        });
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        return this.url();
    }

    /** The GraphQL endpoint, as railwayApiUrl takes it. */
    url(): string {
        return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/graphql/v2`;
    }

    async stop(): Promise<void> {
        await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    }

    private handle(req: http.IncomingMessage, text: string, res: http.ServerResponse): void {
        const answer = (status: number, body: unknown) => {
            res.writeHead(status, { "Content-Type": "application/json" });
            res.end(JSON.stringify(body));
        };
        let body: any;
        try {
            body = JSON.parse(text);
        } catch {
            body = undefined;
        }
        const query = String(body?.query ?? "");
        const operation: RailwayRequest["operation"] = /\bvariableCollectionUpsert\s*\(/.test(query)
            ? "variableCollectionUpsert"
            : /\bvariableDelete\s*\(/.test(query)
              ? "variableDelete"
              : /\bvariables\s*\(/.test(query)
                ? "variables"
                : "unknown";
        this.requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body, operation });

        if (req.method !== "POST" || req.url !== "/graphql/v2") return answer(404, { errors: [{ message: `no route ${req.method} ${req.url}` }] });
        if (!body || typeof body.query !== "string") return answer(400, { errors: [{ message: "POST body must be JSON with a query" }] });
        const injected = this.failures.find((f) => f.times > 0 && (f.operation === "*" || f.operation === operation));
        if (injected) {
            injected.times--;
            return answer(injected.failure.status ?? 200, { data: null, errors: [{ message: injected.failure.message }] });
        }
        if (operation === "unknown") return answer(400, { errors: [{ message: `Cannot query: ${query.slice(0, 80)}` }] });

        const v = body.variables ?? {};
        const missing = ["projectId", "environmentId", ...(operation === "variables" ? [] : ["serviceId"])].filter((k) => typeof v[k] !== "string" || v[k] === "");
        if (missing.length > 0) return answer(400, { errors: [{ message: `Variable "$${missing[0]}" of required type "String!" was not provided.` }] });
        const token = req.headers["project-access-token"];
        const grant = typeof token === "string" ? this.tokens.get(token) : undefined;
        if (!grant || grant.projectId !== v.projectId || grant.environmentId !== v.environmentId) {
            return answer(200, { data: null, errors: [{ message: "Not Authorized" }] });
        }
        const k = key(v.projectId, v.environmentId, v.serviceId ?? "");
        const current = this.services.get(k) ?? {};
        switch (operation) {
            case "variables":
                return answer(200, { data: { variables: current } });
            case "variableCollectionUpsert": {
                const vars = v.variables;
                if (!vars || typeof vars !== "object" || Array.isArray(vars) || Object.values(vars).some((x) => typeof x !== "string")) {
                    return answer(400, { errors: [{ message: 'Variable "$variables" got invalid value; expected an object of strings' }] });
                }
                this.services.set(k, { ...current, ...vars });
                return answer(200, { data: { variableCollectionUpsert: true } });
            }
            case "variableDelete": {
                if (typeof v.name !== "string" || !(v.name in current)) return answer(200, { data: null, errors: [{ message: `Variable ${v.name} not found` }] });
                const rest = { ...current };
                delete rest[v.name];
                this.services.set(k, rest);
                return answer(200, { data: { variableDelete: true } });
            }
        }
    }
}
