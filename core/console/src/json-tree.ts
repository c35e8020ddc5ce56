import { element, type Child } from './dom.js';

/** Most entries one tree shows; past it a line says how many were left out (a tool may return a lot). */
export const MAX_JSON_TREE_ENTRIES = 1_000;
/** Deepest nesting shown as a tree; deeper values are shown as their JSON text. */
export const MAX_JSON_TREE_DEPTH = 24;

/**
 * JSON as a collapsible tree: every object and array is a `<details>` (the outer levels open) whose
 * summary names its key and size; leaves are typed text. Keys and values go in as text nodes only, so
 * a tool's output can never become markup.
 */
export function jsonTree(value: unknown): HTMLElement {
  const budget = { left: MAX_JSON_TREE_ENTRIES };
  return element('div', { class: 'json-tree', role: 'tree' }, node(undefined, value, 0, budget));
}

/** The tree of JSON text, or null when the text is not JSON. */
export function jsonTreeOf(text: string | undefined): HTMLElement | null {
  if (text === undefined || text === '') return null;
  try {
    return jsonTree(JSON.parse(text) as unknown);
  } catch {
    return null;
  }
}

function node(key: string | undefined, value: unknown, depth: number, budget: { left: number }): HTMLElement {
  budget.left -= 1;
  const label: Child = key === undefined ? null : element('span', { class: 'json-key' }, key);
  if (typeof value !== 'object' || value === null) {
    return element('div', { class: 'json-leaf', role: 'treeitem' }, label, key === undefined ? null : ': ', leaf(value));
  }
  const entries: Array<[string, unknown]> = Array.isArray(value) ? value.map((item, index) => [String(index), item]) : Object.entries(value);
  const size = Array.isArray(value) ? `[${entries.length} ${entries.length === 1 ? 'item' : 'items'}]` : `{${entries.length} ${entries.length === 1 ? 'key' : 'keys'}}`;
  const summary = element('summary', {}, label, key === undefined ? null : ': ', element('span', { class: 'json-size' }, size));
  if (depth >= MAX_JSON_TREE_DEPTH) {
    return element('details', { class: 'json-node', role: 'treeitem' }, summary, element('code', { class: 'json-too-deep' }, JSON.stringify(value)));
  }
  const children: HTMLElement[] = [];
  for (const [childKey, childValue] of entries) {
    if (budget.left <= 0) {
      children.push(element('div', { class: 'json-more muted' }, `… ${entries.length - children.length} more not shown`));
      break;
    }
    children.push(node(childKey, childValue, depth + 1, budget));
  }
  return element('details', { class: 'json-node', role: 'treeitem', open: depth < 2 }, summary, element('div', { class: 'json-children', role: 'group' }, ...children));
}

function leaf(value: unknown): HTMLElement {
  if (typeof value === 'string') return element('span', { class: 'json-value json-string' }, JSON.stringify(value));
  if (typeof value === 'number') return element('span', { class: 'json-value json-number' }, String(value));
  if (typeof value === 'boolean') return element('span', { class: 'json-value json-boolean' }, String(value));
  return element('span', { class: 'json-value json-null' }, 'null');
}
