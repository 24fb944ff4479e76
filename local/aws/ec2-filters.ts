import { AwsError } from './protocol';
import { INSTANCE_STATE_CODE, type Ec2Instance } from './state';

/**
 * DescribeInstances' filters: the one implementation of EC2's filter semantics in the local
 * platform. The wire stand-in (ec2.ts) applies them to its state, which every test of the
 * Lambdas reaches over HTTP; `matchesFilters` states the semantics for test/local/ec2-filters.test.ts.
 * Names and semantics:
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html
 */

/** One `Filter.N` of a request. */
export interface Ec2Filter {
  readonly name: string;
  readonly values: readonly string[];
}

/** The instance fields a filter can look at: identity, state and tags always, the rest when known. */
export type FilterableInstance = Pick<Ec2Instance, 'instanceId' | 'state' | 'tags'> &
  Partial<Pick<Ec2Instance, 'instanceType' | 'imageId' | 'subnetId' | 'vpcId' | 'availabilityZone' | 'privateIpAddress' | 'reservationId' | 'clientToken' | 'iamInstanceProfileArn'>>;

type InstanceFilter = (i: FilterableInstance) => boolean;

/** EC2 filter values accept `*` and `?` wildcards. */
function globMatcher(values: readonly string[]): (s: string | undefined) => boolean {
  const res = values.map((v) => new RegExp(`^${v.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's'));
  return (s) => s !== undefined && res.some((r) => r.test(s));
}

const FIELDS: Readonly<Record<string, (i: FilterableInstance) => string | undefined>> = {
  'instance-id': (i) => i.instanceId,
  'instance-state-name': (i) => i.state,
  'instance-state-code': (i) => String(INSTANCE_STATE_CODE[i.state]),
  'instance-type': (i) => i.instanceType,
  'image-id': (i) => i.imageId,
  'subnet-id': (i) => i.subnetId,
  'vpc-id': (i) => i.vpcId,
  'availability-zone': (i) => i.availabilityZone,
  'private-ip-address': (i) => i.privateIpAddress,
  'reservation-id': (i) => i.reservationId,
  'client-token': (i) => i.clientToken,
  'iam-instance-profile.arn': (i) => i.iamInstanceProfileArn,
};

/** The predicate of one filter; an unknown filter name fails as EC2 answers it. */
export function instanceFilter(f: Ec2Filter): InstanceFilter {
  const match = globMatcher(f.values);
  if (f.name.startsWith('tag:')) {
    const key = f.name.slice(4);
    return (i) => match(i.tags.get(key));
  }
  if (f.name === 'tag-key') return (i) => [...i.tags.keys()].some((k) => match(k));
  if (f.name === 'tag-value') return (i) => [...i.tags.values()].some((v) => match(v));
  const get = FIELDS[f.name];
  if (!get) throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
  return (i) => match(get(i));
}

/** True when the instance passes every filter (EC2 ANDs filters and ORs the values of one). */
export function matchesFilters(i: FilterableInstance, filters: readonly Ec2Filter[]): boolean {
  return filters.every((f) => instanceFilter(f)(i));
}
