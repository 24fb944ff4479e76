import { randomBytes } from 'node:crypto';
import type { Instance } from '@aws-sdk/client-ec2';
import { CONNECTION_TEST_TYPE, type LifecycleEvent } from '../../src/contract/events';
import type { Settings } from '../../src/contract/settings';
import { DEFAULT_IDLE_RULES } from '../../src/contract/idle-policy';
import { DEFAULT_POLICY } from '../../src/contract/settings';
import type { WebTriggerRequest, WebTriggerResponse } from '../../src/handlers/webtrigger';
import type { EventBridgeEnvelope, DeliveryResult } from '../../infra-cdk/lambda/notifier/deliver';
import type { RunSummary } from '../../infra-cdk/lambda/reconciler/run';
import { SNAPSHOT_PATH, startAwsStandIn, type AwsSnapshot, type AwsStandIn } from '../../local/aws';
import { DEFAULT_BUS } from '../../local/aws/ec2-events';
import { matchesPattern } from '../../local/aws/event-pattern';
import { AWS_EVENT_RULES } from '../../infra-cdk/lambda/notifier/aws-events';
import { createForgeStandIn, type ForgeStandIn, type ResolverHandler } from '../../local/forge-runtime';
import { localForgeCallerArn, startFunctionUrl, type FunctionUrlServer } from '../../local/function-url';
import { seedFleet } from '../../local/fleet-seed';
import { prepareMysql, preparePostgres, type EngineStatus } from './databases';
import { bootstrapEmulator, EMULATOR_VARIABLES, type BootstrapResult } from './emulator-bootstrap';
import { DEFAULT_REQUEST, FIELD, PEOPLE, siteSeed, STATUS, type RequestValues } from './site';

/**
 * One wiring of the REAL code, shared by `npm start` (scripts/preview.ts) and the end-to-end test,
 * so the test proves what the preview runs:
 *
 *   page/test ─invoke→ panel/admin resolvers (src/) ─aws4fetch SigV4→ function URL stand-in
 *     (signature verified) → VM API handler (infra-cdk/lambda/vm-api) ─SDK v3→ AWS
 *   Jira transition → onIssueUpdated → queue → onQueueEvent
 *   reconciler (run.ts, injected `now`) → EventBridge → notifier (deliver.ts, HMAC) → HTTP web
 *     trigger → onLifecycleEvent → Jira comments and issue property
 *
 * "AWS" is AWS_ENDPOINT_URL when set (an emulator), else the in-process wire-protocol stand-in.
 * Jira, KVS and the Forge queue are the OpenAPI-checked Forge stand-in. The Lambda modules read
 * their environment when loaded, so they are imported only after `process.env` is set here.
 */

export interface StackOptions {
  /** An AWS emulator (LocalStack, moto); default: the in-process stand-in ("simulated AWS"). */
  awsEndpointUrl?: string;
  /** Try the local PostgreSQL/MariaDB (default true). */
  databases?: boolean;
  /** Suffix of the database master logins (stable in the preview, unique per test run). */
  dbSuffix: string;
  /**
   * Database name space of the VM API (DB_NAMESPACE): client databases and logins of two previews
   * (two clones) on one machine never meet. Default: none.
   */
  dbNamespace?: string;
  /** Request field values of the simulated issue. */
  request?: RequestValues;
  /** What closing the issue does (admin setting). */
  onClose?: Settings['onClose'];
  /** Seconds EC2 transitions take on the stand-in (0: settled at the next request). */
  transitionSeconds?: number;
  /** The Lifecycle events URL the notifier delivers to and the admin page shows (the preview's own endpoint). */
  webtriggerUrl?: string;
  /** Powertools log level of the Lambda code (default WARN). */
  lambdaLogLevel?: string;
  /**
   * Seed this many made-up VMs (with their issues and month usage) for the fleet page; simulated
   * AWS only, default none. Done before the first scheduler run: it writes the state object.
   */
  fleet?: number;
}

export interface SchedulerRun {
  now: string;
  summary: Omit<RunSummary, 'detail'> & { detail: RunSummary['detail'] };
  deliveries: Delivery[];
}
export interface Delivery {
  eventId: string;
  type: string;
  issueKey: string;
  result: DeliveryResult | { delivered: false; error: string };
}

