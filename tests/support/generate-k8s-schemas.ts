/**
 * Writes the JSON Schemas kubeconform validates the Helm chart's output against, offline: kubeconform's
 * default is to download them, and this machine reaches no such site. Inputs are files from Go modules
 * the provisioning script downloads through the module proxy:
 *   - Kubernetes' OpenAPI v2 document (`api/openapi-spec/swagger.json` of `k8s.io/kubernetes`);
 *   - CustomResourceDefinitions as JSON (the ServiceMonitor and PrometheusRule CRDs of `prometheus-operator`).
 *
 * Output, in kubeconform's layout for `-schema-location '<dir>/{{ .ResourceKind }}{{ .KindSuffix }}.json'`:
 * `_definitions.json` (every definition, converted) and one small file per kind and API version
 * (`deployment-apps-v1.json`, `servicemonitor-monitoring-v1.json`) that pins `apiVersion` and `kind` and
 * points at its definition. Objects with declared properties reject undeclared ones (the `-strict`
 * meaning), except where Kubernetes preserves unknown fields.
 *
 * Usage: tsx tests/support/generate-k8s-schemas.ts <swagger.json> <out-dir> [<crd.json> …]
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Schema = Record<string, unknown>;

const INT_OR_STRING: Schema = { oneOf: [{ type: 'string' }, { type: 'integer' }] };
// A Quantity is written as a string ("500m", "1Gi") or a plain number (cpu: 1).
const QUANTITY: Schema = { oneOf: [{ type: 'string' }, { type: 'number' }] };

/**
 * Converts one OpenAPI (v2 definition or CRD v3) schema node into draft-4 JSON Schema: drops prose,
 * rewrites `$ref`s to `refPrefix`, turns Kubernetes' int-or-string markers into a real union, lets
 * `nullable` fields be null, and closes objects that declare their properties.
 */
function convert(node: unknown, refPrefix: string): unknown {
  if (Array.isArray(node)) return node.map((item) => convert(item, refPrefix));
  if (node === null || typeof node !== 'object') return node;
  const source = node as Schema;
  if (source.format === 'int-or-string' || source['x-kubernetes-int-or-string'] === true) return INT_OR_STRING;
  const converted: Schema = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'description' || key.startsWith('x-')) continue;
    if (key === '$ref' && typeof value === 'string') converted.$ref = value.replace(/^#\/definitions\//, `${refPrefix}#/definitions/`);
    else if (key === 'properties' || key === 'patternProperties' || key === 'definitions') {
      converted[key] = Object.fromEntries(Object.entries(value as Schema).map(([name, child]) => [name, convert(child, refPrefix)]));
    } else converted[key] = convert(value, refPrefix);
  }
  if (source.nullable === true) {
    delete converted.nullable;
    if (typeof converted.type === 'string') converted.type = [converted.type, 'null'];
  }
  const keepsUnknownFields = source['x-kubernetes-preserve-unknown-fields'] === true;
  if (converted.properties !== undefined && converted.additionalProperties === undefined && !keepsUnknownFields) converted.additionalProperties = false;
  return converted;
}

/** kubeconform's `{{ .KindSuffix }}`: `-<first part of the group>-<version>`, or `-<version>` for the core group. */
function kindFileName(group: string, version: string, kind: string): string {
  const suffix = group === '' ? `-${version}` : `-${group.split('.')[0]!.toLowerCase()}-${version}`;
  return `${kind.toLowerCase()}${suffix}.json`;
}

function kindSchema(definition: string, group: string, version: string, kind: string): Schema {
  return {
    allOf: [{ $ref: `_definitions.json#/definitions/${definition}` }],
    properties: { apiVersion: { enum: [group === '' ? version : `${group}/${version}`] }, kind: { enum: [kind] } },
    required: ['apiVersion', 'kind'],
  };
}

interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

function generate(swaggerPath: string, outDir: string, crdPaths: readonly string[]): number {
  const swagger = JSON.parse(readFileSync(swaggerPath, 'utf8')) as { definitions: Record<string, Schema> };
  const definitions: Record<string, unknown> = {};
  const files = new Map<string, { definition: string; schema: Schema }>();
  const addKind = (definition: string, { group, version, kind }: GroupVersionKind) => {
    const name = kindFileName(group, version, kind);
    const existing = files.get(name);
    // Meta kinds (DeleteOptions, WatchEvent) are listed under many groups; two different kinds sharing a
    // file name would make kubeconform validate against the wrong one.
    if (existing && existing.definition !== definition) throw new Error(`${name} would describe both ${existing.definition} and ${definition}`);
    files.set(name, { definition, schema: kindSchema(definition, group, version, kind) });
  };

  for (const [name, definition] of Object.entries(swagger.definitions)) {
    definitions[name] = name === 'io.k8s.apimachinery.pkg.api.resource.Quantity' ? QUANTITY : convert(definition, '');
    for (const gvk of (definition['x-kubernetes-group-version-kind'] as GroupVersionKind[] | undefined) ?? []) addKind(name, gvk);
  }

  for (const crdPath of crdPaths) {
    const crd = JSON.parse(readFileSync(crdPath, 'utf8')) as {
      spec: { group: string; names: { kind: string }; versions: Array<{ name: string; schema: { openAPIV3Schema: Schema } }> };
    };
    for (const version of crd.spec.versions) {
      const schema = convert(version.schema.openAPIV3Schema, '') as Schema & { properties: Schema };
      // A CRD declares metadata only as an object; validate it like every other kind's.
      schema.properties.metadata = { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' };
      const name = `${crd.spec.group}.${version.name}.${crd.spec.names.kind}`;
      definitions[name] = schema;
      addKind(name, { group: crd.spec.group, version: version.name, kind: crd.spec.names.kind });
    }
  }

  // Written into a sibling directory and renamed, so a run that dies half-way never leaves a partial set.
  const staging = `${outDir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, '_definitions.json'), JSON.stringify({ definitions }));
  for (const [name, { schema }] of files) writeFileSync(join(staging, name), JSON.stringify(schema));
  rmSync(outDir, { recursive: true, force: true });
  renameSync(staging, outDir);
  return files.size;
}

const [swaggerPath, outDir, ...crdPaths] = process.argv.slice(2);
if (!swaggerPath || !outDir) {
  process.stderr.write('usage: generate-k8s-schemas <swagger.json> <out-dir> [<crd.json> …]\n');
  process.exit(2);
}
const count = generate(swaggerPath, outDir, crdPaths);
process.stdout.write(`wrote ${count} kind schemas to ${outDir}\n`);
