// Reading a tabledata.list page's text without building it as objects. A million rows read back
// through JSON.parse were a million {f: [{v}]} objects and nine cell objects each, and parsing and
// collecting them cost more than the fingerprint itself. The scanner walks the text once in the
// shape the API writes, `{…, "totalRows": "n", "rows": [{"f": [{"v": …}, …]}, …], …}`, and hands
// each cell to its column's canonical form as JSON.parse would have given it: a string without
// escapes is sliced from the text, anything else (a string with escapes, a RECORD, a REPEATED
// list, any value of another shape) goes through JSON.parse, so a cell's value is exact for any
// valid JSON; text that is not the page's shape is refused with where.

/** One page: the table's row count as the page states it, and how many rows it held. */
export interface TableDataPage {
    readonly total: number;
    readonly rows: number;
    /** The body's `error` member, when it has one. */
    readonly error?: any;
}

/** Text that is not a tabledata.list page (a cell's canonical form throws its own errors). */
export class PageError extends Error {}

const WS = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

class PageScanner {
    i = 0;
    constructor(private readonly s: string) {}

    fail(what: string): never {
        throw new PageError(`not a tabledata.list page: ${what} at character ${this.i + 1}`);
    }

    space(): void {
        const s = this.s;
        let i = this.i;
        while (WS(s.charCodeAt(i))) i++;
        this.i = i;
    }

    expect(c: number, what: string): void {
        this.space();
        if (this.s.charCodeAt(this.i) !== c) this.fail(`expected ${what}`);
        this.i++;
    }

    /** After optional space: true past a ',', false on (and past) `close`. */
    next(close: number, what: string): boolean {
        this.space();
        const c = this.s.charCodeAt(this.i++);
        if (c === 0x2c) return true;
        if (c === close) return false;
        this.i--;
        return this.fail(`expected ',' or ${what}`);
    }

    /** Whether the string stringEnd() last passed over holds escapes. */
    escaped = false;

    /** The end of the string whose opening quote is at the cursor; sets `escaped` (no object per cell). */
    private stringEnd(): number {
        const s = this.s;
        let escaped = false;
        for (let j = this.i + 1; j < s.length; j++) {
            const c = s.charCodeAt(j);
            if (c === 0x22) {
                this.escaped = escaped;
                return j + 1;
            }
            if (c === 0x5c) {
                escaped = true;
                j++;
            } else if (c < 0x20) {
                this.i = j;
                this.fail("control character in a string");
            }
        }
        this.i = s.length;
        return this.fail("unterminated string");
    }

    /** The string at the cursor (after space), decoded. */
    string(): string {
        this.space();
        if (this.s.charCodeAt(this.i) !== 0x22) this.fail("expected a string");
        const start = this.i;
        const end = this.stringEnd();
        this.i = end;
        return this.escaped ? this.parse(start, end) : this.s.slice(start + 1, end - 1);
    }

    /** The end of the JSON value at the cursor, without reading it. */
    private valueEnd(): number {
        const s = this.s;
        const c = s.charCodeAt(this.i);
        if (c === 0x22) return this.stringEnd();
        if (c === 0x7b || c === 0x5b) {
            let depth = 0;
            let j = this.i;
            for (; j < s.length; j++) {
                const d = s.charCodeAt(j);
                if (d === 0x22) {
                    const at = this.i;
                    this.i = j;
                    j = this.stringEnd() - 1;
                    this.i = at;
                } else if (d === 0x7b || d === 0x5b) depth++;
                else if (d === 0x7d || d === 0x5d) {
                    if (--depth === 0) return j + 1;
                }
            }
            return this.fail("unterminated value");
        }
        // A number, true, false or null: up to the next delimiter.
        let j = this.i;
        for (; j < s.length; j++) {
            const d = s.charCodeAt(j);
            if (d === 0x2c || d === 0x7d || d === 0x5d || WS(d)) break;
        }
        if (j === this.i) this.fail("expected a value");
        return j;
    }

    private parse(start: number, end: number): any {
        try {
            return JSON.parse(this.s.slice(start, end));
        } catch (err: any) {
            this.i = start;
            return this.fail(`not JSON (${err.message})`);
        }
    }