/** Who calls a resolver, and from where: an issue (panel) or a project settings page (fleet). */
export interface Viewer {
  accountId: string;
  issueKey?: string;
  projectKey?: string;
}

export interface Stack {
  readonly awsLabel: string;
  readonly awsUrl: string;
  readonly standIn: AwsStandIn | undefined;
  /** Emulator mode: the resources the preview found or created there, and the values it uses. */
  readonly emulator: BootstrapResult | undefined;
  readonly forge: ForgeStandIn;
  readonly functionUrl: FunctionUrlServer;
  readonly engines: readonly EngineStatus[];
  readonly region: string;
  /** The settings the admin page saved at start. */
  readonly settings: Settings;
  /** Run a resolver the way the Forge bridge does (panel.* → panelResolver, admin.* → adminResolver, fleet.* → fleetResolver). */
  invoke(functionKey: string, payload: unknown, viewer: Viewer): Promise<unknown>;
  /** A person moves the issue in Jira: Forge sends avi:jira:updated:issue; queued retries are drained. */
  transition(issueKey: string, toStatusId: string): Promise<{ from: string; to: string; queued: number }>;
  /** A person edits a field in Jira (null clears it): Forge sends avi:jira:updated:issue naming that field; queued retries are drained. */
  editField(issueKey: string, fieldId: string, value: unknown): Promise<void>;
  /** The reconciler at `now` (real run.ts against AWS), then every new lifecycle event through the notifier. */
  runScheduler(now: Date): Promise<SchedulerRun>;
  /**
   * EventBridge's default bus: every event EC2 itself recorded since the last call (instance state
   * changes, tag changes) that matches the stack's rules goes through the notifier, no reconciler
   * run involved. Simulated AWS only (an emulator's own events are not visible here): [] otherwise.
   */
  deliverAwsEvents(): Promise<Delivery[]>;
  /** Web trigger entry as Forge calls it for an HTTP request. */
  webTrigger(request: WebTriggerRequest): Promise<WebTriggerResponse>;
  /** Plain view of AWS for the page (secret values never included). */
  awsSnapshot(): Promise<AwsSnapshot | { label: string; now: string; instances: { instanceId: string; state: string; tags: Record<string, string> }[] }>;
  close(): Promise<void>;
}

const MANAGED_BY = 'dev-vm-for-jira';
const SECRET_PREFIX = 'dev-vm/';
const HMAC_SECRET_NAME = `${SECRET_PREFIX}webtrigger-hmac`;
const WEBTRIGGER_PARAMETER = '/dev-vm/webtrigger-url';
const IDLE_POLICY_PARAMETER = '/dev-vm/idle-policy';

/** An AKIA-shaped key pair for the app's IAM user (what the admin pastes from the stack outputs). */
function appKeyPair(): { accessKeyId: string; secretAccessKey: string } {
  const id = 'AKIA' + randomBytes(10).toString('base64').replace(/[^A-Z0-9]/gi, '').toUpperCase().padEnd(16, 'Q').slice(0, 16);
  return { accessKeyId: id, secretAccessKey: randomBytes(30).toString('base64') };
}

/**
 * Environment of the three Lambdas, as the CDK stack sets it (infra-cdk/lambda/shared/env.ts).
 * The simulated AWS accepts the resource ids below by any well-formed value; an emulator must
 * really hold them, so in emulator mode they are the ones the bootstrap found or created there.
 */
