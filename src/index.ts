// One export per function handler in manifest.yml (checked by test/forge/wiring.test.ts).
export { panelResolver } from './handlers/panel-resolvers';
export { adminResolver } from './handlers/admin-resolvers';
export { fleetResolver } from './handlers/fleet-resolvers';
export { onIssueUpdated } from './handlers/issue-updated';
export { onLifecycleEvent } from './handlers/webtrigger';
export { onQueueEvent } from './handlers/queue-consumer';
