// Salesforce API names: what may stand in a SOQL query as an object, a field or a relationship
// path. Every name the connector writes into a query passes through here.

/** One `__`-free piece of an API name: a letter first, then letters, digits and single underscores. */
const SEGMENT = /^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*$/;
const MAX_PART_LENGTH = 80;

/**
 * Suffixes Salesforce appends after `__` (custom objects/fields, relationships, person-account
 * fields, external objects, custom metadata, platform events, big objects, Knowledge, and the
 * History/Share/Feed/ChangeEvent companions of custom objects). Compared case-insensitively
 * because SOQL identifiers are.
 */
const SUFFIXES = new Set(
  "c r pc pr x xo mdt e b ka kav ViewStat VoteStat DataCategorySelection History Share Feed Tag ChangeEvent hd chn dlm dll"
    .toLowerCase()
    .split(" "),
);

/**
 * Whether `name` is one Salesforce API name: `Name`, `Name__c`, `ns__Name__c`, or a compound-field
 * component `[ns__]Name__Component__s` (e.g. `Geo__Latitude__s`, `Site__City__s`).
 */
export function isSalesforceIdentifier(name: string): boolean {
  if (name.length === 0 || name.length > MAX_PART_LENGTH) return false;
  const segments = name.split("__");
  if (!segments.every((segment) => SEGMENT.test(segment))) return false;
  const last = segments[segments.length - 1]!.toLowerCase();
  switch (segments.length) {
    case 1:
      return true;
    case 2: // Name__c
    case 3: // ns__Name__c, or Name__Component__s
      return SUFFIXES.has(last) || (segments.length === 3 && last === "s");
    case 4: // ns__Name__Component__s
      return last === "s";
    default:
      return false;
  }
}

/** A field or relationship path: `Name`, `Owner.Name`, `ns__Parent__r.Account.Name`. */
export function isFieldPath(path: string): boolean {
  return path.split(".").every(isSalesforceIdentifier);
}
