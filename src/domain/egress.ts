/**
 * The AWS regions whose Lambda function URLs the manifest lets the app call. Forge fixes egress
 * at deploy time, so this list and `permissions.external.fetch.backend` in manifest.yml must
 * agree (a test checks it). To support another region an admin adds
 * `*.lambda-url.<region>.on.aws` to the manifest and the region here, then redeploys.
 */
export const SUPPORTED_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'sa-east-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'ap-northeast-2',
] as const;

export const egressAddressFor = (region: string): string => `*.lambda-url.${region}.on.aws`;

/** Problems with an API URL/region pair that Forge's egress or SigV4 would reject later. */
export function apiEndpointProblems(apiUrl: string, region: string): { field: string; message: string }[] {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    return [{ field: 'apiUrl', message: 'is not a URL' }];
  }
  if (url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost')) return [];
  const m = /^[a-z0-9]+\.lambda-url\.([a-z0-9-]+)\.on\.aws$/.exec(url.hostname);
  if (!m) return [{ field: 'apiUrl', message: 'must be the stack\'s function URL, such as https://abc123.lambda-url.eu-west-1.on.aws/' }];
  const problems: { field: string; message: string }[] = [];
  if (!(SUPPORTED_REGIONS as readonly string[]).includes(m[1] ?? '')) {
    problems.push({ field: 'apiUrl', message: `region ${m[1]} is not in the app's egress list; add ${egressAddressFor(m[1] ?? '')} to manifest.yml and redeploy` });
  }
  if (m[1] !== region) problems.push({ field: 'region', message: `must be ${m[1]}, the region in the API URL` });
  return problems;
}
