/**
 * A Jira comment's ADF body as plain text lines, for the preview's "what the app wrote" column:
 * paragraphs and headings become lines, list items get a bullet, code blocks keep their text,
 * hard breaks break. Marks (strong, code, links) are dropped; the text is what a reader sees.
 */

interface AdfNode {
  type?: string;
  text?: string;
  content?: AdfNode[];
  attrs?: Record<string, unknown>;
}

const BLOCKS = new Set(['paragraph', 'heading', 'codeBlock', 'blockquote', 'panel', 'rule', 'table', 'tableRow']);

function inline(node: AdfNode): string {
  if (node.type === 'text') return node.text ?? '';
  if (node.type === 'hardBreak') return '\n';
  if (node.type === 'mention') return String(node.attrs?.text ?? '@someone');
  if (node.type === 'emoji') return String(node.attrs?.text ?? node.attrs?.shortName ?? '');
  if (node.type === 'status') return `[${String(node.attrs?.text ?? '')}]`;
  if (node.type === 'date') return new Date(Number(node.attrs?.timestamp ?? 0)).toISOString();
  if (node.type === 'inlineCard') return String(node.attrs?.url ?? '');
  return (node.content ?? []).map(inline).join('');
}

function block(node: AdfNode, indent: string, out: string[]): void {
  switch (node.type) {
    case 'doc':
      for (const c of node.content ?? []) block(c, indent, out);
      return;
    case 'bulletList':
    case 'orderedList': {
      let n = 1;
      for (const item of node.content ?? []) {
        const lines: string[] = [];
        for (const c of item.content ?? []) block(c, '', lines);
        const marker = node.type === 'bulletList' ? '• ' : `${n++}. `;
        lines.forEach((l, i) => out.push(`${indent}${i === 0 ? marker : '  '}${l}`));
      }
      return;
    }
    case 'rule':
      out.push(`${indent}────`);
      return;
    default:
      if (BLOCKS.has(node.type ?? '') && node.type !== 'paragraph' && node.type !== 'heading' && node.type !== 'codeBlock') {
        for (const c of node.content ?? []) block(c, indent, out);
        return;
      }
      for (const l of inline(node).split('\n')) out.push(`${indent}${l}`);
  }
}

export function adfToText(doc: unknown): string {
  const out: string[] = [];
  block((doc ?? {}) as AdfNode, '', out);
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}
