// Progress of long tables: a bar redrawn in place on a terminal (rows, rate, ETA), plain lines
// at every tenth otherwise (CI logs).

export interface ProgressSink {
    readonly isTTY?: boolean;
    write(text: string): unknown;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const eta = (s: number) => (!Number.isFinite(s) ? "?" : s >= 3600 ? `${Math.floor(s / 3600)}h${Math.round((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m${Math.round(s % 60)}s` : `${Math.ceil(s)}s`);

export class Progress {
    private done = 0;
    private readonly started: number;
    private lastDecile = 0;
    private lastDraw = 0;

    constructor(
        private readonly out: ProgressSink,
        private readonly table: string,
        private readonly total: number,
        private readonly now: () => number = Date.now,
    ) {
        this.started = now();
    }

    /** Current rate, rows per second. */
    rate(): number {
        const s = (this.now() - this.started) / 1000;
        return s > 0 ? this.done / s : 0;
    }

    line(): string {
        const pct = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
        const rate = this.rate();
        const left = rate > 0 ? (this.total - this.done) / rate : Infinity;
        return `${this.table} ${fmt(this.done)}/${fmt(this.total)} rows (${Math.floor(pct * 100)}%) ${fmt(rate)} rows/s ETA ${eta(left)}`;
    }

    add(n: number): void {
        this.done += n;
        if (this.out.isTTY) {
            if (this.now() - this.lastDraw < 100 && this.done < this.total) return;
            this.lastDraw = this.now();
            const width = 24;
            const filled = this.total > 0 ? Math.round((Math.min(this.done, this.total) / this.total) * width) : width;
            this.out.write(`\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${this.line()}\x1b[K`);
            return;
        }
        const decile = this.total > 0 ? Math.floor((this.done / this.total) * 10) : 10;
        if (decile > this.lastDecile && decile < 10) {
            this.lastDecile = decile;
            this.out.write(`${this.line()}\n`);
        }
    }

    finish(): void {
        if (this.out.isTTY) this.out.write("\r\x1b[K");
    }
}

/**
 * Several tables at once: in CI each prints its own tenths; on a terminal one line holds every
 * table in flight, so concurrent bars do not overwrite each other.
 */
export class ProgressBoard {
    private readonly active = new Map<Progress, string>();
    private lastDraw = 0;

    constructor(
        private readonly out: ProgressSink,
        private readonly now: () => number = Date.now,
    ) {}

    table(name: string, total: number): Progress {
        if (!this.out.isTTY) return new Progress(this.out, name, total, this.now);
        const board = this;
        const p: Progress = new Progress({ isTTY: false, write: () => true }, name, total, this.now);
        const add = p.add.bind(p);
        p.add = (n: number) => {
            add(n);
            board.draw(false);
        };
        p.finish = () => {
            board.active.delete(p);
            board.draw(true);
        };
        this.active.set(p, name);
        return p;
    }

    private draw(force: boolean): void {
        if (!force && this.now() - this.lastDraw < 100) return;
        this.lastDraw = this.now();
        const lines = [...this.active.keys()].map((p) => p.line());
        this.out.write(`\r${lines.join(" | ")}\x1b[K`);
    }
}
