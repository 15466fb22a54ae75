/**
 * The shipped monitoring (deploy/prometheus/alerts.yml, deploy/grafana/hub-dashboard.json) reads
 * only what the hub exports, and every alert has its runbook entry: each expression parses as
 * PromQL (Prometheus's own Lezer grammar); every metric it selects is on the /metrics of a real
 * hub process; the labels it matches or groups by are that metric's; the label values it
 * compares with are values the hub reports; and docs/operations.md has one heading per alert,
 * which the alert's `runbook` annotation links to, and every section other files send readers to.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';
import { projectRoot } from '../../src/config.js';
import { SyncRunStatus } from '../../src/domain/sync-run.js';
import { SUBSCRIPTION_STATES } from '../../src/observability/connector-health.collector.js';
import { HubMetrics } from '../../src/observability/hub-metrics.js';
import { dropHubDatabase, startHubProcess, type HubProcess } from '../helpers/hub-process.js';
import { DEPLOY_DIR } from './compose-file.js';

interface AlertRule {
  alert: string;
  expr: string;
  labels: { severity: string };
  annotations: { summary: string; runbook: string };
}

const rules = (
  parse(readFileSync(path.join(DEPLOY_DIR, 'prometheus', 'alerts.yml'), 'utf8')) as {
    groups: { rules: AlertRule[] }[];
  }
).groups.flatMap((g) => g.rules);

interface Panel {
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}
const dashboard = JSON.parse(
  readFileSync(path.join(DEPLOY_DIR, 'grafana', 'hub-dashboard.json'), 'utf8'),
) as { panels: Panel[] };
const panelTargets = (panels: Panel[]): { where: string; expr: string }[] =>
  panels.flatMap((p) => [
    ...(p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })),
    ...panelTargets(p.panels ?? []),
  ]);

const expressions = [
  ...rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
  ...panelTargets(dashboard.panels),
];

const scrapeJob = (
  parse(readFileSync(path.join(DEPLOY_DIR, 'prometheus', 'prometheus.yml'), 'utf8')) as {
    scrape_configs: { job_name: string }[];
  }
).scrape_configs[0]!.job_name;

interface Selector {
  metric: string;
  matchers: { label: string; op: string; value: string }[];
}

interface Reading {
  errors: string[];
  selectors: Selector[];
  /** `by (...)` labels, with the metrics selected inside that aggregation. */
  groupings: { labels: string[]; metrics: string[] }[];
}

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

function descendants(node: SyntaxNode): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    found.push(child, ...descendants(child));
  }
  return found;
}

/** What one PromQL expression reads, from its syntax tree. */
function read(expr: string): Reading {
  const text = (node: SyntaxNode | null) => (node ? expr.slice(node.from, node.to) : '');
  const root = parser.parse(expr).topNode;
  const nodes = [root, ...descendants(root)];
  const selector = (node: SyntaxNode): Selector => ({
    metric: text(node.getChild('Identifier')),
    matchers: node.getChildren('LabelMatchers').flatMap((list) =>
      list.getChildren('UnquotedLabelMatcher').map((m) => ({
        label: text(m.getChild('LabelName')),
        op: text(m.getChild('MatchOp')),
        value: JSON.parse(text(m.getChild('StringLiteral'))) as string,
      })),
    ),
  });
  return {
    errors: nodes.filter((n) => n.type.isError).map((n) => `syntax error at ${n.from}`),
    selectors: nodes.filter((n) => n.name === 'VectorSelector').map(selector),
    groupings: nodes
      .filter((n) => n.name === 'AggregateExpr')
      .map((n) => ({
        labels: (
          n.getChild('AggregateModifier')?.getChild('GroupingLabels')?.getChildren('LabelName') ??
          []
        ).map(text),
        metrics: descendants(n)
          .filter((d) => d.name === 'VectorSelector')
          .map((d) => selector(d).metric),
      }))
      .filter((g) => g.labels.length > 0),
  };
}

/** Series names a Prometheus scrape of this text yields (histograms as _bucket, _sum, _count). */
function exportedSeries(metricsText: string): Set<string> {
  const series = new Set<string>();
  for (const [, name, type] of metricsText.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    series.add(name!);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) series.add(name! + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) series.add(name! + s);
  }
  return series;
}

/** The label values the hub reports for a label, read from a scrape. */
function reportedValues(metricsText: string, metric: string, label: string): Set<string> {
  const pattern = new RegExp(`^${metric}\\{[^}]*\\b${label}="([^"]*)"`, 'gm');
  return new Set([...metricsText.matchAll(pattern)].map((m) => m[1]!));
}

/** The anchor GitHub gives a markdown heading. */
const anchor = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');

let hub: HubProcess;
let metricsText: string;

beforeAll(async () => {
  hub = await startHubProcess({ webhooks: false });
  metricsText = await (await fetch(`${hub.url}/metrics`)).text();
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  if (hub) await dropHubDatabase(hub.env);
});

