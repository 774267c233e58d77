/** S3 ObjectCreated on `uploads/` — delivers each uploaded file to its recipients (see shared/files/arrival.ts). */
import type { Context, S3Event } from 'aws-lambda';
import { fileArrived } from '../shared/files/arrival.js';
// A 410 met by a push runs the departure (shared/login/): this entry pushes, so it loads the login room's wiring.
import '../shared/login/index.js';
import { log } from '../shared/log.js';
import { flushMetrics } from '../shared/metrics.js';
import { callbackUrl } from '../shared/push/client.js';

/** S3 event keys are URL-encoded, with `+` for spaces. */
function decodeKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

export async function handler(event: S3Event, context?: Pick<Context, 'awsRequestId'>): Promise<void> {
  const endpoint = callbackUrl(undefined, undefined);
  try {
    for (const record of event.Records) {
      const key = decodeKey(record.s3.object.key);
      const outcome = await fileArrived(key, record.s3.object.size, endpoint, Date.now());
      log.info('upload handled', { key, outcome });
    }
  } finally {
    flushMetrics({ requestId: context?.awsRequestId });
  }
}
