/**
 * Card numbers (PANs) must never be stored, logged or sent anywhere by Fleetdesk.
 * This guard recognises a PAN-shaped digit run (13–19 digits, optionally split by
 * spaces or dashes) that passes the Luhn check, so free text (notes, reasons) and
 * tokens can be refused before they reach any storage.
 */
// Whole digit runs (no upper bound): capping the match at 19 digits split longer runs
// and hid a PAN that straddled the cut, e.g. "10000 4111 1111 1111 1111".
const PAN_CANDIDATE = /\d(?:[ -]?\d){12,}/g;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/**
 * True when the text contains something that could be a real card number.
 *
 * A PAN written with separators starts and ends on a group boundary, so for a
 * run like "10000 4111 1111 1111 1111" every sequence of whole groups totalling
 * 13–19 digits is checked; an unbroken run longer than 16 digits is checked
 * window by window. Checking every 13–19-digit window of an ordinary 16-digit
 * run instead would flag well over half of all reference numbers (one Luhn
 * check passes 1 in 10), and agents could not write order or tracking numbers.
 */
export function containsCardNumber(text: string): boolean {
  for (const match of text.matchAll(PAN_CANDIDATE)) {
    const groups = match[0].split(/[ -]/);
    for (let first = 0; first < groups.length; first += 1) {
      let digits = '';
      for (let last = first; last < groups.length && digits.length < 19; last += 1) {
        digits += groups[last] ?? '';
        if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) return true;
      }
    }
    // Longer than the usual 16-digit PAN and unbroken: a PAN may be glued to other digits.
    for (const group of groups) if (group.length > 16 && anyWindowValid(group)) return true;
  }
  return false;
}

function anyWindowValid(digits: string): boolean {
  for (let len = 13; len <= 19; len += 1) {
    for (let start = 0; start + len <= digits.length; start += 1) {
      if (luhnValid(digits.slice(start, start + len))) return true;
    }
  }
  return false;
}

// A 3–4 digit number right after a name for the card's security code ("cvv 123",
// "CVC2: 1234", "security code is 123"). A bare 3-digit number is not enough: house
// numbers, amounts and times are everywhere in notes; with the label it is a CVV.
const SECURITY_CODE =
  /\b(?:cvv2?|cvc2?|csc|(?:card\s+)?(?:security|verification)\s+(?:code|number))\b[\s:=#.-]*(?:(?:is|was|of)\s+)?\d{3,4}(?!\d)/i;

/** True when the text contains a card security code (CVV/CVC) given with its label. */
export function containsCardSecurityCode(text: string): boolean {
  return SECURITY_CODE.test(text);
}

/** What kind of card data a text holds, if any: the one check every boundary uses. */
export type CardDataKind = 'card-number' | 'security-code';

/** The first kind of card data found in `text`, or null. */
export function findCardData(text: string): CardDataKind | null {
  if (containsCardNumber(text)) return 'card-number';
  if (containsCardSecurityCode(text)) return 'security-code';
  return null;
}
