/**
 * AWS list prices the cost figures use: on-demand, no free tier, no volume tiers beyond the first, us-east-1.
 *
 * Taken 2026-11-27 from the public price pages (and cross-checked against third-party summaries of them):
 * - API Gateway: https://aws.amazon.com/api-gateway/pricing/ (WebSocket APIs: messages metered in 32 KB
 *   increments, first 1 billion a month; connection minutes)
 * - Lambda: https://aws.amazon.com/lambda/pricing/ (Arm: first 7.5 billion GB-s a month; requests)
 * - DynamoDB: https://aws.amazon.com/dynamodb/pricing/on-demand/ (on-demand request units, Standard table
 *   class, after the November 2024 price cut)
 * - S3: https://aws.amazon.com/s3/pricing/ (S3 Standard requests)
 * Update the numbers and the date together when the pages change.
 */
export const PRICES = {
  region: 'us-east-1',
  takenOn: '2026-11-27',
  apiGateway: {
    /** USD per WebSocket message (sent or received, per 32 KB). */
    perMessage: 1.0 / 1e6,
    /** USD per connection minute. */
    perConnectionMinute: 0.25 / 1e6,
    messageIncrementBytes: 32 * 1024,
  },
  lambda: {
    /** USD per invocation. */
    perRequest: 0.2 / 1e6,
    /** USD per GB-second on arm64 (the stack deploys arm64). */
    perGbSecondArm: 0.0000133334,
  },
  dynamodb: {
    /** USD per write request unit (1 KB). */
    perWriteUnit: 0.625 / 1e6,
    /** USD per read request unit (4 KB strongly consistent, 8 KB eventually consistent). */
    perReadUnit: 0.125 / 1e6,
  },
  s3: {
    /** USD per PUT, COPY, POST or LIST request. */
    perPut: 0.005 / 1000,
    /** USD per GET (and other) request. */
    perGet: 0.0004 / 1000,
  },
} as const;
