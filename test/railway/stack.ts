// Runs the program under the mocks of the offline plan with the Railway keys set, the token
// marked secret as `pulumi config set --secret` marks it (overrides are plain values).
import * as pulumi from "@pulumi/pulumi";
import { vi } from "vitest";
import { ProgramRun, runProgram } from "../../plan/program";
import { stackConfig } from "../../plan/stackFile";

export const RAILWAY = {
    railwayProjectId: "0b7cfa3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
    railwayEnvironmentId: "1c8d0b4f-2d3e-4f60-9bac-1d2e3f4a5b6c",
    railwayServiceId: "2d9e1c50-3e4f-4071-acbd-2e3f4a5b6c7d",
    railwayToken: "5f0e4c83-6172-43a4-dfe0-5b6c7d8e9fa0",
} as const;

export const TOKEN_KEY = "synter-infra:railwayToken";

/** The stack with `overrides`, the token (when set) a secret. */
export async function runWithRailway(stack: string, overrides: Record<string, string> = RAILWAY): Promise<ProgramRun> {
    const { secretKeys } = stackConfig(stack, overrides);
    return runProgram(
        stack,
        async () => {
            pulumi.runtime.setAllConfig(pulumi.runtime.allConfig(), [...secretKeys, TOKEN_KEY]);
            vi.resetModules();
            return await import("../../index");
        },
        overrides,
    );
}
