import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface JobQueueProps {
  /** The worker's timeout: SQS hides a received job six times as long (AWS's guidance for Lambda consumers). */
  readonly workerTimeout: Duration;
  readonly removalPolicy: 'retain' | 'destroy';
}

/** Tries before a job is parked in the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;

/**
 * The job queue between the request handlers and the job worker (large groups' pages and signals, offline delivery
 * after AUTH, group deletions, account clean-ups), with its dead-letter queue. Jobs live four days; parked jobs
 * fourteen, long enough to look at and redrive.
 */
export class JobQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: JobQueueProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const common = { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, removalPolicy };

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      ...common,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This is the dead-letter queue of the job queue; a dead-letter queue of its own would only move it.',
    });

    this.queue = new sqs.Queue(this, 'Jobs', {
      ...common,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(props.workerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
  }
}
