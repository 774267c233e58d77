/**
 * A login's catch-up boundary: the id that splits what reaches a new login live from what its catch-up delivers
 * (docs/DATA_MODEL.md, "Why nothing is missed"). AUTH takes it (shared/login/bind.ts); the catch-up delivers up to it
 * (shared/delivery/catchup.ts). Its own file, so a login loads the rule without the catch-up.
 */

/**
 * How far ahead of the moment its copies were written a login's boundary lies: the most two Lambda containers'
 * clocks may disagree (Amazon Time Sync keeps them far closer), so a message stored by another container after the
 * copies existed never carries an id below the boundary. For the same reason the catch-up counts as reached only the
 * ids this far behind its own clock.
 */
export const BOUNDARY_LEAD_MS = 1000;
