/**
 * Deterministic extraction of customer profile fields from a chat message ("dribs and drabs"):
 * email, phone, name, US address parts, products/services of interest (matched against the
 * instance's own lists) and a contact preference. Patterns favour precision over recall: a missed
 * field is asked again by the agent, a wrong one pollutes the profile.
 */
import type { Insert, Refine } from "../_shared/runtime/schema.ts";

type ProfileColumn =
  | "customer_name"
  | "email"
  | "phone"
  | "address_street"
  | "address_city"
  | "address_state"
  | "address_zip"
  | "products_of_interest"
  | "services_of_interest"
  | "preferences";

/** What a message revealed, as public.profiles columns (chat/profile.ts stores them); only what was found is set. */
export type ProfileFields = Refine<{ [K in ProfileColumn]?: NonNullable<Insert<"profiles">[K]> }, {
  preferences?: Record<string, string>;
}>;

export interface Catalog {
  products?: readonly string[];
  services?: readonly string[];
}

const EMAIL = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/;

// Ten digits (US) with optional +1 and the usual separators, or an international +CC number.
const US_PHONE = /(?<![\d+])(?:\+?1[\s.-]?)?\(?([2-9]\d{2})\)?[\s.-]?(\d{3})[\s.-]?(\d{4})(?!\d)/;
const INTL_PHONE = /(?<!\d)\+([2-9]\d{0,2})[\s.-]?((?:\d[\s.-]?){6,12}\d)(?!\d)/;

