import { AwsError } from './protocol';

/**
 * Typed readers for JSON request members: a wrong type becomes the ValidationException AWS JSON
 * services return, naming the member, instead of a crash inside the stand-in.
 */
export type JsonObject = Record<string, unknown>;

function invalid(member: string, constraint: string): AwsError {
  return new AwsError('ValidationException', `1 validation error detected: Value at '${member}' failed to satisfy constraint: ${constraint}`);
}

export function optString(o: JsonObject, member: string): string | undefined {
  const v = o[member];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(member, 'Member must be a string');
  return v;
}

export function reqString(o: JsonObject, member: string): string {
  const v = optString(o, member);
  if (v === undefined || v === '') throw invalid(member, 'Member must not be null');
  return v;
}

export function optNumber(o: JsonObject, member: string): number | undefined {
  const v = o[member];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(member, 'Member must be a number');
  return v;
}

export function optBoolean(o: JsonObject, member: string): boolean | undefined {
  const v = o[member];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalid(member, 'Member must be a boolean');
  return v;
}

export function optObjects(o: JsonObject, member: string): JsonObject[] {
  const v = o[member];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => !x || typeof x !== 'object' || Array.isArray(x))) throw invalid(member, 'Member must be a list of structures');
  return v as JsonObject[];
}

export function optObject(o: JsonObject, member: string): JsonObject | undefined {
  const v = o[member];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(member, 'Member must be a structure');
  return v as JsonObject;
}

/** `[{Key, Value}]` as AWS JSON services send tags. */
export function readTagList(o: JsonObject, member: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const t of optObjects(o, member)) {
    const key = reqString(t, 'Key');
    if (key.length > 128) throw invalid(`${member}.member.Key`, 'Member must have length less than or equal to 128');
    const value = optString(t, 'Value') ?? '';
    if (value.length > 256) throw invalid(`${member}.member.Value`, 'Member must have length less than or equal to 256');
    tags.set(key, value);
  }
  return tags;
}

export function tagList(tags: ReadonlyMap<string, string>): { Key: string; Value: string }[] {
  return [...tags].map(([Key, Value]) => ({ Key, Value }));
}

/** awsJson timestamps are epoch seconds (fractional). */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}
