/** EC2 instance state names (DescribeInstances `State.Name`). */
export const EC2_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'] as const;
export type Ec2State = (typeof EC2_STATES)[number];

const KNOWN: ReadonlySet<string> = new Set(EC2_STATES);
export const isEc2State = (s: string): s is Ec2State => KNOWN.has(s);

/** Going or gone: nothing is scheduled for it any more. */
export const isGone = (s: Ec2State): boolean => s === 'shutting-down' || s === 'terminated';
/** Up or coming up: it costs compute. */
export const isRunningLike = (s: Ec2State): boolean => s === 'pending' || s === 'running';
