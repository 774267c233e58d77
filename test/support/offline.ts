/**
 * The dispatcher of an in-process handler whose every DynamoDB call fails as an unreachable engine would: for unit
 * tests of what the dispatch table answers and records when AWS is down. Import it before any shared/ module, so
 * the settings below are what shared/config.ts reads.
 */
process.env.AWS_REGION = 'us-east-1';
process.env.TABLE_NAME = 'unit';
process.env.AWS_ACCESS_KEY_ID = 'unit';
process.env.AWS_SECRET_ACCESS_KEY = 'unit';
process.env.OBROL_LOG = 'silent';

export async function offlineDispatcher() {
  const { dynamo } = await import('../../shared/data/client.js');
  dynamo.middlewareStack.add(
    () => async () => {
      throw Object.assign(new Error('engine unreachable'), { name: 'NetworkingError' });
    },
    { step: 'initialize', name: 'offline' },
  );
  const { dispatch } = await import('../../shared/commands/index.js');
  const { createContext } = await import('../../shared/commands/context.js');
  return { dispatch, createContext };
}