const NAME_WORD = "[A-Za-z][A-Za-z'’-]*";
// "my name is jane doe" is explicit enough to accept any case; "I'm Jane" needs a capital, or
// "I'm looking for..." would become a name.
const EXPLICIT_NAME = new RegExp(
  `\\b(?:my name is|my name's|my name’s)\\s+(${NAME_WORD}(?:\\s+${NAME_WORD}){0,2})`,
  "i",
);
const INTRO_NAME = /\b(?:[Ii]'m|[Ii]’m|I am|[Tt]his is)\s+([A-Z][A-Za-z'’-]*(?:\s+[A-Z][A-Za-z'’-]*){0,2})/;
const NOT_NAMES = new Set([
  "a",
  "an",
  "the",
  "and",
  "or",
  "but",
  "not",
  "so",
  "very",
  "just",
  "here",
  "there",
  "interested",
  "looking",
  "calling",
  "writing",
  "trying",
  "wondering",
  "good",
  "fine",
  "great",
  "ok",
  "okay",
  "sorry",
  "happy",
  "glad",
  "new",
  "from",
  "in",
  "at",
  "with",
  "on",
  "still",
  "also",
  "really",
  "sure",
  "ready",
  "done",
  "back",
  "having",
  "i",
  "is",
  "my",
  "me",
  "to",
  "for",
  "of",
]);

const STREET_TYPES =
  "Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Ter|Parkway|Pkwy|Circle|Cir|Highway|Hwy|Square|Sq|Trail|Trl";
const STREET = new RegExp(
  `\\b(\\d{1,6}\\s+(?:[NSEW]\\.?\\s+)?(?:[A-Za-z0-9][A-Za-z0-9.'-]*\\s+){0,3}(?:${STREET_TYPES})\\b\\.?` +
    `(?:,?\\s+(?:Apt|Apartment|Suite|Ste|Unit|#)\\.?\\s*[A-Za-z0-9-]+)?)`,
  "i",
);

const STATES: Record<string, string> = {
  alabama: "AL",
  alaska: "AK",
  arizona: "AZ",
  arkansas: "AR",
  california: "CA",
  colorado: "CO",
  connecticut: "CT",
  delaware: "DE",
  "district of columbia": "DC",
  florida: "FL",
  georgia: "GA",
  hawaii: "HI",
  idaho: "ID",
  illinois: "IL",
  indiana: "IN",
  iowa: "IA",
  kansas: "KS",
  kentucky: "KY",
  louisiana: "LA",
  maine: "ME",
  maryland: "MD",
  massachusetts: "MA",
  michigan: "MI",
  minnesota: "MN",
  mississippi: "MS",
  missouri: "MO",
  montana: "MT",
  nebraska: "NE",
  nevada: "NV",
  "new hampshire": "NH",
  "new jersey": "NJ",
  "new mexico": "NM",
  "new york": "NY",
  "north carolina": "NC",
  "north dakota": "ND",
  ohio: "OH",
  oklahoma: "OK",
  oregon: "OR",
  pennsylvania: "PA",
  "rhode island": "RI",
  "south carolina": "SC",
  "south dakota": "SD",
  tennessee: "TN",
  texas: "TX",
  utah: "UT",
  vermont: "VT",
  virginia: "VA",
  washington: "WA",
  "west virginia": "WV",
  wisconsin: "WI",
  wyoming: "WY",
};
const STATE_CODES = new Set(Object.values(STATES));
// Capitalized as written in addresses ("New York", "District of Columbia"), longest first.
const STATE_NAMES = Object.keys(STATES)
  .sort((a, b) => b.length - a.length)
  .map((n) => n.replace(/\b(?!of\b)\w/g, (c) => c.toUpperCase()).replace(/ /g, "\\s+"))
  .join("|");
// "Austin, TX 78701", "Austin, Texas", "Portland OR 97201": a capitalized city, a state, an optional ZIP.
const CITY_STATE = new RegExp(
  `\\b([A-Z][A-Za-z.'-]*(?:\\s+[A-Z][A-Za-z.'-]*){0,2})(,?)\\s+(${
    [...STATE_CODES].join("|")
  }|${STATE_NAMES})\\b\\.?(?:,?\\s+(\\d{5}(?:-\\d{4})?))?(?!\\d)`,
);
const ZIP_LABELLED = /\bzip(?:\s*code)?(?:\s+is)?[:\s]+(\d{5}(?:-\d{4})?)\b/i;

const CONTACT_PREFERENCE = /\b(?:prefer(?:red)?|rather be|best)\b[^.!?]{0,30}?\b(email|e-mail|phone|call|text|sms)\b/i;

/** Fields found in one message; absent keys mean "not mentioned", never "cleared". */
export function extractProfile(text: string, catalog: Catalog = {}): ProfileFields {
  const out: ProfileFields = {};
  const email = EMAIL.exec(text)?.[0];
  if (email) out.email = email.toLowerCase();
  // Phone numbers are searched with the email removed, so digits in an address like 5551234567@x don't count twice.
  const phone = extractPhone(email ? text.replace(email, " ") : text);
  if (phone) out.phone = phone;
  const name = extractName(text);
  if (name) out.customer_name = name;
  Object.assign(out, extractAddress(text));
  const products = matchCatalog(text, catalog.products);
  if (products.length) out.products_of_interest = products;
  const services = matchCatalog(text, catalog.services);
  if (services.length) out.services_of_interest = services;
  const contact = CONTACT_PREFERENCE.exec(text)?.[1].toLowerCase();
  if (contact) {
    out.preferences = {
      contact_method: contact === "call" ? "phone" : contact === "sms" ? "text" : contact.replace("-", ""),
    };
  }
  return out;
}

/** E.164-style: +1XXXXXXXXXX for US numbers, +<country><number> for international ones. */
export function extractPhone(text: string): string | undefined {
  const intl = INTL_PHONE.exec(text);
  if (intl && intl[1] !== "1") return `+${intl[1]}${intl[2].replace(/\D/g, "")}`;
  const us = US_PHONE.exec(text);
  return us ? `+1${us[1]}${us[2]}${us[3]}` : undefined;
}

export function extractName(text: string): string | undefined {
  for (const re of [EXPLICIT_NAME, INTRO_NAME]) {
    const m = re.exec(text);
    if (!m) continue;
    const words = [];
    for (const w of m[1].split(/\s+/)) {
      if (NOT_NAMES.has(w.toLowerCase())) break;
      words.push(w);
    }
    if (words.length) return words.map(titleCase).join(" ");
  }
  return undefined;
}

export function extractAddress(
  text: string,
): Pick<ProfileFields, "address_street" | "address_city" | "address_state" | "address_zip"> {
  const out: ReturnType<typeof extractAddress> = {};
  const street = STREET.exec(text);
  if (street) out.address_street = street[1].replace(/\s+/g, " ").replace(/[.,]$/, "");
  // The city is looked for after the street (or anywhere when there is none), so the street's words aren't taken for it.
  const rest = street ? text.slice(street.index + street[0].length) : text;
  const place = CITY_STATE.exec(rest);
  // Without a comma or a ZIP, a capitalized word before "OK" or "IN" is too weak a signal.
  if (place && (place[2] || place[4] || !STATE_CODES.has(place[3]))) {
    out.address_city = place[1];
    out.address_state = STATES[place[3].toLowerCase().replace(/\s+/g, " ")] ?? place[3];
    if (place[4]) out.address_zip = place[4];
  }
  out.address_zip ??= ZIP_LABELLED.exec(text)?.[1];
  if (out.address_zip === undefined) delete out.address_zip;
  return out;
}

/** Catalog entries named in the text (whole words, any case, an optional plural s), as the catalog spells them. */
export function matchCatalog(text: string, names: readonly string[] = []): string[] {
  return names.filter((name) => {
    const trimmed = name.trim();
    if (!trimmed) return false;
    const escaped = trimmed.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\s+/g, "\\s+");
    return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?:s|es)?(?![\\p{L}\\p{N}])`, "iu").test(text);
  });
}

/** "jane" -> "Jane", "o'brien" -> "O'Brien"; a word already in mixed case ("McKay") is kept. */
function titleCase(word: string): string {
  if (word !== word.toLowerCase() && word !== word.toUpperCase()) return word;
  return word.toLowerCase().replace(
    /(^|[-'’])(\p{L})/gu,
    (_, sep: string, letter: string) => sep + letter.toUpperCase(),
  );
}

/** True when the extraction found nothing worth a database write. */
export function isEmptyProfile(fields: ProfileFields): boolean {
  return Object.keys(fields).length === 0;
}
