// Which Salesforce objects discovery drops.
//
// describeGlobal marks some objects queryable that a plain `SELECT fields FROM Object` still
// cannot read. The named lists below come from airbytehq/airbyte
// airbyte-integrations/connectors/source-salesforce/source_salesforce/api.py (learned there from
// production failures) and from the Salesforce Object Reference; the suffix rules from the
// Salesforce event developer guides.
import type { DescribeGlobalEntry } from "../salesforce/describe.js";

export const EXCLUSION_REASONS = {
  notQueryable: "not queryable (describeGlobal queryable: false)",
  changeEvent: "Change Data Capture event: delivered by Streaming/Pub/Sub API, cannot be queried",
  platformEvent: "platform event: publish/subscribe only, cannot be queried",
  eventStream: "Real-Time Event Monitoring stream: subscribe only, cannot be queried",
  mandatoryFilter:
    "SOQL requires a filter on specific fields (Id, parent Id, …), so the object cannot be exported whole",
  unreadable: "known unreadable by SOQL query/queryAll (virtual, subquery-only or aggregate object)",
} as const;

// Objects whose SOQL must filter on particular fields.
const MANDATORY_FILTER_OBJECTS: ReadonlySet<string> = new Set([
  // Airbyte api.py QUERY_RESTRICTED_SALESFORCE_OBJECTS ("certain WHERE clause restrictions").
  "Announcement",
  "AppTabMember",
  "CollaborationGroupRecord",
  "ColorDefinition",
  "ContentFolderItem",
  "ContentFolderMember",
  "DataStatistics",
  "DatacloudDandBCompany",
  "EntityParticle",
  "FieldDefinition",
  "FieldHistoryArchive",
  "FlexQueueItem",
  "FlowVariableView",
  "FlowVersionView",
  "IconDefinition",
  "IdeaComment",
  "NetworkUserHistoryRecent",
  "OwnerChangeOptionInfo",
  "PicklistValueInfo",
  "PlatformAction",
  "RelationshipDomain",
  "RelationshipInfo",
  "SearchLayout",
  "SiteDetail",
  "UserEntityAccess",
  "UserFieldAccess",
  "Vote",
  // Airbyte api.py UNSUPPORTED_STREAMS: "can not be used without object ID".
  "ActivityMetric",
  "ActivityMetricRollup",
  // Object Reference, ContentDocumentLink: a query must filter on Id, ContentDocumentId or
  // LinkedEntityId unless the user has Query All Files (API 59.0+). Read as a child (CHILD_OBJECTS).
  "ContentDocumentLink",
]);

/** A filter-requiring object read through its parent: `WHERE <field> IN (<up to 200 parent Ids>)`. */
export interface ParentLink {
  parent: string;
  /** The child's reference to the parent, which Salesforce accepts as the mandatory filter. */
  field: string;
}

// Filter-requiring objects (above) that become readable as children of a parent object. Airbyte api.py
// PARENT_SALESFORCE_OBJECTS reads ContentDocumentLink per ContentDocument, 200 Ids at a time; the
// Object Reference accepts `IdeaId IN (...)` for IdeaComment.
export const CHILD_OBJECTS: ReadonlyMap<string, ParentLink> = new Map([
  ["ContentDocumentLink", { parent: "ContentDocument", field: "ContentDocumentId" }],
  ["IdeaComment", { parent: "Idea", field: "IdeaId" }],
]);

/** Parent Ids per child query: Airbyte's 200, which keeps a REST query URL near 5 KB. */
export const PARENT_IDS_PER_QUERY = 200;

// Airbyte api.py QUERY_INCOMPATIBLE_SALESFORCE_OBJECTS ("not supported by the query method"):
// aggregate/virtual objects only reachable as a relationship subquery, plus event streams.
const UNREADABLE_OBJECTS: ReadonlySet<string> = new Set([
  "AIPredictionEvent",
  "ActivityHistory",
  "AggregateResult",
  "ApiAnomalyEvent",
  "ApiEventStream",
  "AssetTokenEvent",
  "AsyncOperationEvent",
  "AsyncOperationStatus",
  "AttachedContentDocument",
  "AttachedContentNote",
  "BatchApexErrorEvent",
  "BulkApiResultEvent",
  "CombinedAttachment",
  "ConcurLongRunApexErrEvent",
  "ContentBody",
  "CredentialStuffingEvent",
  "DataType",
  "DatacloudAddress",
  "EmailStatus",
  "FeedLike",
  "FeedSignal",
  "FeedTrackedChange",
  "FlowExecutionErrorEvent",
  "FolderedContentDocument",
  "LightningUriEventStream",
  "ListViewChartInstance",
  "ListViewEventStream",
  "LoginAsEventStream",
  "LoginEventStream",
  "LogoutEventStream",
  "LookedUpFromActivity",
  "Name",
  "NoteAndAttachment",
  "OpenActivity",
  "OrgLifecycleNotification",
  "OutgoingEmail",
  "OutgoingEmailRelation",
  "OwnedContentDocument",
  "PlatformStatusAlertEvent",
  "ProcessExceptionEvent",
  "ProcessInstanceHistory",
  "QuoteTemplateRichTextData",
  "RemoteKeyCalloutEvent",
  "ReportAnomalyEvent",
  "ReportEventStream",
  "SessionHijackingEvent",
  "UriEventStream",
  "UserRecordAccess",
]);

/**
 * Why discovery drops this object, or undefined to keep it. `queryableObjects` (describeGlobal's
 * queryable names): a child object (CHILD_OBJECTS) whose parent is among them is kept, read through it.
 */
export function objectExclusionReason(
  entry: Pick<DescribeGlobalEntry, "name" | "queryable">,
  queryableObjects: ReadonlySet<string> = new Set(),
): string | undefined {
  const { name } = entry;
  if (!entry.queryable) return EXCLUSION_REASONS.notQueryable;
  const link = CHILD_OBJECTS.get(name);
  if (link && queryableObjects.has(link.parent)) return undefined;
  // Change Data Capture Developer Guide: standard (AccountChangeEvent) and custom
  // (Thing__ChangeEvent) change events. Airbyte drops every name ending "ChangeEvent" too.
  if (name.endsWith("ChangeEvent")) return EXCLUSION_REASONS.changeEvent;
  // Platform Events Developer Guide: event messages (Thing__e) cannot be queried with SOQL.
  if (name.endsWith("__e")) return EXCLUSION_REASONS.platformEvent;
  // Real-Time Event Monitoring: *EventStream objects support only subscription; their stored
  // counterparts (LoginEvent, ApiEvent, …) are queryable and kept.
  if (name.endsWith("EventStream")) return EXCLUSION_REASONS.eventStream;
  if (MANDATORY_FILTER_OBJECTS.has(name)) return EXCLUSION_REASONS.mandatoryFilter;
  if (UNREADABLE_OBJECTS.has(name)) return EXCLUSION_REASONS.unreadable;
  // *History (field history) objects are ordinary queryable objects: kept.
  return undefined;
}
