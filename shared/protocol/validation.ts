/** The shapes the contract allows for names and texts; docs/PROTOCOL.md states the same bounds. */
import { charLength } from './codec.js';

export const LIMITS = {
  usernameMin: 3,
  usernameMax: 32,
  passwordMin: 8,
  passwordMax: 128,
  countryMax: 64,
  nameMax: 100,
  groupNameMax: 64,
  messageMax: 4096,
} as const;

const NAME_CHARS = /^[A-Za-z0-9_.-]+$/;

export function isUsername(value: string): boolean {
  return value.length >= LIMITS.usernameMin && value.length <= LIMITS.usernameMax && NAME_CHARS.test(value);
}

export function isGroupName(value: string): boolean {
  return value.length >= 1 && value.length <= LIMITS.groupNameMax && NAME_CHARS.test(value);
}

export function isPassword(value: string): boolean {
  const n = charLength(value);
  return n >= LIMITS.passwordMin && n <= LIMITS.passwordMax && !/\s/.test(value);
}

export function isCountry(value: string): boolean {
  const n = charLength(value);
  return n >= 1 && n <= LIMITS.countryMax && !/[\s\p{Cc}]/u.test(value);
}

/** Control characters other than tab, CR and LF (C0 and DEL), which free text may not hold. */
function hasForbiddenControl(value: string): boolean {
  // Stryker disable next-line EqualityOperator: charCodeAt past the end is NaN, which no comparison below accepts.
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f) return true;
  }
  return false;
}

/** Free text (a display name or a message): bounded, and no control characters other than tab, CR and LF. */
export function isText(value: string, max: number): boolean {
  const n = charLength(value);
  return n >= 1 && n <= max && !hasForbiddenControl(value);
}

/** A message id as the service makes them (shared/ids.ts): 26 characters of Crockford base32. */
export function isMessageId(value: string): boolean {
  return /^[0-9A-HJKMNP-TV-Z]{26}$/.test(value);
}