function lambdaEnv(region: string, engines: readonly EngineStatus[], masterArns: Partial<Record<'postgres' | 'mysql', string>>, stateBucket: string, emulator: BootstrapResult | undefined, dbNamespace: string): Record<string, string> {
  const env: Record<string, string> = {
    DB_NAMESPACE: dbNamespace,
    AWS_REGION: region,
    MANAGED_BY,
    SECRET_PREFIX,
    EVENT_BUS_NAME: 'dev-vm-events',
    STATE_BUCKET: stateBucket,
    STATE_KEY: 'scheduler/state.json',
    VM_SUBNET_IDS: 'subnet-0a1b2c3d4e5f60718,subnet-0b1c2d3e4f5a60718',
    LAUNCH_TEMPLATES: JSON.stringify({ al2023: 'lt-0a1b2c3d4e5f60711', 'ubuntu-24.04': 'lt-0a1b2c3d4e5f60722' }),
    ALLOWED_INSTANCE_TYPES: 't3.medium,t3.large,t3.xlarge',
    ALLOWED_OS: 'al2023,ubuntu-24.04',
    EFS_FILE_SYSTEM_ID: 'fs-0a1b2c3d4e5f60718',
    INSTANCE_POLICY_ARN: 'arn:aws:iam::123456789012:policy/dev-vm-instance',
    INSTANCE_BOUNDARY_ARN: 'arn:aws:iam::123456789012:policy/dev-vm-instance-boundary',
    APP_VERSION: 'preview',
    // The function-URL stand-in names this user as the signer of every verified request.
    FORGE_CALLER_ARN: localForgeCallerArn(),
    HMAC_SECRET_ARN: HMAC_SECRET_NAME,
    WEBTRIGGER_URL_PARAMETER: WEBTRIGGER_PARAMETER,
    IDLE_POLICY_PARAMETER: IDLE_POLICY_PARAMETER,
    IDLE_DAYS: '30',
    IDLE_WARNING_DAYS: '3',
    INTERVAL_MINUTES: '5',
  };
  if (emulator) Object.assign(env, emulator.env);
  for (const e of engines) {
    if (!e.enabled) continue;
    const arn = masterArns[e.engine];
    if (!arn) continue;
    if (e.engine === 'postgres') Object.assign(env, { POSTGRES_SECRET_ARN: arn, POSTGRES_HOST: e.master.host, POSTGRES_PORT: String(e.master.port) });
    else Object.assign(env, { MYSQL_SECRET_ARN: arn, MYSQL_HOST: e.master.host, MYSQL_PORT: String(e.master.port) });
  }
  return env;
}

export function settingsFor(apiUrl: string, region: string, onClose: Settings['onClose'], request: RequestValues = DEFAULT_REQUEST): Settings {
  return {
    apiUrl,
    region,
    statuses: { provision: [STATUS.ready], stop: [], terminate: [], provisioned: STATUS.provisioned },
    onClose,
    fields: {
      client: FIELD.client,
      developer: FIELD.developer,
      instanceType: FIELD.instanceType,
      os: FIELD.os,
      start: FIELD.start,
      stop: FIELD.stop,
      timezone: FIELD.timezone,
      days: FIELD.days,
      costCenter: FIELD.costCenter,
    },
    writeBack: { instanceId: FIELD.instanceIdOut, amiId: FIELD.amiOut, privateIp: FIELD.ipOut },
    policy: { ...DEFAULT_POLICY, allowedInstanceTypes: ['t3.medium', 't3.large', 't3.xlarge'], allowedOs: ['al2023', 'ubuntu-24.04'] },
    comments: { scheduledStartStop: 'comment', deferredStop: 'comment' },
    idle: DEFAULT_IDLE_RULES,
    // The demo's developer is the issue's assignee and reporter; its client is known, so the story works.
    identity: {
      developers: [{ developer: request.developer, accountId: PEOPLE.developer.accountId, displayName: PEOPLE.developer.name, clients: 'any' }],
      knownClients: [request.client],
      allowNewClients: false,
    },
  };
}

type Envelope = { ok: true; data: unknown } | { ok: false; error: { code: string; message: string } };

export async function startStack(options: StackOptions): Promise<Stack> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch((e: unknown) => console.error('[preview] close:', e instanceof Error ? e.message : e));
    closers.length = 0;
  };
  try {
    return await build(options, closers, close);
  } catch (e) {
    await close();
    throw e;
  }
}

