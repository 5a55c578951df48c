// A JSON reader that keeps the text of every value. Rows arrive as JSON (load-job lines, the
// body of tabledata.insertAll); JSON.parse would turn 12345678901234567890 into a double before
// an INT64 or JSON column ever saw it, so cells are built from the text as written.

export type Raw =
    | { readonly t: "obj"; readonly entries: readonly (readonly [string, Raw])[]; readonly start: number; readonly end: number }
    | { readonly t: "arr"; readonly items: readonly Raw[]; readonly start: number; readonly end: number }
    | { readonly t: "str"; readonly value: string; readonly start: number; readonly end: number }
    | { readonly t: "num"; readonly text: string; readonly start: number; readonly end: number }
    | { readonly t: "bool"; readonly value: boolean; readonly start: number; readonly end: number }
    | { readonly t: "null"; readonly start: number; readonly end: number };

export class JsonSyntaxError extends Error {
    constructor(message: string, readonly position: number) {
        super(`${message} at position ${position}`);
    }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Parses one JSON document; the source text of any node is `text.slice(node.start, node.end)`. */
export function parseRaw(text: string): Raw {
    let i = 0;
    const ws = () => {
        while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
    };
    const fail = (what: string): never => {
        throw new JsonSyntaxError(what, i);
    };
    const str = (): string => {
        // The JSON grammar of a string is JavaScript's; JSON.parse decodes the escapes exactly.
        const start = i;
        i++;
        while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
        if (i >= text.length) fail("unterminated string");
        i++;
        try {
            return JSON.parse(text.slice(start, i));
        } catch {
            return fail("invalid string");
        }
    };
    const value = (): Raw => {
        ws();
        const start = i;
        const c = text[i];
        if (c === "{") {
            i++;
            const entries: [string, Raw][] = [];
            ws();
            if (text[i] === "}") {
                i++;
                return { t: "obj", entries, start, end: i };
            }
            for (;;) {
                ws();
                if (text[i] !== '"') fail("expected a property name");
                const key = str();
                ws();
                if (text[i] !== ":") fail("expected ':'");
                i++;
                entries.push([key, value()]);
                ws();
                if (text[i] === ",") {
                    i++;
                    continue;
                }
                if (text[i] === "}") {
                    i++;
                    return { t: "obj", entries, start, end: i };
                }
                fail("expected ',' or '}'");
            }
        }
        if (c === "[") {
            i++;
            const items: Raw[] = [];
            ws();
            if (text[i] === "]") {
                i++;
                return { t: "arr", items, start, end: i };
            }
            for (;;) {
                items.push(value());
                ws();
                if (text[i] === ",") {
                    i++;
                    continue;
                }
                if (text[i] === "]") {
                    i++;
                    return { t: "arr", items, start, end: i };
                }
                fail("expected ',' or ']'");
            }
        }
        if (c === '"') return { t: "str", value: str(), start, end: i };
        if (text.startsWith("true", i)) return (i += 4), { t: "bool", value: true, start, end: i };
        if (text.startsWith("false", i)) return (i += 5), { t: "bool", value: false, start, end: i };
        if (text.startsWith("null", i)) return (i += 4), { t: "null", start, end: i };
        NUMBER.lastIndex = i;
        const m = NUMBER.exec(text);
        if (m) {
            i += m[0].length;
            return { t: "num", text: m[0], start, end: i };
        }
        return fail("unexpected character");
    };
    const root = value();
    ws();
    if (i !== text.length) fail("unexpected text after the document");
    return root;
}

/** A raw node as a plain JavaScript value (numbers become doubles: only for non-row parts). */
export function plain(node: Raw): unknown {
    switch (node.t) {
        case "obj":
            return Object.fromEntries(node.entries.map(([k, v]) => [k, plain(v)]));
        case "arr":
            return node.items.map(plain);
        case "num":
            return Number(node.text);
        case "null":
            return null;
        default:
            return node.value;
    }
}

/** The member `key` of an object node. */
export function member(node: Raw | undefined, key: string): Raw | undefined {
    return node?.t === "obj" ? node.entries.find(([k]) => k === key)?.[1] : undefined;
}
