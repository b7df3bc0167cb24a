/**
 * The AWS Query protocol, as far as CloudWatch needs it for clients that still speak it (the
 * AWS CLI v2 before CloudWatch moved to JSON): a form-encoded request body decoded into the
 * same nested input a JSON client sends, and results and errors encoded as XML. Pure.
 *
 * Lists arrive as `Name.member.N.…` (1-based), maps as `Name.entry.N.key` / `.value`;
 * scalars stay strings (the input reader converts them).
 */

/** Decodes `Action=…&Version=…&A.member.1.B=x` into `{ Action, Version, A: [{ B: "x" }] }`. */
export function decodeQuery(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  const maps: { holder: Record<string, unknown>; key: string }[] = [];
  for (const [key, value] of new URLSearchParams(body)) {
    const parts = key.split(".");
    // Member names are plain words; these would reach Object.prototype instead.
    if (parts.some((p) => p === "__proto__" || p === "constructor" || p === "prototype")) continue;
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      const last = i === parts.length - 1;
      const next = parts[i + 1];
      // `X.member.N` and `X.entry.N`: X is a list (entries become a map below).
      if ((part === "member" || part === "entry") && next !== undefined && /^\d+$/.test(next)) {
        continue;
      }
      const index = /^\d+$/.test(part) && Array.isArray(node) ? Number(part) - 1 : undefined;
      const slot: string | number = index ?? part;
      if (last) {
        setSlot(node, slot, value);
        break;
      }
      const isList = parts[i + 1] === "member" || parts[i + 1] === "entry";
      let child = getSlot(node, slot);
      if (typeof child !== "object" || child === null) {
        child = isList ? [] : {};
        setSlot(node, slot, child);
        if (parts[i + 1] === "entry" && !Array.isArray(node))
          maps.push({ holder: node, key: part });
      }
      node = child as Record<string, unknown> | unknown[];
    }
  }
  for (const { holder, key } of maps) {
    const entries = holder[key];
    if (!Array.isArray(entries)) continue;
    holder[key] = Object.fromEntries(
      entries
        .filter((e): e is { key: string; value: unknown } => typeof e?.key === "string")
        .map((e) => [e.key, e.value]),
    );
  }
  return compactLists(root) as Record<string, unknown>;
}

function getSlot(node: Record<string, unknown> | unknown[], slot: string | number): unknown {
  return Array.isArray(node) ? node[slot as number] : node[slot as string];
}

function setSlot(node: Record<string, unknown> | unknown[], slot: string | number, value: unknown) {
  if (Array.isArray(node)) node[slot as number] = value;
  else node[slot as string] = value;
}

/** Lists written with gaps (`member.1`, `member.3`) keep their order without holes. */
function compactLists(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(compactLists);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compactLists(v)]));
  }
  return value;
}

/**
 * A value as Query-protocol XML: an object's members become elements, a list's items
 * `<member>` elements, a `Date` an ISO 8601 time; `undefined` members are left out.
 */
export function toXml(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => `<member>${toXml(item)}</member>`).join("");
  if (typeof value === "object") {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join("");
  }
  return escapeXml(String(value));
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A whole Query-protocol answer: `<OpResponse><OpResult>…</OpResult><ResponseMetadata>…`. */
export function queryResponse(
  operation: string,
  xmlNamespace: string,
  result: unknown,
  requestId: string,
): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<${operation}Response xmlns="${xmlNamespace}">` +
    `<${operation}Result>${toXml(result)}</${operation}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>` +
    `</${operation}Response>`
  );
}

/** A Query-protocol error: `<ErrorResponse><Error><Type/><Code/><Message/></Error>…`. */
export function queryError(
  xmlNamespace: string,
  error: { readonly code: string; readonly message: string; readonly sender: boolean },
  requestId: string,
): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<ErrorResponse xmlns="${xmlNamespace}"><Error>` +
    `<Type>${error.sender ? "Sender" : "Receiver"}</Type>` +
    `<Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message>` +
    `</Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
