import { Tag } from '../../../src/contract/tags';

/**
 * Every tag key the VM API may set when it launches a VM (RunInstances TagSpecifications, on the
 * instance and its volumes). The launch policy (infra-cdk/lib/iam/vm-launch.ts) allows exactly
 * these keys, so a request with any other key is refused by IAM; test/lambda/vm-api checks that
 * the tags provision.ts builds stay within this list.
 */
export const LAUNCH_TAG_KEYS = [
  Tag.Name,
  Tag.ClientName,
  Tag.DeveloperName,
  Tag.Environment,
  Tag.Timezone,
  Tag.AutoDays,
  Tag.AutoSchedule,
  Tag.AutoStart,
  Tag.AutoStop,
  Tag.JiraIssue,
  Tag.ManagedBy,
  Tag.CreatedAt,
  Tag.IdempotencyKey,
  Tag.Os,
  Tag.CostCenter,
] as const;

/** Tag keys of a developer's EFS access point: set at creation; CostCenter is also updated later (TagResource). */
export const ACCESS_POINT_TAG_KEYS = [Tag.Name, Tag.DeveloperName, Tag.ManagedBy, Tag.CostCenter] as const;
