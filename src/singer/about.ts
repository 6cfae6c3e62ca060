// `--about`: what Meltano and people read to learn the tap's name, version, capabilities and settings.
// The settings are spec.json's connectionSpecification: one config serves both protocols.
import { readFileSync } from "node:fs";
import { connectorSpecification } from "../schema-files.js";
import { isObject } from "../util/is-object.js";

export const TAP_NAME = "tap-salesforce-ts";

export const CAPABILITIES = ["catalog", "properties", "discover", "state", "about"] as const;

interface PackageJson {
  version: string;
  description?: string;
}

/** package.json sits at the package root, two levels above both src/singer/ and dist/singer/. */
function packageJson(): PackageJson {
  return JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as PackageJson;
}

export interface About {
  name: string;
  description: string;
  version: string;
  capabilities: string[];
  /** JSON schema of the config file. */
  settings: Record<string, unknown>;
}

export function about(): About {
  const pkg = packageJson();
  return {
    name: TAP_NAME,
    description:
      "Singer tap for Salesforce (Bulk API 2.0/1.0, REST): the same package, config and sync as the Airbyte source-salesforce connector.",
    version: pkg.version,
    capabilities: [...CAPABILITIES],
    settings: connectorSpecification.connectionSpecification,
  };
}

export function aboutJson(): string {
  return JSON.stringify(about(), null, 2);
}

interface SchemaNode {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  airbyte_secret?: boolean;
  required?: string[];
  properties?: Record<string, SchemaNode>;
  oneOf?: SchemaNode[];
}

interface SettingRow {
  name: string;
  required: boolean;
  secret: boolean;
  type: string;
  default: unknown;
  description: string;
}

/**
 * Every setting, nested ones dotted (`credentials.client_id`). For an object with alternative
 * shapes (oneOf), its tag (`credentials.auth_type`) lists the kinds and each field says which kind
 * it belongs to.
 */
function settingRows(schema: SchemaNode = connectorSpecification.connectionSpecification as SchemaNode): SettingRow[] {
  const rows: SettingRow[] = [];
  const required = new Set(schema.required ?? []);
  for (const [name, node] of Object.entries(schema.properties ?? {})) {
    const branches = node.oneOf ?? [];
    if (branches.length === 0 || !branches.every((branch) => branch.properties)) {
      rows.push(row(name, node, required.has(name)));
      continue;
    }
    const fields = new Map<string, SettingRow>();
    for (const branch of branches) {
      const tag = Object.entries(branch.properties ?? {}).find(([, p]) => p.const !== undefined);
      const kind = tag ? `${tag[0]} = ${JSON.stringify(tag[1].const)}` : (branch.title ?? "");
      const branchRequired = new Set(branch.required ?? []);
      for (const [field, fieldNode] of Object.entries(branch.properties ?? {})) {
        const dotted = `${name}.${field}`;
        const existing = fields.get(dotted);
        if (fieldNode.const !== undefined) {
          const value = JSON.stringify(fieldNode.const);
          if (existing) existing.type += ` \\| ${value}`;
          else {
            const parentDefault = isObject(node.default) ? node.default[field] : undefined;
            fields.set(dotted, { ...row(dotted, fieldNode, required.has(name)), type: value, default: parentDefault });
          }
          continue;
        }
        const usage = `with ${kind}${branchRequired.has(field) ? " (required)" : ""}`;
        if (existing) {
          existing.description += `; ${usage}: ${titleAndDescription(fieldNode)}`;
          existing.secret ||= fieldNode.airbyte_secret === true;
        } else {
          fields.set(dotted, {
            ...row(dotted, fieldNode, false),
            description: `${usage}: ${titleAndDescription(fieldNode)}`,
          });
        }
      }
    }
    rows.push(...fields.values());
  }
  return rows;
}

function row(name: string, node: SchemaNode, required: boolean): SettingRow {
  return {
    name,
    required,
    secret: node.airbyte_secret === true,
    type: node.enum ? node.enum.map((v) => JSON.stringify(v)).join(" \\| ") : [node.type ?? "object"].flat().join(", "),
    default: node.default,
    description: titleAndDescription(node),
  };
}

function titleAndDescription(node: SchemaNode): string {
  return [node.title, node.description].filter((s) => s).join(": ");
}

export function aboutMarkdown(): string {
  const info = about();
  const lines = [
    `# ${info.name}`,
    "",
    info.description,
    "",
    `Version: ${info.version}`,
    "",
    "## Capabilities",
    "",
    ...info.capabilities.map((c) => `- ${c}`),
    "",
    "## Settings",
    "",
    "| Setting | Required | Secret | Type | Default | Description |",
    "| --- | --- | --- | --- | --- | --- |",
    ...settingRows().map(
      (row) =>
        `| ${row.name} | ${row.required ? "yes" : ""} | ${row.secret ? "yes" : ""} | ${row.type} | ${
          row.default === undefined ? "" : `\`${JSON.stringify(row.default)}\``
        } | ${row.description.replace(/\|/g, "\\|")} |`,
    ),
    "",
    "A full list of supported settings and capabilities is available by running: `tap-salesforce-ts --about --format json`",
    "",
  ];
  return lines.join("\n");
}
