/**
 * The bucket's two key prefixes, named once for the code (shared/files, the local runtime) and the stack (the
 * upload notification filter, the uploads lifecycle rule, the per-prefix IAM grants) alike. Ground floor: this
 * module imports nothing, so infra/ can import it without pulling in the handlers' configuration.
 */

/**
 * Where presigned POST uploads land; an ObjectCreated event under it starts file delivery, which seals the upload
 * (copies it to files/) so a form posted again cannot change a delivered file. Originals expire after a day.
 */
export const UPLOADS_PREFIX = 'uploads/';

/** Where delivered files live, immutable (inline writes and sealed uploads); presigned GET links point here. */
export const FILES_PREFIX = 'files/';
