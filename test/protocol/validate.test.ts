import { describe, expect, it } from "vitest";
import { formatAjvErrors, validateConfiguredCatalog, withoutUnsetOptionals } from "../../src/protocol/validate.js";

const stream = {
  name: "Account",
  json_schema: { type: "object", properties: { Id: { type: ["null", "string"], default: null } } },
  supported_sync_modes: ["full_refresh", "incremental"],
};

describe("withoutUnsetOptionals (catalogs as pydantic's .json() writes them)", () => {
  it("drops the nulls of optional fields at every level, keeps unknown keys and json_schema as is", () => {
    const catalog = {
      streams: [
        {
          stream: { ...stream, namespace: null, default_cursor_field: null, is_resumable: null, extra: null },
          sync_mode: "full_refresh",
          cursor_field: null,
          destination_sync_mode: "append",
          primary_key: null,
          generation_id: null,
        },
      ],
      unknown: { a: 1 },
    };
    const cleaned = withoutUnsetOptionals("ConfiguredAirbyteCatalog", catalog);
    expect(cleaned).toEqual({
      streams: [{ stream: { ...stream, extra: null }, sync_mode: "full_refresh", destination_sync_mode: "append" }],
      unknown: { a: 1 },
    });
    expect(validateConfiguredCatalog(cleaned)).toBe(true);
    // Without it, the same catalog is refused: what the connector did before.
    expect(validateConfiguredCatalog(catalog)).toBe(false);
  });

  it("keeps a null required field, so validation still names it", () => {
    const catalog = {
      streams: [{ stream: { ...stream, name: null }, sync_mode: null, destination_sync_mode: "append" }],
    };
    const cleaned = withoutUnsetOptionals("ConfiguredAirbyteCatalog", catalog);
    expect(validateConfiguredCatalog(cleaned)).toBe(false);
    expect(formatAjvErrors(validateConfiguredCatalog.errors)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^streams\.0\.stream\.name: must be string/),
        expect.stringMatching(/^streams\.0\.sync_mode: /),
      ]),
    );
  });
});
