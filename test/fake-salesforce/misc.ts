// Small discovery endpoints: API versions and the resources of a version.
import { json, type Ctx, type Result } from "./http.js";
import { servedVersions } from "./versions.js";

/** GET /services/data: no authentication needed, as on Salesforce. */
export function versions(): Result {
  return json(200, servedVersions());
}

/** GET /services/data/vXX.X */
export function resources(ctx: Ctx): Result {
  const p = `/services/data/v${ctx.version}`;
  return json(200, {
    sobjects: `${p}/sobjects`,
    query: `${p}/query`,
    queryAll: `${p}/queryAll`,
    limits: `${p}/limits`,
    composite: `${p}/composite`,
    jobs: `${p}/jobs`,
  });
}