    /** The JSON value at the cursor (after space), as JSON.parse gives it. */
    value(): any {
        this.space();
        const s = this.s;
        const c = s.charCodeAt(this.i);
        if (c === 0x22) return this.string();
        if (c === 0x6e && s.startsWith("null", this.i)) {
            const after = s.charCodeAt(this.i + 4);
            if (after === 0x2c || after === 0x7d || after === 0x5d || WS(after) || Number.isNaN(after)) {
                this.i += 4;
                return null;
            }
        }
        const start = this.i;
        const end = this.valueEnd();
        this.i = end;
        return this.parse(start, end);
    }

    /** Whether the text at the cursor (after space) is `"<key>"` followed by ':' (consumed when it is). */
    key(key: string): boolean {
        this.space();
        const s = this.s;
        const at = this.i;
        if (s.charCodeAt(at) === 0x22 && s.startsWith(key, at + 1) && s.charCodeAt(at + 1 + key.length) === 0x22) {
            this.i = at + 2 + key.length;
            this.expect(0x3a, "':'");
            return true;
        }
        return false;
    }
}

/** A row's canonical values, column by column; the array is the callee's to keep. */
export type OnRow = (values: (string | null)[]) => void;

/**
 * Hands each row of a tabledata.list body to `onRow` as it is read, each cell through its
 * column's canonical form (`cells[i]` gets the i-th cell's value as JSON.parse gives it,
 * undefined for a cell the row lacks), so that a row is garbage as soon as it is summed. A row of
 * another shape than {"f": [{"v": …}, …]} is read whole by JSON.parse.
 */
export function readTableDataPage(text: string, cells: readonly ((cell: any) => string | null)[], onRow: OnRow): TableDataPage {
    const r = new PageScanner(text);
    const n = cells.length;
    let total = 0;
    let rows = 0;
    let error: any;
    r.expect(0x7b, "'{'");
    r.space();
    if (text.charCodeAt(r.i) === 0x7d) r.i++;
    else {
        do {
            const name = r.string();
            r.expect(0x3a, "':'");
            if (name === "rows") rows = readRows(r, text, cells, n, onRow);
            else if (name === "totalRows") total = Number(r.value() ?? 0);
            else if (name === "error") error = r.value();
            else r.value();
        } while (r.next(0x7d, "'}'"));
    }
    r.space();
    if (r.i !== text.length) r.fail("text after the page");
    return error === undefined || error === null ? { total, rows } : { total, rows, error };
}

function readRows(r: PageScanner, text: string, cells: readonly ((cell: any) => string | null)[], n: number, onRow: OnRow): number {
    let rows = 0;
    r.space();
    if (text.charCodeAt(r.i) === 0x6e) {
        // "rows": null is as good as no rows.
        if (r.value() !== null) r.fail("expected the rows");
        return rows;
    }
    r.expect(0x5b, "'['");
    r.space();
    if (text.charCodeAt(r.i) === 0x5d) {
        r.i++;
        return rows;
    }
    do {
        const values: (string | null)[] = new Array(n);
        r.space();
        const start = r.i;
        let i = 0;
        let plain = false;
        // The API's shape: {"f":[{"v":…},…]} and nothing else in the row.
        if (text.charCodeAt(r.i) === 0x7b) {
            r.i++;
            if (r.key("f")) {
                r.expect(0x5b, "'['");
                r.space();
                plain = true;
                if (text.charCodeAt(r.i) === 0x5d) r.i++;
                else {
                    do {
                        r.expect(0x7b, "'{'");
                        if (!r.key("v")) {
                            plain = false;
                            break;
                        }
                        const v = r.value();
                        if (i < n) values[i] = cells[i](v);
                        i++;
                        r.space();
                        if (text.charCodeAt(r.i) !== 0x7d) {
                            plain = false;
                            break;
                        }
                        r.i++;
                    } while (r.next(0x5d, "']'"));
                }
                if (plain) {
                    r.space();
                    plain = text.charCodeAt(r.i) === 0x7d;
                    if (plain) r.i++;
                }
            }
        }
        if (!plain) {
            // Any other row: read whole, as JSON.parse reads it.
            r.i = start;
            const row = r.value();
            i = 0;
            const f = row?.f;
            for (; i < n; i++) values[i] = cells[i](f?.[i]?.v);
        } else for (; i < n; i++) values[i] = cells[i](undefined);
        onRow(values);
        rows++;
    } while (r.next(0x5d, "']'"));
    return rows;
}
