export { compileTemplate, type CompiledTemplate, type FillResult } from './compile.js';
export { escapeHtml } from './html.js';
export { parseTemplate } from './parse.js';
export { PLACEHOLDER_NAME } from './placeholders.js';
export { renderTemplate, templatePlaceholders } from './render.js';
export type { Template } from './template.js';
