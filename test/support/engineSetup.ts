// Vitest global setup of the engine project: builds the toolchain once (seconds when cached),
// so that a cold build is reported as such rather than as a test's time-out.
import { ensureToolchain } from "../../engine/toolchain";

export default async function setup(): Promise<void> {
    await ensureToolchain({ log: (line) => process.stderr.write(`[engine:setup] ${line}\n`) });
}
