import { Duration } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { secureBucket } from './storage';

export interface AuditTrailProps {
  readonly accessLogsBucket: s3.IBucket;
}

/**
 * A multi-region CloudTrail trail of management events, so every start/stop/terminate, role
 * creation and session is attributable. The first copy of management events is free; the cost is
 * the S3 storage, kept down by moving logs to Glacier Instant Retrieval after 90 days and
 * deleting them after 400 (over a year, for yearly audits).
 */
export class AuditTrail extends Construct {
  readonly trail: cloudtrail.Trail;
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    this.bucket = secureBucket(this, 'Logs', {
      accessLogs: props.accessLogsBucket,
      versioned: true,
      lifecycleRules: [
        {
          id: 'archive-then-expire-trail-logs',
          transitions: [{ storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) }],
          expiration: Duration.days(400),
          noncurrentVersionExpiration: Duration.days(30),
        },
      ],
    });
    this.trail = new cloudtrail.Trail(this, 'Trail', {
      bucket: this.bucket,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableFileValidation: true,
      managementEvents: cloudtrail.ReadWriteType.ALL,
    });
  }
}
