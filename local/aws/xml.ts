/**
 * A tiny XML writer for the Query, EC2 and S3 protocols. Responses are built as strings because the
 * SDK's deserializers only care about element names and text; escaping is done here, once, so a tag
 * value such as `a<b&c` reaches the SDK intact.
 */

export type XmlScalar = string | number | boolean;

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

/** `<name>value</name>` with the value escaped; nothing when the value is undefined (an absent member). */
export function leaf(name: string, value: XmlScalar | undefined | null): string {
  if (value === undefined || value === null) return '';
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<name>children…</name>`; children are already-rendered XML fragments. */
export function node(name: string, ...children: string[]): string {
  return `<${name}>${children.join('')}</${name}>`;
}

/** A list whose entries are wrapped in `item` (EC2) or `member` (IAM and other awsQuery services). */
export function list<T>(name: string, wrapper: 'item' | 'member', items: readonly T[], render: (item: T) => string): string {
  return node(name, ...items.map((i) => node(wrapper, render(i))));
}

export function document(root: string, namespace: string | undefined, ...children: string[]): string {
  const ns = namespace ? ` xmlns="${namespace}"` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${ns}>${children.join('')}</${root}>`;
}
