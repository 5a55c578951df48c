// 6. `pulumi up` of each phase of the runbook, both stacks, through the real engine with the
// stand-in providers and the local warehouse: what it measures is the engine plus this program
// (plugins starting, the program running, every resource's check and diff), not Google Cloud.
// The baseline is the no-change preview of the same phase, measured right after the update.
import { rehearse } from "../engine/rehearsal";
import { Figure, figure } from "./figures";

const PATH = ["parallel", "validate", "cutover", "complete"] as const;

export async function engineFigures(log: (line: string) => void = () => undefined): Promise<Figure[]> {
    const figures: Figure[] = [];
    for (const stack of ["dev", "prod"]) {
        const report = await rehearse({ stack, path: PATH, log });
        if (!report.ok) throw new Error(`the ${stack} rehearsal failed; run npm run rehearse -- --stack ${stack} --path ${PATH.join(",")} to see why`);
        for (const p of report.phases) {
            figures.push(figure(`engine.${stack}.${p.phase}_up`, p.up.seconds, "s", p.preview.seconds ?? 0, `pulumi preview --expect-no-changes of the same phase (${stack})`));
        }
    }
    return figures;
}
