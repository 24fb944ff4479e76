import { performance } from 'node:perf_hooks';
import { CreateTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { OS_IDS } from '../../src/contract/vm-api';
import { firstBootSteps } from '../../src/domain/user-data';
import { adfToText } from '../preview/adf-text';
import { startPreview } from '../preview/server';
import { ISSUE, STATUS } from '../preview/site';

/**
 * Issue 13, item 5, modelled: the preview's wiring (simulated AWS, real VM API, notifier and web
 * trigger) with NO reconciler run. Counts reconciler runs between "instance running" and the
 * comments (the target is zero intervals: before, the connection comment waited for the next run,
 * up to 5 minutes), and times the local path from the VM's ready tag to the posted comment (on AWS
 * add EventBridge's delivery, seconds). Also the first-boot steps with and without a golden image.
 */
export interface ReadyBench {
  reconcilerRunsBeforeRunningNotice: number;
  reconcilerRunsBeforeReadyComment: number;
  readyTagToCommentMs: number;
  steps: { os: string; plain: number; golden: number }[];
}

export async function benchReady(): Promise<ReadyBench> {
  process.env.DEV_VM_SILENT_LOGS = '1';
  const preview = await startPreview({
    port: 0,
    pages: false,
    databases: false,
    dbSuffix: 'bench',
    transitionSeconds: 0,
    lambdaLogLevel: 'SILENT',
    request: { client: 'acme-corp', developer: 'jdoe', instanceType: 't3.large', os: 'ubuntu-24.04', start: '08:00', stop: '18:00', timezone: 'UTC', days: ['MON', 'TUE', 'WED', 'THU', 'FRI'] },
  });
  const ec2 = new EC2Client({});
  try {
    const { stack } = preview;
    // Every reconciler run reads its state file (S3 GetObject): its runs show there.
    const reconcilerRuns = () => (stack.standIn?.state.calls ?? []).filter((c) => c.service === 's3' && c.operation === 'GetObject').length;
    const comments = () => stack.forge.jira.commentsOn(ISSUE.key).map((c) => adfToText(c.body));
    await stack.transition(ISSUE.key, STATUS.ready);
    const id = (stack.forge.jira.property(ISSUE.key, 'dev-vm') as { vm?: { id: string } }).vm?.id as string;
    await stack.deliverAwsEvents();
    if (!/first boot/.test(comments().at(-1) ?? '')) throw new Error('no first-boot notice after the running event');
    const runsAtRunning = reconcilerRuns();
    const t0 = performance.now();
    await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'DevVmBootStatus', Value: 'ready' }] }));
    await stack.deliverAwsEvents();
    const ms = performance.now() - t0;
    if (!/^Your dev VM is ready/.test(comments().at(-1) ?? '')) throw new Error('no ready comment after the ready signal');
    return {
      reconcilerRunsBeforeRunningNotice: runsAtRunning,
      reconcilerRunsBeforeReadyComment: reconcilerRuns(),
      readyTagToCommentMs: ms,
      steps: OS_IDS.map((os) => {
        const input = { os, developer: 'jdoe', uid: 20000, gid: 20000, fileSystemId: 'fs-0123456789abcdef0', accessPointId: 'fsap-0123456789abcdef0', region: 'eu-west-1', secretName: 's', databases: [] };
        return { os, plain: firstBootSteps(input).length, golden: firstBootSteps(input, 'golden').length };
      }),
    };
  } finally {
    ec2.destroy();
    await preview.close();
  }
}

// `npm run bench` runs this file in a process of its own and reads the last line.
if (require.main === module) {
  benchReady().then(
    (r) => console.log(JSON.stringify(r)),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
