/**
 * The login room owns the login state machine and the departure: binding a connection to a user (AUTH), unbinding
 * it (LOGOUT), and what every end of a login does (the departure), including a connection found gone.
 *
 * The storage it changes is shared/data/connections.ts; every change of a binding is one conditional write on the
 * `version` it read, made while the change holds the connection's `lock` (docs/DATA_MODEL.md, "The login state
 * machine"). Loading this file hands every 410 the push primitive meets (shared/push/deliver.ts) to forgetConnection,
 * in the same invocation and awaited: every Lambda entry that pushes loads it.
 */
import { whenGone } from '../push/deliver.js';
import { forgetConnection } from './forget.js';

whenGone((connection) => forgetConnection(connection.connectionId, connection.user));

export { bindConnection, LoginRefused, type Settled } from './bind.js';
export { DEPARTURE_TTL_MS } from './depart.js';
export { forgetConnection } from './forget.js';
export { unbindConnection } from './unbind.js';
