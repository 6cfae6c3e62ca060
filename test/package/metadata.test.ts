// metadata.yaml is Airbyte's connector metadata; it must describe the image this repo builds.
// (Its dockerRepository is checked against the Dockerfile's io.airbyte.name label in dockerfile.test.ts.)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/cli.js";

const read = (file: string) => readFileSync(join(repoRoot, file), "utf8");
const pkg = JSON.parse(read("package.json")) as { version: string; license: string };
const spec = JSON.parse(read("spec.json")) as { documentationUrl: string };
const metadata = parseYaml(read("metadata.yaml")) as { metadataSpecVersion: unknown; data: Record<string, unknown> };
const data = metadata.data;

describe("metadata.yaml", () => {
  it("has the fields Airbyte's ConnectorMetadataDefinitionV0 requires", () => {
    expect(Object.keys(metadata).sort()).toEqual(["data", "metadataSpecVersion"]);
    expect(metadata.metadataSpecVersion).toBe("1.0");
    const required = [
      "name",
      "definitionId",
      "connectorType",
      "dockerRepository",
      "dockerImageTag",
      "license",
      "documentationUrl",
      "githubIssueLabel",
      "connectorSubtype",
      "releaseStage",
    ];
    expect(required.filter((key) => typeof data[key] !== "string" || data[key] === "")).toEqual([]);
    expect(data.connectorType).toBe("source");
    expect(data.connectorSubtype).toBe("api");
    expect(data.definitionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(["alpha", "beta", "generally_available", "custom"]).toContain(data.releaseStage);
    expect(["community", "certified", "archived"]).toContain(data.supportLevel);
    expect(data.dockerRepository).toMatch(/^[a-z0-9]+([._-][a-z0-9]+)*\/[a-z0-9]+([._-][a-z0-9]+)*$/);
  });

  it("is in sync with package.json and spec.json", () => {
    expect(data.dockerImageTag).toBe(pkg.version);
    expect(data.license).toBe(pkg.license);
    expect(data.documentationUrl).toBe(spec.documentationUrl);
  });

  it("the README's image references use this repository and version", () => {
    const repository = String(data.dockerRepository);
    const escaped = repository.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    const tags = [...read("README.md").matchAll(new RegExp(`${escaped}:([\\w.-]+)`, "g"))].map((m) => m[1]);
    expect(tags.length, `README mentions ${repository}:<tag>`).toBeGreaterThan(0);
    expect(tags.filter((tag) => tag !== pkg.version)).toEqual([]);
  });
});
