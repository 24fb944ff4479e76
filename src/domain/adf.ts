/**
 * Atlassian Document Format builders for the comments the app posts. Jira's comment endpoint
 * accepts any JSON as `body` and rejects bad ADF only at render time, so every comment is
 * built from these typed nodes (a subset of ADF v1) and the tests validate the output against
 * Atlassian's published JSON schema. Pure: times are formatted from values passed in.
 */

export type AdfMark = { type: 'strong' } | { type: 'em' } | { type: 'code' } | { type: 'link'; attrs: { href: string } };
export type AdfText = { type: 'text'; text: string; marks?: AdfMark[] };
export type AdfInline = AdfText | { type: 'mention'; attrs: { id: string; text?: string } } | { type: 'hardBreak' };
export type AdfParagraph = { type: 'paragraph'; content: AdfInline[] };
export type AdfListItem = { type: 'listItem'; content: AdfParagraph[] };
export type AdfBulletList = { type: 'bulletList'; content: AdfListItem[] };
export type AdfCodeBlock = { type: 'codeBlock'; attrs: { language: string }; content: AdfText[] };
export type PanelType = 'info' | 'note' | 'warning' | 'success' | 'error';
export type AdfPanel = { type: 'panel'; attrs: { panelType: PanelType }; content: (AdfParagraph | AdfBulletList)[] };
export type AdfBlock = AdfParagraph | AdfBulletList | AdfCodeBlock | AdfPanel;
export type AdfDoc = { type: 'doc'; version: 1; content: AdfBlock[] };

/** Inline content: plain strings become text nodes; empty strings are dropped (ADF forbids empty text). */
export type InlineInput = string | AdfInline;

function inline(parts: readonly InlineInput[]): AdfInline[] {
  const out: AdfInline[] = [];
  for (const part of parts) {
    if (typeof part === 'string') {
      if (part.length > 0) out.push({ type: 'text', text: part });
    } else if (part.type !== 'text' || part.text.length > 0) {
      out.push(part);
    }
  }
  return out;
}

export const doc = (...content: AdfBlock[]): AdfDoc => ({ type: 'doc', version: 1, content });
export const paragraph = (...parts: InlineInput[]): AdfParagraph => ({ type: 'paragraph', content: inline(parts) });
export const strong = (text: string): AdfText => ({ type: 'text', text, marks: [{ type: 'strong' }] });
export const code = (text: string): AdfText => ({ type: 'text', text, marks: [{ type: 'code' }] });
/**
 * A mention. `text` is what renderers that cannot resolve the account show (notification
 * e-mails, exports); without it they fall back to a placeholder instead of the person's name.
 * https://developer.atlassian.com/cloud/jira/platform/apis/document/nodes/mention/
 */
export const mention = (accountId: string, name?: string): AdfInline => ({ type: 'mention', attrs: name ? { id: accountId, text: `@${name}` } : { id: accountId } });
export const bulletList = (items: readonly InlineInput[][]): AdfBulletList => ({
  type: 'bulletList',
  content: items.map((parts) => ({ type: 'listItem', content: [paragraph(...parts)] })),
});
export const codeBlock = (text: string, language = 'shell'): AdfCodeBlock => ({
  type: 'codeBlock',
  attrs: { language },
  content: text.length > 0 ? [{ type: 'text', text }] : [],
});
export const panel = (panelType: PanelType, ...content: (AdfParagraph | AdfBulletList)[]): AdfPanel => ({
  type: 'panel',
  attrs: { panelType },
  content,
});

/** `2026-11-27 08:00 (Europe/Berlin)`; falls back to UTC for an unknown zone rather than throwing. */
export function formatInZone(iso: string, timeZone: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  let zone = timeZone;
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  } catch {
    zone = 'UTC';
    fmt = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  }
  const p = Object.fromEntries(fmt.formatToParts(date).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} (${zone})`;
}

/** Plain text of a document, for logs and for tests that read what a person would see. */
export function adfToText(node: AdfDoc | AdfBlock | AdfInline | AdfListItem): string {
  switch (node.type) {
    case 'text':
      return node.text;
    case 'mention':
      // A mention's text already starts with '@' (as in the ADF documentation's example).
      return node.attrs.text ?? `@${node.attrs.id}`;
    case 'hardBreak':
      return '\n';
    case 'paragraph':
      return node.content.map(adfToText).join('');
    case 'codeBlock':
      return node.content.map(adfToText).join('');
    case 'listItem':
      return node.content.map(adfToText).join('\n');
    case 'bulletList':
      return node.content.map((i) => `- ${adfToText(i)}`).join('\n');
    case 'panel':
    case 'doc':
      return node.content.map(adfToText).join('\n');
  }
}
