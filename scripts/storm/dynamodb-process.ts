/**
 * The storm's local DynamoDB (dynalite, through local/aws/dynamodb.ts) in a process of its own, so
 * that its work does not slow the gateway and the load generator in the parent. Sends
 * `{ endpoint }` over IPC once listening; exits when the IPC channel closes.
 */
import { createLocalDynamoDb } from '../../local/aws/dynamodb';

const local = createLocalDynamoDb();
const { endpoint } = await local.start(0);
process.on('disconnect', () => {
  local.stop().finally(() => process.exit(0));
});
process.send?.({ endpoint });
