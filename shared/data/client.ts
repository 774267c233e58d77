/**
 * The DynamoDB client, created once per container. Its endpoint comes from the SDK's standard
 * AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL when set (local engines, LocalStack, moto).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';

export const dynamo = new DynamoDBClient({ region: config.region });

export const db = DynamoDBDocumentClient.from(dynamo, {
  marshallOptions: { removeUndefinedValues: true },
});

export const TABLE = config.tableName;
