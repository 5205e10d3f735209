import type { JsonSchema, OpenApiDocument } from './openapi.js';
import { PROBLEM_TYPES, problemType } from './problem.js';

/**
 * Renders the OpenAPI document as one self-contained HTML page: every operation with its
 * parameters, body and responses, the schemas, and the problem types. No scripts and nothing
 * loaded from elsewhere, so it works offline and under a strict Content-Security-Policy.
 */
export function renderDocsPage(document: OpenApiDocument): string {
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
  );
  const tags = [...new Set(operations.flatMap(({ operation }) => operation.tags))];
  const sections = tags.map((tag) => {
    const items = operations.filter(({ operation }) => operation.tags.includes(tag));
    return `<section><h2>${escape(tag)}</h2>${items.map(({ path, method, operation }) => renderOperation(method, path, operation)).join('')}</section>`;
  });
  const schemas = Object.entries(document.components.schemas)
    .map(([name, schema]) => `<details id="schema-${escape(name)}"><summary><code>${escape(name)}</code></summary>${json(schema)}</details>`)
    .join('');
  const problems = Object.entries(PROBLEM_TYPES)
    .map(([code, { status, title }]) => `<tr id="problem-${code}"><td><code>${problemType(code)}</code></td><td>${status}</td><td>${escape(title)}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(document.info.title)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2rem auto;padding:0 1rem;color:#1d232a}
code,pre{font:13px/1.4 ui-monospace,monospace}pre{background:#f5f6f8;padding:.75rem;overflow:auto;border-radius:4px}
.op{border:1px solid #d9dde3;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
.method{display:inline-block;min-width:4.5rem;font-weight:700}.lock{color:#8a5a00;font-size:12px}
table{border-collapse:collapse}td,th{border-bottom:1px solid #e4e7eb;padding:.25rem .6rem;text-align:left;vertical-align:top}
</style></head><body>
<h1>${escape(document.info.title)} <small>${escape(document.info.version)}</small></h1>
<p>${prose(document.info.description)}</p>
<p>Machine-readable: <a href="docs/openapi.json">/docs/openapi.json</a> (OpenAPI ${document.openapi}).</p>
${sections.join('\n')}
<section><h2>Problem types</h2><p>Every error is <code>application/problem+json</code> (RFC 9457) with these types; validation problems list each field in <code>errors</code>.</p>
<table><tr><th>type</th><th>status</th><th>title</th></tr>${problems}</table></section>
<section><h2>Schemas</h2>${schemas}</section>
</body></html>
`;
}

function renderOperation(method: string, path: string, operation: OpenApiDocument['paths'][string][string]): string {
  const parameters = operation.parameters ?? [];
  const parameterRows = parameters
    .map((p) => `<tr><td><code>${escape(p.name)}</code></td><td>${p.in}</td><td>${p.required ? 'required' : 'optional'}</td><td>${prose(p.description ?? '')} ${schemaSummary(p.schema)}</td></tr>`)
    .join('');
  const body = operation.requestBody?.content['application/json']?.schema;
  const responses = Object.entries(operation.responses)
    .map(([status, response]) => {
      const content = Object.entries(response.content ?? {})[0];
      const type = content ? ` <code>${escape(content[0])}</code> ${schemaSummary(content[1].schema)}` : '';
      return `<tr><td>${status}</td><td>${prose(response.description)}${type}</td></tr>`;
    })
    .join('');
  return `<div class="op" id="${escape(operation.operationId)}">
<h3><span class="method">${method.toUpperCase()}</span> <code>${escape(path)}</code> ${operation.security ? '<span class="lock">API key</span>' : ''}</h3>
<p>${escape(operation.summary)}.${operation.description ? ` ${prose(operation.description)}` : ''}</p>
${parameters.length > 0 ? `<table><tr><th>parameter</th><th>in</th><th></th><th></th></tr>${parameterRows}</table>` : ''}
${body ? `<p>Body (<code>application/json</code>): ${schemaSummary(body)}</p>` : ''}
<table><tr><th>status</th><th>response</th></tr>${responses}</table>
</div>`;
}

/** A link to a component schema, or the inline schema itself. */
function schemaSummary(schema: JsonSchema): string {
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const name = ref.split('/').at(-1) ?? ref;
    return `<a href="#schema-${escape(name)}"><code>${escape(name)}</code></a>`;
  }
  return `<code>${escape(JSON.stringify(schema))}</code>`;
}

function json(value: unknown): string {
  return `<pre>${escape(JSON.stringify(value, null, 2))}</pre>`;
}

/** Escapes descriptive text, rendering `backquoted` spans as code. */
function prose(text: string): string {
  return escape(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** Escapes text for HTML content and attribute values. */
export function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
