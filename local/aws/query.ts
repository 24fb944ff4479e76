/**
 * Reader for AWS Query / EC2 Query request bodies (`application/x-www-form-urlencoded`).
 * Both protocols flatten structures into dotted keys: EC2 writes `Filter.1.Value.2` and
 * `TagSpecification.1.Tag.1.Key`, IAM writes `Tags.member.1.Key`. Lists are 1-based and dense.
 */
export class QueryParams {
  private constructor(private readonly values: ReadonlyMap<string, string>) {}

  static parse(body: string): QueryParams {
    const map = new Map<string, string>();
    for (const [k, v] of new URLSearchParams(body)) map.set(k, v);
    return new QueryParams(map);
  }

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  int(key: string): number | undefined {
    const v = this.values.get(key);
    if (v === undefined) return undefined;
    const n = Number(v);
    return Number.isInteger(n) ? n : Number.NaN;
  }

  bool(key: string): boolean | undefined {
    const v = this.values.get(key);
    return v === undefined ? undefined : v === 'true';
  }

  /** Scalar list `prefix.1`, `prefix.2`, … in order. */
  list(prefix: string): string[] {
    const out: string[] = [];
    for (let i = 1; this.values.has(`${prefix}.${i}`); i++) out.push(this.values.get(`${prefix}.${i}`) as string);
    return out;
  }

  /** Structure list `prefix.N.*`, each entry as its own QueryParams with the prefix stripped. */
  members(prefix: string): QueryParams[] {
    const groups = new Map<number, Map<string, string>>();
    const head = `${prefix}.`;
    for (const [k, v] of this.values) {
      if (!k.startsWith(head)) continue;
      const rest = k.slice(head.length);
      const dot = rest.indexOf('.');
      const index = Number(dot === -1 ? rest : rest.slice(0, dot));
      if (!Number.isInteger(index) || index < 1 || dot === -1) continue;
      let g = groups.get(index);
      if (!g) groups.set(index, (g = new Map()));
      g.set(rest.slice(dot + 1), v);
    }
    return [...groups.keys()].sort((a, b) => a - b).map((i) => new QueryParams(groups.get(i) as Map<string, string>));
  }

  /** Sub-structure `prefix.*` with the prefix stripped (e.g. `LaunchTemplate.LaunchTemplateId`). */
  struct(prefix: string): QueryParams | undefined {
    const head = `${prefix}.`;
    const m = new Map<string, string>();
    for (const [k, v] of this.values) if (k.startsWith(head)) m.set(k.slice(head.length), v);
    return m.size ? new QueryParams(m) : undefined;
  }

  /** Canonical text of every parameter except the listed ones: used to compare idempotent retries. */
  fingerprint(exclude: readonly string[]): string {
    return [...this.values]
      .filter(([k]) => !exclude.includes(k))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
  }
}
