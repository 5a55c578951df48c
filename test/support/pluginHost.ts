// Starts one of Pulumi's own plugin hosts (the dynamic-provider host, the policy-pack runner)
// as the engine does: a node process that prints the port of its gRPC server on its first line.
import { ChildProcess, spawn } from "child_process";
import * as path from "path";

export const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
// The hosts' own copy of grpc-js, so messages and credentials are of the classes they expect.
export const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));

export interface RunningPlugin {
    readonly child: ChildProcess;
    readonly address: string;
    readonly stderr: () => string;
}

/** Runs `node <pulumi>/cmd/<command> 127.0.0.1:1 ...args` in `cwd` and waits for its port. */
export async function startPlugin(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<RunningPlugin> {
    const child = spawn(process.execPath, [path.join(pulumiDir, "cmd", command), "127.0.0.1:1", ...args], {
        cwd,
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
    return listening(child, command);
}

/**
 * Waits for a started plugin process to print its port (the first line of its stdout), collecting
 * its stderr; a process that exits first is an error carrying that stderr.
 */
export async function listening(child: ChildProcess, name: string): Promise<RunningPlugin> {
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    const port = await new Promise<number>((resolve, reject) => {
        let out = "";
        child.stdout!.on("data", (d) => {
            out += d;
            if (out.includes("\n")) resolve(Number(out.split("\n")[0].trim()));
        });
        child.on("exit", (code) => reject(new Error(`${name} exited with ${code}: ${err}`)));
    });
    return { child, address: `127.0.0.1:${port}`, stderr: () => err };
}
