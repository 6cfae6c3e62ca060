import { describe, expect, it } from "vitest";
import { matchesStreamsCriteria, type StreamsCriterion } from "../../src/catalog/streams-criteria.js";

const c = (criteria: StreamsCriterion["criteria"], value: string): StreamsCriterion => ({ criteria, value });

describe("matchesStreamsCriteria", () => {
  it.each<[string, StreamsCriterion[] | undefined, boolean]>([
    // no criteria: keep everything
    ["Account", undefined, true],
    ["Account", [], true],
    // each criterion, case-insensitive on both sides
    ["Account", [c("starts with", "acc")], true],
    ["AccountHistory", [c("starts with", "ACC")], true],
    ["Contact", [c("starts with", "acc")], false],
    ["AccountHistory", [c("ends with", "HISTORY")], true],
    ["Account", [c("ends with", "history")], false],
    ["OpportunityLineItem", [c("contains", "lineitem")], true],
    ["Opportunity", [c("contains", "lineitem")], false],
    ["Account", [c("exacts", "ACCOUNT")], true],
    ["AccountHistory", [c("exacts", "account")], false],
    // negative criteria
    ["AccountShare", [c("starts not with", "account")], false],
    ["Contact", [c("starts not with", "account")], true],
    ["AccountShare", [c("ends not with", "SHARE")], false],
    ["Account", [c("ends not with", "share")], true],
    ["AccountFeed", [c("not contains", "feed")], false],
    ["Account", [c("not contains", "feed")], true],
    ["Account", [c("not exacts", "ACCOUNT")], false],
    ["Contact", [c("not exacts", "account")], true],
    // any-of: kept when one criterion matches
    ["Contact", [c("exacts", "Account"), c("exacts", "Contact")], true],
    ["Lead", [c("exacts", "Account"), c("exacts", "Contact")], false],
    // any-of with a negative criterion widens: AccountFeed matches "starts with account"
    ["AccountFeed", [c("starts with", "account"), c("not contains", "feed")], true],
    ["CaseFeed", [c("starts with", "account"), c("not contains", "feed")], false],
    ["Case", [c("starts with", "account"), c("not contains", "feed")], true],
  ])("%s with %j -> %s", (name, criteria, expected) => {
    expect(matchesStreamsCriteria(name, criteria)).toBe(expected);
  });
});