async function build(options: StackOptions, closers: (() => Promise<void>)[], close: () => Promise<void>): Promise<Stack> {
  // ---- AWS: an emulator, or the in-process stand-in on its own port.
  let standIn: AwsStandIn | undefined;
  let awsEnv: Record<string, string>;
  if (options.awsEndpointUrl) {
    awsEnv = {
      AWS_ENDPOINT_URL: options.awsEndpointUrl,
      AWS_REGION: process.env.AWS_REGION ?? 'eu-west-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
    };
  } else {
    standIn = await startAwsStandIn({ transitionSeconds: options.transitionSeconds ?? 3 });
    const s = standIn;
    closers.push(() => s.close());
    awsEnv = standIn.env();
  }
  const region = awsEnv.AWS_REGION as string;
  // Names the person gave for emulator resources, read before the defaults below are set.
  const given = Object.fromEntries(EMULATOR_VARIABLES.flatMap((k) => (process.env[k] ? [[k, process.env[k] as string]] : [])));
  const savedEnv = { ...process.env };
  closers.push(async () => {
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
    Object.assign(process.env, savedEnv);
  });
  Object.assign(process.env, awsEnv, { POWERTOOLS_LOG_LEVEL: options.lambdaLogLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN', POWERTOOLS_METRICS_DISABLED: 'true' });

  // Emulator mode: create (or find) what the stack would have, before anything uses it.
  const emulator = options.awsEndpointUrl ? await bootstrapEmulator({ given, ...(process.env.PREVIEW_AMI_ID ? { imageId: process.env.PREVIEW_AMI_ID } : {}) }) : undefined;

  // SDK clients are created after the environment is set, so they resolve AWS_ENDPOINT_URL from it.
  const { SecretsManagerClient, CreateSecretCommand, PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const { SSMClient, PutParameterCommand } = await import('@aws-sdk/client-ssm');
  const sm = new SecretsManagerClient({});
  const ssm = new SSMClient({});
  closers.push(async () => {
    sm.destroy();
    ssm.destroy();
  });
  const putSecret = async (name: string, value: string): Promise<string> => {
    try {
      return (await sm.send(new CreateSecretCommand({ Name: name, SecretString: value, Tags: [{ Key: 'ManagedBy', Value: MANAGED_BY }] }))).ARN as string;
    } catch (e) {
      if ((e as { name?: string }).name !== 'ResourceExistsException') throw e;
      return (await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }))).ARN as string;
    }
  };

  // ---- Databases: RDS-like masters on the local servers, their credentials as master secrets.
  const engines: EngineStatus[] =
    options.databases === false
      ? [
          { engine: 'postgres', enabled: false, reason: 'databases switched off' },
          { engine: 'mysql', enabled: false, reason: 'databases switched off' },
        ]
      : await Promise.all([preparePostgres(options.dbSuffix), prepareMysql(options.dbSuffix)]);
  const masterArns: Partial<Record<'postgres' | 'mysql', string>> = {};
  for (const e of engines) {
    if (!e.enabled) continue;
    const m = e.master;
    // As CDK's DatabaseSecret writes it.
    masterArns[e.engine] = await putSecret(`${SECRET_PREFIX}rds/${e.engine}-master-${options.dbSuffix}`, JSON.stringify({ username: m.username, password: m.password, engine: e.engine, host: m.host, port: m.port }));
  }

  const stateBucket = 'dev-vm-scheduler-state';
  const env = lambdaEnv(region, engines, masterArns, stateBucket, emulator, options.dbNamespace ?? '');
  Object.assign(process.env, env);
  const hmacSecret = randomBytes(32).toString('hex');
  await putSecret(HMAC_SECRET_NAME, hmacSecret);
  // The admin gives the stack the Lifecycle events URL (SSM parameter); unset, the notifier drops events.
  if (options.webtriggerUrl) await ssm.send(new PutParameterCommand({ Name: WEBTRIGGER_PARAMETER, Value: options.webtriggerUrl, Type: 'String', Overwrite: true }));

  // ---- The Lambdas, loaded now that their environment is in place.
  const lambdas = await loadLambdas();
  closers.push(async () => lambdas.destroy());

  // ---- The function URL in front of the VM API handler, with the app's own key pair.
  const appKeys = appKeyPair();
  const functionUrl = await startFunctionUrl({ handler: lambdas.vmApi, region, credentials: appKeys });
  closers.push(() => functionUrl.close());

  // ---- Forge: Jira site, KVS, queue; the real @forge packages talk to it.
  process.env.DEV_VM_SILENT_LOGS ??= '0';
  const forge = createForgeStandIn({ ...siteSeed(options.request), ...(options.webtriggerUrl ? { webtriggerUrl: options.webtriggerUrl } : {}) });
  closers.push(async () => forge.uninstall());
  const src = await import('../../src/index');
  const resolvers: Record<'panel' | 'admin' | 'fleet', ResolverHandler> = {
    panel: src.panelResolver as ResolverHandler,
    admin: src.adminResolver as ResolverHandler,
    fleet: src.fleetResolver as ResolverHandler,
  };

  const invoke = (functionKey: string, payload: unknown, viewer: Viewer): Promise<unknown> => {
    const prefix = functionKey.split('.')[0];
    if (prefix !== 'panel' && prefix !== 'admin' && prefix !== 'fleet') throw new Error(`no resolver for ${functionKey}`);
    const issueKey = prefix === 'panel' ? viewer.issueKey : undefined;
    const issueId = issueKey ? forge.jira.issues.get(issueKey)?.id : undefined;
    // The fleet page is the admin page (no project) or a project settings page (its project).
    const projectKey = prefix === 'fleet' ? viewer.projectKey : undefined;
    return forge.invokeResolver(resolvers[prefix], functionKey, payload, {
      accountId: viewer.accountId,
      ...(issueKey ? { issueKey } : {}),
      ...(issueId ? { issueId } : {}),
      ...(projectKey ? { projectKey } : {}),
    });
  };

  // ---- A made-up fleet for the fleet page (its issues in Jira, its month usage in the state object).
  if (options.fleet && standIn) {
    await seedFleet(standIn, forge.jira, { count: options.fleet, now: new Date(), stateBucket, stateKey: env.STATE_KEY ?? 'scheduler/state.json', statusId: STATUS.inUse });
  }

  // ---- The admin saves the settings through the real admin resolver, as on the admin page.
  const settings = settingsFor(functionUrl.url, region, options.onClose ?? 'stop', options.request);
  const saved = (await invoke('admin.save', { settings, secrets: { accessKeyId: appKeys.accessKeyId, secretAccessKey: appKeys.secretAccessKey, hmacSecret } }, { accountId: PEOPLE.admin.accountId })) as Envelope;
  if (!saved.ok) throw new Error(`admin.save refused the preview settings: ${saved.error.message}`);

  let changelogId = 10400;
  const drain = async (): Promise<number> => forge.drainQueue((e) => src.onQueueEvent({ ...e, body: e.body } as unknown));

  const transition = async (issueKey: string, toStatusId: string) => {
    const issue = forge.jira.issue(issueKey);
    const from = issue.statusId;
    const fromName = forge.jira.statuses.find((s) => s.id === from)?.name ?? from;
    const toName = forge.jira.statuses.find((s) => s.id === toStatusId)?.name;
    if (!toName) throw new Error(`unknown status ${toStatusId}`);
    if (from === toStatusId) return { from, to: toStatusId, queued: 0 };
    issue.statusId = toStatusId; // the person's click in Jira
    const event = {
      eventType: 'avi:jira:updated:issue',
      atlassianId: PEOPLE.developer.accountId,
      issue: { id: issue.id, key: issue.key, fields: { summary: String(issue.fields.summary ?? '') } },
      associatedUsers: [{ accountId: PEOPLE.developer.accountId }],
      changelog: { id: String(++changelogId), items: [{ field: 'status', fieldtype: 'jira', fieldId: 'status', from, fromString: fromName, to: toStatusId, toString: toName }] },
    };
    await forge.asInvocation(undefined, () => src.onIssueUpdated(event));
    const queued = forge.queue.length;
    await drain();
    return { from, to: toStatusId, queued };
  };

  const editField = async (issueKey: string, fieldId: string, value: unknown) => {
    const issue = forge.jira.issue(issueKey);
    const before = issue.fields[fieldId];
    const name = forge.jira.fields.find((f) => f.id === fieldId)?.name ?? fieldId;
    if (value === null || value === undefined) delete issue.fields[fieldId];
    else issue.fields[fieldId] = value; // the person's edit in Jira
    const text = (v: unknown) => (v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v));
    const event = {
      eventType: 'avi:jira:updated:issue',
      atlassianId: PEOPLE.developer.accountId,
      issue: { id: issue.id, key: issue.key, fields: { summary: String(issue.fields.summary ?? '') } },
      associatedUsers: [{ accountId: PEOPLE.developer.accountId }],
      changelog: { id: String(++changelogId), items: [{ field: name, fieldtype: 'custom', fieldId, from: null, fromString: text(before), to: null, toString: text(value) }] },
    };
    await forge.asInvocation(undefined, () => src.onIssueUpdated(event));
    await drain();
  };

  // ---- Lifecycle events → notifier (real deliver.ts) → the Lifecycle events URL over HTTP.
  let delivered = 0;
  let deliveredAws = 0;
  const teed: LifecycleEvent[] = [];
  const newEvents = (): EventBridgeEnvelope[] => {
    if (standIn) {
      const all = standIn.state.events.slice(delivered);
      delivered = standIn.state.events.length;
      // The stack's bus only: AWS's own events (default bus) go through deliverAwsEvents, and
      // connection tests through the pump below.
      return all.filter((e) => e.eventBusName !== DEFAULT_BUS && e.detailType !== CONNECTION_TEST_TYPE).map((e) => ({ source: e.source, 'detail-type': e.detailType, id: e.eventId, detail: e.detail }));
    }
    const all = teed.splice(0, teed.length);
    return all.map((e) => ({ source: 'dev-vm-for-jira', 'detail-type': e.type, id: e.id, detail: e }));
  };

  const deliverAwsEvents = async (): Promise<Delivery[]> => {
    if (!standIn) return [];
    standIn.advance(0);
    const all = standIn.state.events.slice(deliveredAws);
    deliveredAws = standIn.state.events.length;
    const rules = Object.values(AWS_EVENT_RULES);
    const out: Delivery[] = [];
    for (const e of all) {
      if (e.eventBusName !== DEFAULT_BUS) continue;
      const envelope = { source: e.source, 'detail-type': e.detailType, id: e.eventId, time: new Date(e.time).toISOString(), resources: e.resources, detail: e.detail };
      if (!rules.some((r) => matchesPattern(r, envelope))) continue;
      const what = { eventId: e.eventId, type: `${e.source}/${e.detailType}`, issueKey: '' };
      try {
        out.push({ ...what, result: await lambdas.notify(envelope) });
      } catch (err) {
        out.push({ ...what, result: { delivered: false, error: err instanceof Error ? err.message : String(err) } });
      }
    }
    return out;
  };

  // On AWS the bus rule invokes the notifier within a second; here lifecycle events wait for a
  // scheduler run (the preview's clock), but a connection test is answered while the admin's
  // request waits for it (infra-cdk/lambda/vm-api/test-event.ts), so those are delivered at once.
  if (standIn) {
    const aws = standIn;
    let pumped = aws.state.events.length;
    let busy = false;
    const pump = setInterval(() => {
      if (busy) return;
      busy = true;
      const fresh = aws.state.events.slice(pumped);
      pumped = aws.state.events.length;
      void (async () => {
        for (const e of fresh) {
          if (e.eventBusName === DEFAULT_BUS || e.detailType !== CONNECTION_TEST_TYPE) continue;
          await lambdas.notify({ source: e.source, 'detail-type': e.detailType, id: e.eventId, detail: e.detail }).catch((err: unknown) => console.error('[preview] connection test delivery:', err instanceof Error ? err.message : err));
        }
      })().finally(() => (busy = false));
    }, 200);
    closers.push(async () => clearInterval(pump));
  }

  const runScheduler = async (now: Date): Promise<SchedulerRun> => {
    standIn?.advance(0);
    const summary = await lambdas.reconcile(now, (events) => teed.push(...events));
    const deliveries: Delivery[] = [];
    for (const envelope of newEvents()) {
      const d = envelope.detail as Partial<LifecycleEvent>;
      try {
        deliveries.push({ eventId: String(d.id), type: String(d.type), issueKey: String(d.issueKey), result: await lambdas.notify(envelope) });
      } catch (e) {
        deliveries.push({ eventId: String(d.id), type: String(d.type), issueKey: String(d.issueKey), result: { delivered: false, error: e instanceof Error ? e.message : String(e) } });
      }
    }
    return { now: now.toISOString(), summary, deliveries };
  };

  const awsSnapshot: Stack['awsSnapshot'] = async () => {
    if (standIn) return standIn.snapshot();
    const list = await lambdas.listInstances();
    return {
      label: `AWS emulator at ${options.awsEndpointUrl}`,
      now: new Date().toISOString(),
      instances: list.map((i) => ({ instanceId: i.InstanceId ?? '', state: i.State?.Name ?? 'unknown', tags: Object.fromEntries((i.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])) })),
    };
  };

  return {
    awsLabel: standIn ? 'simulated AWS' : `AWS emulator at ${options.awsEndpointUrl}`,
    awsUrl: standIn ? `${standIn.url}${SNAPSHOT_PATH}` : (options.awsEndpointUrl as string),
    standIn,
    emulator,
    forge,
    functionUrl,
    engines,
    region,
    settings,
    invoke,
    transition,
    editField,
    runScheduler,
    deliverAwsEvents,
    webTrigger: (request) => forge.asInvocation(undefined, () => src.onLifecycleEvent(request)),
    awsSnapshot,
    close,
  };
}

