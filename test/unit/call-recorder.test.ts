/** How the deploy rehearsal's recorder (local/call-recorder.ts) names a request as IAM authorizes it. */
import { describe, expect, it } from 'vitest';
import { dynamoCalls, s3Calls } from '../../local/call-recorder.js';
import { grantResource } from '../support/iam-check.js';

const arnOfTable = (name: string) => `arn:aws:dynamodb:us-east-1:123456789012:table/${name}`;
const TABLE = arnOfTable('obrol');
const TLS = { 'aws:SecureTransport': 'true' };

describe('DynamoDB requests', () => {
  it('name the partition keys an item request touches as dynamodb:LeadingKeys', () => {
    expect(dynamoCalls('PutItem', { TableName: 'obrol', Item: { pk: { S: 'USER#a' } } }, arnOfTable)).toEqual(
      [
        {
          action: 'dynamodb:PutItem',
          resource: TABLE,
          context: { ...TLS, 'dynamodb:LeadingKeys': ['USER#a'] },
        },
      ],
    );
    expect(
      dynamoCalls(
        'GetItem',
        { TableName: 'obrol', Key: { pk: { S: 'CONN#1' }, sk: { S: 'x' } } },
        arnOfTable,
      ),
    ).toEqual([
      {
        action: 'dynamodb:GetItem',
        resource: TABLE,
        context: { ...TLS, 'dynamodb:LeadingKeys': ['CONN#1'] },
      },
    ]);
  });

  it("take a query's partition key from its key condition, through attribute names", () => {
    const [call] = dynamoCalls(
      'Query',
      {
        TableName: 'obrol',
        KeyConditionExpression: '#p = :p AND begins_with(sk, :s)',
        ExpressionAttributeNames: { '#p': 'pk' },
        ExpressionAttributeValues: { ':p': { S: 'GROUP#g' }, ':s': { S: 'MEMBER#' } },
      },
      arnOfTable,
    );
    expect(call?.context['dynamodb:LeadingKeys']).toEqual(['GROUP#g']);
    const [indexed] = dynamoCalls('Query', { TableName: 'obrol', IndexName: 'byUser' }, arnOfTable);
    expect(indexed?.resource).toBe(`${TABLE}/index/byUser`);
    expect(indexed?.context).toEqual(TLS);
  });

  it('authorize a batch per table and a transaction item by item, as its own action', () => {
    expect(
      dynamoCalls(
        'BatchWriteItem',
        {
          RequestItems: {
            obrol: [
              { PutRequest: { Item: { pk: { S: 'A' } } } },
              { DeleteRequest: { Key: { pk: { S: 'B' } } } },
            ],
          },
        },
        arnOfTable,
      ),
    ).toEqual([
      {
        action: 'dynamodb:BatchWriteItem',
        resource: TABLE,
        context: { ...TLS, 'dynamodb:LeadingKeys': ['A', 'B'] },
      },
    ]);
    const calls = dynamoCalls(
      'TransactWriteItems',
      {
        TransactItems: [
          { ConditionCheck: { TableName: 'obrol', Key: { pk: { S: 'A' } } } },
          { Put: { TableName: 'obrol', Item: { pk: { S: 'B' } } } },
          { Delete: { TableName: 'other', Key: { pk: { S: 'C' } } } },
        ],
      },
      arnOfTable,
    );
    expect(calls.map((c) => `${c.action} ${c.resource}`)).toEqual([
      `dynamodb:ConditionCheckItem ${TABLE}`,
      `dynamodb:PutItem ${TABLE}`,
      `dynamodb:DeleteItem ${arnOfTable('other')}`,
    ]);
  });
});

describe('S3 requests', () => {
  const object = (key: string) => `arn:aws:s3:::obrol-files/${key}`;
  const actions = (...args: Parameters<typeof s3Calls>) =>
    s3Calls(...args).map((c) => `${c.action} ${c.resource}`);

  it('need s3:GetObject to read or HEAD an object, presigned or not', () => {
    expect(actions('GET', '/obrol-files/files/a/b.txt', {})).toEqual([
      `s3:GetObject ${object('files/a/b.txt')}`,
    ]);
    expect(actions('HEAD', '/obrol-files/files/a/b%20c.txt', {})).toEqual([
      `s3:GetObject ${object('files/a/b c.txt')}`,
    ]);
    expect(actions('GET', '/obrol-files/files/x?X-Amz-Credential=k&X-Amz-Signature=s', {})).toEqual([
      `s3:GetObject ${object('files/x')}`,
    ]);
  });

  it('need s3:PutObject on the copy and s3:GetObject on its source for a CopyObject', () => {
    expect(
      actions('PUT', '/obrol-files/files/1/a.bin?x-id=CopyObject', {
        'x-amz-copy-source': '/obrol-files/uploads/1/a.bin',
      }),
    ).toEqual([`s3:PutObject ${object('files/1/a.bin')}`, `s3:GetObject ${object('uploads/1/a.bin')}`]);
  });

  it('name the form key of a signed POST, each key of a multi-delete, and the prefix of a listing', () => {
    expect(actions('POST', '/obrol-files', {}, 'uploads/1/v.mp4')).toEqual([
      `s3:PutObject ${object('uploads/1/v.mp4')}`,
    ]);
    expect(actions('POST', '/obrol-files?delete', {}, undefined, ['files/1', 'files/2'])).toEqual([
      `s3:DeleteObject ${object('files/1')}`,
      `s3:DeleteObject ${object('files/2')}`,
    ]);
    expect(s3Calls('GET', '/obrol-files?list-type=2&prefix=files%2F', {})).toEqual([
      {
        action: 's3:ListBucket',
        resource: 'arn:aws:s3:::obrol-files',
        context: { ...TLS, 's3:prefix': 'files/' },
      },
    ]);
    expect(actions('DELETE', '/obrol-files/files/1', {})).toEqual([`s3:DeleteObject ${object('files/1')}`]);
  });
});

describe('the missing statement of a denial', () => {
  it('names the key prefix, the stage and method of @connections, or the resource itself', () => {
    expect(grantResource('arn:aws:s3:::obrol-files/uploads/01H/v.mp4')).toBe(
      'arn:aws:s3:::obrol-files/uploads/*',
    );
    expect(grantResource('arn:aws:execute-api:us-east-1:123456789012:api1/prod/POST/@connections/abc=')).toBe(
      'arn:aws:execute-api:us-east-1:123456789012:api1/prod/POST/@connections/*',
    );
    expect(grantResource(TABLE)).toBe(TABLE);
  });
});
