/**
 * A name and its key are two words for two things (docs/DATA_MODEL.md, "Names and keys"): a username or group name
 * is spelled as its owner chose it and is what the protocol shows; its key is the lower-case form every item is
 * stored under, so `Alice` and `alice` are one account, one group. The brands let the compiler tell them apart:
 * a plain string (a name) is not a key until it goes through userKeyOf / groupKeyOf.
 */

/** A user's key: the lower-case username, as stored (`USER#<key>`). */
export type UserKey = string & { readonly __brand: 'UserKey' };

/** A group's key: the lower-case group name, as stored (`GROUP#<key>`). */
export type GroupKey = string & { readonly __brand: 'GroupKey' };

/** The key of a username (keys are case-insensitive). */
export function userKeyOf(username: string): UserKey {
  return username.toLowerCase() as UserKey;
}

/** The key of a group name (keys are case-insensitive). */
export function groupKeyOf(name: string): GroupKey {
  return name.toLowerCase() as GroupKey;
}
