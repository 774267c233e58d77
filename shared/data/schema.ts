/**
 * The one table's definition. The local runtime creates the table from it and the CDK stack declares it from it,
 * so the two can never drift. docs/DATA_MODEL.md explains every item kind stored in it.
 */

export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB TTL removes expired items, and readers never trust one past its time. */
  ttlAttribute: 'expiresAt',
} as const;

/** The CreateTable input for engines the app creates the table in itself (dynalite, DynamoDB Local, moto, LocalStack). */
export function createTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: TABLE_SCHEMA.partitionKey, AttributeType: 'S' as const },
      { AttributeName: TABLE_SCHEMA.sortKey, AttributeType: 'S' as const },
    ],
    KeySchema: [
      { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' as const },
    ],
  };
}
