// describeGlobal, sObject basic info and sObject describe.
import { globalUrls, objectUrls } from "./describe-builder.js";
import { notFound, unknownException } from "./errors.js";
import { json, type Ctx, type Result } from "./http.js";
import type { ObjectModel } from "./org.js";

function objectFor(ctx: Ctx): ObjectModel {
  const obj = ctx.state.org.get(decodeURIComponent(ctx.params[0] ?? ""));
  if (!obj) throw notFound();
  return obj;
}

/** GET /services/data/vXX.X/sobjects */
export function describeGlobal(ctx: Ctx): Result {
  const sobjects = ctx.state.org.objects.map((o) => ({ ...o.globalEntry, urls: globalUrls(o.name, ctx.version) }));
  return json(200, { encoding: "UTF-8", maxBatchSize: 200, sobjects });
}

/** GET /services/data/vXX.X/sobjects/{name}/describe */
export function describeObject(ctx: Ctx): Result {
  const obj = objectFor(ctx);
  if (obj.describeFails) throw unknownException();
  const body: Record<string, unknown> = {
    ...obj.describe,
    urls: objectUrls(obj.name, ctx.version, ctx.state.url, obj.keyPrefix),
  };
  if (obj.describeOmitsFields) delete body.fields;
  return json(200, body);
}

/** GET /services/data/vXX.X/sobjects/{name}: basic information. */
export function sobjectInfo(ctx: Ctx): Result {
  const obj = objectFor(ctx);
  return json(200, {
    objectDescribe: { ...obj.globalEntry, urls: globalUrls(obj.name, ctx.version) },
    recentItems: [],
  });
}
