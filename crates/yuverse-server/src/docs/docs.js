// Renders the OpenAPI document as a list of operations grouped by tag, with their parameters,
// request body and responses; schemas are shown as JSON with $refs resolved one level.
(async function () {
  const meta = document.getElementById('meta');
  const content = document.getElementById('content');
  const filter = document.getElementById('filter');
  let spec;
  try {
    spec = await (await fetch('/api/v1/openapi.json')).json();
  } catch (e) {
    meta.textContent = 'OpenAPI document unavailable: ' + e;
    return;
  }
  meta.textContent = `OpenAPI ${spec.openapi} · ${spec.info.title} ${spec.info.version} · ${spec.info.description || ''}`;
  const schemas = (spec.components && spec.components.schemas) || {};
  const resolve = (s) => (s && s.$ref ? schemas[s.$ref.split('/').pop()] || s : s);
  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    Object.assign(e, attrs || {});
    for (const c of children) e.append(c);
    return e;
  };
  const groups = new Map();
  for (const [path, item] of Object.entries(spec.paths || {})) {
    for (const [verb, op] of Object.entries(item)) {
      const tag = (op.tags && op.tags[0]) || 'other';
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag).push({ path, verb, op });
    }
  }
  const render = () => {
    const needle = filter.value.trim().toLowerCase();
    content.replaceChildren();
    for (const [tag, ops] of groups) {
      const shown = ops.filter(({ path, op }) =>
        !needle || path.toLowerCase().includes(needle) || (op.summary || op.description || '').toLowerCase().includes(needle));
      if (!shown.length) continue;
      const section = el('section', {}, el('h2', { textContent: tag }));
      for (const { path, verb, op } of shown) {
        const body = el('div', { className: 'body' });
        body.append(el('p', { textContent: op.description || op.summary || '' }));
        if (op.parameters && op.parameters.length) {
          const table = el('table', {}, el('tr', {}, el('th', { textContent: 'name' }), el('th', { textContent: 'in' }), el('th', { textContent: 'description' })));
          for (const p of op.parameters) {
            table.append(el('tr', {}, el('td', { textContent: p.name }), el('td', { textContent: p.in }), el('td', { textContent: p.description || '' })));
          }
          body.append(table);
        }
        const reqSchema = op.requestBody && op.requestBody.content && Object.values(op.requestBody.content)[0];
        if (reqSchema) {
          body.append(el('p', { textContent: 'Request body' }), el('pre', { textContent: JSON.stringify(resolve(reqSchema.schema), null, 2) }));
        }
        for (const [status, r] of Object.entries(op.responses || {})) {
          const c = r.content && Object.values(r.content)[0];
          body.append(el('p', { textContent: `${status} ${r.description || ''}` }));
          if (c && c.schema) body.append(el('pre', { textContent: JSON.stringify(resolve(c.schema), null, 2) }));
        }
        const summary = el('summary', {}, el('span', { className: 'verb ' + verb, textContent: verb.toUpperCase() }), ` ${path}  ${op.summary || ''}`);
        section.append(el('details', {}, summary, body));
      }
      content.append(section);
    }
  };
  filter.addEventListener('input', render);
  render();
})();
