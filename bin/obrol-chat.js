#!/usr/bin/env node
// The `obrol-chat` command: runs the TypeScript terminal client (cli/obrol-chat.ts) in this process through the
// project's own tsx, so stdin stays the terminal (hidden password input works). Needs Node 22+ (global WebSocket).
import { register } from 'tsx/esm/api';

register();
await import('../cli/obrol-chat.ts');
