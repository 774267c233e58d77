declare module 's3rver' {
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    configureBuckets?: { name: string; configs?: unknown[] }[];
  }
  export default class S3rver {
    constructor(options?: S3rverOptions);
    run(): Promise<AddressInfo>;
    /** Listens on a Unix socket path (run() would listen on address and port). */
    listen(path: string): Promise<import('node:http').Server>;
    httpServer: import('node:http').Server | undefined;
    close(): Promise<void>;
  }
}

declare module 's3rver/lib/stores/filesystem.js' {
  /** s3rver's file store; local/s3-store.ts replaces its key mapping and its object write. */
  const FilesystemStore: unknown;
  export default FilesystemStore;
}

declare module 's3rver/lib/models/account.js' {
  /** s3rver's accounts: which access keys it knows (it checks that a key exists, not the V4 signature). */
  interface Account {
    createKeyPair(accessKeyId: string, secretAccessKey: string): void;
    revokeAccessKey(accessKeyId: string): void;
  }
  const AWSAccount: { DUMMY_ACCOUNT: Account };
  export default AWSAccount;
}