interface Lambdas {
  vmApi: (event: import('aws-lambda').APIGatewayProxyEventV2) => Promise<import('aws-lambda').APIGatewayProxyStructuredResultV2>;
  reconcile(now: Date, onPublished: (events: LifecycleEvent[]) => void): Promise<SchedulerRun['summary']>;
  notify(envelope: EventBridgeEnvelope): Promise<DeliveryResult>;
  listInstances(): Promise<Instance[]>;
  destroy(): void;
}

/**
 * The three Lambdas. The VM API and the notifier are their REAL handler modules (loaded after the
 * environment is set, as a cold start would); the reconciler is run.ts wired as its handler.ts
 * wires it, except that the run gets the chosen `now` (handler.ts reads the clock itself).
 */
async function loadLambdas(): Promise<Lambdas> {
  const { loadEnv, ReconcilerEnv } = await import('../../infra-cdk/lambda/shared/env');
  const { RETRY_CONFIG, s3ClientConfig } = await import('../../infra-cdk/lambda/shared/clients');
  const { logger } = await import('../../infra-cdk/lambda/shared/powertools');
  const { EC2Client } = await import('@aws-sdk/client-ec2');
  const { S3Client } = await import('@aws-sdk/client-s3');
  const { EventBridgeClient } = await import('@aws-sdk/client-eventbridge');
  const { SSMClient } = await import('@aws-sdk/client-ssm');
  const { CloudWatchClient } = await import('@aws-sdk/client-cloudwatch');
  const { Ec2Gateway } = await import('../../infra-cdk/lambda/shared/ec2');
  const { runReconciler } = await import('../../infra-cdk/lambda/reconciler/run');
  const { reconcilerDeps } = await import('../../infra-cdk/lambda/reconciler/wiring');
  const vmApi = (await import('../../infra-cdk/lambda/vm-api/handler')).handler;
  const notifier = (await import('../../infra-cdk/lambda/notifier/handler')).handler;

  // Reconciler (reconciler/handler.ts)
  const recEnv = loadEnv(ReconcilerEnv);
  const ec2 = new EC2Client({ ...RETRY_CONFIG });
  // Path-style, as the handlers use it with an emulator: a hostname endpoint has no per-bucket DNS names.
  const s3 = new S3Client({ ...s3ClientConfig(), forcePathStyle: true });
  const eventBridge = new EventBridgeClient({ ...RETRY_CONFIG });
  const ssm = new SSMClient({ ...RETRY_CONFIG });
  const cloudWatch = new CloudWatchClient({ ...RETRY_CONFIG });
  const fleet = () => new Ec2Gateway(ec2, recEnv.MANAGED_BY);
  const reconcile = async (now: Date, onPublished: (events: LifecycleEvent[]) => void) =>
    runReconciler(
      reconcilerDeps(recEnv, { ec2, s3, eventBridge, ssm, cloudWatch }, logger, { count: () => undefined, milliseconds: () => undefined }, (publisher) => ({
        publish: async (events) => {
          const r = await publisher.publish(events);
          const failed = new Set(r.failed.map((f) => f.id));
          onPublished(events.filter((e) => !failed.has(e.id)));
          return r;
        },
      })),
      now,
    );

  const notify = (envelope: EventBridgeEnvelope) => notifier(envelope);

  return {
    vmApi,
    reconcile,
    notify,
    listInstances: () => fleet().listManaged(),
    destroy: () => {
      for (const c of [ec2, s3, eventBridge]) c.destroy();
    },
  };
}

export { PEOPLE, STATUS };
