/**
 * EC2's reasons for an instance's last state change, in words a developer understands. EC2 gives
 * either `StateReason.Message` ("Client.UserInitiatedShutdown: User initiated shutdown"), its bare
 * code, or `StateTransitionReason` ("User initiated (2026-11-30 10:00:00 GMT)"). The codes and
 * their meaning are AWS's: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_StateReason.html
 * The raw text stays in the logs; pages and comments show this.
 */
const BY_CODE: Readonly<Record<string, string>> = {
  'Server.InsufficientInstanceCapacity': 'AWS had no capacity for this instance type in the zone; try again later or choose another type',
  'Server.InternalError': 'an internal error at AWS stopped the launch',
  'Server.ScheduledStop': 'AWS stopped it for a scheduled retirement of the underlying hardware',
  'Server.SpotInstanceShutdown': 'AWS reclaimed the Spot capacity',
  'Server.SpotInstanceTermination': 'AWS reclaimed the Spot capacity',
  'Client.InstanceInitiatedShutdown': 'shut down from inside the VM (shutdown or poweroff)',
  'Client.InstanceTerminated': 'terminated while an image was made from it',
  'Client.InternalError': 'the launch failed (often an encrypted volume whose key the VM may not use)',
  'Client.InvalidSnapshot.NotFound': 'the launch failed: a disk snapshot of the image no longer exists',
  'Client.UserInitiatedHibernate': 'hibernated by a user',
  'Client.UserInitiatedShutdown': 'stopped by a user or the schedule',
  'Client.VolumeLimitExceeded': 'the launch failed: the account reached its EBS volume or storage limit',
};

const CODE = /^((?:Server|Client)\.[A-Za-z.]+?)(?::\s*(.*))?$/;
const TRANSITION = /^User initiated(?: \((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) GMT\))?$/;

/**
 * A sentence fragment (no trailing period) for a raw EC2 reason; undefined for an empty one. The
 * bare "User initiated" transition reason does not say which way; the VM's current state does.
 */
export function describeStateReason(raw: string | undefined, state?: string): string | undefined {
  const text = raw?.trim();
  if (!text) return undefined;
  const code = CODE.exec(text);
  if (code?.[1]) {
    // EC2 gives a terminate the same code as a stop.
    if (code[1] === 'Client.UserInitiatedShutdown' && (state === 'shutting-down' || state === 'terminated')) return 'terminated by a user or the app';
    const known = BY_CODE[code[1]];
    if (known) return known;
    // An unknown code: AWS's own message, without the code's jargon.
    return code[2]?.trim() ? `AWS reported: ${code[2].trim()}` : `AWS reported ${code[1]}`;
  }
  if (TRANSITION.test(text)) {
    if (state === 'stopping' || state === 'stopped') return 'stopped by a user or the schedule';
    if (state === 'shutting-down' || state === 'terminated') return 'terminated by a user or the app';
    return 'started or stopped by a user or the schedule';
  }
  return text;
}
