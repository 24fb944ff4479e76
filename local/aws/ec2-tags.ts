import { AwsError } from './protocol';
import type { QueryParams } from './query';

/** EC2 TagSpecification/Tag entries, checked as EC2 checks them (shared by instances, launch templates, VPCs and subnets). */
export function readTags(entries: QueryParams[], forCreate: boolean): Map<string, string> {
  const tags = new Map<string, string>();
  for (const t of entries) {
    const key = t.get('Key');
    if (key === undefined || key === '') throw new AwsError('InvalidParameterValue', 'Tag key must not be empty');
    if (key.length > 128) throw new AwsError('InvalidParameterValue', `Tag key exceeds the maximum length of 128 characters: ${key}`);
    if (forCreate && key.toLowerCase().startsWith('aws:')) throw new AwsError('InvalidParameterValue', "Tag keys starting with 'aws:' are reserved for internal use");
    const value = t.get('Value') ?? '';
    if (value.length > 256) throw new AwsError('InvalidParameterValue', `Tag value exceeds the maximum length of 256 characters for key ${key}`);
    if (tags.has(key)) throw new AwsError('InvalidParameterValue', `Duplicate tag key '${key}' specified.`);
    tags.set(key, value);
  }
  if (tags.size > 50) throw new AwsError('TagLimitExceeded', 'The maximum number of tags (50) for a resource has been reached.');
  return tags;
}
