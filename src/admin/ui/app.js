// dbaas-sim dashboard: reads the control API, follows /_sim/events, and shows every
// control-API error it gets. No framework, no build step, nothing from another origin.
'use strict';

(() => {
  const $ = (sel) => document.querySelector(sel);
  const MAX_ROWS = 300;
  const MAX_EVENTS = 200;

  // ------------------------------------------------------------------ admin token
  // `#token=TOKEN` in the URL, or asked for once a request is answered 401; sent as
  // `Authorization: Bearer TOKEN` on every request (for `--admin-token`).
  let token = null;
  function readToken() {
    const m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
    if (m) {
      token = decodeURIComponent(m[1]);
      sessionStorage.setItem('dbaas-sim-token', token);
      // Keep the token out of the address bar, history and screenshots.
      history.replaceState(null, '', location.pathname + location.search);
    } else {
      token = sessionStorage.getItem('dbaas-sim-token');
    }
  }
  function askToken() {
    const t = window.prompt('This simulator asks for an admin token (Authorization: Bearer):');
    if (!t) return false;
    token = t;
    sessionStorage.setItem('dbaas-sim-token', t);
    return true;
  }
  function authHeaders(extra) {
    const h = Object.assign({}, extra || {});
    if (token) h.Authorization = 'Bearer ' + token;
    return h;
  }

  // ------------------------------------------------------------------ errors
  function showError(message) {
    $('#error-text').textContent = message;
    $('#error').hidden = false;
    console.error(message);
  }
  function clearError() {
    $('#error').hidden = true;
    $('#error-text').textContent = '';
  }

  class ApiError extends Error {}

  // One control-API call. A failure is shown on the page and rethrown.
  async function api(method, path, body, asked) {
    const headers = authHeaders({ Accept: 'application/json' });
    let payload;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, { method, headers, body: payload, cache: 'no-store' });
    } catch (e) {
      const msg = `${method} ${path}: the simulator does not answer (${e.message})`;
      showError(msg);
      throw new ApiError(msg);
    }
    if (res.status === 401 && !asked && askToken()) return api(method, path, body, true);
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (_) { json = null; }
    if (!res.ok) {
      const detail = (json && (json.error || json.message)) || text || res.statusText;
      const msg = `${method} ${path}: ${res.status} ${detail}`;
      showError(msg);
      throw new ApiError(msg);
    }
    return json;
  }

  // ------------------------------------------------------------------ helpers
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null) continue;
      if (k === 'class') e.className = v;
      else if (k.startsWith('data-')) e.setAttribute(k, v);
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e[k] = v;
    }
    for (const c of children) {
      if (c === undefined || c === null) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }
  const compact = (v) => (v === undefined || v === null ? '' : JSON.stringify(v));
  function stateClass(s) {
    const v = String(s || '').toLowerCase();
    if (/(fail|error|degrad|degener|err$|partially)/.test(v)) return 'bad';
    if (/^(running|active|available|enabled|provisioned|processed|succeeded|completed|done|ok)$/.test(v)) return 'ok';
    if (/(ing$|^new$|^ready$|^build$|^begin_|async_wait|^pending|^queued|^resize|^reboot|^backup)/.test(v)) return 'busy';
    return 'idle';
  }
  function stateOf(r) {
    for (const k of ['state', 'status', 'lifecycleState']) {
      if (typeof r[k] === 'string') return r[k];
    }
    return null;
  }
  function idOf(r) {
    for (const k of ['id', 'keyId', 'userId', 'name']) {
      if (r[k] !== undefined && r[k] !== null && typeof r[k] !== 'object') return String(r[k]);
    }
    return '';
  }
  function duration(ms) {
    const s = Math.floor(ms / 1000);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return `${h}h ${String(m).padStart(2, '0')}m ${String(sec).padStart(2, '0')}s`;
  }
  // Runs `fn` once soon, however often it is asked for in the meantime.
  const pending = {};
  function soon(name, fn, ms) {
    if (pending[name]) return;
    pending[name] = setTimeout(async () => {
      pending[name] = null;
      try { await fn(); } catch (_) { /* shown by api() */ }
    }, ms === undefined ? 60 : ms);
  }

  // ------------------------------------------------------------------ health
  let providers = [];
  async function refreshHealth() {
    const h = await api('GET', '/_sim/health');
    providers = h.providers || [];
    $('#health').textContent = `providers: ${providers.join(', ')} · seed ${h.seed} · clock ${h.clock}`;
    const select = $('#filter-provider');
    const chosen = select.value;
    select.replaceChildren(el('option', { value: '' }, 'any'), ...providers.map((p) => el('option', { value: p }, p)),
      el('option', { value: 'sim' }, 'sim (control API)'), el('option', { value: 'none' }, 'none (no route)'));
    select.value = chosen;
  }

  // ------------------------------------------------------------------ clock
  let clock = null;
  let clockFetchedAt = 0;
  function renderClock() {
    if (!clock) return;
    let elapsed = clock.elapsedMs;
    let now = clock.now;
    if (clock.mode !== 'manual') {
      // Real or scaled: extrapolate between fetches instead of polling.
      const extra = (Date.now() - clockFetchedAt) * (clock.speed || 1);
      elapsed += extra;
      now = new Date(Date.parse(clock.now) + extra).toISOString().replace(/\.\d+Z$/, 'Z');
    }
    $('#clock-now').textContent = now;
    $('#clock-mode').textContent = clock.mode === 'scaled' ? `scaled ×${clock.speed}` : clock.mode;
    $('#clock-elapsed').textContent = duration(elapsed);
    $('#clock-pending').textContent = String(clock.pendingTransitions);
  }
  async function refreshClock() {
    clock = await api('GET', '/_sim/clock');
    clockFetchedAt = Date.now();
    renderClock();
  }

  // ------------------------------------------------------------------ resources
  const lastStates = new Map();
  function renderState(dump) {
    const showAll = $('#show-static').checked;
    const root = $('#resources');
    const parts = [];
    for (const [provider, kinds] of Object.entries(dump.providers || {})) {
      const card = el('div', { class: 'provider', 'data-provider': provider }, el('h3', {}, provider));
      let shown = 0;
      for (const [kind, items] of Object.entries(kinds || {})) {
        if (!Array.isArray(items) || items.length === 0) continue;
        const objects = items.filter((r) => r && typeof r === 'object');
        const stateful = objects.some((r) => stateOf(r) !== null);
        if (!stateful && !showAll) continue;
        shown += 1;
        const body = el('tbody');
        for (const r of objects) {
          const id = idOf(r);
          const state = stateOf(r);
          const key = `${provider}/${kind}/${id}`;
          const changed = lastStates.has(key) && lastStates.get(key) !== state;
          lastStates.set(key, state);
          const name = r.name !== undefined && typeof r.name !== 'object' ? String(r.name) : (r.displayName || '');
          body.append(el('tr', {
            class: changed ? 'resource changed' : 'resource',
            'data-provider': provider, 'data-kind': kind, 'data-id': id, 'data-state': state || '',
          },
          el('td', { class: 'mono' }, id),
          el('td', {}, name),
          el('td', {}, state === null ? '' : el('span', { class: `state ${stateClass(state)}` }, state)),
          el('td', {}, el('details', {}, el('summary', {}, 'json'), el('pre', {}, JSON.stringify(r, null, 2))))));
        }
        card.append(el('h4', {}, `${kind} (${objects.length})`),
          el('table', { class: 'kind', 'data-kind': kind },
            el('thead', {}, el('tr', {}, el('th', {}, 'id'), el('th', {}, 'name'), el('th', {}, 'state'), el('th', {}, ''))),
            body));
      }
      if (shown === 0) card.append(el('p', { class: 'muted' }, 'no resources yet'));
      parts.push(card);
    }
    root.replaceChildren(...parts);

    const rows = (dump.pending || []).map((p) => el('tr', {},
      el('td', { class: 'mono' }, p.due),
      el('td', {}, (p.event && p.event.provider) || ''),
      el('td', { class: 'mono' }, compact(p.event && p.event.event))));
    $('#pending tbody').replaceChildren(...rows);
  }
  async function refreshState() {
    renderState(await api('GET', '/_sim/state'));
  }

  // ------------------------------------------------------------------ faults
  function renderFaults(list) {
    const rows = list.map((f) => el('tr', { class: 'fault', 'data-id': f.id },
      el('td', { class: 'mono' }, f.id),
      el('td', { class: 'mono' }, compact(f.match)),
      el('td', { class: 'mono' }, compact(f.action)),
      el('td', { class: 'mono' }, compact(f.schedule)),
      el('td', {}, f.matched),
      el('td', { class: 'fired' }, f.fired),
      el('td', {}, el('button', {
        type: 'button', class: 'remove-fault danger', title: `DELETE /_sim/faults/${f.id}`,
        onclick: () => removeFault(f.id),
      }, 'remove'))));
    if (rows.length === 0) rows.push(el('tr', {}, el('td', { colSpan: 7, class: 'muted' }, 'no fault rules')));
    $('#faults tbody').replaceChildren(...rows);
  }
  async function refreshFaults() {
    const r = await api('GET', '/_sim/faults');
    renderFaults(r.faults || []);
  }
  async function removeFault(id) {
    await api('DELETE', `/_sim/faults/${encodeURIComponent(id)}`);
    await refreshFaults();
  }

  // ------------------------------------------------------------------ requests
  function filters() {
    const f = {};
    for (const name of ['provider', 'method', 'path', 'status', 'operation']) {
      const v = $(`#filter-${name}`).value.trim();
      if (v) f[name] = v;
    }
    return f;
  }
  function pathMatches(pattern, path) {
    const pat = pattern.replace(/^\/+|\/+$/g, '').split('/');
    const segs = path.replace(/^\/+|\/+$/g, '').split('/');
    if (!pattern.includes('*')) return segs.length >= pat.length && pat.every((p, i) => p === segs[i]);
    const glob = (i, j) => {
      if (i === pat.length) return j === segs.length;
      if (pat[i] === '**') {
        for (let k = j; k <= segs.length; k += 1) if (glob(i + 1, k)) return true;
        return false;
      }
      return j < segs.length && (pat[i] === '*' || pat[i] === segs[j]) && glob(i + 1, j + 1);
    };
    return glob(0, 0);
  }
  function wanted(e) {
    const f = filters();
    if (!$('#show-control').checked && e.provider === 'sim' && f.provider !== 'sim') return false;
    if (f.provider && e.provider !== f.provider) return false;
    if (f.method && e.method.toUpperCase() !== f.method.toUpperCase()) return false;
    if (f.status && String(e.status) !== f.status) return false;
    if (f.operation && e.operation !== f.operation) return false;
    if (f.path && !pathMatches(f.path, e.path)) return false;
    return true;
  }
  function requestRow(e) {
    return el('tr', { class: 'request', 'data-seq': e.seq, 'data-provider': e.provider, 'data-status': e.status },
      el('td', {}, e.seq),
      el('td', { class: 'mono' }, e.simTime),
      el('td', {}, e.method),
      el('td', { class: 'mono' }, e.path + (e.query ? `?${e.query}` : '')),
      el('td', {}, e.provider),
      el('td', {}, e.operation),
      el('td', { class: e.status >= 400 ? 'status-err' : '' }, e.status),
      el('td', {}, e.latencyUs),
      el('td', { class: 'mono' }, e.fault || ''));
  }
  // Requests that arrived live while a reload of the table was in flight: the reload's
  // answer may predate them, so they are added again after it replaced the rows.
  let arrivedDuringReload = null;
  async function refreshRequests() {
    const query = new URLSearchParams(filters()).toString();
    const arrived = [];
    arrivedDuringReload = arrived;
    try {
      const r = await api('GET', `/_sim/requests${query ? `?${query}` : ''}`);
      const rows = (r.requests || []).filter(wanted).slice(-MAX_ROWS).reverse().map(requestRow);
      $('#requests tbody').replaceChildren(...rows);
    } finally {
      if (arrivedDuringReload === arrived) arrivedDuringReload = null;
      for (const e of arrived) addRequest(e);
    }
  }
  function addRequest(e) {
    if (arrivedDuringReload && arrivedDuringReload.length < MAX_ROWS) arrivedDuringReload.push(e);
    if (!wanted(e)) return;
    const body = $('#requests tbody');
    // A reload of the table may already show it.
    if (e.seq && body.querySelector(`tr[data-seq="${e.seq}"]`)) return;
    body.prepend(requestRow(e));
    while (body.rows.length > MAX_ROWS) body.deleteRow(-1);
  }

  // ------------------------------------------------------------------ live events
  function logEvent(type, data) {
    let text;
    switch (type) {
      case 'transition': text = `${data.provider} ${data.kind} ${data.id}: ${data.from} → ${data.to} (${data.at})`; break;
      case 'request': text = `${data.method} ${data.path} → ${data.status} (${data.provider} ${data.operation})`; break;
      case 'clock': text = `clock ${data.change}: ${data.now}`; break;
      case 'fault': text = `fault rules ${data.change}${data.ids ? `: ${data.ids.join(', ')}` : ''}${data.id ? `: ${data.id}` : ''}`; break;
      case 'lagged': text = `fell behind: ${data.dropped} events dropped (reloaded)`; break;
      default: text = `${type}: ${compact(data)}`;
    }
    const list = $('#events');
    list.prepend(el('li', { class: type }, text));
    while (list.children.length > MAX_EVENTS) list.lastChild.remove();
  }
  function onEvent(type, data) {
    const quiet = type === 'request' && data.provider === 'sim' && data.method === 'GET';
    if (!quiet || $('#show-control').checked) logEvent(type, data);
    switch (type) {
      case 'transition':
        soon('state', refreshState);
        soon('clock', refreshClock);
        break;
      case 'request':
        addRequest(data);
        if (data.method !== 'GET' && data.method !== 'HEAD') {
          soon('state', refreshState);
          soon('clock', refreshClock);
        }
        break;
      case 'clock':
        soon('clock', refreshClock);
        soon('state', refreshState);
        break;
      case 'fault':
        soon('faults', refreshFaults, 150);
        break;
      case 'lagged':
        soon('all', refreshAll);
        break;
      default:
    }
  }
  function dispatch(block) {
    let type = 'message';
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;
    let parsed;
    try { parsed = JSON.parse(data.join('\n')); } catch (_) { return; }
    onEvent(type, parsed);
  }
  function setLive(on, text) {
    const live = $('#live');
    live.className = on ? 'live on' : 'live off';
    live.textContent = text || (on ? 'live' : 'disconnected');
    document.body.dataset.live = on ? 'on' : 'off';
  }
  // Follows /_sim/events with fetch (not EventSource, which cannot send a token), and
  // reconnects with a growing pause. After every (re)connect the page reloads what it
  // shows, so nothing between two connections is missed.
  async function follow() {
    let delay = 500;
    for (;;) {
      try {
        const res = await fetch('/_sim/events', { headers: authHeaders({ Accept: 'text/event-stream' }), cache: 'no-store' });
        if (res.status === 401 && askToken()) continue;
        if (!res.ok || !res.body) throw new Error(`GET /_sim/events: ${res.status}`);
        setLive(true);
        delay = 500;
        refreshAll().catch(() => {});
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let i;
          while ((i = buf.search(/\r?\n\r?\n/)) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i).replace(/^\r?\n\r?\n/, '');
            dispatch(block);
          }
        }
      } catch (_) { /* reconnect below */ }
      setLive(false, 'reconnecting…');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }

  // ------------------------------------------------------------------ actions
  async function refreshAll() {
    await refreshHealth();
    await Promise.all([refreshClock(), refreshState(), refreshFaults(), refreshRequests()]);
  }
  async function advance(seconds) {
    if (!Number.isFinite(seconds)) {
      showError('advance: seconds must be a number');
      return;
    }
    const r = await api('POST', '/_sim/clock/advance', { seconds });
    const n = (r.transitions || []).length;
    $('#advance-result').textContent = `now ${r.now}: ${n} transition${n === 1 ? '' : 's'} applied`;
    clearError();
    await Promise.all([refreshClock(), refreshState()]);
  }
  function wire() {
    $('#error-close').addEventListener('click', clearError);
    $('#advance-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const raw = $('#advance-seconds').value;
      advance(raw === '' ? NaN : Number(raw)).catch(() => {});
    });
    for (const b of document.querySelectorAll('button.quick')) {
      b.addEventListener('click', () => advance(Number(b.dataset.seconds)).catch(() => {}));
    }
    $('#reset-button').addEventListener('click', () => {
      api('POST', '/_sim/reset').then(() => { lastStates.clear(); clearError(); return refreshAll(); }).catch(() => {});
    });
    $('#fault-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      let rule;
      try {
        rule = JSON.parse($('#fault-rule').value);
      } catch (e) {
        showError(`the fault rule is not JSON: ${e.message}`);
        return;
      }
      api('POST', '/_sim/faults', rule).then(() => { clearError(); return refreshFaults(); }).catch(() => {});
    });
    $('#clear-faults').addEventListener('click', () => {
      api('DELETE', '/_sim/faults').then(refreshFaults).catch(() => {});
    });
    $('#request-filters').addEventListener('submit', (ev) => {
      ev.preventDefault();
      refreshRequests().then(clearError).catch(() => {});
    });
    $('#show-control').addEventListener('change', () => refreshRequests().catch(() => {}));
    $('#show-static').addEventListener('change', () => refreshState().catch(() => {}));
    setInterval(() => { if (clock && clock.mode !== 'manual') renderClock(); }, 1000);
  }

  readToken();
  wire();
  follow();
})();
