/**
 * The layering rules of the repository, checked by `npm run lint` (dependency-cruiser) and proven
 * live by test/lint/layering.test.ts, which plants a violation of each and expects this to refuse it.
 *
 *   contract ← domain ← adapters ← handlers        (src/, the Forge functions)
 *   static/ (Custom UI) uses contract and domain only
 *   infra-cdk/lambda uses contract and domain, never Forge code
 *   local/ (the local platform) and scripts/ may use the product; the product never uses them
 *   nothing imports test/
 */
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const PRODUCT = '^(src|static/src|infra-cdk/(lib|lambda|bin))/';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'A cycle makes load order matter and the layers meaningless.', from: {}, to: { circular: true } },
    { name: 'nothing-imports-test', severity: 'error', comment: 'test/ is a leaf: the product, the preview and the local platform never need it.', from: { pathNot: '^test/' }, to: { path: '^test/' } },
    { name: 'product-not-local-or-scripts', severity: 'error', comment: 'The product runs on Forge and Lambda, where the local platform and the scripts do not exist.', from: { path: PRODUCT }, to: { path: '^(local|scripts)/' } },
    { name: 'contract-only-zod', severity: 'error', comment: 'The contract is imported by every side; it depends on zod and itself only.', from: { path: '^src/contract/' }, to: { pathNot: '^(src/contract/|node_modules/zod/)', dependencyTypesNot: ['core'] } },
    { name: 'domain-is-pure', severity: 'error', comment: 'Domain logic is pure: no adapters, handlers, Forge, AWS SDK or React.', from: { path: '^src/domain/' }, to: { path: '^(src/(adapters|handlers)/|node_modules/(@forge|@aws-sdk|react|react-dom)/)' } },
    { name: 'adapters-below-handlers', severity: 'error', comment: 'Adapters wrap one outside API each; they never call back up into handlers.', from: { path: '^src/adapters/' }, to: { path: '^src/handlers/' } },
    { name: 'ui-not-server', severity: 'error', comment: 'Custom UI runs in the browser: contract and domain only, never handlers, adapters or Lambdas.', from: { path: '^static/src/' }, to: { path: '^(src/(adapters|handlers)/|infra-cdk/|local/)' } },
    { name: 'lambdas-not-forge', severity: 'error', comment: 'Lambdas run in AWS, not in Forge.', from: { path: '^infra-cdk/' }, to: { path: '^(src/(adapters|handlers)/|static/|node_modules/@forge/)' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|build|dist|cdk\\.out)/' },
    ...(existsSync(join(process.cwd(), 'tsconfig.json')) ? { tsConfig: { fileName: 'tsconfig.json' } } : {}),
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.json'] },
  },
};