describe('deploy/prometheus and deploy/grafana read what the hub exports', () => {
  it('ship alerts and panels', () => {
    expect(rules.length).toBeGreaterThanOrEqual(10);
    expect(expressions.length).toBeGreaterThan(rules.length + 10);
  });

  it('every expression parses as PromQL', () => {
    for (const { where, expr } of expressions) {
      expect([where, read(expr).errors]).toEqual([where, []]);
    }
  });

  it("every metric they select is on a running hub's /metrics (and `up` only for the hub's job)", () => {
    const exported = exportedSeries(metricsText);
    expect(exported).toContain('hub_build_info');
    for (const { where, expr } of expressions) {
      for (const { metric, matchers } of read(expr).selectors) {
        if (metric === 'up') {
          expect([where, matchers]).toEqual([where, [{ label: 'job', op: '=', value: scrapeJob }]]);
          continue;
        }
        expect([where, metric, exported.has(metric)]).toEqual([where, metric, true]);
      }
    }
  });

  it("the labels they match and group by are the metrics' own", () => {
    const registry = new HubMetrics({ defaultMetrics: true }).registry;
    const labelsOf = (series: string): string[] => {
      const base = series.replace(/_(bucket|sum|count)$/, '');
      const metric = registry.getSingleMetric(series) ?? registry.getSingleMetric(base);
      const own = (metric as unknown as { labelNames?: string[] } | undefined)?.labelNames ?? [];
      // Prometheus adds instance and job to every series; buckets carry le.
      return [...own, 'instance', 'job', ...(series.endsWith('_bucket') ? ['le'] : [])];
    };
    for (const { where, expr } of expressions) {
      const { selectors, groupings } = read(expr);
      for (const { metric, matchers } of selectors) {
        for (const { label } of matchers) {
          expect([where, metric, label, labelsOf(metric).includes(label)]).toEqual([
            where,
            metric,
            label,
            true,
          ]);
        }
      }
      for (const { labels, metrics } of groupings) {
        const known = new Set(metrics.flatMap(labelsOf));
        expect([where, labels.filter((l) => !known.has(l))]).toEqual([where, []]);
      }
    }
  });

  it('the label values they compare with are values the hub reports', () => {
    const allowed: Record<string, Set<string>> = {
      'hub_connectors status': reportedValues(metricsText, 'hub_connectors', 'status'),
      'hub_sync_runs_total status': new Set(Object.values(SyncRunStatus)),
      'hub_graph_subscriptions state': new Set(SUBSCRIPTION_STATES),
      'up job': new Set([scrapeJob]),
    };
    expect(allowed['hub_connectors status']).toContain('UNAUTHORIZED');
    for (const { where, expr } of expressions) {
      for (const { metric, matchers } of read(expr).selectors) {
        for (const { label, op, value } of matchers) {
          const values = allowed[`${metric} ${label}`];
          // A matcher on a label not listed here: add its values above.
          expect([where, metric, label, op, values?.has(value)]).toEqual([
            where,
            metric,
            label,
            expect.stringMatching(/^!?=$/),
            true,
          ]);
        }
      }
    }
  });
});

/** Text files a reader may be sent to docs/operations.md from. */
function referringFiles(): string[] {
  const root = projectRoot();
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? walk(full) : [full];
    });
  return [
    ...['deploy', 'docs', 'scripts', 'src', 'test'].flatMap((dir) => walk(path.join(root, dir))),
    ...['README.md', '.env.example', 'Dockerfile'].map((f) => path.join(root, f)),
  ].filter((f) => /(\.(ts|js|md|ya?ml|json|sh|example)|Caddyfile|Dockerfile)$/.test(f));
}

describe('docs/operations.md', () => {
  const doc = readFileSync(path.join(projectRoot(), 'docs', 'operations.md'), 'utf8');
  const section = /^## Alerts\n([\s\S]*?)(?=^## )/m.exec(doc)?.[1] ?? '';
  const headings = [...section.matchAll(/^### (.+)$/gm)].map((m) => m[1]!.trim());

  it('one heading per alert, in the Alerts section, and none for an alert that does not exist', () => {
    expect([...headings].sort()).toEqual(rules.map((r) => r.alert).sort());
  });

  it('has every section other files send readers to, by name or by link', () => {
    const all = [...doc.matchAll(/^#{1,4} (.+)$/gm)].map((m) => m[1]!.trim());
    const names = new Set([...all, ...all.map((h) => h.replace(/ \(`[^`]*`\)$/, ''))]);
    const anchors = new Set(all.map(anchor));
    const wanted: string[] = [];
    for (const file of referringFiles()) {
      // A quoted section name may run over a comment's line break.
      const text = readFileSync(file, 'utf8').replace(/\n\s*(#|\/\/|\*)?\s*/g, ' ');
      const where = path.relative(projectRoot(), file);
      for (const m of text.matchAll(/operations\.md,? \(?"([^"]+)"/g))
        wanted.push(`${where}: "${m[1]}"`);
      for (const m of text.matchAll(/operations\.md#([a-z0-9-]+)/g))
        wanted.push(`${where}: #${m[1]}`);
    }
    expect(wanted.length).toBeGreaterThan(20);
    const missing = wanted.filter((w) => {
      const target = w.slice(w.indexOf(': ') + 2);
      return target.startsWith('#')
        ? !anchors.has(target.slice(1))
        : !names.has(target.slice(1, -1));
    });
    expect(missing).toEqual([]);
  });

  it("each alert's runbook annotation links to its heading; each has a severity and a summary", () => {
    for (const rule of rules) {
      expect([rule.alert, rule.annotations.runbook]).toEqual([
        rule.alert,
        `docs/operations.md#${anchor(rule.alert)}`,
      ]);
      expect([rule.alert, rule.labels.severity]).toEqual([
        rule.alert,
        expect.stringMatching(/^(critical|warning|info)$/),
      ]);
      expect(rule.annotations.summary.length).toBeGreaterThan(10);
    }
  });
});
