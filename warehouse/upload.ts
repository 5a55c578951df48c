// A load job's upload as it arrives: the multipart body's metadata part, then its newline-
// delimited JSON read line by line while the request is still coming in. A client that streams
// its rows (the data move does) thus has them parsed and checked as it writes them, rather than
// after its last byte; a large upload is never held whole as text. Nothing is stored here: the
// load job takes the rows when the request has ended, so a request that never completes leaves no
// job and no rows, as in BigQuery.
import { StringDecoder } from "string_decoder";
import { Row, rowFromRaw, RowProblem } from "./cells";
import { BigQueryError, invalid } from "./errors";
import { parseRaw } from "./json";
import { Field, normalizeSchema } from "./schema";

/** A load's rows, each line parsed and checked against the schema as it comes. */
export class LoadLines {
    readonly rows: Row[] = [];
    badRecords = 0;
    bytes = 0;
    /** The error that fails the job, once more lines are bad than the load allows. */
    error?: BigQueryError;
    private index = 0;

    constructor(
        private readonly fields: readonly Field[],
        private readonly ignoreUnknown: boolean,
        private readonly maxBad: number,
    ) {}

    /** One line of the file, without its newline. Blank lines are not rows. */
    add(text: string): void {
        const line = text.endsWith("\r") ? text.slice(0, -1) : text;
        if (this.error || line.trim().length === 0) return;
        const i = this.index++;
        let raw;
        try {
            raw = parseRaw(line);
        } catch {
            if (++this.badRecords > this.maxBad) this.error = invalid(`Error while reading data, error message: JSON parsing error in row starting at position ${i}: ${line.slice(0, 40)}`);
            return;
        }
        try {
            this.rows.push(rowFromRaw(this.fields, raw, line, { ignoreUnknown: this.ignoreUnknown, jsonNullIsValue: true }));
        } catch (err) {
            if (!(err instanceof RowProblem)) throw err;
            if (++this.badRecords > this.maxBad) this.error = invalid(`Error while reading data, error message: JSON table encountered too many errors, giving up. Rows: ${i + 1}; Errors: ${this.badRecords}. ${err.message}`);
        }
    }
}

/** The schema and options a load's lines are read with, or undefined when the load does not give its own schema. */
export function loadLinesFor(load: any): LoadLines | undefined {
    if (!load || (load.sourceFormat ?? "CSV") !== "NEWLINE_DELIMITED_JSON" || !load.schema?.fields?.length) return undefined;
    return new LoadLines(normalizeSchema(load.schema.fields), load.ignoreUnknownValues === true, Number(load.maxBadRecords ?? 0));
}

/**
 * Reads a multipart upload as its chunks arrive. When the metadata part describes a load with its
 * own schema, the media part goes line by line into LoadLines; otherwise (or when the body is not
 * what a load upload is) every byte is kept for the load to judge whole.
 */
export class UploadReader {
    /** The metadata part, once read, when the media part is being read as lines. */
    meta?: any;
    lines?: LoadLines;
    /** Whether the media part's closing delimiter came. */
    complete = false;
    private head: Buffer[] = [];
    private headBytes = 0;
    private kept?: Buffer[];
    private readonly decoder = new StringDecoder("utf8");
    private pending = "";
    private readonly delimiter: string;

    constructor(boundary: string) {
        this.delimiter = `--${boundary}`;
    }

    /** Every byte, when the upload was not read as lines. */
    raw(): Buffer | undefined {
        return this.kept ? Buffer.concat(this.kept) : undefined;
    }

    write(chunk: Buffer): void {
        if (this.kept) {
            this.kept.push(chunk);
            return;
        }
        if (this.lines) return this.media(this.decoder.write(chunk));
        this.head.push(chunk);
        this.headBytes += chunk.length;
        const head = Buffer.concat(this.head, this.headBytes);
        // --boundary, the metadata part's headers and JSON, --boundary, the media part's headers.
        const first = head.indexOf(this.delimiter);
        const second = first < 0 ? -1 : head.indexOf(this.delimiter, first + this.delimiter.length);
        const mediaStart = second < 0 ? -1 : head.indexOf("\r\n\r\n", second);
        if (mediaStart < 0) {
            if (this.headBytes > 1 << 20) this.keepAll();
            return;
        }
        const part = head.subarray(first + this.delimiter.length, second);
        const bodyAt = part.indexOf("\r\n\r\n");
        let lines: LoadLines | undefined;
        try {
            this.meta = JSON.parse(part.subarray(bodyAt + 4, part.length - 2).toString("utf8"));
            lines = loadLinesFor(this.meta?.configuration?.load);
        } catch {
            lines = undefined;
        }
        if (bodyAt < 0 || !lines) return this.keepAll();
        this.lines = lines;
        this.head = [];
        this.media(this.decoder.write(head.subarray(mediaStart + 4)));
    }

    /** The end of the request: the last line, if it had no newline. */
    end(): void {
        if (this.lines) this.media(this.decoder.end() + "\n");
    }

    private keepAll(): void {
        this.kept = this.head;
        this.head = [];
        this.meta = undefined;
    }

    private media(text: string): void {
        if (this.complete) return;
        const lines = this.lines!;
        this.pending += text;
        const last = this.pending.lastIndexOf("\n");
        if (last < 0) return;
        const whole = this.pending.slice(0, last);
        this.pending = this.pending.slice(last + 1);
        let at = 0;
        while (at <= whole.length) {
            let next = whole.indexOf("\n", at);
            if (next < 0) next = whole.length;
            const line = whole.slice(at, next);
            at = next + 1;
            // The delimiter after the media part (CRLF--boundary--) ends it.
            if (line.startsWith(this.delimiter) && line.trimEnd().replace(/--$/, "") === this.delimiter) {
                this.complete = true;
                return;
            }
            lines.bytes += Buffer.byteLength(line) + 1;
            lines.add(line);
        }
    }
}
