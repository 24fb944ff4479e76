/** Simulated AWS for the local preview and the end-to-end test; see server.ts. */
export { SNAPSHOT_PATH, startAwsStandIn, type AwsStandIn, type AwsStandInOptions } from './server';
export { STAND_IN_CREDENTIALS, type StandInCredentials } from './sigv4';
export type { Fault, FaultHandle } from './faults';
export type { SeedInstancesOptions } from './ec2';
export type { AwsSnapshot, InstanceView } from './snapshot';
export type { AwsState, CallRecord, Ec2Instance, InstanceStateName, RecordedEvent, StateReason } from './state';
export type { AwsService } from './protocol';
