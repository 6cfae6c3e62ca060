// What Salesforce is, as far as reading it goes: the objects and field types the Bulk API cannot
// serve, the field an incremental sync filters on, and the objects Bulk 1.0 can PK-chunk. Each list
// names its source. Discovery, query-stream resolution and read all ask here.
import type { PkChunking } from "./bulk1.js";
import type { FieldTypeInfo, SalesforceFieldType } from "./field-types.js";

// ---------------------------------------------------------------------------------------------
// The Bulk API

// Objects the Bulk API rejects ("Entity is not supported by the Bulk API"); `read` must use REST
// for them. Airbyte api.py UNSUPPORTED_BULK_API_SALESFORCE_OBJECTS ("version specific"); entries
// that discovery drops (catalog/excluded-objects.ts) are kept here too, so a SOQL query stream on
// them still picks REST.
export const BULK_UNSUPPORTED_OBJECTS: ReadonlySet<string> = new Set([
  "AcceptedEventRelation",
  "AccountBrandShare",
  "AccountFeed",
  "AggregateResult",
  "AssetFeed",
  "AssetTokenEvent",
  "AttachedContentDocument",
  "AttachedContentNote",
  "Attachment",
  "CaseStatus",
  "CaseTeamMember",
  "CaseTeamRole",
  "CaseTeamTemplate",
  "CaseTeamTemplateMember",
  "CaseTeamTemplateRecord",
  "ChannelProgramLevelShare",
  "CombinedAttachment",
  "ContentFolderItem",
  "ContractStatus",
  "DeclinedEventRelation",
  "EventWhoRelation",
  "FieldSecurityClassification",
  "FolderedContentDocument",
  "KnowledgeArticle",
  "KnowledgeArticleVersion",
  "KnowledgeArticleVersionHistory",
  "KnowledgeArticleViewStat",
  "KnowledgeArticleVoteStat",
  "LookedUpFromActivity",
  "Name",
  "NoteAndAttachment",
  "OpenActivity",
  "OrderStatus",
  "OwnedContentDocument",
  "PartnerRole",
  "QuoteTemplateRichTextData",
  "RecentlyViewed",
  "ServiceAppointmentStatus",
  "ShiftStatus",
  "SolutionStatus",
  "TaskPriority",
  "TaskStatus",
  "TaskWhoRelation",
  "UndecidedEventRelation",
  "UserRecordAccess",
  "WorkOrderLineItemStatus",
  "WorkOrderStatus",
]);

// Bulk API (1.0 and 2.0) queries cannot select compound address or geolocation fields (their
// component fields are selectable) nor base64 fields ("Bulk API Query" limitations, Bulk API 2.0
// Developer Guide); airbyte source-salesforce routes such objects to REST for the same reason.
export const BULK_UNSUPPORTED_TYPES: ReadonlySet<string> = new Set<SalesforceFieldType>([
  "address",
  "location",
  "base64",
]);

// ---------------------------------------------------------------------------------------------
// Cursors

// Cursor candidates, most precise first. SystemModstamp also moves on system changes (e.g.
// roll-ups) that leave LastModifiedDate alone; CreatedDate suits insert-only objects; LoginTime
// is LoginHistory's only timestamp. Same order as airbyte source-salesforce
// get_pk_and_replication_key.
export const CURSOR_FIELD_PREFERENCE = ["SystemModstamp", "LastModifiedDate", "CreatedDate", "LoginTime"] as const;

/** The field incremental syncs filter on, if the object has a usable (datetime) one. */
export function chooseCursorField(fields: readonly FieldTypeInfo[]): string | undefined {
  const datetimeFields = new Set(fields.filter((field) => field.type === "datetime").map((field) => field.name));
  return CURSOR_FIELD_PREFERENCE.find((name) => datetimeFields.has(name));
}

// Objects that can be read whole but reject a WHERE on their cursor field, so they are offered
// for full refresh only. Airbyte api.py UNSUPPORTED_FILTERING_STREAMS (Airbyte builds them as
// full-refresh streams even when a cursor field exists).
export const CURSOR_FILTER_UNSUPPORTED_OBJECTS: ReadonlySet<string> = new Set([
  "ApiEvent",
  "BulkApiResultEventStore",
  "ContentDocumentLink",
  "EmbeddedServiceDetail",
  "EmbeddedServiceLabel",
  "FormulaFunction",
  "FormulaFunctionAllowedType",
  "FormulaFunctionCategory",
  "IdentityProviderEventStore",
  "IdentityVerificationEvent",
  "LightningUriEvent",
  "ListViewEvent",
  "LoginAsEvent",
  "LoginEvent",
  "LogoutEvent",
  "Publisher",
  "RecordActionHistory",
  "ReportEvent",
  "TabDefinition",
  "UriEvent",
]);

// ---------------------------------------------------------------------------------------------
// PK chunking (Bulk API 1.0)

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
