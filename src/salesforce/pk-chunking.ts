import type { PkChunking } from "./bulk1.js";

/**
 * Which objects Bulk 1.0 can PK-chunk (Bulk API developer guide, "PK Chunking" header): all custom
 * objects, these standard objects, and Share/History objects whose parent can be chunked (the
 * header then names the parent).
 */
const STANDARD_PK_CHUNKING_OBJECTS = new Set([
  "Account",
  "Asset",
  "Campaign",
  "CampaignMember",
  "Case",
  "CaseArticle",
  "CaseHistory",
  "Contact",
  "Event",
  "EventRelation",
  "Lead",
  "LoginHistory",
  "Opportunity",
  "Task",
  "User",
  "WorkOrder",
  "WorkOrderLineItem",
]);

const isCustom = (object: string): boolean => /__c$/i.test(object);
const chunkable = (object: string): boolean => isCustom(object) || STANDARD_PK_CHUNKING_OBJECTS.has(object);

/** The PK-chunking header settings for `object`, or undefined where Salesforce cannot chunk it. */
export function pkChunkingFor(object: string, chunkSize: number): PkChunking | undefined {
  if (chunkable(object)) return { chunkSize };
  const parent = shareOrHistoryParent(object);
  return parent && chunkable(parent) ? { chunkSize, parent } : undefined;
}

/** AccountShare -> Account, OpportunityHistory -> Opportunity, Widget__Share / Widget__History -> Widget__c. */
function shareOrHistoryParent(object: string): string | undefined {
  const custom = /^(.+)__(Share|History)$/.exec(object);
  if (custom) return `${custom[1]}__c`;
  const standard = /^(.+?)(Share|History)$/.exec(object);
  return standard?.[1];
}
