import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPluginsConfig } from '../../core/src/config/plugins-config.js';
import { requireHelmBinary, requireKubeconformBinary, requireKubernetesSchemaDir } from '../support/env.js';

// deploy/helm/acai rendered with `helm template` for several values sets and validated with
// `kubeconform -strict` against Kubernetes JSON Schemas generated offline at provisioning
// (tests/support/services.sh, tests/support/generate-k8s-schemas.ts); then what the manifests mean is
// checked: probes, non-root security context, secrets only by reference, scaling and monitoring wiring.
const root = fileURLToPath(new URL('../../', import.meta.url));
const CHART = join(root, 'deploy/helm/acai');
const scratch = mkdtempSync(join(tmpdir(), 'acai-helm-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(binary: string, arguments_: string[], input?: string) {
  const result = spawnSync(binary, arguments_, { encoding: 'utf8', input, cwd: root, env: { PATH: process.env.PATH ?? '', HOME: scratch, HELM_CACHE_HOME: join(scratch, 'helm-cache'), HELM_CONFIG_HOME: join(scratch, 'helm-config'), HELM_DATA_HOME: join(scratch, 'helm-data') } });
  if (result.error) throw new Error(`${binary} could not run: ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const valuesArguments = (valuesFiles: readonly string[], sets: readonly string[]) => [...valuesFiles.flatMap((file) => ['-f', join(CHART, 'ci', file)]), ...sets.flatMap((set) => ['--set', set])];

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

function template(valuesFiles: readonly string[] = [], sets: readonly string[] = []): { yaml: string; manifests: Manifest[] } {
  const rendered = run(requireHelmBinary(), ['template', 'acai', CHART, '--namespace', 'assistants', ...valuesArguments(valuesFiles, sets)]);
  expect(rendered.stderr.replace(/^level=INFO msg="found symbolic link.*\n/gm, ''), 'helm template stderr').toBe('');
  expect(rendered.status).toBe(0);
  const manifests = parseAllDocuments(rendered.stdout)
    .map((document) => document.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest !== null);
  return { yaml: rendered.stdout, manifests };
}

const find = (manifests: Manifest[], kind: string) => manifests.filter((manifest) => manifest.kind === kind);
const one = (manifests: Manifest[], kind: string) => {
  const found = find(manifests, kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface Container {
  name: string;
  ports: Array<{ name: string; containerPort: number }>;
  env: EnvVar[];
  securityContext: Record<string, unknown>;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  startupProbe?: { httpGet: { path: string; port: string } };
  volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean; subPath?: string }>;
}
interface PodSpec {
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: Array<{ name: string; configMap?: { name: string }; secret?: { secretName: string }; persistentVolumeClaim?: { claimName: string }; emptyDir?: object }>;
}
function podOf(manifests: Manifest[]) {
  const deployment = one(manifests, 'Deployment');
  const spec = deployment.spec as { replicas?: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec } };
  return { deployment, spec, pod: spec.template.spec, container: spec.template.spec.containers[0]!, podLabels: spec.template.metadata.labels };
}
const envNamed = (container: Container, name: string) => container.env.find((variable) => variable.name === name);

// The values sets the chart is checked with; the files live in deploy/helm/acai/ci/.
const VALUES_SETS: Array<{ name: string; files: string[]; sets: string[]; kinds: string[] }> = [
  { name: 'defaults', files: [], sets: [], kinds: ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service', 'ServiceAccount'] },
  { name: 'HPA on', files: ['hpa-values.yaml'], sets: [], kinds: ['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service', 'ServiceAccount'] },
  {
    name: 'ServiceMonitor and PrometheusRule on',
    files: ['servicemonitor-values.yaml'],
    sets: ['metrics.prometheusRule.enabled=true'],
    kinds: ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'PrometheusRule', 'Service', 'ServiceAccount', 'ServiceMonitor'],
  },
  { name: 'external secrets', files: ['external-secrets-values.yaml'], sets: [], kinds: ['Deployment', 'PodDisruptionBudget', 'Service'] },
];

describe('Helm chart deploy/helm/acai', () => {
  it('passes helm lint --strict with every values set', () => {
    for (const { name, files, sets } of VALUES_SETS) {
      const lint = run(requireHelmBinary(), ['lint', '--strict', CHART, ...valuesArguments(files, sets)]);
      expect(lint.status, `${name}: ${lint.stdout}${lint.stderr}`).toBe(0);
    }
  });

  it.each(VALUES_SETS)('renders valid Kubernetes objects with $name (kubeconform -strict)', ({ files, sets, kinds }) => {
    const { yaml, manifests } = template(files, sets);
    expect(manifests.map((manifest) => manifest.kind).sort()).toEqual(kinds);
    const schemas = requireKubernetesSchemaDir();
    const check = run(requireKubeconformBinary(), ['-strict', '-summary', '-output', 'json', '-schema-location', `${schemas}/{{ .ResourceKind }}{{ .KindSuffix }}.json`, '-'], yaml);
    const summary = (JSON.parse(check.stdout) as { summary: { valid: number; invalid: number; errors: number; skipped: number } }).summary;
    expect(summary, check.stdout).toEqual({ valid: manifests.length, invalid: 0, errors: 0, skipped: 0 });
    expect(check.status).toBe(0);
  });

  it('probes readiness on /readyz and liveness on /healthz of the container’s http port', () => {
    const { container } = podOf(template().manifests);
    const http = container.ports.find((port) => port.name === 'http');
    expect(http?.containerPort).toBe(Number(envNamed(container, 'PORT')?.value));
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
  });

  it('runs as a non-root user with a read-only root filesystem, no privilege escalation, no capabilities and bounded resources', () => {
    const { pod, container } = podOf(template().manifests);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container.resources.requests).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
    expect(container.resources.limits).toEqual(expect.objectContaining({ memory: expect.any(String) }));
    // The writable places: the data volume and scratch directories, all volumes.
    const mounted = new Set(container.volumeMounts.filter((mount) => !mount.readOnly).map((mount) => mount.mountPath));
    expect(mounted).toEqual(new Set([envNamed(container, 'ACAI_DATA_DIR')?.value, '/tmp', '/home/node']));
  });

  it('mounts plugins.config.json from a ConfigMap as the config directory, with the image’s default plugin set', async () => {
    const { manifests } = template();
    const { pod, container } = podOf(manifests);
    const configMap = one(manifests, 'ConfigMap');
    const configPath = envNamed(container, 'PLUGINS_CONFIG')!.value!;
    const volume = pod.volumes.find((candidate) => candidate.configMap?.name === configMap.metadata.name)!;
    const mount = container.volumeMounts.find((candidate) => candidate.name === volume.name)!;
    expect(mount).toEqual({ name: volume.name, mountPath: posix.dirname(configPath), readOnly: true });
    expect(mount.subPath).toBeUndefined();
    const file = join(scratch, 'plugins.config.json');
    writeFileSync(file, configMap.data![posix.basename(configPath)]!);
    const loaded = await loadPluginsConfig(file, {});
    const imageDefault = await loadPluginsConfig(join(root, 'plugins.config.json'), {});
    expect(loaded.plugins.map((plugin) => [plugin.name, plugin.source])).toEqual(imageDefault.plugins.map((plugin) => [plugin.name, plugin.source]));
  });

  it('rolls the pods when the plugin set changes (the host’s file watcher does not see kubelet’s ConfigMap swap)', () => {
    const checksum = (sets: string[], files: string[] = []) =>
      podOf(template(files, sets).manifests).spec.template.metadata.annotations?.['checksum/plugins-config'];
    const before = checksum([]);
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(['podAnnotations.team=assistants'])).toBe(before);
    expect(checksum(['pluginsConfig.plugins[0].version=^1.1.0'])).not.toBe(before);
    // An operator's own ConfigMap is not the chart's to fingerprint: it is reloaded through the admin API.
    expect(checksum([], ['external-secrets-values.yaml'])).toBeUndefined();
  });

  it('holds no secret itself: no Secret object and no literal value for a secret variable', () => {
    for (const { files, sets } of VALUES_SETS) {
      const { manifests } = template(files, sets);
      expect(find(manifests, 'Secret')).toEqual([]);
      const { container } = podOf(manifests);
      const literalSecrets = container.env.filter((variable) => /(API_KEYS?|TOKEN|SECRET|PASSWORD)$/.test(variable.name) && variable.value !== undefined);
      expect(literalSecrets).toEqual([]);
    }
  });

  it('reads MongoDB, Redis, the model key, API keys and plugin secrets from existing Secrets', () => {
    const { manifests } = template(['external-secrets-values.yaml']);
    const { pod, container } = podOf(manifests);
    const values = parse(readFileSync(join(CHART, 'ci/external-secrets-values.yaml'), 'utf8')) as {
      mongodb: { existingSecret: string; existingSecretKey: string };
      redis: { existingSecret: string; existingSecretKey: string };
      secrets: { existingSecret: string; refs: Record<string, { name: string; key: string }> };
      apiKeysFile: { existingSecret: string; key: string };
      existingPluginsConfigMap: string;
      pluginsVolume: { persistentVolumeClaim: { claimName: string } };
    };
    expect(envNamed(container, 'MONGODB_URL')?.valueFrom?.secretKeyRef).toEqual({ name: values.mongodb.existingSecret, key: values.mongodb.existingSecretKey });
    expect(envNamed(container, 'REDIS_URL')?.valueFrom?.secretKeyRef).toEqual({ name: values.redis.existingSecret, key: values.redis.existingSecretKey });
    // A per-variable reference wins over the shared Secret.
    expect(envNamed(container, 'OPENAI_API_KEY')?.valueFrom?.secretKeyRef).toEqual(values.secrets.refs.OPENAI_API_KEY);
    expect(container.env.filter((variable) => variable.name === 'OPENAI_API_KEY')).toHaveLength(1);
    for (const name of ['ACAI_API_KEYS', 'WEATHER_API_KEY', 'TELEGRAM_BOT_TOKEN']) {
      expect(envNamed(container, name)?.valueFrom?.secretKeyRef, name).toEqual({ name: values.secrets.existingSecret, key: name, optional: true });
    }
    // The key-hash file: a Secret volume, and ACAI_API_KEYS_FILE pointing into its mount.
    const keysVolume = pod.volumes.find((volume) => volume.secret?.secretName === values.apiKeysFile.existingSecret)!;
    const keysMount = container.volumeMounts.find((mount) => mount.name === keysVolume.name)!;
    expect(keysMount.readOnly).toBe(true);
    expect(envNamed(container, 'ACAI_API_KEYS_FILE')?.value).toBe(posix.join(keysMount.mountPath, values.apiKeysFile.key));
    // Config from the operator's own ConfigMap, plugins from a volume mounted read-only at /plugins.
    expect(pod.volumes.find((volume) => volume.name === 'config')?.configMap?.name).toBe(values.existingPluginsConfigMap);
    const pluginsVolume = pod.volumes.find((volume) => volume.persistentVolumeClaim?.claimName === values.pluginsVolume.persistentVolumeClaim.claimName)!;
    expect(container.volumeMounts.find((mount) => mount.name === pluginsVolume.name)).toEqual({ name: pluginsVolume.name, mountPath: '/plugins', readOnly: true });
  });

  it('routes the Service to the pods’ http and metrics ports, and the PodDisruptionBudget to the same pods', () => {
    const { manifests } = template();
    const { spec, container, podLabels } = podOf(manifests);
    const service = one(manifests, 'Service').spec as { selector: Record<string, string>; ports: Array<{ name: string; targetPort: string }> };
    expect(podLabels).toMatchObject(service.selector);
    expect(spec.selector.matchLabels).toEqual(service.selector);
    expect(service.ports.map((port) => port.targetPort).sort()).toEqual(container.ports.map((port) => port.name).sort());
    expect(envNamed(container, 'METRICS_PORT')?.value).toBe(String(container.ports.find((port) => port.name === 'metrics')?.containerPort));
    const budget = one(manifests, 'PodDisruptionBudget').spec as { selector: { matchLabels: Record<string, string> }; maxUnavailable: number };
    expect(podLabels).toMatchObject(budget.selector.matchLabels);
    expect(budget.maxUnavailable).toBe(1);
  });

  it('scales with an HPA that owns the replica count, against shared MongoDB and Redis', () => {
    const { manifests } = template(['hpa-values.yaml']);
    const { deployment, spec, container } = podOf(manifests);
    const hpa = one(manifests, 'HorizontalPodAutoscaler').spec as { scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number };
    expect(hpa.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.minReplicas).toBeLessThan(hpa.maxReplicas);
    expect(spec.replicas).toBeUndefined();
    expect(envNamed(container, 'MONGODB_URL')?.value).toMatch(/^mongodb:\/\//);
    expect(envNamed(container, 'REDIS_URL')?.value).toMatch(/^redis:\/\//);
  });

  it('refuses more than one replica without MongoDB, naming the values to set', () => {
    for (const set of ['replicaCount=2', 'autoscaling.enabled=true']) {
      const rendered = run(requireHelmBinary(), ['template', 'acai', CHART, '--set', set]);
      expect(rendered.status, set).not.toBe(0);
      expect(rendered.stderr).toContain('set mongodb.url or mongodb.existingSecret');
    }
  });

  it('lets Prometheus scrape the metrics port as job "acai" and ships the repository’s alert rules', () => {
    const { manifests } = template(['servicemonitor-values.yaml'], ['metrics.prometheusRule.enabled=true']);
    const service = one(manifests, 'Service');
    const monitor = one(manifests, 'ServiceMonitor').spec as { jobLabel: string; selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string; path: string }> };
    expect(service.metadata.labels).toMatchObject(monitor.selector.matchLabels);
    // The rules and the dashboard select job="acai": the job name comes from this Service label.
    expect(service.metadata.labels?.[monitor.jobLabel]).toBe('acai');
    expect(monitor.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
    expect((service.spec as { ports: Array<{ name: string }> }).ports.map((port) => port.name)).toContain('metrics');
    expect(one(manifests, 'ServiceMonitor').metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    const rules = parse(readFileSync(join(root, 'deploy/prometheus/acai.rules.yml'), 'utf8')) as { groups: unknown[] };
    expect((one(manifests, 'PrometheusRule').spec as { groups: unknown[] }).groups).toEqual(rules.groups);
  });

  it('versions the app as the host package does', () => {
    const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { appVersion: string };
    expect(chart.appVersion).toBe((JSON.parse(readFileSync(join(root, 'core/package.json'), 'utf8')) as { version: string }).version);
  });
});
