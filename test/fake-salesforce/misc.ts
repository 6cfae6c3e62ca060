// Small discovery endpoints: API versions and the resources of a version.
import { json, type Ctx, type Result } from "./http.js";

const VERSIONS: Array<[string, string]> = [
  ["58.0", "Summer '23"],
  ["59.0", "Winter '24"],
  ["60.0", "Spring '24"],
  ["61.0", "Summer '24"],
  ["62.0", "Winter '25"],
  ["63.0", "Spring '25"],
  ["64.0", "Summer '25"],
];

/** GET /services/data: no authentication needed, as on Salesforce. */
export function versions(): Result {
  return json(
    200,
    VERSIONS.map(([version, label]) => ({ label, url: `/services/data/v${version}`, version })),
  );
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
